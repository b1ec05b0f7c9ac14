using System.Globalization;
using System.Threading.Channels;
using FederatedHe.Actors.Spec;
using FederatedHe.Testing;

namespace FederatedHe.Host.ClusterLauncher;

/// <summary>
/// Runs an experiment's fault schedule on a local cluster of processes. It learns where the federation is from the monitor
/// member's feed (a round started, a round's aggregate distributed: <see cref="OnMoment"/>), and strikes each fault once, at its moment:
/// a killed node's process gets SIGKILL (kill -9, no shutdown of any kind), a restarted one is started again with its
/// original arguments (the aggregator joining through the hospitals), and network and straggler faults are sent to the
/// nodes' <c>--fault-control</c> input, where Akka's failure-injector and throttler adapters carry them out.
/// </summary>
/// <remarks>Thread-safe: moments are queued from any thread; one loop (<see cref="RunAsync"/>) strikes the faults.</remarks>
internal sealed partial class ClusterFaultSchedule : INetworkLinks
{
    private readonly IReadOnlyList<SimulatedFault> _faults;
    private readonly HashSet<SimulatedFault> _struck = [];
    private readonly ActiveNetworkFaults _network = new();
    private readonly Channel<(int Round, FaultMoment Moment)> _moments = Channel.CreateUnbounded<(int, FaultMoment)>();
    private readonly ClusterProcesses _processes;
    private readonly Func<int, int> _portOf;
    private readonly Action<string> _status;

    // What each node was last told about each peer, so unchanged settings are not re-sent every half second.
    private readonly Dictionary<(int ProcessId, string Peer, string Setting), string> _told = [];

    public ClusterFaultSchedule(IReadOnlyList<SimulatedFault> faults, ClusterProcesses processes, Func<int, int> portOfHospital, Action<string> status)
    {
        _faults = faults;
        _processes = processes;
        _portOf = portOfHospital;
        _status = status;
    }

    /// <summary>Queues the faults due at a moment of the federation the monitor saw.</summary>
    public void OnMoment(int round, FaultMoment moment) => _moments.Writer.TryWrite((round, moment));

    /// <summary>Strikes faults as their moments come, and keeps network faults in force, until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var next = _moments.Reader.ReadAsync(cancellationToken).AsTask();
                while (!next.IsCompleted)
                {
                    if (_network.Any)
                        await _network.ApplyAsync(this, DateTime.UtcNow).ConfigureAwait(false);
                    await Task.WhenAny(next, Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken)).ConfigureAwait(false);
                }

                var (round, moment) = await next.ConfigureAwait(false);

                // Each fault strikes once: a resumed aggregator announces the interrupted round again.
                foreach (var fault in _faults.Where(f => f.Round == round && f.Moment == moment && _struck.Add(f)).ToList())
                {
                    try
                    {
                        await StrikeAsync(fault).ConfigureAwait(false);
                    }
                    catch (ClusterLaunchException exception)
                    {
                        // A node that cannot be started again stays down; the run goes on (or ends) without it.
                        _status($"fault: {FaultNames.Describe(fault)} failed: {exception.Message}");
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The run is over.
        }
    }

    private async Task StrikeAsync(SimulatedFault fault)
    {
        _status($"fault: {FaultNames.Describe(fault)}");
        switch (fault.Kind)
        {
            case FaultKind.KillHospital:
                await _processes.KillAsync(fault.Target).ConfigureAwait(false);
                break;
            case FaultKind.RestartHospital:
                await _processes.KillAsync(fault.Target).ConfigureAwait(false);
                _processes.Restart(fault.Target);
                break;
            case FaultKind.RestartAggregator:
                await _processes.KillAsync(SimulatedFault.Aggregator).ConfigureAwait(false);
                _processes.Restart(SimulatedFault.Aggregator);
                break;
            case FaultKind.SlowHospital when _processes.Live(fault.Target) is { } hospital:
                await hospital.SendLineAsync($"slow-training {(long)fault.Delay.TotalMilliseconds}").ConfigureAwait(false);
                break;
            case FaultKind.DropMessages or FaultKind.PartitionNode or FaultKind.DelayMessages:
                _network.Start(fault, DateTime.UtcNow);
                await _network.ApplyAsync(this, DateTime.UtcNow).ConfigureAwait(false);
                break;
        }
    }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> LiveNodes() =>
        _processes.LiveByName().ToDictionary(n => n.Key, n => n.Value.Id.ToString(CultureInfo.InvariantCulture), StringComparer.Ordinal);

    /// <inheritdoc />
    public Task DropAsync(string from, string to, double outbound, double inbound) =>
        TellAsync(from, to, "drop", $"{Fraction(outbound)} {Fraction(inbound)}");

    /// <inheritdoc />
    public Task ThrottleAsync(string from, string to, bool blackholed, int? bytesPerSecond) =>
        TellAsync(from, to, "throttle", blackholed ? "blackhole" : bytesPerSecond?.ToString(CultureInfo.InvariantCulture) ?? "off");

    private async Task TellAsync(string from, string to, string command, string setting)
    {
        if (_processes.Live(from) is not { } node)
            return;
        var key = (node.Id, to, command);
        var unchanged = _told.TryGetValue(key, out var told) ? told == setting : setting is "0 0" or "off";
        if (unchanged)
            return;
        _told[key] = setting;
        await node.SendLineAsync($"{command} {AddressOf(to)} {setting}").ConfigureAwait(false);
    }

    // The failure injector and the throttler match peers by host and port only, so the plain scheme names any node.
    private string AddressOf(string node) =>
        $"akka.tcp://federation@127.0.0.1:{(node == SimulatedFault.Aggregator ? _portOf(0) : _portOf(FaultNames.HospitalNumber(node)!.Value))}";

    private static string Fraction(double value) => value.ToString("R", CultureInfo.InvariantCulture);

}
