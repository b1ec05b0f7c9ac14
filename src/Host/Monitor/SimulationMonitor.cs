using Akka.Actor;
using Akka.Configuration;
using FederatedHe.Actors.Configuration;
using FederatedHe.Actors.Nodes;
using FederatedHe.Actors.Spec;
using FederatedHe.Actors.Harness;

namespace FederatedHe.Host.Monitor;

/// <summary>
/// `simulate --monitor-port`: a monitor node in the simulation's process, joined through its aggregator as soon as that
/// is up (before any hospital), serving the dashboard until the simulation ends.
/// </summary>
/// <param name="spec">The simulated federation.</param>
/// <param name="binding">Where the dashboard listens.</param>
/// <param name="faults">The harness's fault injection, whose chaos transport the simulation's nodes carry when a network fault is scheduled; or null.</param>
internal sealed class SimulationMonitor(FederationSpec spec, DashboardBinding binding, NodeFaultHooks? faults = null) : IAsyncDisposable
{
    private ActorSystem? _system;
    private MonitorNode? _monitor;

    /// <summary>The dashboard's URL, or null before the monitor started.</summary>
    public string? Url => _monitor?.Url;

    /// <summary>What the monitor knows, or null before it started.</summary>
    public MonitorState? State => _monitor?.Hub.State;

    /// <summary>Starts the monitor, joining through the simulation's aggregator at <paramref name="aggregator"/>.</summary>
    public async Task StartAsync(Address aggregator)
    {
        // The simulation's transport: Akka's chaos adapters sit in its nodes' stack when a network fault is scheduled.
        var transport = spec.Faults.Schedule.Any(f => f.IsNetworkFault) && faults is not null ? faults.TransportSettings : Config.Empty;
        _system = FederationNode.CreateSystem(MonitorNode.NodeConfig("127.0.0.1", 0, [aggregator.ToString()],
            ConfigurationFactory.ParseString("akka.loglevel = WARNING").WithFallback(transport).WithFallback(ProjectFiles.LoadHocon(ProjectFiles.ClusterConfigPath))));
        _monitor = await MonitorNode.StartAsync(_system, MonitorState.ForSpec(spec),
            binding, TimeSpan.FromSeconds(60), CancellationToken.None).ConfigureAwait(false);
        Console.Out.WriteLine($"monitor up at {_monitor.Address}; dashboard at {_monitor.Url}");
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_monitor is not null)
            await _monitor.DisposeAsync().ConfigureAwait(false);
        if (_system is not null)
            await _system.Terminate().ConfigureAwait(false);
    }
}
