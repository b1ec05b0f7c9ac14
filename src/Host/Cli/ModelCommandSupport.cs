using FederatedHe.Training.Data;
using FederatedHe.Training.Models;
using Spectre.Console;

namespace FederatedHe.Host.Cli;

/// <summary>What `train`, `predict` and `evaluate` share: one-line errors, how to read data for a model, atomic output.</summary>
internal static class ModelCommandSupport
{
    /// <summary>
    /// Runs a command body, turning every error a user can cause — a bad model or data file, an unwritable
    /// output — into exit code 2 and one line on standard error, as <see cref="Program"/> does for
    /// <see cref="UserError"/>, but written past Spectre so a redirected console does not wrap it at 80 columns.
    /// </summary>
    public static int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception exception) when (Describe(exception) is { } message)
        {
            Console.Error.WriteLine($"error: {message.ReplaceLineEndings(" ")}");
            return 2;
        }
    }

    private static string? Describe(Exception exception) => exception switch
    {
        ModelFileException e => e.Message,
        IOException e => e.Message,
        _ => UserError.Describe(exception),
    };

    /// <summary>
    /// Options that read a file for <paramref name="model"/>: its label column (or, when that is one of the default
    /// names, whichever default name the file uses), never that column as a feature, and one class allowed.
    /// </summary>
    public static CsvDatasetOptions DataOptionsFor(ModelFile model)
    {
        var labelColumn = model.Schema.LabelColumn;
        var isDefaultName = CsvDatasetOptions.DefaultLabelColumns.Contains(labelColumn, StringComparer.OrdinalIgnoreCase);
        return new CsvDatasetOptions
        {
            LabelColumn = isDefaultName ? null : labelColumn,
            ExcludedColumns = [.. CsvDatasetOptions.DefaultLabelColumns, labelColumn],
            RequireBothClasses = false,
        };
    }

    /// <summary>Writes text to a temporary file beside <paramref name="path"/>, then renames it over the target.</summary>
    /// <exception cref="IOException">The file cannot be written.</exception>
    /// <exception cref="UnauthorizedAccessException">The directory is not writable.</exception>
    public static void WriteAtomically(string path, string text)
    {
        var fullPath = Path.GetFullPath(path);
        if (Directory.Exists(fullPath))
            throw new IOException($"{path} is a directory; give a file name for the output.");
        var directory = Path.GetDirectoryName(fullPath)!;
        var temporary = Path.Combine(directory, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        try
        {
            Directory.CreateDirectory(directory);
            File.WriteAllText(temporary, text);
            File.Move(temporary, fullPath, overwrite: true);
        }
        catch (IOException exception)
        {
            throw new IOException($"{path}: cannot be written: {exception.Message}", exception);
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
