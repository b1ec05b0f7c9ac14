namespace FederatedHe.Privacy.Noise;

/// <summary>
/// The Gaussian mechanism on a fixed-point grid: rounds a sum of clipped vectors to multiples of
/// γ = C·2^(−gridBits) and adds discrete Gaussian noise of standard deviation at least σ·C, so that the
/// released vector is an exact integer mechanism scaled by a public constant.
/// </summary>
/// <remarks>
/// <para>Sensitivity. Callers clip each contribution (a per-sample gradient, or a hospital's update) to
/// <see cref="ContributionClipNorm"/>, slightly below C: rounding each coordinate of a sum moves it by at
/// most γ/2, so two sums that differ by one contribution differ after rounding by at most
/// ‖g‖ + √d·γ ≤ C − γ in L2; the last γ covers the double-precision error of forming the sum.
/// In grid units the sensitivity is therefore at most 2^gridBits, an integer vector's norm, which is
/// what the discrete Gaussian's guarantee needs (Canonne, Kamath and Steinke 2020: the multivariate
/// discrete Gaussian with independent coordinates satisfies the same Rényi bound α·Δ²/(2σ²) as the
/// continuous one for integer-valued differences).</para>
/// <para>Noise. σ² in grid units is ⌈σ²·4^gridBits⌉ + 1, never below the calibrated value; the +1 absorbs
/// the rounding of the double product. The accountant charges the nominal σ, which the sampled noise
/// therefore meets or exceeds.</para>
/// <para>Output. noisy integer × γ, a fixed public function of the integer: post-processing, so the
/// floating-point representation of the result carries no information beyond the integer.</para>
/// <para>Immutable and thread-safe; the <see cref="NoiseRandomness"/> passed in is not.</para>
/// </remarks>
public sealed class DiscreteGaussianMechanism
{
    /// <summary>The default grid: 2¹⁶ steps per clip norm, far finer than the noise (σ·2¹⁶ steps).</summary>
    public const int DefaultGridBits = 16;

    private readonly DiscreteGaussianSampler _sampler;

    /// <summary>A mechanism for <paramref name="dimension"/>-vectors with L2 clip norm C and noise multiplier σ.</summary>
    /// <param name="clipNorm">C, positive and finite.</param>
    /// <param name="noiseMultiplier">σ, positive and finite: noise standard deviation over C.</param>
    /// <param name="dimension">Length of the vectors, at least 1.</param>
    /// <param name="gridBits">Grid resolution γ = C·2^(−gridBits), 4 to 24.</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range, or the grid is too coarse for the dimension (√d·γ must stay below C/2), or σ²·4^gridBits exceeds 2⁶⁰.</exception>
    public DiscreteGaussianMechanism(double clipNorm, double noiseMultiplier, int dimension, int gridBits = DefaultGridBits)
        : this(clipNorm, noiseMultiplier, dimension, gridBits, GridVarianceFor(noiseMultiplier, gridBits))
    {
    }

    internal DiscreteGaussianMechanism(double clipNorm, double noiseMultiplier, int dimension, int gridBits, UInt128 gridVariance)
    {
        if (!(clipNorm > 0) || double.IsInfinity(clipNorm))
        {
            throw new ArgumentOutOfRangeException(nameof(clipNorm), clipNorm, "The clip norm must be positive and finite.");
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(gridBits, 4);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(gridBits, 24);
        var gridSteps = Math.ScaleB(1.0, gridBits);
        if ((Math.Sqrt(dimension) + 1) * 2 >= gridSteps)
        {
            throw new ArgumentOutOfRangeException(nameof(gridBits), gridBits, $"A grid of 2^{gridBits} steps per clip norm is too coarse for {dimension} coordinates; use more grid bits.");
        }
        ClipNorm = clipNorm;
        NoiseMultiplier = noiseMultiplier;
        Dimension = dimension;
        GridBits = gridBits;
        Resolution = Math.ScaleB(clipNorm, -gridBits);
        ContributionClipNorm = clipNorm * (1 - (Math.Sqrt(dimension) + 1) / gridSteps);
        _sampler = new DiscreteGaussianSampler(gridVariance);
    }

    /// <summary>The clip norm C the privacy analysis assumes.</summary>
    public double ClipNorm { get; }

    /// <summary>The nominal noise multiplier σ charged by the accountant.</summary>
    public double NoiseMultiplier { get; }

    /// <summary>Vector length d.</summary>
    public int Dimension { get; }

    /// <summary>log₂ of grid steps per clip norm.</summary>
    public int GridBits { get; }

    /// <summary>γ = C·2^(−gridBits), the value of one grid step.</summary>
    public double Resolution { get; }

    /// <summary>
    /// The norm each contribution must be clipped to, C·(1 − (√d + 1)·2^(−gridBits)), so that the rounded
    /// sum's sensitivity stays within C.
    /// </summary>
    public double ContributionClipNorm { get; }

    /// <summary>The noise variance in grid units squared, at least σ²·4^gridBits.</summary>
    public UInt128 GridVariance => _sampler.Variance;

    /// <summary>The noise standard deviation actually added, in the vectors' units: √GridVariance·γ ≥ σ·C.</summary>
    public double NoiseStandardDeviation => Math.Sqrt((double)_sampler.Variance) * Resolution;

    /// <summary>Rounds <paramref name="sum"/> to the grid and returns it in grid units, without noise.</summary>
    /// <exception cref="ArgumentException">The length is not <see cref="Dimension"/>, or a value is not finite or too large for the grid.</exception>
    public long[] ToGrid(ReadOnlySpan<double> sum)
    {
        if (sum.Length != Dimension)
        {
            throw new ArgumentException($"The mechanism takes {Dimension} values; got {sum.Length}.", nameof(sum));
        }
        var grid = new long[sum.Length];
        for (var i = 0; i < sum.Length; i++)
        {
            var scaled = sum[i] / Resolution;
            if (!double.IsFinite(scaled) || Math.Abs(scaled) > 1e15)
            {
                throw new ArgumentException($"Value {i} is {sum[i]}, which the grid of step {Resolution:G3} cannot hold.", nameof(sum));
            }
            grid[i] = (long)Math.Round(scaled, MidpointRounding.ToEven);
        }
        return grid;
    }

    /// <summary>Adds discrete Gaussian noise of variance <see cref="GridVariance"/> to each grid value, in place.</summary>
    public void AddGridNoise(Span<long> grid, NoiseRandomness randomness)
    {
        ArgumentNullException.ThrowIfNull(randomness);
        for (var i = 0; i < grid.Length; i++)
        {
            grid[i] = checked(grid[i] + _sampler.Sample(randomness));
        }
    }

    /// <summary>Grid values back in the vectors' units: value × γ.</summary>
    public double[] FromGrid(ReadOnlySpan<long> grid)
    {
        var values = new double[grid.Length];
        for (var i = 0; i < grid.Length; i++)
        {
            values[i] = grid[i] * Resolution;
        }
        return values;
    }

    /// <summary>
    /// The private release of a sum of contributions each clipped to <see cref="ContributionClipNorm"/>:
    /// rounded to the grid, noised, and scaled back.
    /// </summary>
    /// <exception cref="ArgumentException">The length is not <see cref="Dimension"/>, or a value is not finite or too large for the grid.</exception>
    public double[] Privatize(ReadOnlySpan<double> clippedSum, NoiseRandomness randomness)
    {
        var grid = ToGrid(clippedSum);
        AddGridNoise(grid, randomness);
        return FromGrid(grid);
    }

    /// <summary>
    /// Scales <paramref name="vector"/> in place so its L2 norm is at most <paramref name="norm"/>
    /// (v·min(1, norm/‖v‖)), and returns the norm it had.
    /// </summary>
    public static double ClipInPlace(Span<double> vector, double norm)
    {
        var squared = 0.0;
        foreach (var value in vector)
        {
            squared += value * value;
        }
        var length = Math.Sqrt(squared);
        if (length > norm)
        {
            var factor = norm / length;
            foreach (ref var value in vector)
            {
                value *= factor;
            }
        }
        return length;
    }

    internal static UInt128 GridVarianceFor(double noiseMultiplier, int gridBits)
    {
        if (!(noiseMultiplier > 0) || double.IsInfinity(noiseMultiplier))
        {
            throw new ArgumentOutOfRangeException(nameof(noiseMultiplier), noiseMultiplier, "The noise multiplier must be positive and finite.");
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(gridBits, 4);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(gridBits, 24);
        var variance = Math.Ceiling(Math.ScaleB(noiseMultiplier * noiseMultiplier, 2 * gridBits));
        if (variance >= Math.ScaleB(1.0, 60))
        {
            throw new ArgumentOutOfRangeException(nameof(noiseMultiplier), noiseMultiplier, $"σ²·4^{gridBits} exceeds 2^60; use fewer grid bits.");
        }
        return (UInt128)variance + 1;
    }
}
