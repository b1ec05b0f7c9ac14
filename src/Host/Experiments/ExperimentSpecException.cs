namespace FederatedHe.Host.Experiments;

/// <summary>An experiment spec is missing, not valid HOCON, or has a missing, unknown or out-of-range key.</summary>
/// <remarks>The message starts with the file and the key, e.g. <c>experiments/a.conf: training.epochs: must be at least 1, got 0</c>.</remarks>
public sealed class ExperimentSpecException : Exception
{
    /// <summary>An error about a key (or, with <paramref name="key"/> null, about the whole file).</summary>
    public ExperimentSpecException(string filePath, string? key, string problem, Exception? inner = null)
        : base(key is null ? $"{filePath}: {problem}" : $"{filePath}: {key}: {problem}", inner)
    {
        FilePath = filePath;
        Key = key;
        Problem = problem;
    }

    /// <summary>The spec file.</summary>
    public string FilePath { get; }

    /// <summary>The offending key as a HOCON path (e.g. <c>faults[1].target</c>), or null for a problem with the file itself.</summary>
    public string? Key { get; }

    /// <summary>What is wrong, without the file and key.</summary>
    public string Problem { get; }
}
