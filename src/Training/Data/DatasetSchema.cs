using System.Security.Cryptography;
using System.Text;

namespace FederatedHe.Training.Data;

/// <summary>
/// What a dataset's columns mean, without any of its values: the feature names in order, the label
/// column and the label encoding, with a SHA-256 <see cref="Digest"/> so that hospitals can check that
/// they hold the same kind of file by exchanging 64 hex digits and nothing else.
/// </summary>
/// <remarks>
/// <para>The digest is SHA-256 over the UTF-8 bytes of a canonical text, one item per line:
/// <c>fedhe-dataset-schema/1</c>, <c>label-column:{length}:{name}</c>, <c>label-encoding:{</c><see cref="LabelEncoding.CanonicalText"/><c>}</c>,
/// then <c>feature:{length}:{name}</c> for each feature in order. Names are taken exactly as in the header
/// (trimmed, case kept); the length prefix keeps a name containing a newline or colon from colliding with
/// two others. Two files have equal digests exactly when their feature names (in order), label column
/// name and encoding are equal. A golden test pins the digest of <c>data/wdbc.csv</c>'s schema.</para>
/// <para>The comparison is deliberately strict: a model's parameter vector is laid out by feature
/// position, so the same columns in another order are another schema.</para>
/// <para>Immutable and thread-safe.</para>
/// </remarks>
public sealed class DatasetSchema : IEquatable<DatasetSchema>
{
    /// <summary>The first line of the hashed text; changes if the canonical form ever does.</summary>
    public const string FormatTag = "fedhe-dataset-schema/1";

    private readonly string[] _featureNames;

    /// <summary>A schema from its parts.</summary>
    /// <param name="featureNames">Feature columns, in order; distinct and non-empty.</param>
    /// <param name="labelColumn">The label column's name as in the header.</param>
    /// <param name="labelEncoding">The encoding; null for <see cref="LabelEncoding.MalignantBenign"/>.</param>
    /// <exception cref="ArgumentException">No features, an empty or repeated feature name, or an empty label column name.</exception>
    public DatasetSchema(IReadOnlyList<string> featureNames, string labelColumn, LabelEncoding? labelEncoding = null)
    {
        ArgumentNullException.ThrowIfNull(featureNames);
        ArgumentException.ThrowIfNullOrWhiteSpace(labelColumn);
        if (featureNames.Count == 0)
        {
            throw new ArgumentException("A schema needs at least one feature.", nameof(featureNames));
        }
        if (featureNames.Any(string.IsNullOrWhiteSpace) || featureNames.Distinct(StringComparer.Ordinal).Count() != featureNames.Count)
        {
            throw new ArgumentException("Feature names must be non-empty and distinct.", nameof(featureNames));
        }
        _featureNames = [.. featureNames];
        LabelColumn = labelColumn;
        LabelEncoding = labelEncoding ?? LabelEncoding.MalignantBenign;
        Digest = DigestOf(_featureNames, LabelColumn, LabelEncoding.CanonicalText);
    }

    /// <summary>Feature names, in column order.</summary>
    public IReadOnlyList<string> FeatureNames => _featureNames;

    /// <summary>The label column's name.</summary>
    public string LabelColumn { get; }

    /// <summary>Which class is 1 and how labels may be spelled.</summary>
    public LabelEncoding LabelEncoding { get; }

    /// <summary>SHA-256 of the canonical text, 64 lower-case hex digits.</summary>
    public string Digest { get; }

    /// <summary>The schema of a dataset: its feature names, its label column and the loader's encoding.</summary>
    public static DatasetSchema Of(Dataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        return new DatasetSchema(dataset.FeatureNames, dataset.LabelColumn);
    }

    /// <summary>
    /// The first way <paramref name="other"/> differs from this schema, as a sentence for an error message
    /// (e.g. <c>feature 3 is 'area_mean' here but 'perimeter_mean' there</c>), or null when they are equal.
    /// </summary>
    public string? FirstDifference(DatasetSchema other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (Equals(other))
        {
            return null;
        }
        for (var i = 0; i < Math.Max(_featureNames.Length, other._featureNames.Length); i++)
        {
            if (i >= other._featureNames.Length)
            {
                return $"feature {i + 1} is '{_featureNames[i]}' here but missing there";
            }
            if (i >= _featureNames.Length)
            {
                return $"feature {i + 1} is missing here but '{other._featureNames[i]}' there";
            }
            if (!string.Equals(_featureNames[i], other._featureNames[i], StringComparison.Ordinal))
            {
                return $"feature {i + 1} is '{_featureNames[i]}' here but '{other._featureNames[i]}' there";
            }
        }
        if (!string.Equals(LabelColumn, other.LabelColumn, StringComparison.Ordinal))
        {
            return $"the label column is '{LabelColumn}' here but '{other.LabelColumn}' there";
        }
        return $"the label encoding is {LabelEncoding.CanonicalText} here but {other.LabelEncoding.CanonicalText} there";
    }

    /// <summary>The text the digest is computed over (see the remarks).</summary>
    public string CanonicalText() => CanonicalText(_featureNames, LabelColumn, LabelEncoding.CanonicalText);

    /// <summary>
    /// The digest of a schema described by its parts as they travel (names and the encoding's canonical text), so that a
    /// receiver can check that a digest it was sent belongs to the names sent with it.
    /// </summary>
    public static string DigestOf(IReadOnlyList<string> featureNames, string labelColumn, string labelEncodingText)
    {
        ArgumentNullException.ThrowIfNull(featureNames);
        ArgumentNullException.ThrowIfNull(labelColumn);
        ArgumentNullException.ThrowIfNull(labelEncodingText);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(CanonicalText(featureNames, labelColumn, labelEncodingText))));
    }

    private static string CanonicalText(IReadOnlyList<string> featureNames, string labelColumn, string labelEncodingText)
    {
        var text = new StringBuilder();
        text.Append(FormatTag).Append('\n');
        text.Append("label-column:").Append(labelColumn.Length).Append(':').Append(labelColumn).Append('\n');
        text.Append("label-encoding:").Append(labelEncodingText).Append('\n');
        foreach (var name in featureNames)
        {
            text.Append("feature:").Append(name.Length).Append(':').Append(name).Append('\n');
        }
        return text.ToString();
    }

    /// <inheritdoc />
    public bool Equals(DatasetSchema? other) => other is not null && Digest == other.Digest;

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as DatasetSchema);

    /// <inheritdoc />
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Digest);

    /// <inheritdoc />
    public override string ToString() => $"{_featureNames.Length} features, label '{LabelColumn}', sha256 {Digest[..12]}…";
}
