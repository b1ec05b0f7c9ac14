namespace FederatedHe.Training.Data;

/// <summary>
/// An immutable table of samples for binary classification: a row-major matrix of features, one
/// label per row (1 = malignant / positive, 0 = benign / negative), the feature names and where the
/// data came from.
/// </summary>
/// <remarks>Immutable and therefore thread-safe. The public factory copies its inputs.</remarks>
public sealed class Dataset
{
    private readonly float[] _features;
    private readonly int[] _labels;

    private Dataset(float[] features, int[] labels, IReadOnlyList<string> featureNames, string source, string labelColumn)
    {
        _features = features;
        _labels = labels;
        FeatureNames = featureNames;
        Source = source;
        LabelColumn = labelColumn;
    }

    /// <summary>The label column's name in the file the samples came from (<c>diagnosis</c> when not from a file).</summary>
    public string LabelColumn { get; }

    /// <summary>The label column used when a dataset is not read from a file.</summary>
    public const string DefaultLabelColumn = "diagnosis";

    /// <summary>What the columns mean, with a digest that can be compared without sending any value.</summary>
    public DatasetSchema Schema => DatasetSchema.Of(this);

    /// <summary>Feature names, in column order.</summary>
    public IReadOnlyList<string> FeatureNames { get; }

    /// <summary>Where the samples came from: a file path, or a description such as <c>wdbc.csv#train</c>.</summary>
    public string Source { get; }

    /// <summary>Number of samples (rows).</summary>
    public int SampleCount => _labels.Length;

    /// <summary>Number of features (columns), not counting the label.</summary>
    public int FeatureCount => FeatureNames.Count;

    /// <summary>All features, row-major: sample <c>i</c>, feature <c>j</c> is at <c>i * FeatureCount + j</c>.</summary>
    public ReadOnlySpan<float> Features => _features;

    /// <summary>Labels, one per sample, each 0 or 1.</summary>
    public ReadOnlySpan<int> Labels => _labels;

    /// <summary>Number of samples labelled 1 (malignant).</summary>
    public int PositiveCount => _labels.Count(label => label == 1);

    /// <summary>The features of one sample.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The index is outside the dataset.</exception>
    public ReadOnlySpan<float> Row(int sampleIndex)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sampleIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(sampleIndex, SampleCount);
        return _features.AsSpan(sampleIndex * FeatureCount, FeatureCount);
    }

    /// <summary>Creates a dataset from copies of the given arrays.</summary>
    /// <param name="features">Row-major features, <c>labels.Length * featureNames.Count</c> finite values.</param>
    /// <param name="labels">One label per sample, each 0 or 1.</param>
    /// <param name="featureNames">Distinct, non-empty names, one per feature.</param>
    /// <param name="source">Where the data came from.</param>
    /// <param name="labelColumn">The label column's name, for the <see cref="Schema"/>.</param>
    /// <exception cref="ArgumentException">Shapes disagree, a label is not 0 or 1, a value is not finite, or names are empty or repeated.</exception>
    public static Dataset Create(ReadOnlySpan<float> features, ReadOnlySpan<int> labels, IReadOnlyList<string> featureNames, string source,
        string labelColumn = DefaultLabelColumn)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(labelColumn);
        ArgumentNullException.ThrowIfNull(featureNames);
        ArgumentNullException.ThrowIfNull(source);
        if (featureNames.Count == 0)
        {
            throw new ArgumentException("A dataset needs at least one feature.", nameof(featureNames));
        }
        if (featureNames.Any(string.IsNullOrWhiteSpace) || featureNames.Distinct(StringComparer.Ordinal).Count() != featureNames.Count)
        {
            throw new ArgumentException("Feature names must be non-empty and distinct.", nameof(featureNames));
        }
        if (features.Length != labels.Length * featureNames.Count)
        {
            throw new ArgumentException(
                $"Expected {labels.Length} x {featureNames.Count} = {labels.Length * featureNames.Count} feature values, got {features.Length}.",
                nameof(features));
        }
        for (var i = 0; i < labels.Length; i++)
        {
            if (labels[i] is not (0 or 1))
            {
                throw new ArgumentException($"Label of sample {i} is {labels[i]}; labels must be 0 or 1.", nameof(labels));
            }
        }
        for (var i = 0; i < features.Length; i++)
        {
            if (!float.IsFinite(features[i]))
            {
                throw new ArgumentException(
                    $"Feature '{featureNames[i % featureNames.Count]}' of sample {i / featureNames.Count} is {features[i]}; values must be finite.",
                    nameof(features));
            }
        }
        return new Dataset(features.ToArray(), labels.ToArray(), featureNames.ToArray(), source, labelColumn);
    }

    /// <summary>The samples at the given indices, in that order, as a new dataset.</summary>
    /// <param name="sampleIndices">Indices into this dataset; repeats are allowed.</param>
    /// <param name="source">The new dataset's source description.</param>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside this dataset.</exception>
    public Dataset Subset(IReadOnlyList<int> sampleIndices, string source)
    {
        ArgumentNullException.ThrowIfNull(sampleIndices);
        var featureCount = FeatureCount;
        var features = new float[sampleIndices.Count * featureCount];
        var labels = new int[sampleIndices.Count];
        for (var i = 0; i < sampleIndices.Count; i++)
        {
            var index = sampleIndices[i];
            if ((uint)index >= (uint)SampleCount)
            {
                throw new ArgumentOutOfRangeException(nameof(sampleIndices), index, $"Index outside a dataset of {SampleCount} samples.");
            }
            Array.Copy(_features, index * featureCount, features, i * featureCount, featureCount);
            labels[i] = _labels[index];
        }
        return new Dataset(features, labels, FeatureNames, source, LabelColumn);
    }

    /// <summary>This dataset with every feature value replaced, labels and names kept.</summary>
    internal Dataset WithFeatures(float[] features, string source) => new(features, _labels, FeatureNames, source, LabelColumn);

    /// <summary>Trusted construction that takes ownership of the arrays (used by the loader after validation).</summary>
    internal static Dataset FromOwnedArrays(float[] features, int[] labels, IReadOnlyList<string> featureNames, string source, string labelColumn) =>
        new(features, labels, featureNames, source, labelColumn);

    /// <summary>The arrays themselves, for building tensors without copying twice. Never mutate them.</summary>
    internal float[] FeatureArray => _features;

    internal int[] LabelArray => _labels;

    /// <inheritdoc />
    public override string ToString() => $"{Source}: {SampleCount} samples x {FeatureCount} features ({PositiveCount} positive)";
}
