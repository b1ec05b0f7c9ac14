using FederatedHe.Privacy.Noise;

namespace FederatedHe.Privacy.Tests;

public sealed class DiscreteGaussianTests
{
    [Theory]
    [InlineData(3UL, 7UL)]
    [InlineData(5UL, 2UL)]
    [InlineData(0UL, 1UL)]
    public void Bernoulli_of_e_to_the_minus_gamma_has_probability_e_to_the_minus_gamma(ulong numerator, ulong denominator)
    {
        var randomness = NoiseRandomness.UnsafeSeededForTests(11);
        const int Trials = 200_000;
        var successes = Enumerable.Range(0, Trials).Count(_ => DiscreteGaussianSampler.BernoulliExpMinus(numerator, denominator, randomness));

        var p = Math.Exp(-(double)numerator / denominator);
        var tolerance = StatisticalBounds.TwoSidedZForOneInAMillion * Math.Sqrt(p * (1 - p) / Trials) + 1e-12;
        Assert.InRange(successes / (double)Trials, p - tolerance, p + tolerance);
    }

    // Goodness of fit against the exact mass function e^{−x²/(2σ²)}/Σ e^{−y²/(2σ²)}: Pearson's statistic over
    // 11 cells must stay below the χ²₁₀ quantile with tail 1e-6.
    [Fact]
    public void Small_sigma_samples_follow_the_discrete_Gaussian_mass_function()
    {
        var sampler = new DiscreteGaussianSampler(2);
        var randomness = NoiseRandomness.UnsafeSeededForTests(12);
        const int Draws = 200_000;
        var counts = new int[11];
        for (var i = 0; i < Draws; i++)
        {
            counts[Math.Clamp(sampler.Sample(randomness), -5, 5) + 5]++;
        }

        var weights = Enumerable.Range(-60, 121).ToDictionary(x => x, x => Math.Exp(-x * x / 4.0));
        var total = weights.Values.Sum();
        double Cell(int index) => index switch
        {
            0 => weights.Where(pair => pair.Key <= -5).Sum(pair => pair.Value) / total,
            10 => weights.Where(pair => pair.Key >= 5).Sum(pair => pair.Value) / total,
            _ => weights[index - 5] / total,
        };
        var pearson = Enumerable.Range(0, 11).Sum(index => Math.Pow(counts[index] - Draws * Cell(index), 2) / (Draws * Cell(index)));

        Assert.True(pearson < StatisticalBounds.ChiSquareUpper(10), $"Pearson χ² = {pearson:F1}");
    }

    [Theory]
    [InlineData(100UL)]
    [InlineData(4_294_967_297UL)]
    public void Samples_are_centred_with_the_configured_variance(ulong variance)
    {
        var sampler = new DiscreteGaussianSampler(variance);
        var randomness = NoiseRandomness.UnsafeSeededForTests(13);
        var samples = Enumerable.Range(0, 100_000).Select(_ => (double)sampler.Sample(randomness)).ToArray();

        StatisticalBounds.AssertVariance(samples, variance, $"N_Z(0, {variance})");
        var meanTolerance = StatisticalBounds.TwoSidedZForOneInAMillion * Math.Sqrt(variance / (double)samples.Length);
        Assert.InRange(samples.Average(), -meanTolerance, meanTolerance);
    }

    [Fact]
    public void The_seeded_test_source_repeats_and_the_secure_source_does_not()
    {
        var sampler = new DiscreteGaussianSampler(1_000_000);
        long[] Draw(NoiseRandomness randomness) => [.. Enumerable.Range(0, 16).Select(_ => sampler.Sample(randomness))];

        Assert.Equal(Draw(NoiseRandomness.UnsafeSeededForTests(5)), Draw(NoiseRandomness.UnsafeSeededForTests(5)));
        Assert.NotEqual(Draw(NoiseRandomness.CreateSecure()), Draw(NoiseRandomness.CreateSecure()));
    }

    [Fact]
    public void Variances_outside_the_supported_range_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new DiscreteGaussianSampler(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DiscreteGaussianSampler(DiscreteGaussianSampler.MaximumVariance + 1));
    }
}
