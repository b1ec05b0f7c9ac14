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

    /// <summary>
    /// Whether a file holding only one class (every row malignant, or every row benign) is refused. True,
    /// the default, for training files: a one-class training set is almost always a filtered export, and
    /// a model trained on it only learns to repeat that class. Set false for a file used only to evaluate
    /// a model, where a batch of benign cases is legitimate.
    /// </summary>
    public bool RequireBothClasses { get; init; } = true;

    /// <summary>The field separator.</summary>
    public char Delimiter { get; init; } = ',';

    /// <summary>Label columns looked for, in order, when <see cref="LabelColumn"/> is null.</summary>
    public static IReadOnlyList<string> DefaultLabelColumns { get; } = ["diagnosis", "diagnostic"];

    /// <summary>The options that read <c>data/wdbc.csv</c>.</summary>
    public static CsvDatasetOptions Default { get; } = new();
}
