using Akka.Actor;
using Akka.Remote;
using Akka.Remote.Transport;
using System.Reflection;

namespace FederatedHe.Testing;

/// <summary>
/// Network faults on live nodes through Akka.Remote's own chaos transport adapters: the failure injector
/// ("gremlin"), which loses a fraction of the frames on a link, and the throttler ("trttl"), which blackholes a
/// link or holds it to a bandwidth. Both sit in the TCP transport stack of every node started with
/// <see cref="TransportAdapters"/>, under the Akka protocol layer, so what they lose is really lost: Akka's
/// classic remoting does not redeliver user messages, and the federation has to recover through its own retries.
/// </summary>
/// <remarks>Thread-safe: each call is one management command to the node's transport.</remarks>
public static class NetworkChaos
{
    /// <summary>The HOCON that puts the throttler and the failure injector into a node's TCP transport.</summary>
    public const string TransportAdapters = "akka.remote.dot-netty.tcp.applied-adapters = [trttl, gremlin]";

    /// <summary>
    /// Akka.Remote 1.5.73's token bucket divides nanoseconds by ticks per millisecond (10⁴) where it means 10⁶, so it
    /// refills 100 times faster than the rate it is given; a rate is divided by this to mean bytes per second.
    /// </summary>
    internal const double TokenBucketRefillError = 100;

    /// <summary>Makes <paramref name="node"/> lose <paramref name="outbound"/> of the frames it sends to and <paramref name="inbound"/> of those it receives from <paramref name="peer"/>.</summary>
    /// <exception cref="InvalidOperationException">The node's transport has no failure injector (it was started without <see cref="TransportAdapters"/>).</exception>
    public static Task DropAsync(ActorSystem node, Address peer, double outbound, double inbound)
    {
        FailureInjectorTransportAdapter.IGremlinMode mode = outbound > 0 || inbound > 0
            ? new FailureInjectorTransportAdapter.Drop(outbound, inbound)
            : FailureInjectorTransportAdapter.PassThru.Instance;
        return CommandAsync(node, new FailureInjectorTransportAdapter.One(peer, mode), "failure injector");
    }

    /// <summary>
    /// Sets what happens to the frames <paramref name="node"/> sends to <paramref name="peer"/>: all dropped
    /// (<paramref name="blackholed"/>), held to about <paramref name="bytesPerSecond"/>, or (neither) let through.
    /// A frame larger than the bucket passes alone once the bucket has refilled.
    /// </summary>
    /// <exception cref="InvalidOperationException">The node's transport has no throttler.</exception>
    public static Task ThrottleAsync(ActorSystem node, Address peer, bool blackholed, int? bytesPerSecond)
    {
        ThrottleMode mode = blackholed
            ? Blackhole.Instance
            : bytesPerSecond is { } rate
                ? new Akka.Remote.Transport.TokenBucket(capacity: Math.Max(rate, 1), tokensPerSecond: rate / TokenBucketRefillError, nanoTimeOfLastSend: ThrottlerClockNanos(), availableTokens: 0)
                : Unthrottled.Instance;
        return CommandAsync(node, new SetThrottle(peer, ThrottleTransportAdapter.Direction.Send, mode), "throttler");
    }

    private static async Task CommandAsync(ActorSystem node, object command, string adapter)
    {
        if (!node.Settings.Config.GetStringList("akka.remote.dot-netty.tcp.applied-adapters").Contains(
                adapter == "throttler" ? ThrottleTransportAdapter.Scheme : FailureInjectorTransportAdapter.FailureInjectorSchemeIdentifier))
        {
            throw new InvalidOperationException($"node {Address(node)} was started without Akka's {adapter} transport adapter ({TransportAdapters})");
        }

        if (!await Remoting(node).Transport.ManagementCommand(command).ConfigureAwait(false))
            throw new InvalidOperationException($"the {adapter} of node {Address(node)} refused {command.GetType().Name}");
    }

    private static IRemoteActorRefProvider Remoting(ActorSystem node) =>
        ((ExtendedActorSystem)node).Provider as IRemoteActorRefProvider
        ?? throw new InvalidOperationException("the node has no remoting: network faults need a cluster or remote node");

    private static Address Address(ActorSystem node) => Remoting(node).DefaultAddress;

    // The throttler's bucket measures time on Akka's internal monotonic clock; a bucket stamped on any other clock would
    // count the difference between the two as refill time (and overflow on a long-running node).
    private static long ThrottlerClockNanos() =>
        (long)(typeof(ActorSystem).Assembly.GetType("Akka.Util.MonotonicClock")?.GetMethod("GetNanos", BindingFlags.Public | BindingFlags.Static)?.Invoke(null, null)
               ?? throw new InvalidOperationException("Akka.Util.MonotonicClock.GetNanos, which the throttler's token bucket reads, is not in this Akka version"));
}
