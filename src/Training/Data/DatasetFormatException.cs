namespace FederatedHe.Training.Data;

/// <summary>
/// A CSV file could not be read as a dataset. Names the file and, where known, the 1-based line and
/// the column at fault, so a hospital can find and fix the row.
/// </summary>
public sealed class DatasetFormatException : Exception
{
    /// <summary>Creates the exception; the message is prefixed with the location.</summary>
    public DatasetFormatException(string filePath, int? lineNumber, string? columnName, string problem, Exception? innerException = null)
        : base(Describe(filePath, lineNumber, columnName, problem), innerException)
    {
        FilePath = filePath;
        LineNumber = lineNumber;
        ColumnName = columnName;
        Problem = problem;
    }

    /// <summary>The file that could not be read.</summary>
    public string FilePath { get; }

    /// <summary>The 1-based physical line at fault, or null when the problem is the whole file.</summary>
    public int? LineNumber { get; }

    /// <summary>The column at fault, or null when the problem is not one column's.</summary>
    public string? ColumnName { get; }

    /// <summary>What is wrong, without the location.</summary>
    public string Problem { get; }

    private static string Describe(string filePath, int? lineNumber, string? columnName, string problem)
    {
        var location = filePath;
        if (lineNumber is { } line)
        {
            location += $", line {line}";
        }
        if (columnName is not null)
        {
            location += $", column '{columnName}'";
        }
        return $"{location}: {problem}";
    }
}
