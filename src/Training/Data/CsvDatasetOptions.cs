namespace FederatedHe.Training.Data;

/// <summary>How to read a dataset CSV file.</summary>
/// <remarks>
/// The defaults read <c>data/wdbc.csv</c> and the Kaggle/UCI layout hospitals are likely to export:
/// comma-separated, one header row, the label in a column named <c>diagnosis</c> or
/// <c>diagnostic</c>, every other column a numeric feature except <c>id</c>.
/// </remarks>
public sealed record CsvDatasetOptions
{
    /// <summary>The label column; null finds the first of <see cref="DefaultLabelColumns"/> (case-insensitive).</summary>
    public string? LabelColumn { get; init; }

    /// <summary>
    /// Columns that are never features (case-insensitive). <c>id</c> is always excluded whatever this
    /// holds: the original study's notebook trained on its id column by mistake.
    /// </summary>
    public IReadOnlyList<string> ExcludedColumns { get; init; } = [];

    /// <summary>The field separator.</summary>
    public char Delimiter { get; init; } = ',';

    /// <summary>Label columns looked for, in order, when <see cref="LabelColumn"/> is null.</summary>
    public static IReadOnlyList<string> DefaultLabelColumns { get; } = ["diagnosis", "diagnostic"];

    /// <summary>The options that read <c>data/wdbc.csv</c>.</summary>
    public static CsvDatasetOptions Default { get; } = new();
}
