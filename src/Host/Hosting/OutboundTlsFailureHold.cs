using Akka;
using Akka.Actor;
using Akka.Cluster;

namespace FederatedHe.Host.Hosting;

/// <summary>
/// Keeps a node that is up running after one of its outbound TLS handshakes fails. Akka.Remote 1.5.73 runs the coordinated
/// shutdown of the whole actor system when that happens, whatever the cause: a peer stopping or killed in the middle of the
/// handshake (at the end of every run, nodes leave one after the other while the others still dial them), or any program
/// that accepts a connection on a departed member's port and closes it. Before the node is up, that stays the node's end:
/// a seed that refuses this node's certificate is a misconfiguration to report (see <c>fedhe node</c>'s one line). Once it
/// is up, the shutdown is held at its first phase (<see cref="Phase"/>, declared in hocon/cluster.conf) until the node stops
/// for a reason of its own or the cluster removes it; Akka reaches the peer again, if it can, as after any lost connection.
/// </summary>
/// <remarks>
/// Akka offers no way to turn its reaction off or to tell a shutdown that has started not to go on, so the hold is the
/// shutdown's first task. While it is held, <see cref="CoordinatedShutdown.ShutdownReason"/> keeps Akka's reason and every
/// later call to <see cref="CoordinatedShutdown.Run"/> returns the held run: whoever stops the node calls
/// <see cref="Release"/> first. A member the cluster downs or removes releases it by itself.
/// </remarks>
internal sealed class OutboundTlsFailureHold
{
    /// <summary>The coordinated-shutdown phase that runs before all of Akka's own (hocon/cluster.conf).</summary>
    public const string Phase = "fedhe-outbound-tls-failure-hold";

    private readonly TaskCompletionSource<Done> _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _up;
    private volatile bool _held;

    private OutboundTlsFailureHold()
    {
    }

    /// <summary>Whether a failed outbound handshake was held: the node went on instead of stopping.</summary>
    public bool Held => _held;

    /// <summary>Installs the hold on <paramref name="system"/>; <paramref name="warn"/> is told each time it holds.</summary>
    public static OutboundTlsFailureHold Install(ActorSystem system, Action<string> warn)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(warn);
        var hold = new OutboundTlsFailureHold();
        var cluster = Cluster.Get(system);
        cluster.RegisterOnMemberUp(() => hold._up = true);
        // Downed, removed, or its cluster stopped: the member ends as Akka would end it.
        cluster.RegisterOnMemberRemoved(hold.Release);
        var shutdown = CoordinatedShutdown.Get(system);
        shutdown.AddTask(Phase, "hold-after-an-outbound-tls-handshake-failed", () =>
        {
            if (!hold._up || !NodeStoppedDuringStartupException.IsTlsHandshakeFailureReason(shutdown.ShutdownReason))
                return Task.FromResult(Done.Instance);
            hold._held = true;
            warn($"an outbound TLS handshake failed ({shutdown.ShutdownReason}); Akka stops a node for that, but this one is up, so the node "
                 + "carries on and reaches that peer again, if it can, as after any lost connection");
            return hold._released.Task;
        });
        return hold;
    }

    /// <summary>Lets a held shutdown go on; call it before stopping the node.</summary>
    public void Release() => _released.TrySetResult(Done.Instance);
}
