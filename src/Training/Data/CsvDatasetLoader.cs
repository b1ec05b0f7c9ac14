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
/// (case-insensitive) and become 1/0. Numbers are parsed with the invariant culture; NaN and infinities
/// are refused, as is any value that does not fit a 32-bit float. Columns named <c>id</c> and columns
/// with an empty header (the trailing comma of the Kaggle export) are never features.</para>
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
    /// The file is missing or empty, has no label column, repeats a column, or a row has the wrong number
    /// of fields, a missing or non-numeric value, or an unknown label. The exception names the file,
    /// line and column.
    /// </exception>
    public static Dataset Load(string path, CsvDatasetOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new DatasetFormatException(path, null, null, "the file does not exist.");
        }
        using var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
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

        var lineNumber = 0;
        string? line;
        do
        {
            line = reader.ReadLine();
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
        var layout = ColumnLayout.FromHeader(header, options, sourceName, lineNumber);

        var features = new List<float>();
        var labels = new List<int>();
        while ((line = reader.ReadLine()) is not null)
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
            labels.Add(ParseLabel(fields[layout.LabelIndex], sourceName, lineNumber, header[layout.LabelIndex]));
            foreach (var column in layout.FeatureIndices)
            {
                features.Add(ParseFeature(fields[column], sourceName, lineNumber, header[column]));
            }
        }
        if (labels.Count == 0)
        {
            throw new DatasetFormatException(sourceName, null, null, "the file has a header but no data rows.");
        }

        var featureNames = layout.FeatureIndices.Select(column => header[column]).ToArray();
        return Dataset.FromOwnedArrays(features.ToArray(), labels.ToArray(), featureNames, sourceName);
    }

    private static int ParseLabel(string field, string sourceName, int lineNumber, string columnName)
    {
        var text = field.Trim();
        if (text.Length == 0)
        {
            throw new DatasetFormatException(sourceName, lineNumber, columnName, "the label is missing.");
        }
        if (text.Equals("M", StringComparison.OrdinalIgnoreCase)
            || text.Equals("malignant", StringComparison.OrdinalIgnoreCase)
            || text == "1")
        {
            return 1;
        }
        if (text.Equals("B", StringComparison.OrdinalIgnoreCase)
            || text.Equals("benign", StringComparison.OrdinalIgnoreCase)
            || text == "0")
        {
            return 0;
        }
        throw new DatasetFormatException(sourceName, lineNumber, columnName,
            $"unknown label '{text}'; expected M/B, malignant/benign or 1/0.");
    }

    private static float ParseFeature(string field, string sourceName, int lineNumber, string columnName)
    {
        var text = field.Trim();
        if (text.Length == 0)
        {
            throw new DatasetFormatException(sourceName, lineNumber, columnName, "the value is missing.");
        }
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            throw new DatasetFormatException(sourceName, lineNumber, columnName, $"'{text}' is not a number.");
        }
        // double.TryParse accepts "NaN", "Infinity" and "∞"; a feature must be a real measurement.
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

    private sealed record ColumnLayout(int LabelIndex, int[] FeatureIndices)
    {
        public static ColumnLayout FromHeader(string[] header, CsvDatasetOptions options, string sourceName, int lineNumber)
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
                if (labelIndex < 0)
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
                if (labelIndex < 0)
                {
                    throw new DatasetFormatException(sourceName, lineNumber, null,
                        $"no label column; expected one of {string.Join(", ", CsvDatasetOptions.DefaultLabelColumns)} or set {nameof(CsvDatasetOptions.LabelColumn)}.");
                }
            }

            var excluded = new HashSet<string>(options.ExcludedColumns.Select(name => name.Trim()), StringComparer.OrdinalIgnoreCase) { IdColumn };
            var featureIndices = Enumerable.Range(0, header.Length)
                .Where(column => column != labelIndex && header[column].Length > 0 && !excluded.Contains(header[column]))
                .ToArray();
            if (featureIndices.Length == 0)
            {
                throw new DatasetFormatException(sourceName, lineNumber, null, "the header has no feature columns besides the label.");
            }
            return new ColumnLayout(labelIndex, featureIndices);
        }
    }
}
