using FederatedHe.Actors.Spec;
using FederatedHe.Host.Cli;
using FederatedHe.Host.Monitor;
using FederatedHe.IntegrationTests.Experiments;
using FederatedHe.Actors.Harness;
using FederatedHe.Testing;

namespace FederatedHe.IntegrationTests.Monitor;

/// <summary>A monitor node is a cluster member that never takes part in a round.</summary>
[Collection(FederationRunsCollection.Name)]
public class MonitorMembershipTests
{
    [Fact]
    public async Task A_monitor_member_is_never_counted_or_selected_by_the_coordinator_and_sees_every_round()
    {
        // Registration waits for exactly 2 hospitals and every round needs both: a monitor counted as a hospital, or asked
        // to train, would show in the participants (or stall the round it could never contribute to).
        var spec = FederationSpec.Default.WithHospitals(2).WithRounds(2).WithQuorum(2);
        var monitor = new SimulationMonitor(spec, MonitorCommand.Binding("127.0.0.1", 0, null, null, Path.GetTempPath()));
        SimulationResult result;
        MonitorState seen;
        await using (monitor)
        {
            result = await FederationSimulation.RunAsync(new SimulationOptions { Spec = spec, ComputeBaselines = false, OnAggregatorStarted = monitor.StartAsync });
            seen = await WaitForOutcome(monitor);
        }

        Assert.True(result.Succeeded, result.Status);
        Assert.All(result.Rounds, r => Assert.Equal(["hospital-1", "hospital-2"], r.Contributors.Order()));
        Assert.Contains(seen.Members, m => m.Role == "monitor");
        Assert.Equal(2, seen.Members.Count(m => m.Role == "hospital"));
        // Every round from round 0 (standardisation): every node starts its pub-sub mediator with its actor system (FederationNode.StartObserverTopic), so the
        // monitor's subscription has reached the aggregator before the coordinator (started once the hospitals joined) says a word.
        Assert.Equal([0, 1, 2], seen.Rounds.Select(r => r.Round));
        Assert.All(seen.Rounds, r => Assert.Equal(2, r.Contributors));
        Assert.DoesNotContain(seen.Decisions, d => d.Text.Contains("monitor", StringComparison.OrdinalIgnoreCase));
        Assert.True(seen.Outcome!.Succeeded);
    }

    private static async Task<MonitorState> WaitForOutcome(SimulationMonitor monitor)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (monitor.State is not { Outcome: not null } && DateTime.UtcNow < deadline)
            await Task.Delay(100);
        return monitor.State ?? throw new InvalidOperationException("the monitor never started");
    }
}
