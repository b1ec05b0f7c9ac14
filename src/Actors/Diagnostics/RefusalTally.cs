namespace FederatedHe.Actors.Diagnostics;

/// <summary>
/// Counts refused messages per source and decides which ones deserve a log line: the first few from each source in
/// full, then one line every <c>thenEvery</c>, so a peer flooding a node leaves a bounded trace instead of filling its disk.
/// </summary>
/// <remarks>Not thread-safe: an actor owns one. At most <c>maxSources</c> sources are counted apart; the rest share one count.</remarks>
public sealed class RefusalTally
{
    /// <summary>The source every refusal beyond <c>maxSources</c> distinct sources is counted under.</summary>
    public const string OtherSources = "(other sources)";

    private readonly int _logFirst;
    private readonly int _thenEvery;
    private readonly int _maxSources;
    private readonly Dictionary<string, long> _counts = new(StringComparer.Ordinal);

    /// <summary>Creates a tally that logs the first <paramref name="logFirst"/> refusals of each source, then every <paramref name="thenEvery"/>th.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A bound is not positive.</exception>
    public RefusalTally(int logFirst = 20, int thenEvery = 1000, int maxSources = 256)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(logFirst);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(thenEvery);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxSources);
        _logFirst = logFirst;
        _thenEvery = thenEvery;
        _maxSources = maxSources;
    }

    /// <summary>How many refusals of each source are logged in full before sampling starts.</summary>
    public int LogFirst => _logFirst;

    /// <summary>Refusals counted since the last <see cref="Reset"/>.</summary>
    public long Total { get; private set; }

    /// <summary>Refusals per source since the last <see cref="Reset"/>.</summary>
    public IReadOnlyDictionary<string, long> BySource => _counts;

    /// <summary>Counts one refusal from <paramref name="source"/>.</summary>
    /// <param name="source">Who sent the refused message (a node address or actor path).</param>
    /// <param name="count">How many refusals this source has had, this one included.</param>
    /// <returns>True if this refusal should be logged.</returns>
    public bool Record(string source, out long count)
    {
        if (!_counts.ContainsKey(source) && _counts.Count >= _maxSources)
            source = OtherSources;
        count = _counts[source] = _counts.GetValueOrDefault(source) + 1;
        Total++;
        return count <= _logFirst || count % _thenEvery == 0;
    }

    /// <summary>The sources whose refusals were not all logged, with their counts, for a closing summary.</summary>
    public IEnumerable<KeyValuePair<string, long>> PartlyLogged => _counts.Where(c => c.Value > _logFirst);

    /// <summary>Forgets every count.</summary>
    public void Reset()
    {
        _counts.Clear();
        Total = 0;
    }
}
