using System.Threading.Channels;

namespace FederatedHe.Host.Monitor;

/// <summary>
/// The monitor's live state: applies each event to the projection, keeps the feed, and pushes both to the open
/// connections of the dashboard and of `fedhe cluster up`.
/// </summary>
/// <remarks>Thread-safe: events come from the monitor's actor, readers from Kestrel's threads.</remarks>
public sealed class MonitorHub
{
    /// <summary>Feed entries kept for a connection that opens late (it is sent them all first).</summary>
    public const int FeedKept = 20_000;

    private readonly Lock _gate = new();
    private readonly List<MonitorFeedEntry> _feed = [];
    private readonly List<Channel<MonitorFeedEntry>> _listeners = [];
    private MonitorState _state;

    /// <summary>A hub starting from <paramref name="initial"/> (e.g. the spec's fault schedule).</summary>
    public MonitorHub(MonitorState initial) => _state = initial;

    /// <summary>The state now.</summary>
    public MonitorState State
    {
        get
        {
            lock (_gate)
                return _state;
        }
    }

    /// <summary>Raised (outside the lock) after each event has been applied.</summary>
    public event Action<MonitorFeedEntry>? Applied;

    /// <summary>Applies an event and tells every listener.</summary>
    public void Apply(MonitorEvent monitorEvent)
    {
        MonitorFeedEntry entry;
        Channel<MonitorFeedEntry>[] listeners;
        lock (_gate)
        {
            _state = MonitorProjection.Apply(_state, monitorEvent);
            entry = MonitorFeedEntry.Of(_state.Sequence, monitorEvent);
            _feed.Add(entry);
            if (_feed.Count > FeedKept)
                _feed.RemoveRange(0, _feed.Count - FeedKept);
            listeners = [.. _listeners];
        }

        foreach (var listener in listeners)
            listener.Writer.TryWrite(entry);
        Applied?.Invoke(entry);
    }

    /// <summary>
    /// Opens a listener: the feed so far, then each new entry as it comes, until <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    public async IAsyncEnumerable<MonitorFeedEntry> ListenAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateUnbounded<MonitorFeedEntry>(new UnboundedChannelOptions { SingleReader = true });
        MonitorFeedEntry[] backlog;
        lock (_gate)
        {
            backlog = [.. _feed];
            _listeners.Add(channel);
        }

        try
        {
            foreach (var entry in backlog)
                yield return entry;
            while (await channel.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (channel.Reader.TryRead(out var entry))
                    yield return entry;
            }
        }
        finally
        {
            lock (_gate)
                _listeners.Remove(channel);
        }
    }
}
