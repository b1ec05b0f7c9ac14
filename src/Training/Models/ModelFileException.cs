namespace FederatedHe.Training.Models;

/// <summary>
/// A model file cannot be used: it is missing or unreadable, not a FederatedHe model file, of an unknown
/// format version, truncated, edited after it was written (its checksum does not match), or inconsistent.
/// Names the file, so a hospital knows which one to replace.
/// </summary>
public sealed class ModelFileException : Exception
{
    /// <summary>Creates the exception; the message is <c>{filePath}: {problem}</c>.</summary>
    public ModelFileException(string filePath, string problem, Exception? innerException = null)
        : base($"{filePath}: {problem}", innerException)
    {
        FilePath = filePath;
        Problem = problem;
    }

    /// <summary>The model file.</summary>
    public string FilePath { get; }

    /// <summary>What is wrong, without the file name.</summary>
    public string Problem { get; }
}
