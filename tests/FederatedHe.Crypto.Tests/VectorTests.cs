using System.Buffers.Binary;
using FederatedHe.Crypto.Ckks;
using FederatedHe.Crypto.Rlwe;

namespace FederatedHe.Crypto.Tests;

public class VectorTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4096)]
    [InlineData(10001)]
    public void A_vector_of_any_length_round_trips_through_as_many_ciphertexts_as_it_needs(int length)
    {
        var ctx = SharedContexts.For(nameof(CkksPresets.Params128BitLogN13FedAvg));
        var values = CkksContext.RandomValues(new Random(length), length, 100);
        var encryptor = new VectorEncryptor(ctx.Parameters, ctx.PublicKey);
        var decryptor = new VectorDecryptor(ctx.Parameters, ctx.SecretKey);
        var vector = encryptor.Encrypt(values);
        Assert.Equal(length, vector.Length);
        Assert.Equal((length + 4095) / 4096, vector.ChunkCount);
        Assert.True(CkksContext.MaxError(values, decryptor.Decrypt(vector)) <= ctx.Parameters.FreshEncryptionErrorHeuristic);
    }

    [Fact]
    public void Float_vectors_round_trip_within_the_documented_bound_plus_float_rounding()
    {
        var ctx = SharedContexts.For(nameof(CkksPresets.Params128BitLogN13FedAvg));
        var values = CkksContext.RandomValues(new Random(31), 5000, 100).Select(v => (float)v).ToArray();
        var vector = new VectorEncryptor(ctx.Parameters, ctx.SecretKey).Encrypt(values);
        var decrypted = new float[values.Length];
        new VectorDecryptor(ctx.Parameters, ctx.SecretKey).Decrypt(vector, decrypted);
        for (int i = 0; i < values.Length; i++)
        {
            double tolerance = ctx.Parameters.FreshEncryptionErrorHeuristic + (Math.Abs(values[i]) * 6e-8);
            Assert.True(Math.Abs(values[i] - decrypted[i]) <= tolerance, $"element {i}: {values[i]} vs {decrypted[i]}");
        }
    }

    [Fact]
    public void Four_hospitals_vectors_sum_and_average_to_the_plaintext_results_within_1e_6()
    {
        var ctx = SharedContexts.For(nameof(CkksPresets.Params128BitLogN13LogQ101));
        var random = new Random(32);
        var updates = Enumerable.Range(0, 4).Select(_ => CkksContext.RandomValues(random, 9000, 100)).ToArray();
        var encryptor = new VectorEncryptor(ctx.Parameters, ctx.PublicKey);
        var encrypted = updates.Select(u => encryptor.EncryptParallel(u, 2)).ToList();
        var evaluator = new VectorEvaluator(ctx.Parameters);
        var decryptor = new VectorDecryptor(ctx.Parameters, ctx.SecretKey);

        var sum = evaluator.Sum(encrypted);
        var expectedSum = Enumerable.Range(0, 9000).Select(j => updates.Sum(u => u[j])).ToArray();
        Assert.True(CkksContext.MaxError(expectedSum, decryptor.DecryptParallel(sum, 2)) < 1e-6);

        double[] weights = [0.1, 0.2, 0.3, 0.4];
        var mean = evaluator.WeightedSum(encrypted, weights);
        var expectedMean = Enumerable.Range(0, 9000).Select(j => Enumerable.Range(0, 4).Sum(i => weights[i] * updates[i][j])).ToArray();
        Assert.True(CkksContext.MaxError(expectedMean, decryptor.Decrypt(mean)) < 1e-6);
    }

    [Fact]
    public void Chunk_ranges_can_be_processed_separately_and_give_the_same_result_as_the_whole_vector()
    {
        var ctx = SharedContexts.For(nameof(CkksPresets.Params128BitLogN13FedAvg));
        var random = new Random(33);
        var a = CkksContext.RandomValues(random, 20000, 100);
        var b = CkksContext.RandomValues(random, 20000, 100);
        var encryptor = new VectorEncryptor(ctx.Parameters, ctx.PublicKey);
        var ea = encryptor.Encrypt(a);
        var eb = encryptor.Encrypt(b);
        var evaluator = new VectorEvaluator(ctx.Parameters);
        var whole = evaluator.AddNew(ea, eb);
        var split = ea.Clone();
        Parallel.Invoke(
            () => evaluator.AddInPlace(split, eb, 0..2),
            () => evaluator.AddInPlace(split, eb, 2..));
        for (int k = 0; k < whole.ChunkCount; k++)
        {
            Assert.Equal(whole[k].C0.Coefficients.ToArray(), split[k].C0.Coefficients.ToArray());
        }

        var tripled = evaluator.MultiplyConstNew(whole, 3);
        var expected = a.Zip(b, (x, y) => 3 * (x + y)).ToArray();
        Assert.True(CkksContext.MaxError(expected, new VectorDecryptor(ctx.Parameters, ctx.SecretKey).Decrypt(tripled)) < 1e-6);
    }

    [Fact]
    public void Vectors_of_different_lengths_cannot_be_added()
    {
        var ctx = SharedContexts.For(nameof(CkksPresets.Params128BitLogN13FedAvg));
        var encryptor = new VectorEncryptor(ctx.Parameters, ctx.PublicKey);
        var evaluator = new VectorEvaluator(ctx.Parameters);
        Assert.Throws<ArgumentException>(() => evaluator.AddNew(encryptor.Encrypt(new double[10]), encryptor.Encrypt(new double[11])));
    }

    [Fact]
    public void A_streamed_vector_declaring_more_bytes_than_its_chunks_can_take_is_refused_before_any_chunk_is_read()
    {
        var ctx = SharedContexts.For(nameof(CkksPresets.Params128BitLogN13FedAvg));
        byte[] bytes = new VectorEncryptor(ctx.Parameters, ctx.PublicKey).Encrypt(new double[5000]).ToBytes();
        const int Prefix = WireFormat.HeaderLength + 12; // header, then length u64 and chunk count u32
        long largest = 12 + (2 * Ciphertext.MaxSerializedSize(ctx.Parameters));
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(40), (ulong)largest + 1);
        using var stream = new MemoryStream(bytes);

        var refused = Assert.Throws<CkksFormatException>(() => EncryptedVector.ReadFrom(ctx.Parameters, stream));
        Assert.Equal("length", refused.Field);
        Assert.Equal(Prefix, stream.Position);
    }
}
