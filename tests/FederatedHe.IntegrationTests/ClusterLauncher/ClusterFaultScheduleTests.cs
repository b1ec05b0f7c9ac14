using FederatedHe.Actors.Harness;
using FederatedHe.Actors.Spec;
using FederatedHe.IntegrationTests.Security;
using FederatedHe.Testing;

namespace FederatedHe.IntegrationTests.ClusterLauncher;

/// <summary>
/// When `cluster up` strikes a spec's faults. Its moments come from the monitor's feed; the node control here records the
/// commands instead of writing them to processes' input (LocalClusterTests runs the schedule on real processes).
/// </summary>
public sealed class ClusterFaultScheduleTests
{
    private static readonly SimulatedFault SlowAtRound2 = new(2, FaultMoment.RoundStarted, FaultKind.SlowHospital, "hospital-2") { Delay = TimeSpan.FromSeconds(1) };
    private static readonly SimulatedFault SlowAtRound3 = new(3, FaultMoment.RoundStarted, FaultKind.SlowHospital, "hospital-1") { Delay = TimeSpan.FromSeconds(2) };

    [Fact(Timeout = 30_000)]
    public async Task A_fault_strikes_once_at_its_moment_and_one_whose_moment_was_never_seen_strikes_late_at_the_next()
    {
        var nodes = new RecordingNodeControl();
        var status = new List<string>();
        var schedule = new ClusterFaultSchedule([SlowAtRound2, SlowAtRound3], nodes, line => { lock (status) status.Add(line); });
        using var stop = new CancellationTokenSource();
        var running = schedule.RunAsync(stop.Token);

        schedule.OnMoment(1, FaultMoment.RoundStarted);
        schedule.OnMoment(2, FaultMoment.RoundStarted);
        schedule.OnMoment(2, FaultMoment.RoundStarted); // a resumed aggregator announces the round again
        // Round 3's start never reached the feed.
        schedule.OnMoment(3, FaultMoment.AggregateDistributed);
        schedule.OnMoment(4, FaultMoment.RoundStarted);
        await Nodes.WaitUntilAsync(() => nodes.Sent.Count >= 2, TimeSpan.FromSeconds(20), "both slow-downs are sent");
        await Task.Delay(300); // anything struck twice would have been by now
        await stop.CancelAsync();
        await running;

        Assert.Equal([("hospital-2", "slow-training 1000"), ("hospital-1", "slow-training 2000")], nodes.Sent);
        lock (status)
        {
            var late = Assert.Single(status, line => line.Contains("late", StringComparison.Ordinal));
            Assert.Contains("strikes late, at round 3 (aggregate-distributed): its own moment was not seen", late, StringComparison.Ordinal);
        }
    }

    private sealed class RecordingNodeControl : IClusterNodeControl
    {
        private readonly List<(string Node, string Command)> _sent = [];

        public IReadOnlyList<(string Node, string Command)> Sent
        {
            get
            {
                lock (_sent)
                    return [.. _sent];
            }
        }

        public IReadOnlyDictionary<string, int> LiveNodes() => new Dictionary<string, int> { ["hospital-1"] = 1, ["hospital-2"] = 2 };

        public Task KillAsync(string node) => throw new InvalidOperationException("no node is killed in this schedule");

        public void Restart(string node) => throw new InvalidOperationException("no node is restarted in this schedule");

        public Task SendFaultCommandAsync(string node, string command)
        {
            lock (_sent)
                _sent.Add((node, command));
            return Task.CompletedTask;
        }

        public string AddressOf(string node) => $"akka.tcp://federation@127.0.0.1:{(node == "hospital-1" ? 1 : 2)}";
    }
}
