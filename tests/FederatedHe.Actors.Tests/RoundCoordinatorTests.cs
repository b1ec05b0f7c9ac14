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
using PayloadKind = FederatedHe.Actors.Protocol.FederationProtocol.PayloadKind;
using static FederatedHe.Actors.Protocol.FederationEvents;
using static FederatedHe.Actors.Protocol.FederationProtocol;

namespace FederatedHe.Actors.Tests;

/// <summary>
/// The coordinator's round state machine, with test probes playing hospitals on a one-node cluster and
/// real CKKS ciphertexts. Messages are serialized on every send, as they would be on the wire.
/// </summary>
public sealed class RoundCoordinatorTests : TestKit
{
    private static readonly Config TestConfig = OneNodeCluster.Config("WARNING");

    private static readonly CkksParameters Parameters = CkksPresets.Params128BitLogN13LogQ101;
    private static readonly (SecretKey Secret, PublicKey Public) Keys = new KeyGenerator(Parameters).GenerateKeyPair();

    private readonly FederationSettings _settings;
    private readonly TestProbe _events;

    public RoundCoordinatorTests() : base(TestConfig)
    {
        Cluster.Get(Sys).Join(Cluster.Get(Sys).SelfAddress);
        AwaitCondition(() => Cluster.Get(Sys).SelfMember.Status == MemberStatus.Up, TimeSpan.FromSeconds(30));
        _settings = FederationSettings.Create(Sys) with
        {
            Rounds = 1,
            MinHospitals = 3,
            Quorum = 2,
            CollectTimeout = TimeSpan.FromSeconds(4),
            EvaluateTimeout = TimeSpan.FromSeconds(1.5),
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

    private static double[] Decrypt(IEnumerable<EncryptedChunk> chunks)
    {
        var list = chunks.OrderBy(c => c.ChunkIndex).ToList();
        var vector = new EncryptedVector(Parameters, list[0].VectorLength, list.Select(c => Ciphertext.FromBytes(Parameters, c.Ciphertext)));
        return new VectorDecryptor(Parameters, Keys.Secret).Decrypt(vector);
    }

    private (TestProbe Probe, string Id)[] RegisterHospitals(IActorRef coordinator, int count)
    {
        var hospitals = Enumerable.Range(1, count).Select(i => (Probe: CreateTestProbe(), Id: $"hospital-{i}")).ToArray();
        foreach (var (probe, id) in hospitals)
        {
            coordinator.Tell(new RegisterHospital(id, Parameters.Id.ToString()), probe);
            Assert.True(probe.ExpectMsg<RegisterHospitalResponse>().Accepted);
        }

        return hospitals;
    }

    /// <summary>Plays round 0 for the given hospitals and returns the aggregated statistics each received.</summary>
    private void CompleteStatisticsRound(IActorRef coordinator, (TestProbe Probe, string Id)[] hospitals)
    {
        foreach (var (probe, id) in hospitals)
        {
            probe.ExpectMsg<CollectFeatureStatistics>();
            foreach (var chunk in Encrypt(0, id, PayloadKind.FeatureStatistics, [10, 1, 2]))
                coordinator.Tell(chunk, probe);
        }

        // Under load the first attempt may time out and be repeated; the aggregate still follows.
        foreach (var (probe, _) in hospitals)
            Assert.Equal(PayloadKind.AggregatedStatistics, ((EncryptedChunk)probe.FishForMessage(m => m is EncryptedChunk)).Kind);
    }

    /// <summary>Each hospital waits for round 1's announcement, then sends the update [1, 2, 3].</summary>
    private static void SendRoundOneUpdates(IActorRef coordinator, IEnumerable<(TestProbe Probe, string Id)> hospitals)
    {
        foreach (var (probe, id) in hospitals)
        {
            NextStartTraining(probe);
            foreach (var chunk in Encrypt(1, id, PayloadKind.ModelUpdate, [1, 2, 3]))
                coordinator.Tell(chunk, probe);
        }
    }

    private static StartTraining NextStartTraining(TestProbe probe) => (StartTraining)probe.FishForMessage(m => m is StartTraining);

    [Fact]
    public void Coordinator_adds_encrypted_updates_without_a_key_and_hospitals_decrypt_the_exact_sum()
    {
        var coordinator = StartCoordinator(_settings);
        var hospitals = RegisterHospitals(coordinator, 3);
        CompleteStatisticsRound(coordinator, hospitals);

        var updates = new[] { new double[] { 1.5, -2, 30 }, [0.25, 4, 50], [-1, 0.5, 20] };
        for (var i = 0; i < hospitals.Length; i++)
        {
            var (probe, id) = hospitals[i];
            Assert.Equal(1, NextStartTraining(probe).RoundId);
            foreach (var chunk in Encrypt(1, id, PayloadKind.ModelUpdate, updates[i]))
                coordinator.Tell(chunk, probe);
        }

        foreach (var (probe, _) in hospitals)
        {
            var aggregate = Decrypt([probe.ExpectMsg<EncryptedChunk>(c => c.Kind == PayloadKind.AggregatedModel)]);
            Assert.Equal(new[] { 0.75, 2.5, 100 }, aggregate.Select(v => Math.Round(v, 6)));
        }
    }

    [Fact]
    public void Coordinator_completes_round_with_quorum_when_a_hospital_stays_silent()
    {
        var coordinator = StartCoordinator(_settings);
        var hospitals = RegisterHospitals(coordinator, 3);
        CompleteStatisticsRound(coordinator, hospitals);

        SendRoundOneUpdates(coordinator, hospitals.Take(2));

        var completed = _events.FishForMessage<RoundCompleted>(e => e is RoundCompleted { RoundId: 1 }, TimeSpan.FromSeconds(30));
        Assert.Equal(["hospital-1", "hospital-2"], completed.Contributors);
        Assert.Equal(["hospital-3"], completed.Dropouts);
        Assert.Equal(1, completed.Attempts);
    }

    [Fact]
    public void Coordinator_re_requests_missing_updates_then_fails_the_round_below_quorum()
    {
        var coordinator = StartCoordinator(_settings with { Quorum = 3 });
        var hospitals = RegisterHospitals(coordinator, 3);
        CompleteStatisticsRound(coordinator, hospitals);

        SendRoundOneUpdates(coordinator, hospitals.Take(2));

        var silent = hospitals[2].Probe;
        Assert.Equal(1, NextStartTraining(silent).Attempt);
        Assert.Equal(2, silent.ExpectMsg<StartTraining>(TimeSpan.FromSeconds(15)).Attempt);
        var failed = _events.FishForMessage<RoundFailed>(_ => true, TimeSpan.FromSeconds(30));
        Assert.Equal((1, 2, 2, 3), (failed.RoundId, failed.Attempts, failed.Received, failed.Quorum));
        Assert.False(silent.ExpectMsg<FederationFinished>(TimeSpan.FromSeconds(15)).Succeeded);
    }

    [Fact]
    public void Coordinator_ignores_stale_duplicate_and_impersonating_updates()
    {
        var coordinator = StartCoordinator(_settings with { Quorum = 3 });
        var hospitals = RegisterHospitals(coordinator, 3);
        CompleteStatisticsRound(coordinator, hospitals);
        foreach (var (probe, _) in hospitals)
            NextStartTraining(probe);

        var (first, firstId) = hospitals[0];
        var (second, _) = hospitals[1];
        foreach (var chunk in Encrypt(0, firstId, PayloadKind.ModelUpdate, [9, 9, 9]))   // stale round
            coordinator.Tell(chunk, first);
        foreach (var chunk in Encrypt(1, firstId, PayloadKind.ModelUpdate, [9, 9, 9]))   // hospital-2 posing as hospital-1
            coordinator.Tell(chunk, second);
        foreach (var (probe, id) in hospitals)
        {
            foreach (var chunk in Encrypt(1, id, PayloadKind.ModelUpdate, [1, 2, 3]))
            {
                coordinator.Tell(chunk, probe);
                coordinator.Tell(chunk, probe);                                           // duplicate
            }
        }

        var completed = _events.FishForMessage<RoundCompleted>(e => e is RoundCompleted { RoundId: 1 }, TimeSpan.FromSeconds(30));
        Assert.Equal(3, completed.Contributors.Count);
        Assert.True(completed.IgnoredMessages >= 2 + 3, $"ignored {completed.IgnoredMessages}");
        var aggregate = Decrypt([first.FishForMessage<EncryptedChunk>(c => c.Kind == PayloadKind.AggregatedModel)]);
        Assert.Equal(new double[] { 3, 6, 9 }, aggregate.Select(v => Math.Round(v, 6)));
    }

    [Fact]
    public void Coordinator_refuses_a_hospital_with_another_parameter_set_or_a_taken_id()
    {
        var coordinator = StartCoordinator(_settings);
        var probe = CreateTestProbe();
        coordinator.Tell(new RegisterHospital("hospital-1", "another-parameter-set"), probe);
        Assert.False(probe.ExpectMsg<RegisterHospitalResponse>().Accepted);

        coordinator.Tell(new RegisterHospital("hospital-1", Parameters.Id.ToString()), probe);
        Assert.True(probe.ExpectMsg<RegisterHospitalResponse>().Accepted);
        var impostor = CreateTestProbe();
        coordinator.Tell(new RegisterHospital("hospital-1", Parameters.Id.ToString()), impostor);
        Assert.False(impostor.ExpectMsg<RegisterHospitalResponse>().Accepted);
    }

    [Fact]
    public void Coordinator_drops_a_hospital_that_stops_and_aggregates_the_rest_at_once()
    {
        var coordinator = StartCoordinator(_settings with { CollectTimeout = TimeSpan.FromSeconds(30) });
        var hospitals = RegisterHospitals(coordinator, 3);
        CompleteStatisticsRound(coordinator, hospitals);
        SendRoundOneUpdates(coordinator, hospitals.Take(2));

        Sys.Stop(hospitals[2].Probe.Ref);

        var completed = _events.FishForMessage<RoundCompleted>(e => e is RoundCompleted { RoundId: 1 }, TimeSpan.FromSeconds(30));
        Assert.Equal(["hospital-3"], completed.Dropouts);
    }
}
