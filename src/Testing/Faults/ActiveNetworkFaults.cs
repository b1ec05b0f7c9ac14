using FederatedHe.Actors.Spec;

namespace FederatedHe.Testing;

/// <summary>
/// The links of a running federation as network faults see them: nodes by name (<c>aggregator</c>, <c>hospital-k</c>),
/// and a way to set what each node does with the frames it sends to, or receives from, another.
/// </summary>
public interface INetworkLinks
{
    /// <summary>The live nodes by name, each with a key that changes when the node is restarted (its links start clean then).</summary>
    IReadOnlyDictionary<string, string> LiveNodes();

    /// <summary>Makes <paramref name="from"/> lose the given fractions of the frames it sends to and receives from <paramref name="to"/>.</summary>
    Task DropAsync(string from, string to, double outbound, double inbound);

    /// <summary>Makes <paramref name="from"/> drop every frame it sends to <paramref name="to"/>, hold them to a bandwidth, or neither.</summary>
    Task ThrottleAsync(string from, string to, bool blackholed, int? bytesPerSecond);
}

/// <summary>
/// The network faults in force in a run, and the state they put every directed link in. The runner calls
/// <see cref="ApplyAsync"/> after each event and every half second: expired faults heal, restarted nodes get the faults
/// that name them, and the failure injector's settings are renewed (it forgets a link's setting when the link is
/// re-established).
/// </summary>
/// <remarks>Not thread-safe: the runner's event loop owns it.</remarks>
public sealed class ActiveNetworkFaults
{
    private readonly List<(SimulatedFault Fault, DateTime? Until)> _faults = [];
    private readonly Dictionary<(string From, string To), (bool Blackholed, int? BytesPerSecond)> _throttles = [];

    /// <summary>Whether any link is (or was, and still has to be healed) under a fault.</summary>
    public bool Any => _faults.Count > 0 || _throttles.Count > 0;

    /// <summary>Puts a network fault in force from <paramref name="now"/>.</summary>
    /// <exception cref="ArgumentException">The fault's parameters do not fit its kind.</exception>
    public void Start(SimulatedFault fault, DateTime now) => _faults.Add((fault.Validate(), now + fault.Duration));

    /// <summary>Brings every directed link among the live nodes to the state the faults in force ask for.</summary>
    public async Task ApplyAsync(INetworkLinks links, DateTime now)
    {
        _faults.RemoveAll(f => f.Until <= now);
        var live = links.LiveNodes();
        foreach (var (from, fromKey) in live)
        {
            foreach (var (to, toKey) in live.Where(n => n.Key != from))
            {
                var (outbound, inbound) = DropFractions(from, to);
                await links.DropAsync(from, to, outbound, inbound).ConfigureAwait(false);

                var throttle = (Blackholed: IsPartitioned(from) || IsPartitioned(to), BytesPerSecond: Bandwidth(from, to));
                var link = (fromKey, toKey);
                var known = _throttles.TryGetValue(link, out var applied);
                if (known ? applied == throttle : throttle == (false, null))
                    continue;
                await links.ThrottleAsync(from, to, throttle.Blackholed, throttle.BytesPerSecond).ConfigureAwait(false);
                if (throttle == (false, null))
                    _throttles.Remove(link);
                else
                    _throttles[link] = throttle;
            }
        }

        // Links of nodes that went away have nothing left to heal.
        var liveKeys = live.Values.ToHashSet(StringComparer.Ordinal);
        foreach (var gone in _throttles.Keys.Where(k => !liveKeys.Contains(k.From) || !liveKeys.Contains(k.To)).ToList())
            _throttles.Remove(gone);
    }
    // The fraction of frames `from` loses on its link to `to`: a fault between two nodes is injected at its target, in both
    // directions; a fault on every link drops outbound frames only, so each frame is at risk once, not at both ends.
    private (double Outbound, double Inbound) DropFractions(string from, string to)
    {
        double outbound = 0, inbound = 0;
        foreach (var (fault, _) in _faults.Where(f => f.Fault.Kind == FaultKind.DropMessages))
        {
            if (fault.Target == SimulatedFault.EveryNode)
            {
                outbound = Math.Max(outbound, fault.Fraction);
            }
            else if (fault.Target == from && (fault.Peer is null || fault.Peer == to))
            {
                outbound = Math.Max(outbound, fault.Fraction);
                inbound = Math.Max(inbound, fault.Fraction);
            }
        }

        return (outbound, inbound);
    }

    private bool IsPartitioned(string node) =>
        _faults.Any(f => f.Fault.Kind == FaultKind.PartitionNode && f.Fault.Target == node);

    // The narrowest bandwidth any delay fault holds the directed link to; each end throttles what it sends.
    private int? Bandwidth(string from, string to)
    {
        int? narrowest = null;
        foreach (var (fault, _) in _faults.Where(f => f.Fault.Kind == FaultKind.DelayMessages))
        {
            var covers = fault.Target == SimulatedFault.EveryNode
                || (fault.Target == from && (fault.Peer is null || fault.Peer == to))
                || (fault.Target == to && (fault.Peer is null || fault.Peer == from));
            if (covers)
                narrowest = Math.Min(narrowest ?? int.MaxValue, fault.BytesPerSecond);
        }

        return narrowest;
    }
}
