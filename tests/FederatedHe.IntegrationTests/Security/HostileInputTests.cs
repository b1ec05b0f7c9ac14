using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using FederatedHe.Actors.Nodes;
using FederatedHe.Actors.Spec;
using FederatedHe.Host.Hosting;
using FederatedHe.Actors.Harness;
using FederatedHe.Testing;
using FederatedHe.IntegrationTests.Federation;
using static FederatedHe.Actors.Protocol.FederationProtocol;
using FederatedHe.Actors.Configuration;

namespace FederatedHe.IntegrationTests.Security;

/// <summary>
/// A real federation (an aggregator and hospitals, each its own actor system, over TCP on loopback) with an intruder:
/// one more node in the cluster that floods the coordinator and every hospital with hostile messages of every kind
/// for as long as the federation runs. The federation must end as an undisturbed one does.
/// </summary>
public sealed class HostileInputTests
{
    private const string IntruderRole = "intruder";

    [Fact(Timeout = 600_000)]
    public async Task A_federation_flooded_by_an_intruder_node_completes_with_the_model_of_an_undisturbed_one_and_logs_the_refusals()
    {
        RecordingLogger.Lines.Clear();
        var options = new SimulationOptions
        {
            Spec = FederationSpec.Default.WithHospitals(3).WithRounds(5),
            ComputeBaselines = false,
            LogLevel = "INFO",
            ExtraConfig = ConfigurationFactory.ParseString($$"""akka.loggers = ["{{typeof(RecordingLogger).AssemblyQualifiedName}}"]"""),
        };
        using var stop = new CancellationTokenSource();
        var intruder = new Intruder();
        var attacked = await FederationSimulation.RunAsync(options with { OnAggregatorStarted = aggregator => intruder.StartAsync(aggregator, stop.Token) });
        await stop.CancelAsync();
        var sent = await intruder.StopAsync();
        var undisturbed = await FederationSimulation.RunAsync(options);

        Assert.True(attacked.Succeeded, attacked.Status);
        Assert.True(sent > 1000, $"the intruder sent only {sent} messages");
        Assert.Equal(undisturbed.Rounds.Select(r => r.Round), attacked.Rounds.Select(r => r.Round));
        Assert.All(attacked.Rounds, round =>
        {
            Assert.Equal(["hospital-1", "hospital-2", "hospital-3"], round.Contributors);
            Assert.InRange(round.ModelErrorVersusPlaintextFedAvg!.Value, 0, 1e-5);
        });
        Assert.InRange(Math.Abs(attacked.FinalTest!.Accuracy - undisturbed.FinalTest!.Accuracy), 0, 0.01);
        Assert.True(attacked.Rounds.Sum(r => r.IgnoredMessages) > 0);

        var coordinatorNode = RecordingLogger.Lines.First(l => l.Source.Contains("/user/coordinator/singleton", StringComparison.Ordinal)).Node;
        var coordinatorRefusals = RecordingLogger.Lines.Where(l => l.Node == coordinatorNode && l.Text.Contains(": ignored ", StringComparison.Ordinal)).ToList();
        Assert.Contains(coordinatorRefusals, l => l.Text.Contains("not that registered hospital", StringComparison.Ordinal)
                                                  || l.Text.Contains("which the coordinator does not accept", StringComparison.Ordinal));
        Assert.True(coordinatorRefusals.Count < sent / 4, $"{coordinatorRefusals.Count} refusal lines for {sent} hostile messages");
        Assert.Contains(RecordingLogger.Lines, l => l.Text.StartsWith("hospital-", StringComparison.Ordinal)
                                                    && l.Text.Contains("not the coordinator's node", StringComparison.Ordinal));
        Assert.Contains(RecordingLogger.Lines, l => l.Text.StartsWith("hospital-", StringComparison.Ordinal)
                                                    && l.Text.Contains("RegisterHospitalResponse from", StringComparison.Ordinal)
                                                    && l.Text.Contains("not an aggregator node", StringComparison.Ordinal));
    }

    /// <summary>
    /// A node that joins the cluster (it holds no certificate pinning here: the simulation runs without TLS, as an
    /// unauthenticated member would) and floods until stopped. It never claims the aggregator role.
    /// </summary>
    private sealed class Intruder
    {
        private ActorSystem? _system;
        private Task<long> _flooding = Task.FromResult(0L);

        public async Task StartAsync(Address aggregator, CancellationToken stop)
        {
            var config = FederationNode.NodeConfig(IntruderRole, "127.0.0.1", 0, [], ProjectFiles.LoadHocon(ProjectFiles.ClusterConfigPath));
            _system = ActorSystem.Create(FederationNode.SystemName, config);
            await Cluster.Get(_system).JoinAsync(aggregator, stop);
            _flooding = Task.Run(() => FloodAsync(_system, aggregator, stop), CancellationToken.None);
        }

        public async Task<long> StopAsync()
        {
            var sent = await _flooding;
            if (_system is not null)
                await _system.Terminate();
            return sent;
        }

        private static async Task<long> FloodAsync(ActorSystem system, Address aggregator, CancellationToken stop)
        {
            var self = system.ActorOf(Props.Empty, "intruder");
            var coordinator = system.ActorSelection($"{aggregator}/user/coordinator/singleton");
            var garbage = new byte[64];
            long sent = 0;
            for (var batch = 0; !stop.IsCancellationRequested; batch++)
            {
                var round = batch % 5;
                var sender = batch % 2 == 0 ? self : ActorRefs.NoSender;
                void Send(ActorSelection target, object message)
                {
                    target.Tell(message, sender);
                    sent++;
                }

                foreach (var kind in Enum.GetValues<PayloadKind>())
                    Send(coordinator, new EncryptedChunk(round, $"hospital-{1 + batch % 3}", kind, 0, 1, 3, garbage));
                Send(coordinator, new EvaluationReported(round, "hospital-2", 10, double.NaN, double.PositiveInfinity, -1, new HospitalTimings(0, 0, 0)));
                Send(coordinator, new FetchAggregate(round, "hospital-3"));
                Send(coordinator, new StartTraining(round, round - 1, 1));
                Send(coordinator, new FederationFinished(round, false, "stop"));
                var hospitals = Cluster.Get(system).State.Members.Where(m => m.HasRole(FederationRoles.Hospital))
                    .Select(m => system.ActorSelection($"{m.Address}/user/hospital"));
                foreach (var hospital in hospitals)
                {
                    Send(hospital, new CollectFeatureStatistics(0, 7));
                    Send(hospital, new StartTraining(round, round - 1, 7));
                    Send(hospital, new FederationFinished(round, false, "stop"));
                    Send(hospital, new EncryptedChunk(round, "aggregator", PayloadKind.AggregatedModel, 0, 1, 3, garbage));
                    Send(hospital, new EncryptedChunk(round, "aggregator", PayloadKind.AggregatedStatistics, 0, 1, 3, garbage));
                    Send(hospital, new EncryptedChunk(round, "hospital-1", PayloadKind.DecryptionShare, 0, int.MaxValue, 3, garbage));
                    Send(hospital, new DecryptionCommittee(round, 99, ["hospital-1"]));
                    Send(hospital, new BeginKeyGeneration(0, "session", ["hospital-1"], ["nowhere"], 1));
                    Send(hospital, new EvaluationReported(round, "hospital-1", 1, 1, 1, 1, new HospitalTimings(0, 0, 0)));

                    // A forged "accepted" would make the intruder the hospital's coordinator; a forged challenge would get a signature.
                    Send(hospital, new RegisterHospitalResponse("hospital-1", true, "accepted"));
                    Send(hospital, new ProveHospitalIdentity("hospital-1", new byte[32]));
                }

                try
                {
                    await Task.Delay(10, stop);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }

            return sent;
        }
    }
}
