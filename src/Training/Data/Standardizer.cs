namespace FederatedHe.Training.Data;

/// <summary>
/// Scales each feature to zero mean and unit variance using global statistics, so every hospital and
/// the test set are transformed identically.
/// </summary>
/// <remarks>
/// <para>Built from combined <see cref="FeatureStatistics"/>, never from pooled data. Uses the
/// population variance (divide by n). A feature whose variance is (numerically) zero is only centred:
/// dividing by a zero deviation would turn every value into NaN.</para>
/// <para>The original notebook fitted a separate scaler to each split and hospital, so each site's
/// model saw differently scaled inputs — part of why its federation reached only 85.71%.</para>
/// <para>Immutable and thread-safe.</para>
/// </remarks>
public sealed class Standardizer
{
    /// <summary>Variances at or below this (relative to the squared mean, plus an absolute floor) count as zero.</summary>
    private const double RelativeVarianceFloor = 1e-12;

    private readonly double[] _means;
    private readonly double[] _standardDeviations;

    private Standardizer(double[] means, double[] standardDeviations)
    {
        _means = means;
        _standardDeviations = standardDeviations;
    }

    /// <summary>Each feature's global mean.</summary>
    public IReadOnlyList<double> Means => _means;

    /// <summary>Each feature's population standard deviation; 1 where the variance is zero.</summary>
    public IReadOnlyList<double> StandardDeviations => _standardDeviations;

    /// <summary>Number of features.</summary>
    public int FeatureCount => _means.Length;

    /// <summary>A standardizer from (combined) statistics.</summary>
    /// <exception cref="ArgumentException">The statistics cover no samples.</exception>
    public static Standardizer FromStatistics(FeatureStatistics statistics)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        if (statistics.SampleCount <= 0)
        {
            throw new ArgumentException("Statistics of zero samples have no mean.", nameof(statistics));
        }
        var count = (double)statistics.SampleCount;
        var means = new double[statistics.FeatureCount];
        var deviations = new double[statistics.FeatureCount];
        for (var j = 0; j < means.Length; j++)
        {
            var mean = statistics.Sums[j] / count;
            // Rounding (and CKKS noise) can make E[x²] − E[x]² slightly negative for a constant feature.
            var variance = Math.Max(0, statistics.SumsOfSquares[j] / count - mean * mean);
            means[j] = mean;
            deviations[j] = variance <= RelativeVarianceFloor * (1 + mean * mean) ? 1.0 : Math.Sqrt(variance);
        }
        return new Standardizer(means, deviations);
    }

    /// <summary>A standardizer from means and deviations computed before, e.g. read back from a model file.</summary>
    /// <exception cref="ArgumentException">The lists are empty or of different lengths, a mean is not finite, or a deviation is not finite and positive.</exception>
    public static Standardizer FromMeansAndDeviations(IReadOnlyList<double> means, IReadOnlyList<double> standardDeviations)
    {
        ArgumentNullException.ThrowIfNull(means);
        ArgumentNullException.ThrowIfNull(standardDeviations);
        if (means.Count == 0 || means.Count != standardDeviations.Count)
        {
            throw new ArgumentException($"Expected as many deviations as means (at least one); got {means.Count} means and {standardDeviations.Count} deviations.", nameof(standardDeviations));
        }
        for (var j = 0; j < means.Count; j++)
        {
            if (!double.IsFinite(means[j]))
            {
                throw new ArgumentException($"Mean {j} is {means[j]}; means must be finite.", nameof(means));
            }
            if (!double.IsFinite(standardDeviations[j]) || standardDeviations[j] <= 0)
            {
                throw new ArgumentException($"Standard deviation {j} is {standardDeviations[j]}; deviations must be finite and positive.", nameof(standardDeviations));
            }
        }
        return new Standardizer([.. means], [.. standardDeviations]);
    }

    /// <summary>Fits directly to one dataset: the centralised case, or a test of the federated one.</summary>
    public static Standardizer Fit(Dataset dataset) => FromStatistics(FeatureStatistics.Compute(dataset));

    /// <summary>The dataset with every feature standardized; labels and names unchanged.</summary>
    /// <exception cref="ArgumentException">The dataset has a different number of features.</exception>
    public Dataset Apply(Dataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (dataset.FeatureCount != FeatureCount)
        {
            throw new ArgumentException($"The standardizer has {FeatureCount} features; {dataset.Source} has {dataset.FeatureCount}.", nameof(dataset));
        }
        return dataset.WithFeatures(Transform(dataset.Features), dataset.Source + "#standardized");
    }

    /// <summary>Standardizes row-major features (e.g. patients to score, who have no labels).</summary>
    /// <param name="features">Row-major values, a whole number of rows of <see cref="FeatureCount"/> each.</param>
    /// <returns>A new array of the standardized values.</returns>
    /// <exception cref="ArgumentException">The length is not a multiple of <see cref="FeatureCount"/>.</exception>
    public float[] Transform(ReadOnlySpan<float> features)
    {
        if (features.Length % FeatureCount != 0)
        {
            throw new ArgumentException($"{features.Length} values are not whole rows of {FeatureCount} features.", nameof(features));
        }
        var scaled = new float[features.Length];
        for (var i = 0; i < features.Length; i++)
        {
            var j = i % FeatureCount;
            scaled[i] = (float)((features[i] - _means[j]) / _standardDeviations[j]);
        }
        return scaled;
    }
}
