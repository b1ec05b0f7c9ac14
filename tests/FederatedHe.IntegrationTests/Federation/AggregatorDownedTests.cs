using Akka.Actor;
using Akka.Cluster;
using FederatedHe.Actors.Configuration;
using FederatedHe.Actors.Harness;
using FederatedHe.Actors.Nodes;
using FederatedHe.Actors.Spec;
using FederatedHe.Testing;

namespace FederatedHe.IntegrationTests.Federation;

/// <summary>
/// An in-process federation whose aggregator's node the cluster downs mid-run (as it does a node whose heartbeats come too
/// late on a loaded machine): no coordinator is left to end the federation, so the run must end with the reason rather than
/// wait for a last round that never comes.
/// </summary>
public sealed class AggregatorDownedTests
{
    [Fact(Timeout = 180_000)]
    public async Task A_simulation_whose_aggregator_node_is_downed_mid_run_fails_with_the_reason_instead_of_waiting_forever()
    {
        // A member of the cluster that is neither aggregator nor hospital: it downs the aggregator once round 2 is in.
        ActorSystem? bystander = null;
        Address? aggregatorAddress = null;
        var options = new SimulationOptions
        {
            Spec = FederationSpec.Default.WithHospitals(3).WithRounds(500),
            ComputeBaselines = false,
            OnAggregatorStarted = async aggregator =>
            {
                aggregatorAddress = aggregator;
                var config = FederationNode.NodeConfig("bystander", "127.0.0.1", 0, [], ProjectFiles.LoadHocon(ProjectFiles.ClusterConfigPath));
                bystander = ActorSystem.Create(FederationNode.SystemName, config);
                await Cluster.Get(bystander).JoinAsync(aggregator);
            },
        };
        var completedRounds = new List<int>();

        try
        {
            var failure = await Assert.ThrowsAsync<FederationSimulationException>(() => FederationSimulation.RunAsync(options, round =>
            {
                completedRounds.Add(round.Round);
                if (round.Round == 2)
                    Cluster.Get(bystander!).Down(aggregatorAddress!);
            }));

            Assert.Contains("the aggregator's node stopped before the federation ended", failure.Message, StringComparison.Ordinal);
            Assert.Contains(2, completedRounds);
            Assert.True(completedRounds.Count < 500, "the federation ran to its end: the aggregator was not downed");
        }
        finally
        {
            if (bystander is not null)
                await bystander.Terminate();
        }
    }
}
