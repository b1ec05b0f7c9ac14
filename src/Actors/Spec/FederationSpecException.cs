namespace FederatedHe.Actors.Spec;

/// <summary>
/// A federation spec is missing, not valid HOCON, or has a missing, unknown, mistyped or out-of-range key. The message
/// starts with where the value came from and the key, e.g.
/// <c>experiments/a.conf:14: fedhe.training.epochs: must be between 1 and 10000, got 0</c>.
/// </summary>
public sealed class FederationSpecException : Exception
{
    /// <summary>An error about a key of a spec not read from a file (a <c>WithX</c> copy).</summary>
    public FederationSpecException(string key, string problem)
        : this(null, null, key, problem)
    {
    }

    /// <summary>An error about a key (or, with <paramref name="key"/> null, about the whole file) in a source and line.</summary>
    /// <param name="source">The file, or <c>command line (--option)</c>; null when the spec was built in code.</param>
    /// <param name="line">The 1-based line in <paramref name="source"/>, where known.</param>
    /// <param name="key">The key's HOCON path, e.g. <c>fedhe.faults.schedule[1].target</c>.</param>
    /// <param name="problem">What is wrong.</param>
    /// <param name="inner">The parser's own exception, if any.</param>
    public FederationSpecException(string? source, int? line, string? key, string problem, Exception? inner = null)
        : base(Format(source, line, key, problem), inner)
    {
        FilePath = source;
        Line = line;
        Key = key;
        Problem = problem;
    }

    /// <summary>The spec file (or command line) the value came from; null for a spec built in code.</summary>
    public string? FilePath { get; }

    /// <summary>The 1-based line where the key is set, where known.</summary>
    public int? Line { get; }

    /// <summary>The offending key as a HOCON path, or null for a problem with the file itself.</summary>
    public string? Key { get; }

    /// <summary>What is wrong, without the file and key.</summary>
    public string Problem { get; }

    private static string Format(string? source, int? line, string? key, string problem)
    {
        var where = source is null ? null : line is { } l ? $"{source}:{l}" : source;
        return (where, key) switch
        {
            (null, null) => problem,
            (null, _) => $"{key}: {problem}",
            (_, null) => $"{where}: {problem}",
            _ => $"{where}: {key}: {problem}",
        };
    }
}
