using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Cluster;
using FederatedHe.Actors.Nodes;
using FederatedHe.Host.Hosting;
using FederatedHe.Host.Security;

namespace FederatedHe.IntegrationTests.Security;

/// <summary>
/// Akka.Remote 1.5.73 stops a node's whole actor system when one of its outbound TLS handshakes fails, whatever the cause: a
/// peer that stops or is killed in the middle of it (nodes leaving at the end of a run), or any program on a departed
/// member's port that accepts a connection and closes it. Real TLS members on loopback dial such a program here.
/// </summary>
public sealed class OutboundHandshakeTests(ClusterCertificates certificates) : IClassFixture<ClusterCertificates>
{
    [Fact]
    public async Task Without_the_hold_a_member_that_is_up_is_stopped_by_one_outbound_handshake_that_a_program_closes()
    {
        using var closer = ConnectionCloser.Start();
        using var member = await StartMemberAsync(warn: null);

        DialAt(member.System, closer.Port);

        // The attack this class defends against, mounted on Akka alone.
        await member.System.WhenTerminated.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(closer.Closed > 0);
        Assert.True(NodeStoppedDuringStartupException.IsTlsHandshakeFailureReason(CoordinatedShutdown.Get(member.System).ShutdownReason));
    }

    [Fact]
    public async Task A_member_that_is_up_carries_on_after_outbound_handshakes_that_a_program_closes_and_still_stops_when_told()
    {
        using var closer = ConnectionCloser.Start();
        var warnings = new ConcurrentQueue<string>();
        using var member = await StartMemberAsync(warnings.Enqueue);
        var hold = member.Hold!;
        var inbox = new ConcurrentQueue<(object Message, Address From)>();
        member.System.ActorOf(Props.Create(() => new Inbox(inbox)), "inbox");

        DialAt(member.System, closer.Port);
        await Nodes.WaitUntilAsync(() => closer.Closed > 0 && hold.Held, TimeSpan.FromSeconds(30), "the member dials the program and the hold takes the shutdown");
        // Again, after Akka's retry gate: every later failure finds the shutdown held.
        await Task.Delay(TimeSpan.FromSeconds(1));
        DialAt(member.System, closer.Port);
        await Nodes.WaitUntilAsync(() => closer.Closed > 1, TimeSpan.FromSeconds(30), "the member dials the program again");
        await Task.Delay(TimeSpan.FromSeconds(2));

        Assert.False(member.System.WhenTerminated.IsCompleted, "the member was stopped by a failed outbound handshake");
        Assert.Equal(1, Nodes.UpMembers(member.System));
        member.System.ActorSelection("/user/inbox").Tell("still running");
        await Nodes.WaitUntilAsync(() => inbox.Any(), TimeSpan.FromSeconds(10), "the member's actors still receive");
        Assert.Contains(warnings, w => w.StartsWith("an outbound TLS handshake failed", StringComparison.Ordinal) && w.Contains("carries on", StringComparison.Ordinal));

        // Whoever stops the node releases the hold first; the held shutdown then runs to its end.
        hold.Release();
        await CoordinatedShutdown.Get(member.System).Run(CoordinatedShutdown.ClusterLeavingReason.Instance).WaitAsync(TimeSpan.FromSeconds(30));
        await member.System.WhenTerminated.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_node_that_is_not_up_yet_is_still_stopped_by_a_failed_outbound_handshake()
    {
        using var closer = ConnectionCloser.Start();
        var node = Nodes.Start(ClusterTls.Setup(Nodes.BaseConfig(FederationRoles.Hospital), certificates.Hospital1, certificates.AuthorityCertificate,
            certificates.Roster, "hospital-1"));
        var hold = OutboundTlsFailureHold.Install(node, _ => { });

        // A seed that closes the handshake (one that refuses this node's certificate, say) is the joining node's end, as before.
        Cluster.Get(node).Join(Address.Parse($"akka.ssl.tcp://{FederationNode.SystemName}@127.0.0.1:{closer.Port}"));

        await node.WhenTerminated.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(hold.Held);
    }

    [Fact]
    public async Task The_hold_phase_runs_first_and_keeps_the_shutdowns_total_timeout_within_what_Akkas_exit_hook_can_wait_on()
    {
        using var system = Nodes.StartPlaintext(FederationRoles.Monitor);
        var shutdown = CoordinatedShutdown.Get(system);

        Assert.Contains(OutboundTlsFailureHold.Phase, system.Settings.Config.GetStringList("akka.coordinated-shutdown.phases.before-service-unbind.depends-on"));
        Assert.True(shutdown.Timeout(OutboundTlsFailureHold.Phase) >= TimeSpan.FromDays(7));
        // Akka's process-exit hook waits on the whole shutdown with Task.Wait(TotalTimeout), which throws beyond int.MaxValue ms: the
        // process then ends in an unhandled exception (seen: a monitor exiting with 134 when the hold's timeout was 3650 days).
        Assert.InRange(shutdown.TotalTimeout.TotalMilliseconds, 0, int.MaxValue);
        await system.Terminate();
    }

    /// <summary>An aggregator, up in a cluster of its own, with the hold (telling <paramref name="warn"/>) or, when it is null, without.</summary>
    private async Task<Member> StartMemberAsync(Action<string>? warn)
    {
        var system = Nodes.Start(ClusterTls.Setup(Nodes.BaseConfig(FederationRoles.Aggregator), certificates.Aggregator, certificates.AuthorityCertificate,
            certificates.Roster, "aggregator"));
        var member = new Member(system, warn is null ? null : OutboundTlsFailureHold.Install(system, warn));
        var cluster = Cluster.Get(system);
        await cluster.JoinAsync(cluster.SelfAddress).WaitAsync(TimeSpan.FromSeconds(20));
        return member;
    }

    /// <summary>A member's actor system and its hold; disposing it terminates the system, whatever a failed assertion left.</summary>
    private sealed record Member(ActorSystem System, OutboundTlsFailureHold? Hold) : IDisposable
    {
        public void Dispose()
        {
            Hold?.Release();
            System.Terminate().Wait(TimeSpan.FromSeconds(30));
        }
    }

    /// <summary>Makes <paramref name="member"/> open an outbound association to the program on <paramref name="port"/>.</summary>
    private static void DialAt(ActorSystem member, int port) =>
        member.ActorSelection($"akka.ssl.tcp://{FederationNode.SystemName}@127.0.0.1:{port}/user/anyone").Tell("hello");

    /// <summary>A program on a loopback port that accepts every connection and closes it at once, before any TLS record is answered.</summary>
    private sealed class ConnectionCloser : IDisposable
    {
        private readonly TcpListener _listener;
        private readonly CancellationTokenSource _stop = new();
        private int _closed;

        private ConnectionCloser(TcpListener listener) => _listener = listener;

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public int Closed => Volatile.Read(ref _closed);

        public static ConnectionCloser Start()
        {
            var listener = new TcpListener(IPAddress.Loopback, FreePorts.One());
            listener.Start();
            var closer = new ConnectionCloser(listener);
            _ = closer.AcceptAsync();
            return closer;
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            _stop.Dispose();
        }

        private async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    using var connection = await _listener.AcceptSocketAsync(_stop.Token);
                    connection.Close();
                    Interlocked.Increment(ref _closed);
                }
            }
            catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                // Stopped.
            }
        }
    }
}
