using System.Security.Cryptography;
using FederatedHe.Crypto.Ckks;
using FederatedHe.Crypto.Multiparty;
using FederatedHe.Crypto.Rlwe;

namespace FederatedHe.Crypto.Tests;

/// <summary>Keys for the aggregation preset, shared by the tests of a class.</summary>
public sealed class AggregationFixture : IDisposable
{
    public AggregationFixture()
    {
        Parameters = CkksPresets.Params128BitLogN12LogQ60Aggregation;
        SecretKey = new KeyGenerator(Parameters).GenerateSecretKey();
        Decryptor = new AggregationDecryptor(Parameters, SecretKey);
    }

    public CkksParameters Parameters { get; }

    public SecretKey SecretKey { get; }

    public AggregationDecryptor Decryptor { get; }

    public void Dispose() => SecretKey.Dispose();
}

public class AggregationTests(AggregationFixture fixture) : IClassFixture<AggregationFixture>
{
    private CkksParameters P => fixture.Parameters;

    [Fact]
    public void The_aggregation_preset_is_one_60_bit_prime_at_N_4096_with_complex_slots_and_passes_the_128_bit_table()
    {
        Assert.True(P.IsSecure);
        Assert.Equal(12, P.LogN);
        Assert.Equal(0, P.MaxLevel);
        Assert.Equal(60, P.Ring.Moduli[0].BitCount);
        Assert.True(P.LogQP <= HomomorphicEncryptionStandard.MaxLogQP(12));
        Assert.Equal(109, HomomorphicEncryptionStandard.MaxLogQP(12));
        Assert.Equal(SlotPacking.ComplexSlots, P.Packing);
        Assert.Equal(4096, P.ValuesPerCiphertext);
        Assert.Same(P, CkksPresets.All[nameof(CkksPresets.Params128BitLogN12LogQ60Aggregation)]);
        Assert.Throws<InsecureParametersException>(() => CkksParameters.Create(CkksPresets.LiteralLogN12LogQ60Aggregation with { LogQ = [60, 50] }));
    }

    [Fact]
    public void Complex_packing_is_part_of_the_identifier_and_survives_serialization_while_real_slot_identifiers_are_unchanged()
    {
        var real = CkksParameters.Create(CkksPresets.LiteralLogN12LogQ60Aggregation with { Packing = SlotPacking.RealSlots });
        Assert.NotEqual(real.Id, P.Id);
        Assert.Equal(real.SerializedSize + 1, P.SerializedSize);
        var read = CkksParameters.FromBytes(P.ToBytes());
        Assert.Equal(P.Id, read.Id);
        Assert.Equal(SlotPacking.ComplexSlots, read.Packing);
        Assert.Equal(P.Id, CkksParameters.Create(P.ToLiteral()).Id);
        Assert.Equal(SlotPacking.RealSlots, CkksParameters.FromBytes(real.ToBytes()).Packing);

        // An explicit "real slots" byte would be a second encoding of the same set.
        var bytes = P.ToBytes();
        bytes[^1] = 0;
        var refused = Assert.Throws<CkksFormatException>(() => CkksParameters.FromBytes(bytes));
        Assert.Equal("packing", refused.Field);
    }

    [Fact]
    public void Threshold_parameter_sets_refuse_complex_packing()
    {
        var literal = ThresholdPresets.LiteralLogN13LogQ160Threshold with
        {
            Ckks = ThresholdPresets.LiteralLogN13LogQ160Threshold.Ckks with { Packing = SlotPacking.ComplexSlots },
        };
        var refused = Assert.Throws<CkksParameterException>(() => ThresholdParameters.Create(literal));
        Assert.Equal("Ckks.Packing", refused.Field);
    }

    [Theory]
    [InlineData(4, 10.0)]
    [InlineData(8, 10.0)]
    [InlineData(16, 10.0)]
    [InlineData(4, 0.05)]
    [InlineData(16, 0.05)]
    public void Decrypted_sums_of_FedAvg_updates_match_the_plaintext_sums_within_one_millionth(int hospitals, double weightBound)
    {
        // FedAvg numerators: update i is n_i·w_i with n_i up to 500 patients and |w| up to weightBound.
        var random = new Random(hospitals * 1000 + (int)(weightBound * 100));
        int length = (3 * P.ValuesPerCiphertext) - 123;
        var updates = new double[hospitals][];
        var sum = new double[length];
        var accumulator = new AggregationAccumulator(P, length);
        for (int i = 0; i < hospitals; i++)
        {
            int patients = random.Next(20, 501);
            updates[i] = Enumerable.Range(0, length).Select(_ => patients * weightBound * ((2 * random.NextDouble()) - 1)).ToArray();
            var encryptor = new AggregationEncryptor(P, fixture.SecretKey);
            for (int k = 0; k < encryptor.ChunkCount(length); k++)
            {
                accumulator.Add(AggregationChunk.FromBytes(P, encryptor.EncryptChunk(updates[i], k).ToBytes()));
            }

            for (int j = 0; j < length; j++)
            {
                sum[j] += updates[i][j];
            }
        }

        var decrypted = new double[length];
        for (int k = 0; k < accumulator.ChunkCount; k++)
        {
            var chunk = AggregationChunk.FromBytes(P, accumulator.ToChunk(k).ToBytes());
            Assert.Equal(hospitals, chunk.ContributorCount);
            var (offset, count) = AggregationChunk.ChunkRange(P, length, k);
            fixture.Decryptor.DecryptChunk(chunk, decrypted.AsSpan(offset, count));
        }

        double worstRelative = 0;
        for (int j = 0; j < length; j++)
        {
            worstRelative = Math.Max(worstRelative, Math.Abs(decrypted[j] - sum[j]) / Math.Max(1.0, Math.Abs(sum[j])));
        }

        Assert.True(worstRelative < 1e-6, $"worst error {worstRelative:E2} relative to max(1, |sum|)");
    }

    [Fact]
    public void Complex_packing_carries_as_much_precision_per_value_as_real_packing()
    {
        var realSet = CkksParameters.Create(CkksPresets.LiteralLogN12LogQ60Aggregation with { Packing = SlotPacking.RealSlots });
        using var realKey = new KeyGenerator(realSet).GenerateSecretKey();
        var random = new Random(7);
        var values = Enumerable.Range(0, 2048).Select(_ => 1000 * ((2 * random.NextDouble()) - 1)).ToArray();
        double Error(CkksParameters set, SecretKey key)
        {
            var chunk = new AggregationEncryptor(set, key, droppedBits: 0).EncryptChunk(values, 0);
            var decrypted = new AggregationDecryptor(set, key).DecryptChunk(chunk);
            return values.Zip(decrypted, (a, b) => Math.Abs(a - b)).Max();
        }

        double complexError = Error(P, fixture.SecretKey);
        double realError = Error(realSet, realKey);
        Assert.True(complexError < 1e-8, $"complex {complexError:E2}");
        Assert.True(realError < 1e-8, $"real {realError:E2}");
        Assert.True(complexError < 4 * realError && realError < 4 * complexError, $"complex {complexError:E2}, real {realError:E2}");
    }

    [Fact]
    public void Dropping_bits_costs_the_documented_rounding_and_no_more()
    {
        // Each rounding moves a coefficient by at most 2^(b-1); a value moves by about 2^b/√12·√(N/2)/Δ per rounding.
        var values = Enumerable.Range(0, P.ValuesPerCiphertext).Select(i => Math.Sin(i) * 500).ToArray();
        foreach (int droppedBits in new[] { 0, 10, 16 })
        {
            var chunk = new AggregationEncryptor(P, fixture.SecretKey, droppedBits).EncryptChunk(values, 0);
            var error = values.Zip(fixture.Decryptor.DecryptChunk(chunk), (a, b) => a - b).ToArray();
            double rms = Math.Sqrt(error.Average(e => e * e));
            double expected = Math.Sqrt((3.2 * 3.2) + (Math.Pow(4, droppedBits) / 12)) * Math.Sqrt(P.N / 2.0) / P.DefaultScale;
            Assert.InRange(rms, expected / 1.5, expected * 1.5);
        }
    }

    [Fact]
    public void Streams_of_four_updates_are_summed_as_chunks_arrive_and_the_sum_decrypts_from_a_stream()
    {
        const int length = 5 * 4096;
        var random = new Random(11);
        var sum = new double[length];
        var accumulator = new AggregationAccumulator(P, length);
        long updateBytes = 0;
        for (int i = 0; i < 4; i++)
        {
            var update = Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
            using var wire = new MemoryStream();
            updateBytes = new AggregationEncryptor(P, fixture.SecretKey).EncryptTo(update, wire);
            Assert.Equal(wire.Length, updateBytes);
            wire.Position = 0;
            while (wire.Position < wire.Length)
            {
                accumulator.AddFrom(wire);
            }

            for (int j = 0; j < length; j++)
            {
                sum[j] += update[j];
            }
        }

        using var aggregate = new MemoryStream();
        long aggregateBytes = accumulator.WriteTo(aggregate);
        aggregate.Position = 0;
        var decrypted = new double[length];
        fixture.Decryptor.DecryptFrom(aggregate, decrypted);
        Assert.True(sum.Zip(decrypted, (a, b) => Math.Abs(a - b)).Max() < 1e-6);
        Assert.InRange((double)updateBytes / length, 6.2, 6.4);
        Assert.InRange((double)aggregateBytes / length, 6.2, 6.4);
    }

    [Fact]
    public void A_hospital_can_check_that_the_sum_includes_its_update()
    {
        var values = Enumerable.Range(0, 5000).Select(i => i / 100.0).ToArray();
        var mine = new AggregationEncryptor(P, fixture.SecretKey).EncryptChunk(values, 1);
        var other = new AggregationEncryptor(P, fixture.SecretKey).EncryptChunk(values, 1);
        var withMine = new AggregationAccumulator(P, values.Length);
        withMine.Add(mine);
        withMine.Add(other);
        var withoutMine = new AggregationAccumulator(P, values.Length);
        withoutMine.Add(other);
        Assert.True(AggregationChunk.FromBytes(P, withMine.ToChunk(1).ToBytes()).Includes(mine));
        Assert.False(withoutMine.ToChunk(1).Includes(mine));
        Assert.False(withMine.ToChunk(1).Includes(new AggregationEncryptor(P, fixture.SecretKey).EncryptChunk(values, 0)));
    }

    [Fact]
    public void An_encryptor_never_repeats_a_seed_and_takes_none_from_its_caller()
    {
        var encryptor = new AggregationEncryptor(P, fixture.SecretKey, null, new byte[32]);
        var seeds = Enumerable.Range(0, 10_000).Select(_ => Convert.ToHexString(encryptor.NextSeed())).ToList();
        Assert.Equal(seeds.Count, seeds.Distinct().Count());
        var values = new double[10];
        var first = encryptor.EncryptChunk(values, 0);
        var second = encryptor.EncryptChunk(values, 0);
        Assert.False(first.Seeds[0].Span.SequenceEqual(second.Seeds[0].Span));

        // By construction: no public member of the encryptor accepts bytes that could become a seed.
        var byteParameters = typeof(AggregationEncryptor).GetMembers()
            .OfType<System.Reflection.MethodBase>()
            .SelectMany(m => m.GetParameters())
            .Where(p => p.ParameterType == typeof(byte[]) || p.ParameterType == typeof(ReadOnlySpan<byte>) || p.ParameterType == typeof(ReadOnlyMemory<byte>));
        Assert.Empty(byteParameters);
    }

    [Fact]
    public void A_repeated_seed_is_refused_by_the_accumulator_and_by_the_reader()
    {
        var values = Enumerable.Range(0, 100).Select(i => i / 10.0).ToArray();
        var key = RandomNumberGenerator.GetBytes(32);
        // Two encryptors forced onto the same seed key (impossible through the public API) reuse seed 0.
        var chunk = new AggregationEncryptor(P, fixture.SecretKey, null, key).EncryptChunk(values, 0);
        var clash = new AggregationEncryptor(P, fixture.SecretKey, null, (byte[])key.Clone()).EncryptChunk(values.Select(v => -v).ToArray(), 0);
        var accumulator = new AggregationAccumulator(P, values.Length);
        accumulator.Add(chunk);
        Assert.Throws<SeedReuseException>(() => accumulator.Add(clash));
        Assert.Throws<SeedReuseException>(() => accumulator.Add(chunk)); // the same update replayed
        Assert.Equal(1, accumulator.ContributorCount(0));

        // A sum payload listing a seed twice is refused with the field and offset of the repeat.
        accumulator.Add(new AggregationEncryptor(P, fixture.SecretKey).EncryptChunk(values, 0));
        var bytes = accumulator.ToChunk(0).ToBytes();
        int seeds = WireFormat.HeaderLength + 11;
        Array.Copy(bytes, seeds, bytes, seeds + 32, 32);
        var refused = Assert.Throws<CkksFormatException>(() => AggregationChunk.FromBytes(P, bytes));
        Assert.Equal("seeds[1]", refused.Field);
        Assert.Equal(seeds + 32, refused.Offset);
    }

    [Fact]
    public void Chunks_of_another_set_or_vector_and_values_beyond_the_headroom_are_refused()
    {
        var values = new double[5000];
        var chunk = new AggregationEncryptor(P, fixture.SecretKey).EncryptChunk(values, 1);
        Assert.Equal(904, chunk.ValueCount);
        Assert.Throws<ArgumentException>(() => new AggregationAccumulator(P, 5001).Add(chunk));
        var other = CkksParameters.Create(CkksPresets.LiteralLogN12LogQ60Aggregation with { LogScale = 39 });
        Assert.Throws<ParameterSetMismatchException>(() => AggregationChunk.FromBytes(other, chunk.ToBytes()));
        Assert.Throws<CkksParameterException>(() => new AggregationAccumulator(CkksPresets.Params128BitLogN13LogQ101, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AggregationEncryptor(P, fixture.SecretKey).EncryptChunk(values, 2));
        Array.Fill(values, 1e6); // the constant coefficient becomes 1e6·2^40 > q0/2
        Assert.Throws<ArgumentException>(() => new AggregationEncryptor(P, fixture.SecretKey).EncryptChunk(values, 0));
        values[7] = double.NaN;
        Assert.Throws<NonFiniteValueException>(() => new AggregationEncryptor(P, fixture.SecretKey).EncryptChunk(values, 0));
    }

    [Fact]
    public void Golden_hash_pins_the_aggregation_wire_format()
    {
        // Deterministic: key from seeds 1, 2, …, seed key 0xAB…; the noise is random, so the hash covers the
        // parameter set, the header and the fields before the packed c0, and the seeds.
        var parameters = TestInsecureParameters.TestInsecureLogN6Aggregation;
        int counter = 0;
        byte[] NextSeed() => Enumerable.Repeat((byte)++counter, 32).ToArray();
        using var secretKey = new KeyGenerator(parameters, NextSeed).GenerateSecretKey();
        var encryptor = new AggregationEncryptor(parameters, secretKey, null, Enumerable.Repeat((byte)0xAB, 32).ToArray());
        var values = Enumerable.Range(0, 100).Select(i => (i - 50) / 4.0).ToArray();
        var accumulator = new AggregationAccumulator(parameters, values.Length);
        accumulator.Add(encryptor.EncryptChunk(values, 1));
        accumulator.Add(encryptor.EncryptChunk(values, 1));
        var sum = accumulator.ToChunk(1).ToBytes();
        int c0 = WireFormat.HeaderLength + 11 + (2 * 32);
        Assert.Equal(c0 + ((64 * 50) / 8), sum.Length);
        using var all = new MemoryStream();
        parameters.WriteTo(all);
        all.Write(sum.AsSpan(0, c0));
        string hash = Convert.ToHexStringLower(SHA256.HashData(all.ToArray()));
        Assert.Equal("41d83b5461e7e8ed89b515b9a6441545948b4ef7e9086c4feda19553997513ec", hash);
        Assert.Equal("8a3c0c1e64ac853e3bd58e1f48ae8e2ed38a76ea0079a8899803007d490223bd", CkksPresets.Params128BitLogN12LogQ60Aggregation.Id.ToString());
    }
}
