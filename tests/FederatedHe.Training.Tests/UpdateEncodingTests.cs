using FederatedHe.Privacy.Distributed;
using FederatedHe.Privacy.Noise;
using FederatedHe.Training.Federation;

namespace FederatedHe.Training.Tests;

/// <summary>How hospitals encode updates for the encrypted sum and decode the sum into the next global model.</summary>
public sealed class UpdateEncodingTests
{
    private static readonly float[] Global = [0.5f, -1.25f, 2f];

    /// <summary>The default set's range: q0/(2·√2·Δ) with a 60-bit q0 and Δ = 2^40.</summary>
    private const double DefaultSumRange = 370_727.6;

    [Fact]
    public void Over_an_unbounded_range_FedAvg_encodes_the_record_weighted_model_and_its_count_and_decodes_the_sum_into_the_weighted_mean()
    {
        var encoding = UpdateEncoding.SampleWeighted;
        var a = encoding.Encode([1f, 2f, 3f], 10, Global, federationSampleCount: 0);
        var b = encoding.Encode([3f, 4f, 5f], 30, Global, federationSampleCount: 0);

        Assert.Equal([10.0, 20, 30, 10], a);
        var sum = a.Zip(b, (x, y) => x + y).ToArray();
        Assert.Equal([2.5f, 3.5f, 4.5f], encoding.Decode(sum, Global));
        Assert.Throws<ArgumentException>(() => encoding.Decode([1, 2, 3, 0], Global)); // no contributor
    }

    [Fact]
    public void Over_a_bounded_range_weights_are_the_record_counts_scaled_to_a_fixed_total_over_round_0s_records()
    {
        var encoding = new SampleWeightedEncoding(DefaultSumRange);
        const long roundZeroRecords = 20_150;

        var large = encoding.Encode([1f, -2f, 0.5f], 20_000, Global, roundZeroRecords);
        var small = encoding.Encode([1f, -2f, 0.5f], 150, Global, roundZeroRecords);

        // W = range / (capacity · parameter bound) ≈ 1448: round 0's hospitals' weights add up to W whatever their sizes.
        Assert.Equal(DefaultSumRange / (SampleWeightedEncoding.RecordCapacity * SampleWeightedEncoding.ParameterBound), encoding.WeightTotal);
        Assert.InRange(encoding.WeightTotal, 1024, 2048);
        Assert.Equal(encoding.WeightTotal, large[^1] + small[^1], 9);
        Assert.Equal(20_000 / 150.0, large[^1] / small[^1], 9);
        Assert.Equal([large[^1], -2 * large[^1], 0.5 * large[^1]], large[..^1]);
        // 1e5·5 would have been 1e5 in a slot before; now every value is at most W·|w|.
        Assert.All(large, value => Assert.InRange(Math.Abs(value), 0, 2 * encoding.WeightTotal));
    }

    [Fact]
    public void The_decoded_sum_of_normalised_updates_is_FedAvg_weighted_by_the_real_record_counts()
    {
        var encoding = new SampleWeightedEncoding(DefaultSumRange);
        float[][] trained = [[1f, 2f, 3f], [3f, 4f, 5f], [-1f, 0.25f, 7f]];
        int[] records = [20_000, 150, 850];
        var sum = new double[4];
        for (var h = 0; h < trained.Length; h++)
        {
            var vector = encoding.Encode(trained[h], records[h], Global, federationSampleCount: records.Sum());
            for (var j = 0; j < sum.Length; j++)
                sum[j] += vector[j];
        }

        var next = encoding.Decode(sum, Global);

        for (var j = 0; j < 3; j++)
        {
            var fedAvg = Enumerable.Range(0, 3).Sum(h => (double)trained[h][j] * records[h]) / records.Sum();
            Assert.InRange(Math.Abs(next[j] - fedAvg), 0, Math.Max(DecryptedValues.ParameterStep, Math.Abs(fedAvg) * 1e-7));
        }
    }

    [Fact]
    public void A_round_with_one_small_hospital_decodes_to_its_own_model()
    {
        var encoding = new SampleWeightedEncoding(DefaultSumRange);
        float[] trained = [0.123456f, -3.5f, 17.25f];

        // 40 records of a federation of 100,240: its weight is about 0.58, Σν is that alone.
        var vector = encoding.Encode(trained, 40, Global, federationSampleCount: 100_240);
        var next = encoding.Decode(vector, Global);

        Assert.InRange(vector[^1], 0.5, 0.6);
        Assert.All(Enumerable.Range(0, 3), j => Assert.InRange(Math.Abs(next[j] - trained[j]), 0, DecryptedValues.ParameterStep));
    }

    [Fact]
    public void A_parameter_over_the_bound_is_refused_in_one_line_naming_the_parameter_its_value_and_the_bound()
    {
        var encoding = new SampleWeightedEncoding(DefaultSumRange);

        var refusal = Assert.Throws<ArgumentException>(() => encoding.Encode([1f, 64.5f, 2f], 100, Global, federationSampleCount: 1000));

        Assert.DoesNotContain('\n', refusal.Message);
        Assert.StartsWith("parameter 1 is 64.5, over the 64 a sum of updates can hold", refusal.Message, StringComparison.Ordinal);
        // At the bound itself the update is sent: the range is shared out for it.
        Assert.Equal(4, encoding.Encode([1f, 64f, 2f], 100, Global, federationSampleCount: 1000).Length);
    }

    [Fact]
    public void A_hospital_holding_more_than_the_capacity_over_round_0s_records_is_refused_naming_both_counts()
    {
        var encoding = new SampleWeightedEncoding(DefaultSumRange);

        var refusal = Assert.Throws<ArgumentException>(() => encoding.Encode([1f, 2f, 3f], 4001, Global, federationSampleCount: 1000));

        Assert.StartsWith("the update's 4001 records are over 4 times round 0's 1000", refusal.Message, StringComparison.Ordinal);
        Assert.Equal(4, encoding.Encode([1f, 2f, 3f], 4000, Global, federationSampleCount: 1000).Length);
    }

    [Fact]
    public void Over_a_bounded_range_an_update_is_refused_until_round_0s_records_are_known_and_an_empty_sum_is_refused()
    {
        var encoding = new SampleWeightedEncoding(DefaultSumRange);

        Assert.Contains("N₀", Assert.Throws<ArgumentException>(() => encoding.Encode([1f, 2f, 3f], 10, Global, federationSampleCount: 0)).Message);
        // The CKKS error of a sum of nothing (about 1e-8) is no weight.
        Assert.Contains("no contributor", Assert.Throws<ArgumentException>(() => encoding.Decode([1e-8, 2e-8, 0, 3e-8], Global)).Message);
    }

    [Fact]
    public void Over_an_unbounded_range_no_parameter_or_record_count_is_refused()
    {
        var encoding = new SampleWeightedEncoding(double.PositiveInfinity);

        var vector = encoding.Encode([1e6f, 2f, 3f], 1_000_000, Global, federationSampleCount: 0);

        Assert.Equal([1e12, 2e6, 3e6, 1e6], vector);
        Assert.Contains("not a finite number", Assert.Throws<ArgumentException>(() => encoding.Encode([float.NaN, 2f, 3f], 1, Global, 0)).Message);
    }

    [Fact]
    public void Distributed_noise_decodes_the_sum_of_shares_into_the_global_model_plus_the_mean_clipped_update_and_noise()
    {
        // Large σ would hide the update; a tiny one (on a coarse grid) lets the mean show through.
        var calibration = new DistributedNoiseCalibration(hospitalCount: 3, toleratedDropouts: 1, noiseMultiplier: 1e-3, clipNorm: 10, dimension: 3, gridBits: 12);
        var hospitals = Enumerable.Range(0, 3).Select(i => new DistributedNoiseEncoding(calibration, NoiseRandomness.UnsafeSeededForTests(i))).ToList();
        float[][] trained = [[1.5f, -1.25f, 2f], [0.5f, -0.25f, 2f], [0.5f, -1.25f, 3f]];

        var sum = new double[4];
        for (var i = 0; i < 3; i++)
        {
            var vector = hospitals[i].Encode(trained[i], sampleCount: 50 * (i + 1), Global, federationSampleCount: 300);
            Assert.Equal(1, vector[^1]); // one contributor, never its sample count
            for (var j = 0; j < sum.Length; j++)
                sum[j] += vector[j];
        }

        var next = hospitals[0].Decode(sum, Global);
        // w + (ΣΔ)/3 with each Δ a unit step on one coordinate; the noise is about 1e-2 here.
        float[] expected = [0.5f + 1f / 3, -1.25f + 1f / 3, 2f + 1f / 3];
        Assert.All(Enumerable.Range(0, 3), j => Assert.InRange(next[j], expected[j] - 0.05, expected[j] + 0.05));
    }

    [Fact]
    public void Distributed_noise_clips_a_whole_update_to_the_clip_norm()
    {
        var calibration = new DistributedNoiseCalibration(hospitalCount: 1, toleratedDropouts: 0, noiseMultiplier: 1e-4, clipNorm: 1, dimension: 3, gridBits: 12);
        var encoding = new DistributedNoiseEncoding(calibration, NoiseRandomness.UnsafeSeededForTests(7));

        var vector = encoding.Encode([100.5f, -1.25f, 2f], 10, Global, federationSampleCount: 10);

        // An update of 100 on one coordinate moves the model by at most C = 1.
        Assert.InRange(vector[0] - 0.5, 0.99, 1.001);
        Assert.InRange(Math.Abs(vector[1] + 1.25) + Math.Abs(vector[2] - 2), 0, 0.01);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(4.0)]
    [InlineData(2.4)]
    public void Distributed_noise_refuses_a_sum_whose_contributor_count_is_not_a_count_of_hospitals(double count)
    {
        var calibration = new DistributedNoiseCalibration(3, 1, 1, 1, 3);
        var encoding = new DistributedNoiseEncoding(calibration, NoiseRandomness.UnsafeSeededForTests(1));

        Assert.Throws<ArgumentException>(() => encoding.Decode([1, 2, 3, count], Global));
    }
}
