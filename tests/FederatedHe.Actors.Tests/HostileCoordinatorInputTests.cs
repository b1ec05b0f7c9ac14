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
/// What the coordinator does with hostile input: malformed, oversized, foreign, replayed or impersonated chunks, impossible
/// control messages and a flood from one peer. Each is refused with a logged reason, nothing crashes, and the round
/// completes with the honest hospitals. Test probes play the hospitals; every message is serialized as on the wire.
/// </summary>
public sealed class HostileCoordinatorInputTests : TestKit
{
    private static readonly Config TestConfig = OneNodeCluster.Config("INFO");

    private static readonly CkksParameters Parameters = CkksPresets.Params128BitLogN13LogQ101;
    private static readonly (SecretKey Secret, PublicKey Public) Keys = new KeyGenerator(Parameters).GenerateKeyPair();

    private readonly FederationSettings _settings;
    private readonly TestProbe _events;
    private readonly LogCapture _log;

    public HostileCoordinatorInputTests() : base(TestConfig)
    {
        _log = new LogCapture(Sys);
        ProbeHospitalRounds.JoinItself(this);
        _settings = ProbeHospitalRounds.OneRoundOfThree(Sys);
        _events = CreateTestProbe();
        Sys.EventStream.Subscribe(_events, typeof(IFederationEvent));
    }

    private IActorRef StartCoordinator()
    {
        var pool = Sys.ActorOf(CryptoWorker.PoolProps(CkksKeyMaterial.ParametersOnly(Parameters), 2));
        return Sys.ActorOf(RoundCoordinator.Props(_settings, Parameters, pool));
    }

    private static byte[] EncryptOne(CkksParameters parameters, PublicKey key, params double[] values) =>
        new VectorEncryptor(parameters, key).Encrypt(values).Chunks[0].ToBytes();

    private static EncryptedChunk Update(int round, string hospital, byte[] ciphertext, PayloadKind kind = PayloadKind.ModelUpdate) =>
        new(round, hospital, kind, 0, 1, 3, ciphertext);

    private static EncryptedChunk HonestUpdate(int round, string hospital, params double[] values) =>
        Update(round, hospital, EncryptOne(Parameters, Keys.Public, values));

    private static double[] Decrypt(EncryptedChunk chunk) =>
        new VectorDecryptor(Parameters, Keys.Secret).Decrypt(
            new EncryptedVector(Parameters, chunk.VectorLength, [Ciphertext.FromBytes(Parameters, chunk.Ciphertext)]));

    /// <summary>Registers three probe hospitals and plays round 0; each then waits for round 1's announcement.</summary>
    private (TestProbe Probe, string Id)[] StartRoundOne(IActorRef coordinator) =>
        ProbeHospitalRounds.StartRoundOne(this, coordinator, Parameters.Id.ToString(),
            id => Update(0, id, EncryptOne(Parameters, Keys.Public, 10, 1, 2), PayloadKind.FeatureStatistics));

    private RoundCompleted AwaitRoundOne() =>
        _events.FishForMessage<RoundCompleted>(e => e is RoundCompleted { RoundId: 1 }, TimeSpan.FromSeconds(60));

    private void AwaitLog(params string[] fragments) =>
        AwaitCondition(() => _log.Containing(fragments).Count > 0, TimeSpan.FromSeconds(20), $"no log line with {string.Join(" and ", fragments)}");

    public static TheoryData<string> HostileCiphertexts => new()
    {
        "garbage", "truncated", "oversized", "another parameter set", "below the fresh level", "another scale",
    };

    private static byte[] Hostile(string kind)
    {
        var honest = EncryptOne(Parameters, Keys.Public, 7, 7, 7);
        switch (kind)
        {
            case "garbage":
                return Enumerable.Range(0, 200).Select(i => (byte)(i * 31)).ToArray();
            case "truncated":
                return honest[..(honest.Length / 2)];
            case "oversized":
                return new byte[Ciphertext.MaxSerializedSize(Parameters) + 1];
            case "another parameter set":
                var other = CkksPresets.Params128BitLogN13FedAvg;
                return EncryptOne(other, new KeyGenerator(other).GenerateKeyPair().PublicKey, 7, 7, 7);
            case "below the fresh level":
                var lowered = Ciphertext.FromBytes(Parameters, honest);
                lowered.SetLevel(0);
                return lowered.ToBytes();
            case "another scale":
                var rescaled = Ciphertext.FromBytes(Parameters, honest);
                rescaled.Scale *= 2;
                return rescaled.ToBytes();
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown hostile ciphertext");
        }
    }

    [Theory]
    [MemberData(nameof(HostileCiphertexts))]
    public void A_hospital_whose_update_is_not_a_valid_ciphertext_of_the_parameter_set_sits_out_and_the_others_are_aggregated(string hostile)
    {
        var coordinator = StartCoordinator();
        var hospitals = StartRoundOne(coordinator);

        coordinator.Tell(Update(1, "hospital-3", Hostile(hostile)), hospitals[2].Probe);
        coordinator.Tell(HonestUpdate(1, "hospital-1", 1, 2, 3), hospitals[0].Probe);
        coordinator.Tell(HonestUpdate(1, "hospital-2", 10, 20, 30), hospitals[1].Probe);

        var aggregate = hospitals[0].Probe.FishForMessage<EncryptedChunk>(c => c.Kind == PayloadKind.AggregatedModel);
        Assert.Equal(new double[] { 11, 22, 33 }, Decrypt(aggregate).Select(v => Math.Round(v, 6)));
        var completed = AwaitRoundOne();
        Assert.Equal(["hospital-1", "hospital-2"], completed.Contributors);
        Assert.Equal(["hospital-3"], completed.Dropouts);
        AwaitLog("ignored", "hospital-3", "sits out round 1");
        Assert.Empty(_log.Crashes);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Hospital-1")]
    [InlineData("hospital 1")]
    [InlineData("../../etc/passwd")]
    [InlineData("hospital-1\nround 9: forged log line")]
    public void A_registration_under_an_id_that_is_not_a_node_id_is_refused_with_its_reason(string id)
    {
        var coordinator = StartCoordinator();
        var intruder = CreateTestProbe();

        coordinator.Tell(new RegisterHospital(id, Parameters.Id.ToString()), intruder);

        var response = intruder.ExpectMsg<RegisterHospitalResponse>();
        Assert.False(response.Accepted);
        Assert.Contains("is not a valid hospital id", response.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_registration_under_a_huge_id_is_refused_and_the_id_is_not_echoed_in_full()
    {
        var coordinator = StartCoordinator();
        var intruder = CreateTestProbe();

        coordinator.Tell(new RegisterHospital(new string('h', 40_000), Parameters.Id.ToString()), intruder);

        var response = intruder.ExpectMsg<RegisterHospitalResponse>();
        Assert.False(response.Accepted);
        Assert.True(response.HospitalId.Length <= 65, $"echoed {response.HospitalId.Length} characters");
        Assert.True(response.Reason.Length < 200, response.Reason);
    }

    [Fact]
    public void Chunks_of_every_kind_from_the_wrong_round_phase_or_sender_are_refused_and_the_round_completes_with_everyone()
    {
        var coordinator = StartCoordinator();
        var hospitals = StartRoundOne(coordinator);
        var ((first, _), (second, _)) = (hospitals[0], hospitals[1]);
        var outsider = CreateTestProbe();
        var valid = EncryptOne(Parameters, Keys.Public, 9, 9, 9);

        coordinator.Tell(Update(0, "hospital-1", valid, PayloadKind.FeatureStatistics), first);   // replay of round 0
        coordinator.Tell(Update(0, "hospital-1", valid), first);                                   // earlier round
        coordinator.Tell(Update(7, "hospital-1", valid), first);                                   // a future round
        foreach (var kind in Enum.GetValues<PayloadKind>().Where(k => k != PayloadKind.ModelUpdate))
            coordinator.Tell(Update(1, "hospital-1", valid, kind), first);                         // wrong kind for the phase
        coordinator.Tell(Update(1, "hospital-1", valid), second);                                  // hospital-2 posing as hospital-1
        coordinator.Tell(Update(1, "hospital-1", valid), outsider);                                // an unregistered actor
        coordinator.Tell(Update(1, "hospital-9", valid), outsider);
        coordinator.Tell(Update(1, new string('x', 200), valid), outsider);
        foreach (var (probe, id) in hospitals)
            coordinator.Tell(HonestUpdate(1, id, 1, 2, 3), probe);

        var aggregate = first.FishForMessage<EncryptedChunk>(c => c.Kind == PayloadKind.AggregatedModel);
        Assert.Equal(new double[] { 3, 6, 9 }, Decrypt(aggregate).Select(v => Math.Round(v, 6)));
        var completed = AwaitRoundOne();
        Assert.Equal(3, completed.Contributors.Count);
        Assert.True(completed.IgnoredMessages >= 3 + 4 + 4, $"ignored {completed.IgnoredMessages}");
        AwaitLog("ignored", "FeatureStatistics chunk 0 of round 0 from hospital-1");
        AwaitLog("ignored", "claiming to be from hospital-1", "not that registered hospital");
        AwaitLog("ignored", "DecryptionShare chunk 0 of round 1");
        Assert.Empty(_log.Crashes);
    }

    [Fact]
    public void Impossible_replayed_or_impersonated_evaluations_and_control_messages_are_refused_and_do_not_skew_the_result()
    {
        var coordinator = StartCoordinator();
        var hospitals = StartRoundOne(coordinator);
        var outsider = CreateTestProbe();
        foreach (var (probe, id) in hospitals)
            coordinator.Tell(HonestUpdate(1, id, 1, 2, 3), probe);
        foreach (var (probe, _) in hospitals)
            probe.FishForMessage(m => m is EncryptedChunk { Kind: PayloadKind.AggregatedModel });

        var timings = new HospitalTimings(1, 1, 1);
        var (first, second, third) = (hospitals[0].Probe, hospitals[1].Probe, hospitals[2].Probe);
        coordinator.Tell(new EvaluationReported(1, "hospital-1", 10, double.NaN, 0.1, 0.9, timings), first);
        coordinator.Tell(new EvaluationReported(1, "hospital-2", 10, 0.5, double.PositiveInfinity, 0.9, timings), second);
        coordinator.Tell(new EvaluationReported(1, "hospital-3", -20, 0.5, 0.1, 0.9, timings), third);
        coordinator.Tell(new EvaluationReported(1, "hospital-3", 20, 0.5, 0.1, 7, timings), third);
        coordinator.Tell(new EvaluationReported(1, "hospital-3", 20, 0.5, 0.1, 0.9, new HospitalTimings(double.NaN, 1, 1)), third);
        coordinator.Tell(new EvaluationReported(1, "hospital-1", 10, 0.0, 0.1, 0.9, timings), outsider);
        coordinator.Tell(new EvaluationReported(0, "hospital-1", 10, 0.0, 0.1, 0.9, timings), first);
        coordinator.Tell(new FetchAggregate(99, "hospital-1"), first);
        coordinator.Tell(new FetchAggregate(1, "hospital-1"), outsider);
        for (var i = 0; i < 5; i++)
            coordinator.Tell(new FetchAggregate(1, "hospital-1"), first);
        coordinator.Tell(new StartTraining(2, 1, 1), outsider);
        coordinator.Tell(new BeginKeyGeneration(0, "s", new string[500], [], -1), outsider);
        coordinator.Tell(new FederationFinished(1, false, "stop"), outsider);
        coordinator.Tell(new EvaluationReported(1, "hospital-1", 10, 0.9, 0.1, 0.9, timings), first);
        coordinator.Tell(new EvaluationReported(1, "hospital-1", 10, 0.1, 0.1, 0.9, timings), first);   // replayed with other figures
        coordinator.Tell(new EvaluationReported(1, "hospital-2", 10, 0.8, 0.1, 0.9, timings), second);
        coordinator.Tell(new EvaluationReported(1, "hospital-3", 20, 0.7, 0.1, 0.9, timings), third);

        var completed = AwaitRoundOne();
        Assert.Equal(3, completed.Evaluation!.Reports);
        Assert.Equal((0.9 * 10 + 0.8 * 10 + 0.7 * 20) / 40, completed.Evaluation.Accuracy, 9);
        Assert.True(first.FishForMessage<FederationFinished>(_ => true, TimeSpan.FromSeconds(20)).Succeeded);
        AwaitLog("ignored", "hospital-1", "accuracy NaN");
        AwaitLog("ignored", "hospital-2", "log-loss");
        AwaitLog("ignored", "hospital-3", "sample count -20");
        AwaitLog("ignored", "second evaluation of round 1 from hospital-1");
        AwaitLog("ignored", "aggregate of round 99, which is not held");
        AwaitLog("ignored", "re-sent 2 times already");
        AwaitLog("ignored", "BeginKeyGeneration, which the coordinator does not accept");
        AwaitLog("ignored", "FederationFinished, which the coordinator does not accept");
        Assert.Empty(_log.Crashes);
    }

    [Fact]
    public async Task A_flood_from_one_node_is_refused_within_bounded_memory_and_log_while_the_other_hospitals_complete_the_round()
    {
        var coordinator = StartCoordinator();
        var hospitals = StartRoundOne(coordinator);
        var (flooder, outsider) = (hospitals[2].Probe, CreateTestProbe());
        var garbage = new byte[64];
        var oversized = new byte[Ciphertext.MaxSerializedSize(Parameters) + 1];
        long bytesSent = 0;
        void Send(EncryptedChunk chunk, IActorRef from)
        {
            coordinator.Tell(chunk, from);
            bytesSent += chunk.Ciphertext.Length;
        }

        // A registered hospital opens a 4096-chunk vector, floods it, then contradicts it; an outsider floods everything.
        for (var i = 0; i < 1000; i++)
            Send(new EncryptedChunk(1, "hospital-3", PayloadKind.ModelUpdate, i, 4096, 3, garbage), flooder);
        for (var i = 0; i < 20; i++)
            Send(new EncryptedChunk(1, "hospital-3", PayloadKind.ModelUpdate, i, 4096, 3, oversized), flooder);
        var kinds = Enum.GetValues<PayloadKind>();
        for (var i = 0; i < 2000; i++)
            Send(new EncryptedChunk(1 + i % 50, "hospital-3", kinds[i % kinds.Length], i % 7, 7, 3, garbage), flooder);
        for (var i = 0; i < 3000; i++)
            Send(new EncryptedChunk(1, $"hospital-{i % 4}", PayloadKind.ModelUpdate, 0, 1, 3, garbage), outsider);
        for (var i = 0; i < 1000; i++)
            coordinator.Tell(new FetchAggregate(i, "hospital-1"), outsider);
        coordinator.Tell(HonestUpdate(1, "hospital-1", 1, 2, 3), hospitals[0].Probe);
        coordinator.Tell(HonestUpdate(1, "hospital-2", 10, 20, 30), hospitals[1].Probe);

        var completed = AwaitRoundOne();
        Assert.Equal(["hospital-1", "hospital-2"], completed.Contributors);
        Assert.True(completed.IgnoredMessages >= 6000, $"ignored {completed.IgnoredMessages}");
        var status = await coordinator.Ask<RoundCoordinator.TransferStatus>(RoundCoordinator.GetTransferStatus.Instance, TimeSpan.FromSeconds(10));
        Assert.True(status.PeakBufferedBytes < bytesSent / 10, $"held {status.PeakBufferedBytes} bytes at once of the {bytesSent} flooded");
        Assert.Equal(0, status.OpenVectors);
        var refusalLines = _log.Containing("ignored").Count;
        Assert.InRange(refusalLines, 1, 50);
        Assert.Empty(_log.Crashes);
    }
}
