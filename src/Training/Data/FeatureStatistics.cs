namespace FederatedHe.Training.Data;

/// <summary>
/// Per-feature sufficient statistics of a dataset — sample count, sums and sums of squares — from which
/// the global mean and variance follow without pooling any hospital's data.
/// </summary>
/// <remarks>
/// <para>Hospitals each compute theirs; the statistics add up (<see cref="Add"/>, <see cref="Combine"/>).
/// In the runtime the additions happen under encryption: <see cref="ToVector"/> lays the statistics out
/// as one flat vector, the vectors are encrypted and summed homomorphically, and
/// <see cref="FromVector"/> reads the decrypted sum back.</para>
/// <para>Immutable and thread-safe. Equality compares values.</para>
/// </remarks>
public sealed record FeatureStatistics
{
    private readonly double[] _sums;
    private readonly double[] _sumsOfSquares;

    private FeatureStatistics(long sampleCount, double[] sums, double[] sumsOfSquares)
    {
        SampleCount = sampleCount;
        _sums = sums;
        _sumsOfSquares = sumsOfSquares;
    }

    /// <summary>Number of samples summed.</summary>
    public long SampleCount { get; }

    /// <summary>Number of features.</summary>
    public int FeatureCount => _sums.Length;

    /// <summary>Sum of each feature over the samples.</summary>
    public IReadOnlyList<double> Sums => _sums;

    /// <summary>Sum of each feature's square over the samples.</summary>
    public IReadOnlyList<double> SumsOfSquares => _sumsOfSquares;

    /// <summary>Length of <see cref="ToVector"/> for a given feature count: 1 + 2 × features.</summary>
    public static int VectorLength(int featureCount) => 1 + 2 * featureCount;

    /// <summary>The statistics of one dataset, accumulated in double precision.</summary>
    public static FeatureStatistics Compute(Dataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var featureCount = dataset.FeatureCount;
        var sums = new double[featureCount];
        var sumsOfSquares = new double[featureCount];
        for (var i = 0; i < dataset.SampleCount; i++)
        {
            var row = dataset.Row(i);
            for (var j = 0; j < featureCount; j++)
            {
                double value = row[j];
                sums[j] += value;
                sumsOfSquares[j] += value * value;
            }
        }
        return new FeatureStatistics(dataset.SampleCount, sums, sumsOfSquares);
    }

    /// <summary>The statistics of the union of both sample sets.</summary>
    /// <exception cref="ArgumentException">The feature counts differ.</exception>
    public FeatureStatistics Add(FeatureStatistics other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.FeatureCount != FeatureCount)
        {
            throw new ArgumentException($"Cannot add statistics of {other.FeatureCount} features to statistics of {FeatureCount}.", nameof(other));
        }
        var sums = new double[FeatureCount];
        var sumsOfSquares = new double[FeatureCount];
        for (var j = 0; j < FeatureCount; j++)
        {
            sums[j] = _sums[j] + other._sums[j];
            sumsOfSquares[j] = _sumsOfSquares[j] + other._sumsOfSquares[j];
        }
        return new FeatureStatistics(SampleCount + other.SampleCount, sums, sumsOfSquares);
    }

    /// <summary>The statistics of the union of all the given sample sets, e.g. every hospital's.</summary>
    /// <exception cref="ArgumentException">The sequence is empty or the feature counts differ.</exception>
    public static FeatureStatistics Combine(IEnumerable<FeatureStatistics> statistics)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        FeatureStatistics? total = null;
        foreach (var item in statistics)
        {
            total = total is null ? item : total.Add(item);
        }
        return total ?? throw new ArgumentException("At least one set of statistics is needed.", nameof(statistics));
    }

    /// <summary>
    /// The flat layout the runtime encrypts and sums: <c>[count, sum_0 … sum_{d-1}, sumOfSquares_0 … sumOfSquares_{d-1}]</c>.
    /// Adding two such vectors element-wise gives the vector of <see cref="Add"/>.
    /// </summary>
    public double[] ToVector()
    {
        var vector = new double[VectorLength(FeatureCount)];
        vector[0] = SampleCount;
        _sums.CopyTo(vector, 1);
        _sumsOfSquares.CopyTo(vector, 1 + FeatureCount);
        return vector;
    }

    /// <summary>
    /// Reads statistics back from the layout of <see cref="ToVector"/>, e.g. a decrypted homomorphic sum.
    /// The count is rounded to the nearest integer, as approximate (CKKS) arithmetic leaves it a little off.
    /// </summary>
    /// <param name="vector">1 + 2 × <paramref name="featureCount"/> values.</param>
    /// <param name="featureCount">Number of features.</param>
    /// <exception cref="ArgumentException">
    /// The length is wrong, a value is not finite, or the count is negative or more than 0.25 from an
    /// integer (a sign of a corrupt or wrongly decrypted vector).
    /// </exception>
    public static FeatureStatistics FromVector(ReadOnlySpan<double> vector, int featureCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(featureCount, 1);
        if (vector.Length != VectorLength(featureCount))
        {
            throw new ArgumentException($"Expected {VectorLength(featureCount)} values for {featureCount} features, got {vector.Length}.", nameof(vector));
        }
        for (var i = 0; i < vector.Length; i++)
        {
            if (!double.IsFinite(vector[i]))
            {
                throw new ArgumentException($"Value {i} of the statistics vector is {vector[i]}.", nameof(vector));
            }
        }
        var count = Math.Round(vector[0]);
        if (count < 0 || Math.Abs(vector[0] - count) > 0.25)
        {
            throw new ArgumentException($"The sample count {vector[0]} is not a non-negative integer.", nameof(vector));
        }
        return new FeatureStatistics(
            (long)count,
            vector.Slice(1, featureCount).ToArray(),
            vector.Slice(1 + featureCount, featureCount).ToArray());
    }

    /// <inheritdoc />
    public bool Equals(FeatureStatistics? other) =>
        other is not null
        && SampleCount == other.SampleCount
        && _sums.AsSpan().SequenceEqual(other._sums)
        && _sumsOfSquares.AsSpan().SequenceEqual(other._sumsOfSquares);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(SampleCount, FeatureCount, _sums.FirstOrDefault());
}
