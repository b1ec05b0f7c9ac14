using Akka.Configuration;
using FederatedHe.Actors.Protocol;
using FederatedHe.Actors.Spec;
using FederatedHe.Actors.Harness;
using FederatedHe.Testing;

namespace FederatedHe.IntegrationTests.Federation;

/// <summary>
/// The whole federation as a user runs it (`fedhe simulate`): an aggregator and hospitals, each its own
/// actor system, in one Akka cluster over TCP on loopback, on data/wdbc.csv.
/// </summary>
public sealed class EncryptedFederationTests
{
    [Fact(Timeout = 300_000)]
    public async Task Four_hospitals_match_the_centralised_baseline_and_every_round_equals_plaintext_FedAvg()
    {
        var options = new SimulationOptions
        {
            Spec = FederationSpec.Default.WithHospitals(4).WithRounds(20),
            ExtraConfig = ConfigurationFactory.ParseString("akka.actor.serialize-messages = on"),
        };

        var result = await FederationSimulation.RunAsync(options);

        Assert.True(result.Succeeded, result.Status);
        Assert.Equal(Enumerable.Range(1, 20), result.Rounds.Select(r => r.Round));
        Assert.All(result.Rounds, round =>
        {
            Assert.Equal(4, round.Contributors.Count);
            Assert.NotNull(round.ModelErrorVersusPlaintextFedAvg);
            Assert.InRange(round.ModelErrorVersusPlaintextFedAvg!.Value, 0, 1e-5);
        });
        var final = result.FinalTest!;
        var centralized = result.CentralizedBaseline!;
        Assert.True(final.Accuracy >= centralized.Accuracy - 0.01,
            $"encrypted federation {final.Accuracy:P2} vs centralised {centralized.Accuracy:P2}");
        Assert.InRange(Math.Abs(final.Accuracy - result.PlaintextFedAvgBaseline!.Accuracy), 0, 0.01);
    }

    [Fact(Timeout = 300_000)]
    public async Task The_aggregator_node_receives_only_ciphertexts_and_control_messages_never_key_material()
    {
        RecordingLogger.Lines.Clear();
        var options = new SimulationOptions
        {
            Spec = FederationSpec.Default.WithHospitals(2).WithRounds(2).WithQuorum(2),
            ComputeBaselines = false,
            LogLevel = "DEBUG",
            ExtraConfig = ConfigurationFactory.ParseString($$"""
                akka.loggers = ["{{typeof(RecordingLogger).AssemblyQualifiedName}}"]
                akka.remote.log-received-messages = on
                """),
        };

        var result = await FederationSimulation.RunAsync(options);
        Assert.True(result.Succeeded, result.Status);

        // With log-received-messages every message a node receives over the wire is logged as
        // "received local message [RemoteMessage: <message> to …]". Audit the aggregator's.
        var aggregator = RecordingLogger.Lines.First(l => l.Source.Contains("/user/coordinator/singleton", StringComparison.Ordinal)).Node;
        const string marker = "received local message [RemoteMessage: ";
        var received = RecordingLogger.Lines
            .Where(l => l.Node == aggregator && l.Text.StartsWith(marker, StringComparison.Ordinal))
            .Select(l => l.Text[marker.Length..])
            .ToList();
        var federationMessages = received.Where(t => !IsAkkaInternal(t)).ToList();

        // The audit saw the federation's traffic...
        Assert.Contains(federationMessages, t => t.StartsWith("RegisterHospital {", StringComparison.Ordinal));
        Assert.Contains(federationMessages, t => t.StartsWith("EncryptedChunk {", StringComparison.Ordinal) && t.Contains("Kind = ModelUpdate", StringComparison.Ordinal));
        Assert.Contains(federationMessages, t => t.StartsWith("EncryptedChunk {", StringComparison.Ordinal) && t.Contains("Kind = FeatureStatistics", StringComparison.Ordinal));
        // ...and it was nothing but registrations, encrypted updates and statistics, and evaluation figures.
        string[] hospitalToAggregator = ["RegisterHospital {", "EncryptedChunk {", "EvaluationReported {", "FetchAggregate {"];
        Assert.All(federationMessages, text =>
        {
            Assert.Contains(hospitalToAggregator, prefix => text.StartsWith(prefix, StringComparison.Ordinal));
            Assert.DoesNotContain("Secret", text, StringComparison.OrdinalIgnoreCase);
            if (text.StartsWith("EncryptedChunk {", StringComparison.Ordinal))
                Assert.Matches("Kind = (ModelUpdate|FeatureStatistics)", text);
        });
    }

    private static bool IsAkkaInternal(string text) =>
        text.StartsWith("Akka.", StringComparison.Ordinal) || text.StartsWith("ActorSelectionMessage", StringComparison.Ordinal)
        || text.StartsWith("Gossip", StringComparison.Ordinal) || text.StartsWith('<');
}
