using FederatedHe.Crypto.Ckks;
using FederatedHe.Crypto.Ring;
using FederatedHe.Crypto.Rlwe;

namespace FederatedHe.Crypto.Tests;

/// <summary>The fast serialization and allocation paths give exactly what the reference paths give.</summary>
public class SerializationPathTests
{
    [Theory]
    [InlineData(1024, 2)]
    [InlineData(1024, 41)]
    [InlineData(4096, 60)]
    [InlineData(8192, 61)]
    [InlineData(16384, 41)]
    [InlineData(2048, 63)]
    [InlineData(64, 50)]
    [InlineData(1000, 37)]
    public void The_vectorised_packer_writes_the_same_bytes_as_the_scalar_packer_and_unpacks_back(int count, int bits)
    {
        var random = new Random(count + bits);
        var values = new ulong[count];
        ulong bound = bits == 64 ? ulong.MaxValue : (1UL << bits) - 1;
        for (int i = 0; i < count; i++)
        {
            values[i] = (ulong)random.NextInt64() & bound;
        }

        int length = BitPacking.PackedLength(count, bits);
        var expected = new byte[length];
        BitPacking.PackScalar(values, bits, expected);
        var actual = Enumerable.Repeat((byte)0xA5, length).ToArray(); // garbage: every byte must be overwritten
        BitPacking.Pack(values, bits, actual);
        Assert.Equal(expected, actual);
        var unpacked = new ulong[count];
        Assert.Equal(-1, BitPacking.Unpack(actual, bits, ulong.MaxValue, unpacked));
        Assert.Equal(values, unpacked);
    }

    [Fact]
    public void WriteTo_a_span_gives_the_bytes_of_ToBytes_and_of_the_stream_writer_and_refuses_a_short_buffer()
    {
        var ctx = SharedContexts.For(nameof(CkksPresets.Params128BitLogN13LogQ101));
        foreach (var ciphertext in new[] { ctx.Encrypt([0.5, -0.25]), ctx.Encrypt([0.5], compact: true) })
        {
            byte[] bytes = ciphertext.ToBytes();
            Assert.Equal(ciphertext.SerializedSize, bytes.Length);
            var buffer = new byte[bytes.Length + 7];
            Assert.Equal(bytes.Length, ciphertext.WriteTo(buffer.AsSpan()));
            Assert.Equal(bytes, buffer[..bytes.Length]);
            using var stream = new MemoryStream();
            ciphertext.WriteTo(stream);
            Assert.Equal(bytes, stream.ToArray());
            Assert.False(ciphertext.TryWriteTo(new byte[bytes.Length - 1], out int written));
            Assert.Equal(0, written);
            Assert.Throws<ArgumentException>(() => ciphertext.WriteTo(new byte[10].AsSpan()));
        }
    }

    [Fact]
    public void New_results_read_as_zero_above_their_level_like_a_constructed_ciphertext()
    {
        var ctx = SharedContexts.For(nameof(CkksPresets.Params128BitLogN13LogQ101));
        var a = ctx.Encrypt([1.0, 2.0]);
        var rescaled = ctx.Evaluator.RescaleNew(ctx.Evaluator.MultiplyConstNew(a, 0.5));
        Assert.Equal(0, rescaled.Level);
        rescaled.SetLevel(1);
        Assert.All(rescaled.C0.Limb(1).ToArray(), v => Assert.Equal(0UL, v));
        Assert.All(rescaled.C1.Limb(1).ToArray(), v => Assert.Equal(0UL, v));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void SumParallel_and_MultiplyConstAndRescaleNew_equal_the_chunk_by_chunk_operations(int threads)
    {
        var ctx = SharedContexts.For(nameof(CkksPresets.Params128BitLogN13LogQ101));
        var vectorEncryptor = new VectorEncryptor(ctx.Parameters, ctx.PublicKey);
        var evaluator = new VectorEvaluator(ctx.Parameters);
        var random = new Random(threads);
        var vectors = Enumerable.Range(0, 3).Select(_ => vectorEncryptor.Encrypt(CkksContext.RandomValues(random, 10_000, 1))).ToList();

        var sum = evaluator.SumParallel(vectors, threads);
        var mean = evaluator.MultiplyConstAndRescaleNew(sum, 1.0 / 3, threads);
        for (int k = 0; k < sum.ChunkCount; k++)
        {
            var expected = ctx.Evaluator.AddNew(vectors[0][k], vectors[1][k]);
            ctx.Evaluator.AddInPlace(expected, vectors[2][k]);
            Assert.Equal(expected.ToBytes(), sum[k].ToBytes());
            var expectedMean = ctx.Evaluator.MultiplyConstNew(expected, 1.0 / 3);
            ctx.Evaluator.Rescale(expectedMean, expectedMean);
            Assert.Equal(expectedMean.ToBytes(), mean[k].ToBytes());
        }

        Assert.Equal(sum.ToBytes(), evaluator.Sum(vectors).ToBytes());
        var shorter = vectorEncryptor.Encrypt(CkksContext.RandomValues(random, 10, 1));
        Assert.Throws<ArgumentException>(() => evaluator.SumParallel([vectors[0], shorter], threads));
    }
}
