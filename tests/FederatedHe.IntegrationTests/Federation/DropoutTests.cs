using FederatedHe.Actors.Spec;
using FederatedHe.Actors.Harness;
using FederatedHe.Testing;

namespace FederatedHe.IntegrationTests.Federation;

/// <summary>Hospitals that go away mid-federation: the coordinator excludes them and carries on with quorum.</summary>
public sealed class DropoutTests
{
    [Fact(Timeout = 300_000)]
    public async Task Five_hospitals_two_killed_as_a_round_starts_the_round_completes_with_quorum_three_and_accuracy_holds()
    {
        var options = new SimulationOptions
        {
            Spec = FederationSpec.Default.WithHospitals(5).WithRounds(10).WithQuorum(3).WithTimeouts(collect: TimeSpan.FromSeconds(20)).WithFaults(
            [
                new SimulatedFault(3, FaultMoment.RoundStarted, FaultKind.KillHospital, "hospital-2"),
                new SimulatedFault(3, FaultMoment.RoundStarted, FaultKind.KillHospital, "hospital-4"),
            ]),
        };

        var result = await FederationSimulation.RunAsync(options);

        Assert.True(result.Succeeded, result.Status);
        Assert.Equal(Enumerable.Range(1, 10), result.Rounds.Select(r => r.Round));
        // The kill strikes as round 3 is announced: the two contribute to no round from 3 on, and count as missing in each.
        var afterKill = result.Rounds.Where(r => r.Round >= 3).ToList();
        Assert.All(afterKill, round => Assert.Equal(["hospital-1", "hospital-3", "hospital-5"], round.Contributors));
        Assert.All(afterKill, round => Assert.Equal(["hospital-2", "hospital-4"], round.Absent));
        Assert.All(result.Rounds.Where(r => r.Round < 3), round => Assert.Empty(round.Absent));
        Assert.All(result.Rounds, round => Assert.InRange(round.ModelErrorVersusPlaintextFedAvg!.Value, 0, 1e-5));
        Assert.True(result.FinalTest!.Accuracy >= result.CentralizedBaseline!.Accuracy - 0.02,
            $"federation {result.FinalTest.Accuracy:P2} vs centralised {result.CentralizedBaseline.Accuracy:P2}");
    }
}
