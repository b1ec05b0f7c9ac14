using Akka.Actor;
using Akka.Cluster;

namespace FederatedHe.Host.Simulation;

/// <summary>
/// The network faults in force in a simulation, and the state they put every directed link in. The harness calls
/// <see cref="ApplyAsync"/> after each event and every half second: expired faults heal, restarted nodes get the faults
/// that name them, and the failure injector's settings are renewed (it forgets a link's setting when the link is
/// re-established).
/// </summary>
/// <remarks>Not thread-safe: the harness's event loop owns it.</remarks>
internal sealed class ActiveNetworkFaults
{
    private readonly List<(SimulatedFault Fault, DateTime? Until)> _faults = [];
    private readonly Dictionary<(Address From, Address To), (bool Blackholed, int? BytesPerSecond)> _throttles = [];

    /// <summary>Whether any link is (or was, and still has to be healed) under a fault.</summary>
    public bool Any => _faults.Count > 0 || _throttles.Count > 0;

    /// <summary>Puts a network fault in force from now.</summary>
    public void Start(SimulatedFault fault, DateTime now) => _faults.Add((fault.Validate(), now + fault.Duration));

    /// <summary>Brings every directed link among <paramref name="nodes"/> (by name) to the state the faults in force ask for.</summary>
    public async Task ApplyAsync(IReadOnlyDictionary<string, ActorSystem> nodes, DateTime now)
    {
        _faults.RemoveAll(f => f.Until <= now);
        var live = nodes.Where(n => !n.Value.WhenTerminated.IsCompleted).ToList();
        foreach (var (fromName, from) in live)
        {
            foreach (var (toName, to) in live.Where(n => n.Key != fromName))
            {
                var peer = Cluster.Get(to).SelfAddress;
                var self = Cluster.Get(from).SelfAddress;
                try
                {
                    var (outbound, inbound) = DropFractions(fromName, toName);
                    await NetworkChaos.DropAsync(from, peer, outbound, inbound).ConfigureAwait(false);

                    var throttle = (Blackholed: IsPartitioned(fromName) || IsPartitioned(toName), BytesPerSecond: Bandwidth(fromName, toName));
                    var known = _throttles.TryGetValue((self, peer), out var applied);
                    if (known ? applied == throttle : throttle == (false, null))
                        continue;
                    await NetworkChaos.ThrottleAsync(from, peer, throttle.Blackholed, throttle.BytesPerSecond).ConfigureAwait(false);
                    if (throttle == (false, null))
                        _throttles.Remove((self, peer));
                    else
                        _throttles[(self, peer)] = throttle;
                }
                catch (Exception) when (from.WhenTerminated.IsCompleted || to.WhenTerminated.IsCompleted)
                {
                    // A node that went away between the listing and the command has no links left to set.
                }
            }
        }
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
