namespace FederatedHe.Training.Data;

/// <summary>
/// How a label cell maps to the class a model predicts: which class is 1 (positive) and which is 0, and
/// the spellings a CSV file may use for each.
/// </summary>
/// <remarks>
/// The runtime knows one encoding, <see cref="MalignantBenign"/>: 1 = malignant (<c>M</c>, <c>malignant</c>,
/// <c>1</c>), 0 = benign (<c>B</c>, <c>benign</c>, <c>0</c>), letters matched case-insensitively. It is
/// spelled out as a type so that a schema digest and a model file say which encoding they assume instead of
/// leaving it implicit. Immutable and thread-safe.
/// </remarks>
/// <param name="PositiveClass">The class labelled 1, e.g. <c>malignant</c>.</param>
/// <param name="NegativeClass">The class labelled 0, e.g. <c>benign</c>.</param>
/// <param name="PositiveCode">The short spelling written for class 1 in predictions, e.g. <c>M</c>.</param>
/// <param name="NegativeCode">The short spelling written for class 0, e.g. <c>B</c>.</param>
public sealed record LabelEncoding(string PositiveClass, string NegativeClass, string PositiveCode, string NegativeCode)
{
    /// <summary>1 = malignant (M), 0 = benign (B): the encoding of <c>data/wdbc.csv</c> and of every file the loader reads.</summary>
    public static LabelEncoding MalignantBenign { get; } = new("malignant", "benign", "M", "B");

    /// <summary>The spellings read as 1 and as 0, for error messages: <c>M/B, malignant/benign or 1/0</c>.</summary>
    public string AcceptedSpellings => $"{PositiveCode}/{NegativeCode}, {PositiveClass}/{NegativeClass} or 1/0";

    /// <summary>
    /// The canonical text hashed into a <see cref="DatasetSchema.Digest"/>: <c>1=malignant(M);0=benign(B)</c>.
    /// </summary>
    public string CanonicalText => $"1={PositiveClass}({PositiveCode});0={NegativeClass}({NegativeCode})";

    /// <summary>
    /// Reads one label cell: the code or class name in any letter case, or the digits <c>1</c> / <c>0</c>.
    /// Surrounding spaces are ignored; nothing else (not <c>1.0</c>, not <c>yes</c>) is accepted.
    /// </summary>
    /// <param name="text">The cell.</param>
    /// <param name="label">1 or 0 when the cell is a known spelling.</param>
    /// <returns>Whether the cell is a known spelling.</returns>
    public bool TryParse(string text, out int label)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        if (trimmed.Equals(PositiveCode, StringComparison.OrdinalIgnoreCase)
            || trimmed.Equals(PositiveClass, StringComparison.OrdinalIgnoreCase)
            || trimmed == "1")
        {
            label = 1;
            return true;
        }
        if (trimmed.Equals(NegativeCode, StringComparison.OrdinalIgnoreCase)
            || trimmed.Equals(NegativeClass, StringComparison.OrdinalIgnoreCase)
            || trimmed == "0")
        {
            label = 0;
            return true;
        }
        label = -1;
        return false;
    }

    /// <summary>The class name of a label: <see cref="PositiveClass"/> for 1, <see cref="NegativeClass"/> for 0.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The label is neither 0 nor 1.</exception>
    public string ClassOf(int label) => label switch
    {
        1 => PositiveClass,
        0 => NegativeClass,
        _ => throw new ArgumentOutOfRangeException(nameof(label), label, "Labels are 0 or 1."),
    };
}
