using System.Globalization;
using System.Threading.Channels;
using FederatedHe.Actors.Harness;
using FederatedHe.Actors.Spec;

namespace FederatedHe.Testing;

/// <summary>
/// Runs an experiment's fault schedule on a local cluster of processes. The launcher tells it where the federation is
/// (a round started, a round's aggregate distributed: <see cref="OnMoment"/>), and it strikes each fault once, at its moment:
/// a killed node's process gets SIGKILL (kill -9, no shutdown of any kind), a restarted one is started again with its
/// original arguments (the aggregator joining through the hospitals), and network and straggler faults are sent to the
/// nodes' <c>--fault-control</c> input, where Akka's failure-injector and throttler adapters carry them out.
/// </summary>
/// <remarks>Thread-safe: moments are queued from any thread; one loop (<see cref="RunAsync"/>) strikes the faults.</remarks>
internal sealed class ClusterFaultSchedule : IClusterFaultSchedule, INetworkLinks
{
    private readonly IReadOnlyList<SimulatedFault> _faults;
    private readonly HashSet<SimulatedFault> _struck = [];
    private readonly ActiveNetworkFaults _network = new();
    private readonly Channel<(int Round, FaultMoment Moment)> _moments = Channel.CreateUnbounded<(int, FaultMoment)>();
    private readonly IClusterNodeControl _nodes;
    private readonly Action<string> _status;

    // What each node was last told about each peer, so unchanged settings are not re-sent every half second.
    private readonly Dictionary<(int ProcessId, string Peer, string Setting), string> _told = [];

    public ClusterFaultSchedule(IReadOnlyList<SimulatedFault> faults, IClusterNodeControl nodes, Action<string> status)
    {
        _faults = faults;
        _nodes = nodes;
        _status = status;
    }

    /// <inheritdoc />
    public void OnMoment(int round, FaultMoment moment) => _moments.Writer.TryWrite((round, moment));

    /// <inheritdoc />
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

                // Each fault strikes once: a resumed aggregator announces the interrupted round again. The moments come from
                // the monitor's feed, which the coordinator reaches over the cluster: a fault whose own moment never
                // arrived strikes at the next one seen, late, rather than never.
                foreach (var fault in Due(round, moment).Where(_struck.Add).ToList())
                {
                    try
                    {
                        if (fault.Round != round || fault.Moment != moment)
                            _status($"fault: {FaultNames.Describe(fault)} strikes late, at round {round} ({FaultNames.Name(moment)}): its own moment was not seen");
                        await StrikeAsync(fault).ConfigureAwait(false);
                    }
                    catch (NodeRestartException exception)
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

    /// <summary>The faults of this moment and of every earlier one, in schedule order.</summary>
    private IEnumerable<SimulatedFault> Due(int round, FaultMoment moment) =>
        _faults.Where(f => f.Round < round || (f.Round == round && f.Moment <= moment));

    private async Task StrikeAsync(SimulatedFault fault)
    {
        _status($"fault: {FaultNames.Describe(fault)}");
        switch (fault.Kind)
        {
            case FaultKind.KillHospital:
                await _nodes.KillAsync(fault.Target).ConfigureAwait(false);
                break;
            case FaultKind.RestartHospital:
                await _nodes.KillAsync(fault.Target).ConfigureAwait(false);
                _nodes.Restart(fault.Target);
                break;
            case FaultKind.RestartAggregator:
                await _nodes.KillAsync(SimulatedFault.Aggregator).ConfigureAwait(false);
                _nodes.Restart(SimulatedFault.Aggregator);
                break;
            case FaultKind.SlowHospital:
                await _nodes.SendFaultCommandAsync(fault.Target, $"slow-training {(long)fault.Delay.TotalMilliseconds}").ConfigureAwait(false);
                break;
            case FaultKind.DropMessages or FaultKind.PartitionNode or FaultKind.DelayMessages:
                _network.Start(fault, DateTime.UtcNow);
                await _network.ApplyAsync(this, DateTime.UtcNow).ConfigureAwait(false);
                break;
        }
    }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> LiveNodes() =>
        _nodes.LiveNodes().ToDictionary(n => n.Key, n => n.Value.ToString(CultureInfo.InvariantCulture), StringComparer.Ordinal);

    /// <inheritdoc />
    public Task DropAsync(string from, string to, double outbound, double inbound) =>
        TellAsync(from, to, "drop", $"{Fraction(outbound)} {Fraction(inbound)}");

    /// <inheritdoc />
    public Task ThrottleAsync(string from, string to, bool blackholed, int? bytesPerSecond) =>
        TellAsync(from, to, "throttle", blackholed ? "blackhole" : bytesPerSecond?.ToString(CultureInfo.InvariantCulture) ?? "off");

    private async Task TellAsync(string from, string to, string command, string setting)
    {
        if (!_nodes.LiveNodes().TryGetValue(from, out var processId))
            return;
        var key = (processId, to, command);
        var unchanged = _told.TryGetValue(key, out var told) ? told == setting : setting is "0 0" or "off";
        if (unchanged)
            return;
        _told[key] = setting;
        await _nodes.SendFaultCommandAsync(from, $"{command} {_nodes.AddressOf(to)} {setting}").ConfigureAwait(false);
    }

    private static string Fraction(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
