using FederatedHe.Privacy.Accounting;
using FederatedHe.Privacy.Distributed;
using FederatedHe.Privacy.Noise;

namespace FederatedHe.Privacy.Tests;

public sealed class DistributedNoiseTests
{
    private const int Hospitals = 6;
    private const int ToleratedDropouts = 2;
    private const double NoiseMultiplier = 1.0;
    private const double ClipNorm = 1.0;

    [Fact]
    public void Each_hospital_adds_one_n_minus_d_th_of_the_variance_rounded_up()
    {
        var calibration = new DistributedNoiseCalibration(Hospitals, ToleratedDropouts, NoiseMultiplier, ClipNorm, dimension: 100);
        var minimumSurvivors = (UInt128)(Hospitals - ToleratedDropouts);

        Assert.True(calibration.ShareGridVariance * minimumSurvivors >= calibration.CentralGridVariance);
        Assert.True(calibration.ShareGridVariance * minimumSurvivors < calibration.CentralGridVariance + minimumSurvivors);
        Assert.Equal(new DiscreteGaussianMechanism(ClipNorm, NoiseMultiplier, 100).GridVariance, calibration.CentralGridVariance);
    }

    // The sum of the shares of any n − d survivors must carry the single-node mechanism's noise; with
    // fewer dropouts it carries more. Variance checked by χ² at false-alarm 1e-6.
    [Theory]
    [InlineData(6)]
    [InlineData(5)]
    [InlineData(4)]
    public void Noise_summed_over_the_surviving_hospitals_matches_the_single_node_calibration(int survivors)
    {
        const int Dimension = 20_000;
        var calibration = new DistributedNoiseCalibration(Hospitals, ToleratedDropouts, NoiseMultiplier, ClipNorm, Dimension);
        var singleNode = new DiscreteGaussianMechanism(ClipNorm, NoiseMultiplier, Dimension);
        var randomness = NoiseRandomness.UnsafeSeededForTests(30 + survivors);

        var sum = new long[Dimension];
        for (var hospital = 0; hospital < survivors; hospital++)
        {
            var share = new long[Dimension];
            calibration.ShareMechanism.AddGridNoise(share, randomness);
            for (var i = 0; i < Dimension; i++)
            {
                sum[i] += share[i];
            }
        }

        var expectedVariance = (double)singleNode.GridVariance * survivors / (Hospitals - ToleratedDropouts);
        StatisticalBounds.AssertVariance([.. sum.Select(value => (double)value)], expectedVariance, $"sum of {survivors} shares");
        Assert.False(calibration.IsWeakened(survivors));
        Assert.True(calibration.EffectiveNoiseMultiplier(survivors) >= NoiseMultiplier);
    }

    [Fact]
    public void More_dropouts_than_tolerated_weaken_the_round_and_the_accountant_reports_it()
    {
        var calibration = new DistributedNoiseCalibration(Hospitals, ToleratedDropouts, NoiseMultiplier, ClipNorm, dimension: 10);
        var survivors = Hospitals - ToleratedDropouts - 1;

        Assert.True(calibration.IsWeakened(survivors));
        Assert.Equal(NoiseMultiplier * Math.Sqrt(survivors / (double)(Hospitals - ToleratedDropouts)), calibration.EffectiveNoiseMultiplier(survivors), 4);

        var full = new RdpAccountant().ComposeDistributedRound(calibration, Hospitals - ToleratedDropouts);
        var weakened = new RdpAccountant().ComposeDistributedRound(calibration, survivors);
        Assert.Equal(0, full.Epsilon(1e-5).WeakenedRounds);
        Assert.Equal(1, weakened.Epsilon(1e-5).WeakenedRounds);
        Assert.True(weakened.Epsilon(1e-5).Epsilon > full.Epsilon(1e-5).Epsilon);
        Assert.Equal(new RdpAccountant().Compose(1, calibration.EffectiveNoiseMultiplier(survivors)).Epsilon(1e-5).Epsilon, weakened.Epsilon(1e-5).Epsilon, 12);
    }

    [Fact]
    public void The_sum_of_discrete_Gaussians_deviation_bound_vanishes_at_realistic_scales_but_is_charged_when_it_does_not()
    {
        var realistic = new DistributedNoiseCalibration(10, 3, 0.8, 1.0, dimension: 500);
        Assert.Equal(0, realistic.SumDeviationTau(10));

        var coarse = new DistributedNoiseCalibration(3, 0, 0.01, 1.0, dimension: 4, gridBits: 4);
        var tau = coarse.SumDeviationTau(3);
        Assert.True(tau > 0);
        var charged = new RdpAccountant([2.0]).ComposeDistributedRound(coarse, 3).Rdp[0];
        var plain = new RdpAccountant([2.0]).Compose(1, coarse.EffectiveNoiseMultiplier(3)).Rdp[0];
        Assert.Equal(plain + tau * 4, charged, 9);
    }

    [Fact]
    public void A_hospitals_share_is_its_update_clipped_to_C_and_rounded_plus_noise_that_does_not_depend_on_the_update()
    {
        const int Dimension = 50;
        var calibration = new DistributedNoiseCalibration(Hospitals, ToleratedDropouts, NoiseMultiplier, ClipNorm, Dimension);
        var huge = Enumerable.Range(0, Dimension).Select(i => 100.0 * Math.Cos(i)).ToArray();

        var share = calibration.PrivatizeShare(huge, NoiseRandomness.UnsafeSeededForTests(40));
        var noiseOnly = calibration.PrivatizeShare(new double[Dimension], NoiseRandomness.UnsafeSeededForTests(40));

        var contribution = share.Zip(noiseOnly, (a, b) => a - b).ToArray();
        Assert.True(Math.Sqrt(contribution.Sum(x => x * x)) <= ClipNorm);
        Assert.Equal(noiseOnly, calibration.RoundToGrid(noiseOnly.Select(x => x + 0.3 * calibration.Resolution).ToArray()));
    }

    [Fact]
    public void Impossible_calibrations_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new DistributedNoiseCalibration(0, 0, 1, 1, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DistributedNoiseCalibration(3, 3, 1, 1, 10));
        var calibration = new DistributedNoiseCalibration(3, 1, 1, 1, 10);
        Assert.Throws<ArgumentOutOfRangeException>(() => calibration.IsWeakened(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => calibration.IsWeakened(4));
    }
}
