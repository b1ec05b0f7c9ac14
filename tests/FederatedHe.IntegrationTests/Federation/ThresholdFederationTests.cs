using FederatedHe.Actors.Configuration;
using FederatedHe.Actors.Spec;
using FederatedHe.Actors.Harness;
using FederatedHe.Testing;

namespace FederatedHe.IntegrationTests.Federation;

/// <summary>
/// Threshold mode end to end: five hospitals generate a 3-of-5 collective key among themselves, the
/// aggregator adds ciphertexts it cannot decrypt, and a committee of three decrypts each aggregate with
/// shares that travel hospital to hospital.
/// </summary>
public sealed class ThresholdFederationTests
{
    private static SimulationOptions FiveHospitals(int rounds) => new()
    {
        Spec = FederationSpec.Default.WithHospitals(5).WithRounds(rounds).WithQuorum(3)
            .WithCrypto(FederationSpec.Default.Crypto with { Mode = KeyMode.Threshold, Threshold = 3 })
            .WithTimeouts(collect: TimeSpan.FromSeconds(20)),
    };

    [Fact(Timeout = 300_000)]
    public async Task Five_hospitals_with_a_3_of_5_key_match_plaintext_FedAvg_every_round()
    {
        var result = await FederationSimulation.RunAsync(FiveHospitals(rounds: 8));

        Assert.True(result.Succeeded, result.Status);
        Assert.Equal(8, result.Rounds.Count);
        Assert.All(result.Rounds, round => Assert.InRange(round.ModelErrorVersusPlaintextFedAvg!.Value, 0, 1e-5));
        Assert.InRange(Math.Abs(result.FinalTest!.Accuracy - result.PlaintextFedAvgBaseline!.Accuracy), 0, 0.01);
    }

    [Fact(Timeout = 300_000)]
    public async Task A_committee_member_dropping_out_during_decryption_is_replaced_and_the_federation_completes()
    {
        // hospital-1 is in the first committee (the first three parties); it goes away while decrypting round 2.
        var fiveHospitals = FiveHospitals(rounds: 4);
        var options = fiveHospitals with
        {
            ComputeBaselines = false,
            Spec = fiveHospitals.Spec.WithFaults([new SimulatedFault(2, FaultMoment.AggregateDistributed, FaultKind.KillHospital, "hospital-1")]),
        };

        var result = await FederationSimulation.RunAsync(options);

        Assert.True(result.Succeeded, result.Status);
        Assert.Equal([1, 2, 3, 4], result.Rounds.Select(r => r.Round));
        Assert.All(result.Rounds.Where(r => r.Round > 2), round => Assert.DoesNotContain("hospital-1", round.Contributors));
        Assert.All(result.Rounds, round => Assert.InRange(round.ModelErrorVersusPlaintextFedAvg!.Value, 0, 1e-5));
    }
}
