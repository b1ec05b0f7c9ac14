namespace FederatedHe.Training.Federation;

/// <summary>
/// Settles values decrypted from a CKKS sum on a fixed grid. CKKS decryption is approximate: each decryption carries noise
/// from fresh encryption randomness and from the keys (about 1e-9 absolute on WDBC's sums at the default preset), so two runs
/// of the same federation decrypt sums that differ in their last bits, and a float model or a standardised data set built
/// from them differs by an ulp here and there, which training then spreads. Rounding to a grid far coarser than that noise
/// and far finer than learning notices makes every run of one spec (in one process or one process per node, with its own
/// keys) reach the same model bit for bit; only a value that lands within the noise of a grid boundary can still differ,
/// with a probability of about the noise over the step (below 1e-4 per value here; a few in a thousand per WDBC run).
/// </summary>
/// <remarks>Pure and thread-safe.</remarks>
public static class DecryptedValues
{
    /// <summary>Relative precision kept in decrypted feature statistics: 2^-20, about 1e-6 (standardisation needs far less).</summary>
    public const int StatisticsBits = 20;

    /// <summary>
    /// The finest step of decrypted statistics, 2^-16 (about 1.5e-5): CKKS noise is absolute, so a small statistic (the sum
    /// of squares of a feature in the thousandths is about 1e-2) would otherwise sit on a relative step near the noise itself.
    /// It moves such a feature's standard deviation by about 0.1% at most.
    /// </summary>
    public const double StatisticsFloor = 1.0 / (1 << 16);

    /// <summary>The grid of averaged model parameters: 2^-22, about 2.4e-7 absolute, below float precision for weights above 4.</summary>
    public const double ParameterStep = 1.0 / (1 << 22);

    /// <summary>
    /// Each value rounded to <paramref name="bits"/> significant bits, and to no finer step than <paramref name="floor"/> (a
    /// relative grid: the step follows the value's binade, and values on either side of a power of two round to that power, so
    /// the grid has no seam).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bits"/> is not between 1 and 52, or <paramref name="floor"/> is negative.</exception>
    public static double[] SettleRelative(ReadOnlySpan<double> values, int bits = StatisticsBits, double floor = StatisticsFloor)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bits, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bits, 52);
        ArgumentOutOfRangeException.ThrowIfNegative(floor);
        var settled = new double[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            var value = values[i];
            if (value == 0 || !double.IsFinite(value))
            {
                settled[i] = value;
                continue;
            }

            var step = Math.Max(Math.ScaleB(1.0, Math.ILogB(value) - bits), floor);
            settled[i] = Math.Round(value / step) * step;
        }

        return settled;
    }

    /// <summary>
    /// The federated average Σ nᵢ·wᵢ / Σ nᵢ of a decrypted sum, settled: Σ nᵢ is a count and is rounded to an integer, and each
    /// average is rounded to <see cref="ParameterStep"/> before it becomes a float.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The rounded count is not positive, or a value is not finite.</exception>
    /// <exception cref="ArgumentException">An average overflows a float.</exception>
    public static float[] SettledAverage(ReadOnlySpan<double> sumOfWeightedParameters, double totalSampleCount)
    {
        var count = Math.Round(totalSampleCount);
        if (!(count >= 1) || double.IsInfinity(count))
            throw new ArgumentOutOfRangeException(nameof(totalSampleCount), totalSampleCount, "Must be a positive count.");
        return SettledMean(sumOfWeightedParameters, count);
    }

    /// <summary>
    /// The weighted mean Σ νᵢ·wᵢ / Σ νᵢ of a decrypted sum whose weights are not counts (normalised FedAvg weights), settled:
    /// each mean is rounded to <see cref="ParameterStep"/> before it becomes a float.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The total weight is not positive and finite.</exception>
    /// <exception cref="ArgumentException">A mean is not finite or overflows a float.</exception>
    public static float[] SettledMean(ReadOnlySpan<double> sumOfWeightedParameters, double totalWeight)
    {
        if (!(totalWeight > 0) || double.IsInfinity(totalWeight))
            throw new ArgumentOutOfRangeException(nameof(totalWeight), totalWeight, "Must be positive and finite.");
        var mean = new float[sumOfWeightedParameters.Length];
        for (var i = 0; i < mean.Length; i++)
        {
            var value = (float)(Math.Round(sumOfWeightedParameters[i] / totalWeight / ParameterStep) * ParameterStep);
            if (!float.IsFinite(value))
                throw new ArgumentException($"Weighted sum {i} ({sumOfWeightedParameters[i]}) gives a non-finite average.", nameof(sumOfWeightedParameters));
            mean[i] = value;
        }

        return mean;
    }
}
