namespace FederatedHe.Privacy.Tests;

/// <summary>Acceptance intervals for the statistical tests, each with a stated false-alarm rate.</summary>
internal static class StatisticalBounds
{
    /// <summary>The standard normal quantile for a one-sided tail of 5e-7 (two-sided false alarm 1e-6).</summary>
    public const double TwoSidedZForOneInAMillion = 4.8916;

    /// <summary>The standard normal quantile for a one-sided tail of 1e-6.</summary>
    public const double OneSidedZForOneInAMillion = 4.7534;

    /// <summary>
    /// The interval [lower, upper] that a χ² variable with <paramref name="degreesOfFreedom"/> degrees of
    /// freedom leaves with probability about 1e-6 (5e-7 each side), by the Wilson–Hilferty approximation,
    /// which is accurate to far better than that rate's precision for the sizes used here.
    /// </summary>
    public static (double Lower, double Upper) ChiSquareInterval(double degreesOfFreedom) =>
        (WilsonHilferty(degreesOfFreedom, -TwoSidedZForOneInAMillion), WilsonHilferty(degreesOfFreedom, TwoSidedZForOneInAMillion));

    /// <summary>The upper χ² quantile with tail probability 1e-6.</summary>
    public static double ChiSquareUpper(double degreesOfFreedom) => WilsonHilferty(degreesOfFreedom, OneSidedZForOneInAMillion);

    private static double WilsonHilferty(double k, double z)
    {
        var a = 2 / (9 * k);
        return k * Math.Pow(1 - a + z * Math.Sqrt(a), 3);
    }

    /// <summary>
    /// Asserts that zero-mean samples with known variance have a sum of squares inside the χ² interval:
    /// Σx²/σ² ~ χ²_N for N independent N(0, σ²) draws (and, to within far less than the interval, for
    /// discrete Gaussians with σ ≥ 3).
    /// </summary>
    public static void AssertVariance(IReadOnlyCollection<double> samples, double variance, string what)
    {
        var statistic = samples.Sum(x => x * x) / variance;
        var (lower, upper) = ChiSquareInterval(samples.Count);
        Assert.True(statistic >= lower && statistic <= upper,
            $"{what}: Σx²/σ² = {statistic:F1} outside [{lower:F1}, {upper:F1}] for N = {samples.Count} (sample variance ratio {statistic / samples.Count:F4}).");
    }
}
