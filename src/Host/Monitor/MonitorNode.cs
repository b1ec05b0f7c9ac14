using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using FederatedHe.Actors.Nodes;
using FederatedHe.Actors.Protocol;

namespace FederatedHe.Host.Monitor;

/// <summary>
/// A running monitor: its actor system (a cluster member in the <see cref="FederationRoles.Monitor"/> role), the hub it
/// feeds and the dashboard serving it. <c>fedhe monitor</c> runs one as its own process; <c>simulate --monitor-port</c>
/// starts one in its process.
/// </summary>
public sealed class MonitorNode : IAsyncDisposable
{
    private readonly ActorSystem _system;
    private readonly DashboardServer _dashboard;

    private MonitorNode(ActorSystem system, MonitorHub hub, DashboardServer dashboard)
    {
        _system = system;
        Hub = hub;
        _dashboard = dashboard;
    }

    /// <summary>What the monitor knows.</summary>
    public MonitorHub Hub { get; }

    /// <summary>The dashboard's URL.</summary>
    public string Url => _dashboard.Url;

    /// <summary>The monitor's cluster address.</summary>
    public Address Address => Cluster.Get(_system).SelfAddress;

    /// <summary>Completes once the coordinator has announced the federation's end.</summary>
    public Task FederationEnded { get; private init; } = Task.CompletedTask;

    /// <summary>
    /// Starts a monitor on <paramref name="system"/> (configured by <see cref="NodeConfig"/>: the monitor role, its seed nodes),
    /// and serves the dashboard once it is an Up member subscribed to the coordinator's notices.
    /// </summary>
    /// <exception cref="ArgumentException">The dashboard's binding is refused or its port cannot be bound.</exception>
    /// <exception cref="TimeoutException">The monitor did not become an Up, subscribed member within <paramref name="joinTimeout"/>.</exception>
    public static async Task<MonitorNode> StartAsync(ActorSystem system, MonitorState initial, DashboardBinding binding,
        TimeSpan joinTimeout, CancellationToken cancellationToken)
    {
        binding.Validate();
        var hub = new MonitorHub(initial);
        var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.Applied += entry =>
        {
            if (entry.Kind == MonitorFeedEntry.FederationCompletedKind)
                ended.TrySetResult();
        };

        var subscribed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var cluster = Cluster.Get(system);
        cluster.RegisterOnMemberUp(() => up.TrySetResult());
        system.ActorOf(MonitorActor.Props(hub, subscribed), "monitor");
        await Task.WhenAll(up.Task, subscribed.Task).WaitAsync(joinTimeout, cancellationToken).ConfigureAwait(false);
        // The subscription reaches the coordinator's mediator by gossip: two gossip rounds, so the first notices are not missed.
        var gossip = system.Settings.Config.GetTimeSpan("akka.cluster.pub-sub.gossip-interval", TimeSpan.FromSeconds(1));
        await Task.Delay(gossip * 2, cancellationToken).ConfigureAwait(false);

        var dashboard = await DashboardServer.StartAsync(hub, binding, cancellationToken).ConfigureAwait(false);
        return new MonitorNode(system, hub, dashboard) { FederationEnded = ended.Task };
    }

    /// <summary>The configuration of a monitor node: its role, host and port, seeds, over the node settings given.</summary>
    public static Config NodeConfig(string hostname, int port, IEnumerable<string>? seedNodes, Config nodeSettings) =>
        FederationNode.NodeConfig(FederationRoles.Monitor, hostname, port, seedNodes, nodeSettings);

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await _dashboard.DisposeAsync().ConfigureAwait(false);
}
