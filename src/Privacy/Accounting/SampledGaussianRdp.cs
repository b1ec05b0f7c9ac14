namespace FederatedHe.Privacy.Accounting;

/// <summary>
/// The Rényi differential privacy of one step of the Poisson-subsampled Gaussian mechanism, after
/// Mironov, Talwar and Zhang, "Rényi Differential Privacy of the Sampled Gaussian Mechanism" (2019).
/// </summary>
/// <remarks>
/// <para>With sampling rate q and noise multiplier σ (noise standard deviation over the L2 sensitivity),
/// the mechanism's RDP at order α is log(A_α)/(α − 1), where A_α = E_{z∼N(0,σ²)}[((1 − q) + q·e^{(2z − 1)/(2σ²)})^α]
/// is the α-th moment of the privacy-loss ratio between the mixture (1 − q)N(0, σ²) + qN(1, σ²) and N(0, σ²).
/// Mironov, Talwar and Zhang show that this direction is the larger of the two, so it bounds the
/// add-or-remove-one neighbouring relation.</para>
/// <para>Integer orders use the finite binomial expansion (their Section 3.2); fractional orders split
/// the integral where the two mixture components are equal, at z₀ = σ²·ln(1/q − 1) + 1/2, and expand
/// each side in a convergent binomial series whose Gaussian integrals are erfc values (their Section
/// 3.3). Everything is summed in log space. Pure and thread-safe.</para>
/// </remarks>
internal static class SampledGaussianRdp
{
    private const int MaximumSeriesTerms = 200_000;

    /// <summary>RDP at order <paramref name="order"/> of one step; +∞ when σ = 0 and q &gt; 0.</summary>
    /// <exception cref="ArgumentOutOfRangeException">q is outside [0, 1], σ is negative or not finite, or the order is not above 1.</exception>
    public static double Compute(double samplingRate, double noiseMultiplier, double order)
    {
        Validate(samplingRate, noiseMultiplier, order);
        if (samplingRate == 0)
        {
            return 0;
        }
        if (noiseMultiplier == 0)
        {
            return double.PositiveInfinity;
        }
        if (samplingRate == 1)
        {
            return order / (2 * noiseMultiplier * noiseMultiplier);
        }
        if (double.IsPositiveInfinity(order))
        {
            return double.PositiveInfinity;
        }
        return LogA(samplingRate, noiseMultiplier, order) / (order - 1);
    }

    /// <summary>
    /// Added to log(A_α) from the fractional series: a bound on its rounding error (terms near 1 summed in
    /// double precision, erfc to about 1e-14 relative). Without it the series can fall a few 1e-16 short
    /// of the true value where A_α is within 1e-12 of 1 (tiny q, large σ); with it the result is an upper
    /// bound. The cost is at most 1e-11 per step at α = 1.1, below anything a report shows.
    /// </summary>
    internal const double FractionalSeriesErrorAllowance = 1e-12;

    /// <summary>log(A_α), for 0 &lt; q &lt; 1 and σ &gt; 0; an upper bound within <see cref="FractionalSeriesErrorAllowance"/> at fractional orders.</summary>
    internal static double LogA(double samplingRate, double noiseMultiplier, double order) =>
        order == Math.Floor(order) && order <= int.MaxValue
            ? LogAIntegerOrder(samplingRate, noiseMultiplier, (int)order)
            : Math.Max(LogAFractionalOrder(samplingRate, noiseMultiplier, order), 0) + FractionalSeriesErrorAllowance;

    /// <summary>
    /// A_α = Σ_{k=0}^{α} C(α, k) (1 − q)^{α−k} q^k e^{(k² − k)/(2σ²)}: the binomial expansion of the
    /// mixture's α-th power, each term a Gaussian moment in closed form.
    /// </summary>
    /// <remarks>
    /// Computed as log1p(A_α − 1) with A_α − 1 = Σ_{k≥2} C(α, k) (1 − q)^{α−k} q^k (e^{(k² − k)/(2σ²)} − 1),
    /// because the binomial weights sum to 1 and the k = 0, 1 terms have moment 1. Every term is
    /// positive, so even a cost of 1e-20 keeps its full relative precision.
    /// </remarks>
    private static double LogAIntegerOrder(double q, double sigma, int order)
    {
        var logQ = Math.Log(q);
        var logOneMinusQ = double.LogP1(-q);
        var logExcess = double.NegativeInfinity;
        var logBinomial = Math.Log(order);
        for (var k = 2; k <= order; k++)
        {
            logBinomial += Math.Log(order - k + 1) - Math.Log(k);
            var exponent = (k * (double)k - k) / (2 * sigma * sigma);
            // log(e^x − 1), stable for small and large x.
            var logMomentExcess = exponent > 30 ? exponent : Math.Log(double.ExpM1(exponent));
            logExcess = LogSpace.Add(logExcess, logBinomial + k * logQ + (order - k) * logOneMinusQ + logMomentExcess);
        }
        return logExcess > 0 ? logExcess + double.LogP1(Math.Exp(-logExcess)) : double.LogP1(Math.Exp(logExcess));
    }

    /// <summary>
    /// A_α for fractional α: Σ_i C(α, i) [ (1 − q)^{α−i} q^i e^{(i² − i)/(2σ²)} · ½erfc((i − z₀)/(√2σ))
    ///                                 + q^{α−i} (1 − q)^i e^{((α−i)² − (α−i))/(2σ²)} · ½erfc((z₀ − (α − i))/(√2σ)) ].
    /// </summary>
    /// <remarks>
    /// The generalised binomial coefficients change sign once i exceeds α, so positive and negative
    /// terms are accumulated separately in log space and subtracted at the end. The series converges
    /// (polynomially in i); it is cut when both new terms fall below 1e-15 of the running sum.
    /// </remarks>
    private static double LogAFractionalOrder(double q, double sigma, double order)
    {
        var logQ = Math.Log(q);
        var logOneMinusQ = double.LogP1(-q);
        var z0 = sigma * sigma * (logOneMinusQ - logQ) + 0.5;
        var erfcScale = Math.Sqrt(2) * sigma;
        var logHalf = Math.Log(0.5);
        var twoSigmaSquared = 2 * sigma * sigma;

        var positive = double.NegativeInfinity;
        var negative = double.NegativeInfinity;
        var logAbsBinomial = 0.0;
        var binomialSign = 1;
        for (var i = 0; i < MaximumSeriesTerms; i++)
        {
            if (i > 0)
            {
                // C(α, i) = C(α, i − 1) · (α − i + 1) / i; the factor turns negative once i > α + 1.
                var factor = order - i + 1;
                logAbsBinomial += Math.Log(Math.Abs(factor)) - Math.Log(i);
                if (factor < 0)
                {
                    binomialSign = -binomialSign;
                }
            }
            var j = order - i;
            var logLower = logAbsBinomial + i * logQ + j * logOneMinusQ + (i * (double)i - i) / twoSigmaSquared
                + logHalf + LogSpace.LogErfc((i - z0) / erfcScale);
            var logUpper = logAbsBinomial + j * logQ + i * logOneMinusQ + (j * j - j) / twoSigmaSquared
                + logHalf + LogSpace.LogErfc((z0 - j) / erfcScale);
            var logTerm = LogSpace.Add(logLower, logUpper);
            if (binomialSign > 0)
            {
                positive = LogSpace.Add(positive, logTerm);
            }
            else
            {
                negative = LogSpace.Add(negative, logTerm);
            }
            if (i > order + 1 && logTerm < positive - 34.5)
            {
                break;
            }
        }
        return LogSpace.Subtract(positive, negative);
    }

    internal static void Validate(double samplingRate, double noiseMultiplier, double order)
    {
        if (!(samplingRate >= 0 && samplingRate <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(samplingRate), samplingRate, "The sampling rate q must be in [0, 1].");
        }
        if (!(noiseMultiplier >= 0) || double.IsInfinity(noiseMultiplier))
        {
            throw new ArgumentOutOfRangeException(nameof(noiseMultiplier), noiseMultiplier, "The noise multiplier must be non-negative and finite.");
        }
        if (!(order > 1))
        {
            throw new ArgumentOutOfRangeException(nameof(order), order, "Rényi orders must exceed 1.");
        }
    }
}
