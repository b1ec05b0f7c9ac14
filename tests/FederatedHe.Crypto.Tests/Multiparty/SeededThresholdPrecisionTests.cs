using FederatedHe.Crypto.Ckks;
using FederatedHe.Crypto.Multiparty;
using FederatedHe.Crypto.Ring;
using Xunit.Abstractions;

namespace FederatedHe.Crypto.Tests.Multiparty;

/// <summary>
/// The seeded threshold scheme decrypts sums of updates at the model-scale preset: every committee of t fuses the
/// sum within the stated bound and within 6e-5 for values up to 1.3e5, fewer than t fuse to garbage, and the preset's
/// numbers are those the derivation in docs/THRESHOLD.md gives.
/// </summary>
public class SeededThresholdPrecisionTests
{
    private const double RequiredPrecision = 6e-5;
    private const double LargestSum = 1.3e5;

    private readonly ITestOutputHelper _output;

    public SeededThresholdPrecisionTests(ITestOutputHelper output) => _output = output;

    private static ThresholdParameters Preset => ThresholdPresets.Params128BitLogN13LogQ108SeededThreshold;

    [Fact]
    public void Every_three_of_five_committee_fuses_the_sum_of_four_updates_within_the_bound_for_values_up_to_1_3e5()
    {
        var federation = SharedSeededFederations.ThreeOfFiveLogN13;
        int n = Preset.Ckks.ValuesPerCiphertext;
        var random = new Random(15);
        int[] contributors = [1, 2, 4, 5];
        var values = contributors.Select(_ => CkksContext.RandomValues(random, n, LargestSum / contributors.Length)).ToArray();
        for (int k = 0; k < contributors.Length; k++)
        {
            values[k][0] = LargestSum / contributors.Length;   // the sum reaches +1.3e5 in a real part
            values[k][n - 1] = -LargestSum / contributors.Length; // and −1.3e5 in an imaginary part
        }

        var expected = Enumerable.Range(0, n).Select(i => values.Sum(v => v[i])).ToArray();
        byte[] context = SharedFederations.Context("round 1 / model");
        var sum = federation.Sum(contributors, values, context);
        double bound = Preset.FusedErrorBound(3);
        double worst = 0;
        int committees = 0;
        foreach (var committee in ThresholdFederation.Subsets(5, 3))
        {
            var fused = federation.Combiner.FuseValues(sum, federation.Shares(sum, committee, context, minimumContributors: 4), context);
            double error = fused.Zip(expected, (a, b) => Math.Abs(a - b)).Max();
            worst = Math.Max(worst, error);
            committees++;
            Assert.True(error <= bound, $"committee {{{string.Join(',', committee)}}}: error {error:E2} above the bound {bound:E2}");
        }

        _output.WriteLine($"{committees} committees, sum of 4 updates, |Σ| ≤ {LargestSum:E1}: worst error {worst:E2}, bound {bound:E2}, required {RequiredPrecision:E0}");
        Assert.Equal(10, committees);
        Assert.True(bound <= RequiredPrecision);
    }

    [Fact]
    public void A_vector_of_several_chunks_fuses_chunk_by_chunk_to_the_sum()
    {
        var federation = SharedSeededFederations.ThreeOfFiveLogN13;
        int length = Preset.Ckks.ValuesPerCiphertext + 1000;
        var random = new Random(16);
        var values = Enumerable.Range(0, 3).Select(_ => CkksContext.RandomValues(random, length, 10)).ToArray();
        byte[] context = SharedFederations.Context("round 2 / model");
        var aggregator = new SeededAggregator(Preset, length, 5);
        for (int p = 0; p < 3; p++)
        {
            foreach (var chunk in federation.Encryptor(p + 1).Encrypt(values[p], context))
            {
                aggregator.Add(chunk);
            }
        }

        var fused = new double[length];
        int[] committee = [2, 3, 5];
        for (int k = 0; k < aggregator.ChunkCount; k++)
        {
            var sum = aggregator.ToChunk(k);
            var (offset, count) = AggregationChunk.ChunkRange(Preset.Ckks, length, k);
            federation.Combiner.FuseValues(sum, federation.Shares(sum, committee, context, 3), context, fused.AsSpan(offset, count));
        }

        double error = Enumerable.Range(0, length).Max(i => Math.Abs(fused[i] - values.Sum(v => v[i])));
        Assert.Equal(2, aggregator.ChunkCount);
        Assert.True(error <= Preset.FusedErrorBound(3), $"error {error:E2}");
    }

    [Fact]
    public void Fewer_than_t_shares_fuse_to_garbage()
    {
        var federation = SharedSeededFederations.ThreeOfFiveLogN13;
        int n = Preset.Ckks.ValuesPerCiphertext;
        var values = new[] { CkksContext.RandomValues(new Random(17), n, 1000), CkksContext.RandomValues(new Random(18), n, 1000) };
        byte[] context = SharedFederations.Context("round 3 / model");
        var sum = federation.Sum([1, 3], values, context);

        // Two members with the Lagrange coefficients of a two-member committee: Σ λ_j·f_i(j) is not s_i for degree t − 1 = 2.
        int[] twoMembers = [1, 2];
        var shares = twoMembers.Select(id => federation.Party(id).GenShareUnchecked(sum, twoMembers, context)).ToArray();
        var fused = federation.Combiner.Decode(federation.Combiner.FuseUnchecked(sum, shares));
        double error = Enumerable.Range(0, n).Max(i => Math.Abs(fused[i] - (values[0][i] + values[1][i])));
        _output.WriteLine($"two of three shares: max error {error:E2}");
        Assert.True(error > 1e4, $"two shares decrypted the sum to within {error:E2}");
    }

    [Fact]
    public void The_preset_is_128_bit_secure_and_its_bounds_are_those_of_the_derivation()
    {
        var ckks = Preset.Ckks;
        Assert.True(ckks.IsSecure);
        Assert.Equal(SlotPacking.ComplexSlots, ckks.Packing);
        Assert.Equal(ThresholdScheme.SeededSecretKey, Preset.Scheme);
        Assert.Equal(13, ckks.LogN);
        Assert.Equal(108, ckks.CiphertextPrimes.Sum(q => 64 - System.Numerics.BitOperations.LeadingZeroCount(q)));
        Assert.Equal(62, Preset.LogSmudgingBound);

        // B_ct covers the sum of one update per party: 16 fresh noises of at most 19.
        Assert.True(Preset.MaxParties * Sampling.GaussianBound <= Math.Pow(2, Preset.LogCiphertextNoiseBound));
        Assert.True(Preset.FusedErrorBound(16) <= RequiredPrecision, $"{Preset.FusedErrorBound(16):E2}");
        Assert.True(Preset.ValueBound >= LargestSum, $"{Preset.ValueBound:E2}");
        _output.WriteLine($"{Preset}: fused error bound t=3 {Preset.FusedErrorBound(3):E2}, t=16 {Preset.FusedErrorBound(16):E2}; values up to {Preset.ValueBound:E3}");

        // One bit less of Δ would break the precision at t = 16; one bit less of Q the value range.
        var smallerScale = ThresholdParameters.Create(ThresholdPresets.LiteralLogN13LogQ108SeededThreshold with { Ckks = ThresholdPresets.LiteralLogN13LogQ108SeededThreshold.Ckks with { LogScale = 87 } });
        Assert.True(smallerScale.FusedErrorBound(16) > Math.Pow(2, -14), $"{smallerScale.FusedErrorBound(16):E2}");
    }

    [Fact]
    public void An_update_chunk_takes_at_most_14_bytes_per_value()
    {
        int bytes = SeededUpdateChunk.SerializedSizeFor(Preset);
        double perValue = (double)bytes / Preset.Ckks.ValuesPerCiphertext;
        _output.WriteLine($"update chunk {bytes} B for {Preset.Ckks.ValuesPerCiphertext} values: {perValue:F3} B per value");
        Assert.Equal(48 + 32 + 4 + 4 + 2 + 32 + (8192 * 108 / 8), bytes);
        Assert.True(perValue <= 14);
    }

    [Fact]
    public void The_error_sampler_never_exceeds_its_hard_bound()
    {
        // B_ct relies on |e| ≤ 19 always, not with high probability: the table inversion cannot return more.
        Assert.True(Sampling.GaussianCumulativeTable.Length <= Sampling.GaussianBound);
        var samples = new sbyte[1 << 20];
        using var prng = AesCtrPrng.CreateRandom();
        Sampling.SampleGaussian(prng, samples);
        Assert.All(samples, s => Assert.InRange(s, -Sampling.GaussianBound, Sampling.GaussianBound));
    }

    [Fact]
    public void Values_beyond_the_modulus_are_refused_at_encryption()
    {
        var federation = SharedSeededFederations.ThreeOfFiveLogN13;
        var values = new double[16];
        Array.Fill(values, 1e9); // the constant coefficient becomes 16·1e9/4096·Δ ≈ 2^110 > Q/2
        Assert.Throws<ArgumentException>(() => federation.Encryptor(1).EncryptChunk(values, 0, "r"u8));
        values[3] = double.NaN;
        Assert.Throws<NonFiniteValueException>(() => federation.Encryptor(1).EncryptChunk(values, 0, "r"u8));
    }
}
