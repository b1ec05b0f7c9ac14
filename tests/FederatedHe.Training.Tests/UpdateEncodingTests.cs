using FederatedHe.Privacy.Distributed;
using FederatedHe.Privacy.Noise;
using FederatedHe.Training.Federation;

namespace FederatedHe.Training.Tests;

/// <summary>How hospitals encode updates for the encrypted sum and decode the sum into the next global model.</summary>
public sealed class UpdateEncodingTests
{
    private static readonly float[] Global = [0.5f, -1.25f, 2f];

    [Fact]
    public void FedAvg_encodes_the_sample_weighted_model_and_its_count_and_decodes_the_sum_into_the_weighted_mean()
    {
        var encoding = UpdateEncoding.SampleWeighted;
        var a = encoding.Encode([1f, 2f, 3f], 10, Global);
        var b = encoding.Encode([3f, 4f, 5f], 30, Global);

        Assert.Equal([10.0, 20, 30, 10], a);
        var sum = a.Zip(b, (x, y) => x + y).ToArray();
        Assert.Equal([2.5f, 3.5f, 4.5f], encoding.Decode(sum, Global));
        Assert.Throws<ArgumentException>(() => encoding.Decode([1, 2, 3, 0], Global)); // no contributor
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
            var vector = hospitals[i].Encode(trained[i], sampleCount: 50 * (i + 1), Global);
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

        var vector = encoding.Encode([100.5f, -1.25f, 2f], 10, Global);

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
