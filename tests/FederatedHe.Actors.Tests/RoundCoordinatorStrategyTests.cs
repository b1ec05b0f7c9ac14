using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using FederatedHe.Actors.Configuration;
using FederatedHe.Actors.Coordination;
using FederatedHe.Actors.CryptoPool;
using FederatedHe.Crypto.Ckks;
using FederatedHe.Crypto.Rlwe;
using FederatedHe.Federation.Strategies;
using PayloadKind = FederatedHe.Actors.Protocol.FederationProtocol.PayloadKind;
using static FederatedHe.Actors.Protocol.FederationEvents;
using static FederatedHe.Actors.Protocol.FederationProtocol;

namespace FederatedHe.Actors.Tests;

/// <summary>
/// The coordinator follows the server-side strategy of the federation core (issue 13): a seeded FractionFit sample of
/// hospitals trains each round, and an undefined ROC-AUC keeps a hospital's report out of the AUC pool only. Test probes
/// play hospitals on a one-node cluster with real CKKS ciphertexts; messages are serialized on every send.
/// </summary>
public sealed class RoundCoordinatorStrategyTests : TestKit
{
    private static readonly Config TestConfig = OneNodeCluster.Config("WARNING");

    private static readonly CkksParameters Parameters = CkksPresets.Params128BitLogN13LogQ101;
    private static readonly (SecretKey Secret, PublicKey Public) Keys = new KeyGenerator(Parameters).GenerateKeyPair();

    private readonly FederationSettings _settings;
    private readonly TestProbe _events;

    public RoundCoordinatorStrategyTests() : base(TestConfig)
    {
        Cluster.Get(Sys).Join(Cluster.Get(Sys).SelfAddress);
        AwaitCondition(() => Cluster.Get(Sys).SelfMember.Status == MemberStatus.Up, TimeSpan.FromSeconds(30));
        _settings = FederationSettings.Create(Sys) with
        {
            Rounds = 1,
            MinHospitals = 3,
            Quorum = 2,
            CollectTimeout = TimeSpan.FromSeconds(10),
            EvaluateTimeout = TimeSpan.FromSeconds(10),
            MaxAttempts = 2,
        };
        _events = CreateTestProbe();
        Sys.EventStream.Subscribe(_events, typeof(IFederationEvent));
    }

    private IActorRef StartCoordinator(FederationSettings settings)
    {
        var pool = Sys.ActorOf(CryptoWorker.PoolProps(CkksKeyMaterial.ParametersOnly(Parameters), 2));
        return Sys.ActorOf(RoundCoordinator.Props(settings, Parameters.Id.ToString(), pool, Parameters.SlotCount));
    }

    private static EncryptedChunk[] Encrypt(int round, string hospital, PayloadKind kind, double[] values)
    {
        var vector = new VectorEncryptor(Parameters, Keys.Public).Encrypt(values);
        return vector.Chunks.Select((c, i) => new EncryptedChunk(round, hospital, kind, i, vector.ChunkCount, values.Length, c.ToBytes())).ToArray();
    }

    private Dictionary<string, TestProbe> RegisterHospitals(IActorRef coordinator, int count)
    {
        var hospitals = new Dictionary<string, TestProbe>(StringComparer.Ordinal);
        foreach (var id in Enumerable.Range(1, count).Select(i => $"hospital-{i}"))
        {
            var probe = CreateTestProbe();
            coordinator.Tell(new RegisterHospital(id, Parameters.Id.ToString()), probe);
            Assert.True(probe.ExpectMsg<RegisterHospitalResponse>().Accepted);
            hospitals[id] = probe;
        }

        return hospitals;
    }

    private static void SendUpdate(IActorRef coordinator, int round, string id, TestProbe probe)
    {
        var kind = round == 0 ? PayloadKind.FeatureStatistics : PayloadKind.ModelUpdate;
        foreach (var chunk in Encrypt(round, id, kind, [1, 2, 3]))
            coordinator.Tell(chunk, probe);
    }

    private static void Evaluate(IActorRef coordinator, int round, string id, TestProbe probe, double accuracy, double rocAuc) =>
        coordinator.Tell(new EvaluationReported(round, id, 100, accuracy, 0.5, rocAuc, new HospitalTimings(10, 2, 3)), probe);

    [Fact]
    public void Coordinator_asks_a_seeded_fraction_of_the_hospitals_each_round_and_does_not_count_the_others_as_dropouts()
    {
        var settings = _settings with { Rounds = 2, MinHospitals = 4, FractionFit = 0.5 };
        var coordinator = StartCoordinator(settings);
        var hospitals = RegisterHospitals(coordinator, 4);
        var ids = hospitals.Keys.Order(StringComparer.Ordinal).ToArray();
        var strategy = new FederatedAveraging(FederationCore.StrategyOptions(settings));

        // Round 0 (the feature statistics) asks everyone.
        var statistics = _events.FishForMessage<RoundStarted>(e => e is RoundStarted { RoundId: 0 }, TimeSpan.FromSeconds(30));
        Assert.Equal(ids, statistics.Participants);
        foreach (var (id, probe) in hospitals)
        {
            probe.FishForMessage(m => m is CollectFeatureStatistics);
            SendUpdate(coordinator, 0, id, probe);
        }

        for (var round = 1; round <= 2; round++)
        {
            var expected = strategy.ConfigureFit(round, ids).ToArray();
            Assert.Equal(2, expected.Length);
            var started = _events.FishForMessage<RoundStarted>(e => e is RoundStarted r && r.RoundId == round, TimeSpan.FromSeconds(30));
            Assert.Equal(expected, started.Participants);

            foreach (var id in expected)
            {
                var request = (StartTraining)hospitals[id].FishForMessage(m => m is StartTraining, TimeSpan.FromSeconds(30));
                Assert.Equal(round, request.RoundId);
                SendUpdate(coordinator, round, id, hospitals[id]);
            }

            // An update from a hospital that was not asked joins nothing.
            var outsider = ids.First(id => !expected.Contains(id));
            SendUpdate(coordinator, round, outsider, hospitals[outsider]);

            _events.FishForMessage<AggregateDistributed>(e => e is AggregateDistributed d && d.RoundId == round, TimeSpan.FromSeconds(30));
            foreach (var (id, probe) in hospitals)
                Evaluate(coordinator, round, id, probe, 0.8, 0.9);

            var completed = _events.FishForMessage<RoundCompleted>(e => e is RoundCompleted c && c.RoundId == round, TimeSpan.FromSeconds(30));
            Assert.Equal(expected, completed.Contributors);
            Assert.Empty(completed.Dropouts);
            Assert.True(completed.IgnoredMessages >= 1, "the outsider's update is counted as ignored");
        }

        Assert.True(_events.FishForMessage<FederationCompleted>(e => e is FederationCompleted, TimeSpan.FromSeconds(30)).Succeeded);
    }

    [Fact]
    public void Coordinator_pools_a_report_with_an_undefined_roc_auc_for_accuracy_and_loss_and_leaves_it_out_of_the_auc()
    {
        var coordinator = StartCoordinator(_settings);
        var hospitals = RegisterHospitals(coordinator, 3);
        foreach (var (id, probe) in hospitals)
        {
            probe.FishForMessage(m => m is CollectFeatureStatistics);
            SendUpdate(coordinator, 0, id, probe);
        }

        foreach (var (id, probe) in hospitals)
        {
            probe.FishForMessage(m => m is StartTraining, TimeSpan.FromSeconds(30));
            SendUpdate(coordinator, 1, id, probe);
        }

        _events.FishForMessage<AggregateDistributed>(e => e is AggregateDistributed { RoundId: 1 }, TimeSpan.FromSeconds(30));
        Evaluate(coordinator, 1, "hospital-1", hospitals["hospital-1"], accuracy: 0.5, rocAuc: double.NaN); // a hold-out with one class
        Evaluate(coordinator, 1, "hospital-2", hospitals["hospital-2"], accuracy: 0.8, rocAuc: 0.9);
        Evaluate(coordinator, 1, "hospital-3", hospitals["hospital-3"], accuracy: 0.8, rocAuc: 0.7);

        var completed = _events.FishForMessage<RoundCompleted>(e => e is RoundCompleted { RoundId: 1 }, TimeSpan.FromSeconds(30));
        var evaluation = Assert.IsType<FederatedEvaluation>(completed.Evaluation);
        Assert.Equal(3, evaluation.Reports);
        Assert.Equal(300, evaluation.SampleCount);
        Assert.Equal(0.7, evaluation.Accuracy, 9);
        Assert.Equal(0.8, evaluation.RocAuc, 9);
        Assert.Equal(0, completed.IgnoredMessages);
    }
}
