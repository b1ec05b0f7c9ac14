using FederatedHe.Privacy.Noise;

namespace FederatedHe.Privacy.Tests;

public sealed class DiscreteGaussianMechanismTests
{
    [Fact]
    public void A_privatized_sum_of_clipped_vectors_carries_noise_of_standard_deviation_sigma_times_C()
    {
        const double ClipNorm = 0.7;
        const double NoiseMultiplier = 1.3;
        const int Dimension = 400;
        var mechanism = new DiscreteGaussianMechanism(ClipNorm, NoiseMultiplier, Dimension);
        var randomness = NoiseRandomness.UnsafeSeededForTests(21);
        var sum = ClippedSum(mechanism, sampleCount: 32, seed: 3);

        var residuals = new List<double>();
        for (var draw = 0; draw < 250; draw++)
        {
            var noisy = mechanism.Privatize(sum, randomness);
            residuals.AddRange(noisy.Select((value, i) => value - sum[i]));
        }

        Assert.InRange(mechanism.NoiseStandardDeviation, NoiseMultiplier * ClipNorm, NoiseMultiplier * ClipNorm * (1 + 1e-9));
        StatisticalBounds.AssertVariance(residuals, Math.Pow(NoiseMultiplier * ClipNorm, 2), "noise of the privatized sum");
    }

    [Fact]
    public void Clipping_bounds_every_contribution_and_leaves_short_ones_alone()
    {
        var random = new Random(4);
        for (var trial = 0; trial < 1000; trial++)
        {
            var vector = Enumerable.Range(0, 20).Select(_ => (random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-3, 3))).ToArray();
            var before = (double[])vector.Clone();

            var norm = DiscreteGaussianMechanism.ClipInPlace(vector, 1.0);

            Assert.True(Norm(vector) <= 1.0 * (1 + 1e-15));
            if (norm <= 1.0)
            {
                Assert.Equal(before, vector);
            }
        }
    }

    [Fact]
    public void Rounded_sums_that_differ_by_one_clipped_contribution_differ_by_at_most_the_clip_norm()
    {
        const int Dimension = 900;
        var mechanism = new DiscreteGaussianMechanism(1.0, 1.0, Dimension, gridBits: 8);
        var gridClipNorm = Math.ScaleB(1.0, mechanism.GridBits);
        var random = new Random(5);
        for (var trial = 0; trial < 300; trial++)
        {
            var sum = Enumerable.Range(0, Dimension).Select(_ => (random.NextDouble() - 0.5) * 10).ToArray();
            // Worst case for rounding: every coordinate of the contribution pushes its coordinate across a rounding boundary.
            double[] contribution = [.. Enumerable.Range(0, Dimension).Select(i => (random.NextDouble() < 0.5 ? -1 : 1) * mechanism.ContributionClipNorm / Math.Sqrt(Dimension))];
            for (var i = 0; i < Dimension; i++)
            {
                var boundary = (Math.Floor(sum[i] / mechanism.Resolution) + 0.5) * mechanism.Resolution;
                sum[i] = boundary - Math.Sign(contribution[i]) * 1e-9 * mechanism.Resolution;
            }
            var neighbour = sum.Select((value, i) => value + contribution[i]).ToArray();

            var difference = mechanism.ToGrid(neighbour).Zip(mechanism.ToGrid(sum), (a, b) => (double)(a - b)).ToArray();

            Assert.True(Norm(difference) <= gridClipNorm, $"‖Δ‖ = {Norm(difference)} grid steps exceeds {gridClipNorm}");
        }
    }

    [Fact]
    public void The_grid_round_trip_is_within_half_a_step()
    {
        var mechanism = new DiscreteGaussianMechanism(2.0, 1.0, 50);
        var values = Enumerable.Range(0, 50).Select(i => Math.Sin(i) * 3.7).ToArray();

        var back = mechanism.FromGrid(mechanism.ToGrid(values));

        Assert.All(values.Zip(back), pair => Assert.True(Math.Abs(pair.First - pair.Second) <= mechanism.Resolution / 2));
    }

    [Fact]
    public void Out_of_range_settings_and_inputs_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new DiscreteGaussianMechanism(0, 1, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DiscreteGaussianMechanism(1, 0, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DiscreteGaussianMechanism(1, 1, 100_000, gridBits: 8));
        var mechanism = new DiscreteGaussianMechanism(1, 1, 3);
        Assert.Throws<ArgumentException>(() => mechanism.ToGrid([1, 2]));
        Assert.Throws<ArgumentException>(() => mechanism.ToGrid([1, double.NaN, 2]));
    }

    private static double[] ClippedSum(DiscreteGaussianMechanism mechanism, int sampleCount, int seed)
    {
        var random = new Random(seed);
        var sum = new double[mechanism.Dimension];
        for (var sample = 0; sample < sampleCount; sample++)
        {
            var gradient = Enumerable.Range(0, mechanism.Dimension).Select(_ => random.NextDouble() - 0.5).ToArray();
            DiscreteGaussianMechanism.ClipInPlace(gradient, mechanism.ContributionClipNorm);
            for (var i = 0; i < sum.Length; i++)
            {
                sum[i] += gradient[i];
            }
        }
        return sum;
    }

    private static double Norm(IEnumerable<double> vector) => Math.Sqrt(vector.Sum(x => x * x));
}
