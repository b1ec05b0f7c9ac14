using FederatedHe.Actors.Configuration;
using FederatedHe.Actors.Spec;
using FederatedHe.Actors.Harness;
using FederatedHe.Testing;

namespace FederatedHe.IntegrationTests.Federation;

/// <summary>
/// Threshold mode end to end, in both schemes: five hospitals generate a 3-of-5 key set among themselves, the
/// aggregator adds ciphertexts it cannot decrypt, and a committee of three decrypts each aggregate with
/// shares that travel hospital to hospital. The collective-key scheme encrypts under a collective public key;
/// the seeded scheme encrypts each update under its hospital's own secret, which the others hold dealt shares of.
/// </summary>
public sealed class ThresholdFederationTests
{
    private const string Seeded = nameof(FederatedHe.Crypto.Multiparty.ThresholdPresets.Params128BitLogN13LogQ108SeededThreshold);
    private const string CollectiveKey = nameof(FederatedHe.Crypto.Multiparty.ThresholdPresets.Params128BitLogN13LogQ160Threshold);

    private static SimulationOptions FiveHospitals(int rounds, string preset) => new()
    {
        Spec = FederationSpec.Default.WithHospitals(5).WithRounds(rounds).WithQuorum(3)
            .WithCrypto(FederationSpec.Default.Crypto with { Mode = KeyMode.Threshold, Threshold = 3, Preset = preset })
            .WithTimeouts(collect: TimeSpan.FromSeconds(20)),
    };

    [Theory(Timeout = 300_000)]
    [InlineData(CollectiveKey, 1e-5)]
    [InlineData(Seeded, 1e-6)]
    public async Task Five_hospitals_with_a_3_of_5_key_match_plaintext_FedAvg_every_round(string preset, double largestError)
    {
        var result = await FederationSimulation.RunAsync(FiveHospitals(rounds: 8, preset));

        Assert.True(result.Succeeded, result.Status);
        Assert.Equal(8, result.Rounds.Count);
        Assert.All(result.Rounds, round => Assert.InRange(round.ModelErrorVersusPlaintextFedAvg!.Value, 0, largestError));
        Assert.InRange(Math.Abs(result.FinalTest!.Accuracy - result.PlaintextFedAvgBaseline!.Accuracy), 0, 0.01);
    }

    [Theory(Timeout = 300_000)]
    [InlineData(CollectiveKey)]
    [InlineData(Seeded)]
    public async Task A_committee_member_dropping_out_during_decryption_is_replaced_and_the_federation_completes(string preset)
    {
        // hospital-1 is in the first committee (the first three parties); it goes away while decrypting round 2. In the seeded
        // scheme the new committee decrypts the same sum again, which its members allow (it is not a second sum of the round).
        var fiveHospitals = FiveHospitals(rounds: 4, preset);
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
