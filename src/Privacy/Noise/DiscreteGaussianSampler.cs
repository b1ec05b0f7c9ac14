namespace FederatedHe.Privacy.Noise;

/// <summary>
/// Exact samples from the discrete Gaussian N_ℤ(0, σ²), P[X = x] ∝ e^{−x²/(2σ²)} on the integers, with
/// σ² a positive integer: the algorithm of Canonne, Kamath and Steinke, "The Discrete Gaussian for
/// Differential Privacy" (NeurIPS 2020), Algorithms 1–3.
/// </summary>
/// <remarks>
/// <para>Why not a floating-point Gaussian: Mironov (CCS 2012) showed that the low-order bits of
/// floating-point Laplace samples reveal which input they were added to, because the set of doubles a
/// noisy value can take depends on the value; Gaussian samplers built on logs and square roots share
/// the flaw. Here every step is integer arithmetic — uniform integers by rejection, Bernoulli trials
/// with rational probabilities, Bernoulli(e^{−γ}) for rational γ by the series of Canonne et al. — so the
/// output distribution is exactly the discrete Gaussian and its privacy analysis holds without a
/// floating-point caveat.</para>
/// <para>The sampler draws a discrete Laplace candidate of scale t = ⌊σ⌋ + 1 and accepts it with
/// probability e^{−(|Y| − σ²/t)²/(2σ²)}; the expected number of candidates is below 2. Arithmetic is in
/// 128-bit integers and checked, so an (astronomically unlikely) overflow throws rather than wraps.</para>
/// <para>Immutable and thread-safe; the <see cref="NoiseRandomness"/> passed in is not.</para>
/// </remarks>
public sealed class DiscreteGaussianSampler
{
    /// <summary>The largest σ² accepted, 2⁶⁰: keeps every intermediate within 128 bits.</summary>
    public static readonly UInt128 MaximumVariance = UInt128.One << 60;

    private readonly UInt128 _variance;
    private readonly UInt128 _laplaceScale;

    /// <summary>A sampler for N_ℤ(0, <paramref name="variance"/>).</summary>
    /// <param name="variance">σ², a positive integer up to <see cref="MaximumVariance"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">σ² is 0 or above <see cref="MaximumVariance"/>.</exception>
    public DiscreteGaussianSampler(UInt128 variance)
    {
        if (variance == UInt128.Zero || variance > MaximumVariance)
        {
            throw new ArgumentOutOfRangeException(nameof(variance), variance, $"σ² must be between 1 and 2^60.");
        }
        _variance = variance;
        _laplaceScale = FloorSquareRoot(variance) + 1;
    }

    /// <summary>σ², in grid units squared.</summary>
    public UInt128 Variance => _variance;

    /// <summary>One sample.</summary>
    public long Sample(NoiseRandomness randomness)
    {
        ArgumentNullException.ThrowIfNull(randomness);
        checked
        {
            var t = _laplaceScale;
            while (true)
            {
                var candidate = SampleDiscreteLaplace(t, randomness);
                var magnitude = (UInt128)Math.Abs(candidate);
                // γ = (|Y| − σ²/t)² / (2σ²) = (|Y|·t − σ²)² / (2σ²t²), a ratio of integers.
                var scaled = magnitude * t;
                var difference = scaled >= _variance ? scaled - _variance : _variance - scaled;
                if (BernoulliExpMinus(difference * difference, 2 * _variance * t * t, randomness))
                {
                    return candidate;
                }
            }
        }
    }

    /// <summary>Fills <paramref name="destination"/> with independent samples.</summary>
    public void Sample(Span<long> destination, NoiseRandomness randomness)
    {
        for (var i = 0; i < destination.Length; i++)
        {
            destination[i] = Sample(randomness);
        }
    }

    /// <summary>The discrete Laplace distribution P[Y = y] ∝ e^{−|y|/t} (Canonne et al., Algorithm 2 with s = 1).</summary>
    internal static long SampleDiscreteLaplace(UInt128 t, NoiseRandomness randomness)
    {
        checked
        {
            while (true)
            {
                var u = randomness.UniformBelow(t);
                if (!BernoulliExpMinus(u, t, randomness))
                {
                    continue;
                }
                UInt128 v = 0;
                while (BernoulliExpMinus(1, 1, randomness))
                {
                    v++;
                }
                var magnitude = (long)(u + t * v);
                var negative = (randomness.NextUInt64() & 1) == 1;
                if (negative && magnitude == 0)
                {
                    continue;
                }
                return negative ? -magnitude : magnitude;
            }
        }
    }

    /// <summary>
    /// True with probability exactly e^{−n/d} (Canonne et al., Algorithm 1): for γ ≤ 1, the parity of the
    /// first K with Bernoulli(γ/K) false; for γ &gt; 1, ⌊γ⌋ independent Bernoulli(e^{−1}) trials and one more
    /// for the fractional part.
    /// </summary>
    internal static bool BernoulliExpMinus(UInt128 numerator, UInt128 denominator, NoiseRandomness randomness)
    {
        checked
        {
            if (numerator <= denominator && denominator <= uint.MaxValue)
            {
                // The same loop in 64-bit arithmetic: the discrete Laplace step's trials all take this path.
                ulong small = 1;
                while (randomness.UniformBelow((ulong)denominator * small) < (ulong)numerator)
                {
                    small++;
                }
                return (small & 1) == 1;
            }
            if (numerator <= denominator)
            {
                UInt128 k = 1;
                while (randomness.Bernoulli(numerator, denominator * k))
                {
                    k++;
                }
                return (k & 1) == 1;
            }
            var whole = numerator / denominator;
            for (UInt128 i = 0; i < whole; i++)
            {
                if (!BernoulliExpMinus(1, 1, randomness))
                {
                    return false;
                }
            }
            return BernoulliExpMinus(numerator % denominator, denominator, randomness);
        }
    }

    internal static UInt128 FloorSquareRoot(UInt128 value)
    {
        var root = (UInt128)Math.Sqrt((double)value);
        // The double estimate is within a few units; correct it exactly.
        while (root * root > value)
        {
            root--;
        }
        while ((root + 1) * (root + 1) <= value)
        {
            root++;
        }
        return root;
    }
}
