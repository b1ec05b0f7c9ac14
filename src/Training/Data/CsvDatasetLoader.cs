using System.Globalization;
using System.Text;

namespace FederatedHe.Training.Data;

/// <summary>
/// Reads a labelled dataset from a CSV file: <c>data/wdbc.csv</c> or a hospital's own export.
/// </summary>
/// <remarks>
/// <para>The first non-blank line is the header. Fields may be quoted (RFC 4180: <c>"a,b"</c>,
/// <c>""</c> for a quote inside); a quoted field cannot span lines. Blank lines are skipped.</para>
/// <para>Labels <c>M</c>/<c>B</c>, <c>malignant</c>/<c>benign</c> and <c>1</c>/<c>0</c> are accepted
/// (case-insensitive, <see cref="LabelEncoding.MalignantBenign"/>) and become 1/0; any other label is
/// refused. Numbers are parsed with the invariant culture; NaN and infinities in any spelling
/// (<c>NaN</c>, <c>nan</c>, <c>inf</c>, <c>-Infinity</c>, <c>∞</c>) and missing-value markers (<c>NA</c>,
/// <c>?</c>, …) are refused, as is any value that does not fit a 32-bit float. Columns named <c>id</c>
/// and columns with an empty header (the trailing comma of the Kaggle export) are never features.</para>
/// <para>A file with no header, no data rows or (by default, see
/// <see cref="CsvDatasetOptions.RequireBothClasses"/>) only one class is refused. Every refusal is a
/// <see cref="DatasetFormatException"/> naming the file and, where it is about one place, the line and column.</para>
/// <para>Stateless and thread-safe.</para>
/// </remarks>
public static class CsvDatasetLoader
{
    private const string IdColumn = "id";

    /// <summary>Loads a dataset from a CSV file.</summary>
    /// <param name="path">The file to read.</param>
    /// <param name="options">How to read it; null for <see cref="CsvDatasetOptions.Default"/>.</param>
    /// <returns>The dataset, with <see cref="Dataset.Source"/> set to <paramref name="path"/>.</returns>
    /// <exception cref="DatasetFormatException">
    /// The file is missing or empty, has no data rows, has no label column, repeats a column, holds only
    /// one class while <see cref="CsvDatasetOptions.RequireBothClasses"/> is set, or a row has the wrong
    /// number of fields, a missing, non-numeric or non-finite value, or an unknown label. The exception
    /// names the file and, where the fault is in one place, the line and column.
    /// </exception>
    public static Dataset Load(string path, CsvDatasetOptions? options = null)
    {
        using var reader = OpenFile(path);
        return Read(reader, path, options ?? CsvDatasetOptions.Default);
    }

    /// <summary>Reads a dataset from CSV text, for data that is not in a file.</summary>
    /// <param name="reader">The CSV text.</param>
    /// <param name="sourceName">Used in errors and as <see cref="Dataset.Source"/>.</param>
    /// <param name="options">How to read it; null for <see cref="CsvDatasetOptions.Default"/>.</param>
    /// <exception cref="DatasetFormatException">As for <see cref="Load"/>.</exception>
    public static Dataset Read(TextReader reader, string sourceName, CsvDatasetOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(sourceName);
        options ??= CsvDatasetOptions.Default;
        var table = ReadTable(reader, sourceName, options, labelRequired: true);
        var labels = table.Labels!;
        if (options.RequireBothClasses)
        {
            var positives = labels.Count(label => label == 1);
            if (positives == 0 || positives == labels.Length)
            {
                var only = LabelEncoding.MalignantBenign.ClassOf(labels[0]);
                var missing = LabelEncoding.MalignantBenign.ClassOf(1 - labels[0]);
                throw new DatasetFormatException(sourceName, null, table.LabelColumn,
                    $"all {labels.Length} rows are {only}; a training file needs both classes, and no row is {missing}.");
            }
        }
        return Dataset.FromOwnedArrays(table.Features, labels, table.FeatureNames, sourceName, table.LabelColumn!);
    }

    /// <summary>
    /// Loads patients to score from a CSV file: every column except <c>id</c>, the label column (when there
    /// is one; it may be absent and is never read), excluded and unnamed columns is a feature.
    /// </summary>
    /// <param name="path">The file to read.</param>
    /// <param name="options">How to read it; <see cref="CsvDatasetOptions.LabelColumn"/> names the column
    /// to skip (else the first of <see cref="CsvDatasetOptions.DefaultLabelColumns"/> present);
    /// <see cref="CsvDatasetOptions.RequireBothClasses"/> does not apply.</param>
    /// <returns>The features, each row's id if the file has an <c>id</c> column, and each row's line number.</returns>
    /// <exception cref="DatasetFormatException">
    /// The file is missing or empty, has no data rows, repeats a column, or a row has the wrong number of
    /// fields or a missing, non-numeric or non-finite feature value; named by file, line and column.
    /// </exception>
    public static PatientFeatures LoadForScoring(string path, CsvDatasetOptions? options = null)
    {
        using var reader = OpenFile(path);
        var table = ReadTable(reader, path, options ?? CsvDatasetOptions.Default, labelRequired: false);
        return new PatientFeatures(table.Features, table.FeatureNames, table.Ids, table.LineNumbers, path);
    }

    private static StreamReader OpenFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new DatasetFormatException(path, null, null, "the file does not exist.");
        }
        try
        {
            return new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new DatasetFormatException(path, null, null, $"the file cannot be read: {exception.Message}", exception);
        }
    }

    private sealed record Table(
        float[] Features, string[] FeatureNames, int[]? Labels, string? LabelColumn, string[]? Ids, int[] LineNumbers);

    private static Table ReadTable(TextReader reader, string sourceName, CsvDatasetOptions options, bool labelRequired)
    {
        var lineNumber = 0;
        string? line;
        do
        {
            line = ReadLine(reader, sourceName, lineNumber + 1);
            lineNumber++;
        }
        while (line is not null && string.IsNullOrWhiteSpace(line));
        if (line is null)
        {
            throw new DatasetFormatException(sourceName, null, null, "the file is empty; expected a header row.");
        }

        var header = SplitFields(line, options.Delimiter, sourceName, lineNumber)
            .Select(name => name.Trim())
            .ToArray();
        var layout = ColumnLayout.FromHeader(header, options, sourceName, lineNumber, labelRequired);

        var features = new List<float>();
        var labels = labelRequired ? new List<int>() : null;
        var ids = layout.IdIndex >= 0 ? new List<string>() : null;
        var lineNumbers = new List<int>();
        while ((line = ReadLine(reader, sourceName, lineNumber + 1)) is not null)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            var fields = SplitFields(line, options.Delimiter, sourceName, lineNumber);
            if (fields.Count != header.Length)
            {
                throw new DatasetFormatException(sourceName, lineNumber, null,
                    $"expected {header.Length} fields as in the header, found {fields.Count}.");
            }
            labels?.Add(ParseLabel(fields[layout.LabelIndex], sourceName, lineNumber, header[layout.LabelIndex]));
            ids?.Add(fields[layout.IdIndex].Trim());
            foreach (var column in layout.FeatureIndices)
            {
                features.Add(ParseFeature(fields[column], sourceName, lineNumber, header[column]));
            }
            lineNumbers.Add(lineNumber);
        }
        if (lineNumbers.Count == 0)
        {
            throw new DatasetFormatException(sourceName, null, null, "the file has a header but no data rows.");
        }

        return new Table(
            features.ToArray(),
            layout.FeatureIndices.Select(column => header[column]).ToArray(),
            labels?.ToArray(),
            layout.LabelIndex >= 0 ? header[layout.LabelIndex] : null,
            ids?.ToArray(),
            lineNumbers.ToArray());
    }

    /// <summary>One line, with a read failure (e.g. a file that is not valid text) named by file and line.</summary>
    private static string? ReadLine(TextReader reader, string sourceName, int lineNumber)
    {
        try
        {
            return reader.ReadLine();
        }
        catch (IOException exception)
        {
            throw new DatasetFormatException(sourceName, lineNumber, null, $"the file cannot be read: {exception.Message}", exception);
        }
    }

    private static int ParseLabel(string field, string sourceName, int lineNumber, string columnName)
    {
        var text = field.Trim();
        if (text.Length == 0)
        {
            throw new DatasetFormatException(sourceName, lineNumber, columnName, "the label is missing.");
        }
        var encoding = LabelEncoding.MalignantBenign;
        if (encoding.TryParse(text, out var label))
        {
            return label;
        }
        throw new DatasetFormatException(sourceName, lineNumber, columnName,
            $"unknown label '{text}'; expected {encoding.AcceptedSpellings}.");
    }

    /// <summary>Spellings of "no value" that spreadsheet and statistics exports write (UCI files use "?").</summary>
    private static readonly HashSet<string> MissingValueMarkers = new(StringComparer.OrdinalIgnoreCase) { "NA", "N/A", "null", "none", "?", "#N/A" };

    /// <summary>Spellings of NaN and infinity, with any sign, in the forms exports write them.</summary>
    private static readonly HashSet<string> NonFiniteSpellings = new(StringComparer.OrdinalIgnoreCase) { "nan", "inf", "infinity", "∞", "1.#INF", "1.#QNAN", "#NUM!" };

    private static float ParseFeature(string field, string sourceName, int lineNumber, string columnName)
    {
        var text = field.Trim();
        if (text.Length == 0)
        {
            throw new DatasetFormatException(sourceName, lineNumber, columnName, "the value is missing.");
        }
        if (MissingValueMarkers.Contains(text))
        {
            throw new DatasetFormatException(sourceName, lineNumber, columnName, $"the value is missing ('{text}').");
        }
        if (NonFiniteSpellings.Contains(text.TrimStart('+', '-')))
        {
            throw new DatasetFormatException(sourceName, lineNumber, columnName,
                $"'{text}' is not a finite number; a feature must be a measured value.");
        }
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            throw new DatasetFormatException(sourceName, lineNumber, columnName, $"'{text}' is not a number.");
        }
        // double.TryParse also accepts spellings of NaN and infinity not listed above, and overflows to infinity.
        if (!double.IsFinite(value) || !float.IsFinite((float)value))
        {
            throw new DatasetFormatException(sourceName, lineNumber, columnName,
                $"'{text}' is not a finite number that fits a 32-bit float.");
        }
        return (float)value;
    }

    /// <summary>Splits one line into fields, honouring RFC 4180 quoting.</summary>
    private static List<string> SplitFields(string line, char delimiter, string sourceName, int lineNumber)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var position = 0;
        while (true)
        {
            field.Clear();
            // Leading spaces before an opening quote are tolerated, as spreadsheet exports produce them.
            var start = position;
            while (start < line.Length && line[start] == ' ')
            {
                start++;
            }
            if (start < line.Length && line[start] == '"')
            {
                position = start + 1;
                var closed = false;
                while (position < line.Length)
                {
                    var character = line[position];
                    if (character == '"')
                    {
                        if (position + 1 < line.Length && line[position + 1] == '"')
                        {
                            field.Append('"');
                            position += 2;
                            continue;
                        }
                        closed = true;
                        position++;
                        break;
                    }
                    field.Append(character);
                    position++;
                }
                if (!closed)
                {
                    throw new DatasetFormatException(sourceName, lineNumber, null,
                        $"field {fields.Count + 1} opens a quote that is not closed on this line.");
                }
                while (position < line.Length && line[position] == ' ')
                {
                    position++;
                }
                if (position < line.Length && line[position] != delimiter)
                {
                    throw new DatasetFormatException(sourceName, lineNumber, null,
                        $"field {fields.Count + 1} has text after its closing quote.");
                }
            }
            else
            {
                var end = line.IndexOf(delimiter, position);
                if (end < 0)
                {
                    end = line.Length;
                }
                field.Append(line, position, end - position);
                position = end;
            }
            fields.Add(field.ToString());
            if (position >= line.Length)
            {
                return fields;
            }
            position++; // past the delimiter
            if (position == line.Length)
            {
                fields.Add(string.Empty);
                return fields;
            }
        }
    }

    private sealed record ColumnLayout(int LabelIndex, int IdIndex, int[] FeatureIndices)
    {
        public static ColumnLayout FromHeader(string[] header, CsvDatasetOptions options, string sourceName, int lineNumber, bool labelRequired)
        {
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var name in header.Where(name => name.Length > 0))
            {
                if (!seen.Add(name))
                {
                    throw new DatasetFormatException(sourceName, lineNumber, name, "the column appears more than once in the header.");
                }
            }

            var labelIndex = -1;
            if (options.LabelColumn is { } requested)
            {
                labelIndex = Array.FindIndex(header, name => name.Equals(requested.Trim(), StringComparison.OrdinalIgnoreCase));
                if (labelIndex < 0 && labelRequired)
                {
                    throw new DatasetFormatException(sourceName, lineNumber, requested, "the label column is not in the header.");
                }
            }
            else
            {
                foreach (var candidate in CsvDatasetOptions.DefaultLabelColumns)
                {
                    labelIndex = Array.FindIndex(header, name => name.Equals(candidate, StringComparison.OrdinalIgnoreCase));
                    if (labelIndex >= 0)
                    {
                        break;
                    }
                }
                if (labelIndex < 0 && labelRequired)
                {
                    throw new DatasetFormatException(sourceName, lineNumber, null,
                        $"no label column; expected one of {string.Join(", ", CsvDatasetOptions.DefaultLabelColumns)}, or name yours with fedhe.data.label-column (e.g. --set fedhe.data.label-column=outcome)");
                }
            }

            var idIndex = Array.FindIndex(header, name => name.Equals(IdColumn, StringComparison.OrdinalIgnoreCase));
            var excluded = new HashSet<string>(options.ExcludedColumns.Select(name => name.Trim()), StringComparer.OrdinalIgnoreCase) { IdColumn };
            var featureIndices = Enumerable.Range(0, header.Length)
                .Where(column => column != labelIndex && header[column].Length > 0 && !excluded.Contains(header[column]))
                .ToArray();
            if (featureIndices.Length == 0)
            {
                throw new DatasetFormatException(sourceName, lineNumber, null, "the header has no feature columns besides the label.");
            }
            return new ColumnLayout(labelIndex, idIndex, featureIndices);
        }
    }
}
