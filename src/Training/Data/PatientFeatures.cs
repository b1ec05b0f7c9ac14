namespace FederatedHe.Training.Data;

/// <summary>
/// Patients to score with a trained model: their raw (unstandardised) features, read from a CSV file that
/// need not have a label column, with each row's id (when the file has an <c>id</c> column) and line number
/// so predictions can be traced back to the row.
/// </summary>
/// <remarks>Immutable and thread-safe. Built by <see cref="CsvDatasetLoader.LoadForScoring"/>.</remarks>
public sealed class PatientFeatures
{
    private readonly float[] _features;
    private readonly string[]? _ids;
    private readonly int[] _lineNumbers;

    internal PatientFeatures(float[] features, string[] featureNames, string[]? ids, int[] lineNumbers, string source)
    {
        _features = features;
        FeatureNames = featureNames;
        _ids = ids;
        _lineNumbers = lineNumbers;
        Source = source;
    }

    /// <summary>Feature names, in column order.</summary>
    public IReadOnlyList<string> FeatureNames { get; }

    /// <summary>The file the rows came from.</summary>
    public string Source { get; }

    /// <summary>Number of patients (data rows).</summary>
    public int SampleCount => _lineNumbers.Length;

    /// <summary>All features, row-major, as in <see cref="Dataset.Features"/>.</summary>
    public ReadOnlySpan<float> Features => _features;

    /// <summary>Each row's <c>id</c> cell, or null when the file has no <c>id</c> column.</summary>
    public IReadOnlyList<string>? Ids => _ids;

    /// <summary>Each row's 1-based line in the file.</summary>
    public IReadOnlyList<int> LineNumbers => _lineNumbers;
}
