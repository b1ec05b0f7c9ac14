using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;

namespace FederatedHe.Actors.Nodes;

/// <summary>
/// Keeps out of a node's log what Akka.Remote reports when a connection closes because its peer left the cluster in order
/// (or because this node itself is stopping): a "failed" association warning with an EndpointDisassociatedException
/// trace, its endpoint writer's "Disassociated" error, and the note that flushing at shutdown may have dropped messages.
/// Nothing failed then, yet every orderly end of a federation printed them. The same lines about a peer that is still a
/// member (a crash, a partition) are kept.
/// </summary>
/// <remarks>
/// Akka.NET evaluates filters on its logging actor; this filter reads the node's cluster view and the departures it
/// recorded, both safe to read from any thread.
/// </remarks>
internal sealed partial class OrderlyDepartureLogFilter : LogFilterBase
{
    private readonly ConcurrentDictionary<Address, bool> _departed = new();
    private volatile ActorSystem? _system;

    public override LogFilterType FilterType => LogFilterType.Content;

    /// <summary>Starts recording the members that leave: call once the node's system exists.</summary>
    public void Attach(ActorSystem system)
    {
        _system = system;
        var recorder = ((ExtendedActorSystem)system).SystemActorOf(Props.Create(() => new DepartureRecorder(_departed)), "orderly-departures");
        Cluster.Get(system).Subscribe(recorder, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.MemberLeft), typeof(ClusterEvent.MemberExited), typeof(ClusterEvent.MemberRemoved));
    }

    public override LogFilterDecision ShouldKeepMessage(LogEvent content, string? expandedMessage = null)
    {
        if (content is not (Warning or Error))
            return LogFilterDecision.Keep;
        // Akka hands over the whole formatted line ([LEVEL][time][thread][source] message), or nothing.
        var message = expandedMessage ?? content.ToString();
        if (FailedAssociation().Match(message) is { Success: true } failed)
            return Expected(failed.Groups["peer"].Value) ? LogFilterDecision.Drop : LogFilterDecision.Keep;
        // The same event as the endpoint writer's failure (its exception type is internal to Akka.Remote): its source names the peer, URL-encoded.
        if (content is Error { Cause: { } cause } && cause.GetType().Name == "EndpointDisassociatedException" && EndpointWriterPeer().Match(content.LogSource) is { Success: true } writer)
            return Expected(Uri.UnescapeDataString(writer.Groups["peer"].Value)) ? LogFilterDecision.Drop : LogFilterDecision.Keep;
        if (message.Contains("] Shutdown finished, but flushing might not have been successful", StringComparison.Ordinal))
            return Stopping() && (!_departed.IsEmpty || Departing()) ? LogFilterDecision.Drop : LogFilterDecision.Keep;
        return LogFilterDecision.Keep;
    }

    private bool Expected(string peer)
    {
        if (Stopping())
            return true;
        Address address;
        try
        {
            address = Address.Parse(peer);
        }
        catch (UriFormatException)
        {
            return false;
        }

        return _departed.ContainsKey(address)
            || _system is { } system && Cluster.Get(system).State.Members.Any(m => m.Address.Equals(address) && m.Status is MemberStatus.Leaving or MemberStatus.Exiting);
    }

    private bool Stopping() => _system is { } system && (system.WhenTerminated.IsCompleted || CoordinatedShutdown.Get(system).ShutdownReason is not null);

    private bool Departing() =>
        _system is { } system && Cluster.Get(system).State.Members.Any(m => m.Status is MemberStatus.Leaving or MemberStatus.Exiting);

    [GeneratedRegex(@"reliableEndpointWriter-(?<peer>[^/]+)-\d+/endpointWriter$")]
    private static partial Regex EndpointWriterPeer();

    [GeneratedRegex(@"\] Association with remote system (?<peer>\S+) has failed; address is now gated for \d+ ms\. Reason is: \[Akka\.Remote\.EndpointDisassociatedException: Disassociated")]
    private static partial Regex FailedAssociation();

    /// <summary>Records members that leave in order (never those downed or removed after being downed).</summary>
    private sealed class DepartureRecorder : ReceiveActor
    {
        public DepartureRecorder(ConcurrentDictionary<Address, bool> departed)
        {
            Receive<ClusterEvent.MemberLeft>(e => departed[e.Member.Address] = true);
            Receive<ClusterEvent.MemberExited>(e => departed[e.Member.Address] = true);
            Receive<ClusterEvent.MemberRemoved>(e =>
            {
                if (e.PreviousStatus is MemberStatus.Exiting or MemberStatus.Leaving)
                    departed[e.Member.Address] = true;
            });
            ReceiveAny(_ => { });
        }
    }
}
