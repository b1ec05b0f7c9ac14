using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using FederatedHe.Actors.Configuration;
using FederatedHe.Actors.CryptoPool;
using FederatedHe.Actors.Hospitals;
using FederatedHe.Actors.Security;
using FederatedHe.Crypto.Ckks;
using FederatedHe.Crypto.Multiparty;
using FederatedHe.Crypto.Rlwe;
using FederatedHe.Training.Data;
using FederatedHe.Training.Federation;
using FederatedHe.Training.Local;
using FederatedHe.Training.Models;
using static FederatedHe.Actors.Hospitals.LocalTrainingProtocol;
using static FederatedHe.Actors.Protocol.FederationProtocol;
using static FederatedHe.Actors.Protocol.KeyGenerationProtocol;
using PayloadKind = FederatedHe.Actors.Protocol.FederationProtocol.PayloadKind;

namespace FederatedHe.Actors.Tests;

/// <summary>
/// What a hospital does with hostile input: commands, aggregates and shares from a node that is not the coordinator's
/// (a second actor system over TCP plays the intruder), malformed or impossible aggregates from the coordinator, and
/// its own non-finite update. Each is refused with a logged reason, nothing crashes, and the hospital carries on.
/// </summary>
public sealed class HostileHospitalInputTests : TestKit
{
    private static readonly Config RemoteConfig = ConfigurationFactory.ParseString("""
        akka.actor.provider = remote
        akka.actor.serialize-messages = on
        akka.remote.dot-netty.tcp.hostname = "127.0.0.1"
        akka.remote.dot-netty.tcp.port = 0
        akka.loglevel = INFO
        akka.test.single-expect-default = 20s
        """).WithFallback(FederationConfig.Default);

    private static readonly CkksParameters Parameters = CkksPresets.Params128BitLogN13LogQ101;
    private static readonly (SecretKey Secret, PublicKey Public) Keys = new KeyGenerator(Parameters).GenerateKeyPair();
    private static readonly Dataset Train = SyntheticDataset(24, "train");

    private readonly ActorSystem _intruderSystem;
    private readonly TestProbe _intruder;
    private readonly TestProbe _coordinator;
    private readonly TestProbe _finished;
    private readonly LogCapture _log;

    public HostileHospitalInputTests() : base(RemoteConfig)
    {
        _log = new LogCapture(Sys);
        _intruderSystem = ActorSystem.Create("intruder", RemoteConfig);
        _intruder = CreateTestProbe(_intruderSystem);
        _coordinator = CreateTestProbe();
        _finished = CreateTestProbe();
        Sys.EventStream.Subscribe(_finished, typeof(FederationFinished));
    }

    protected override void AfterAll()
    {
        _intruderSystem.Terminate().Wait(TimeSpan.FromSeconds(10));
        base.AfterAll();
    }

    private static Dataset SyntheticDataset(int samples, string source)
    {
        var features = Enumerable.Range(0, samples * 3).Select(i => (float)Math.Sin(i)).ToArray();
        var labels = Enumerable.Range(0, samples).Select(i => i % 2).ToArray();
        return Dataset.Create(features, labels, ["a", "b", "c"], source);
    }

    private IActorRef StartHospital(HospitalCrypto crypto, NodeIdentity? identity = null, RegistrationTrust? trust = null)
    {
        var plan = new HospitalTrainingPlan(ModelSpec.LogisticRegression,
            new FedAvgStrategy(new FedAvgOptions { LocalTraining = new TrainingOptions { Epochs = 1, BatchSize = 8, LearningRate = 0.05 } }), 1);
        var settings = FederationSettings.Create(Sys);
        var hospital = Sys.ActorOf(HospitalActor.Props(new HospitalData("hospital-1", Train, SyntheticDataset(8, "evaluation")), plan, crypto,
            _coordinator.Ref, settings, decorateTrainer: null, identity, trust), "hospital-1");
        _coordinator.ExpectMsg<RegisterHospital>();
        _coordinator.Reply(new RegisterHospitalResponse("hospital-1", true, "accepted"));
        return hospital;
    }

    private IActorRef StartSharedKeyHospital() =>
        StartHospital(HospitalCrypto.WithSharedKeys(new CkksKeyMaterial(Parameters, Keys.Public, Keys.Secret)));

    /// <summary>Sends <paramref name="message"/> to the hospital from the intruder's node, over TCP.</summary>
    private void FromIntruder(IActorRef hospital, object message)
    {
        var address = ((ExtendedActorSystem)Sys).Provider.DefaultAddress;
        _intruderSystem.ActorSelection(hospital.Path.ToStringWithAddress(address)).Tell(message, _intruder.Ref);
    }

    private static EncryptedChunk[] Aggregate(int round, PayloadKind kind, double[] values)
    {
        var vector = new VectorEncryptor(Parameters, Keys.Public).Encrypt(values);
        return vector.Chunks.Select((c, i) => new EncryptedChunk(round, "aggregator", kind, i, vector.ChunkCount, values.Length, c.ToBytes())).ToArray();
    }

    private void FromCoordinator(IActorRef hospital, IEnumerable<EncryptedChunk> chunks)
    {
        foreach (var chunk in chunks)
            hospital.Tell(chunk, _coordinator.Ref);
    }

    private void AwaitLog(params string[] fragments)
    {
        if (!AwaitConditionNoThrow(() => _log.Containing(fragments).Count > 0, TimeSpan.FromSeconds(20)))
            Assert.Fail($"no log line with {string.Join(" and ", fragments)} among:\n{string.Join("\n", _log.Lines)}");
    }

    [Fact]
    public void Commands_aggregates_and_shares_from_a_node_that_is_not_the_coordinators_are_refused_and_change_nothing()
    {
        var hospital = StartSharedKeyHospital();
        var ciphertext = new byte[300]; // the test transport keeps Akka's default frame size, below a real ciphertext

        FromIntruder(hospital, new CollectFeatureStatistics(0, 9));
        FromIntruder(hospital, new StartTraining(1, 0, 1));
        FromIntruder(hospital, new BeginKeyGeneration(0, "s", new string[3000], ["not a path"], -4));
        FromIntruder(hospital, new DecryptionCommittee(1, 1, ["hospital-1", "hospital-1"]));
        FromIntruder(hospital, new FederationFinished(1, false, "stop now"));
        FromIntruder(hospital, new RegisterHospital("hospital-1", "x"));
        FromIntruder(hospital, new EvaluationReported(1, "hospital-1", 1, 1, 1, 1, new HospitalTimings(0, 0, 0)));
        foreach (var kind in Enum.GetValues<PayloadKind>())
            FromIntruder(hospital, new EncryptedChunk(1, "aggregator", kind, 0, 1, 3, ciphertext));

        AwaitLog("hospital-1: ignored", "CollectFeatureStatistics of round 0", "not the coordinator's node");
        AwaitLog("hospital-1: ignored", "StartTraining of round 1", "not the coordinator's node");
        AwaitLog("hospital-1: ignored", "BeginKeyGeneration of round 0", "not the coordinator's node");
        AwaitLog("hospital-1: ignored", "decryption committee 1 of round 1", "not the coordinator's node");
        AwaitLog("hospital-1: ignored", "FederationFinished", "not the coordinator's node");
        AwaitLog("hospital-1: ignored", "RegisterHospital, which a hospital does not accept");
        AwaitLog("hospital-1: ignored", "a AggregatedModel chunk of round 1 from akka.tcp://intruder@");
        AwaitLog("hospital-1: ignored", "a decryption share claiming to be from aggregator");
        _intruder.ExpectNoMsg(TimeSpan.FromSeconds(1));
        _coordinator.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        _finished.ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        // The coordinator is still obeyed: the hospital was neither stopped nor confused.
        hospital.Tell(new CollectFeatureStatistics(0, 1), _coordinator.Ref);
        Assert.Equal(PayloadKind.FeatureStatistics, _coordinator.ExpectMsg<EncryptedChunk>().Kind);
        hospital.Tell(new FederationFinished(1, true, "done"), _coordinator.Ref);
        Assert.True(_finished.ExpectMsg<FederationFinished>().Succeeded);
        Assert.Empty(_log.Crashes);
    }

    [Fact]
    public void Malformed_or_impossible_aggregates_from_the_coordinator_are_refused_and_the_previous_model_stays()
    {
        var hospital = StartSharedKeyHospital();
        var statistics = FeatureStatistics.Compute(Train).ToVector();
        var impossible = (double[])statistics.Clone();
        impossible[0] = -5; // a negative sample count
        var garbage = Aggregate(1, PayloadKind.AggregatedModel, [1, 2, 3, 4, 5])[0] with { Ciphertext = new byte[300] };
        var oversized = garbage with { Ciphertext = new byte[Ciphertext.MaxSerializedSize(Parameters) + 1] };

        FromCoordinator(hospital, [garbage]);
        FromCoordinator(hospital, [oversized with { RoundId = 2 }]);
        FromCoordinator(hospital, Aggregate(3, PayloadKind.AggregatedStatistics, statistics));
        FromCoordinator(hospital, Aggregate(0, PayloadKind.AggregatedStatistics, impossible));
        FromCoordinator(hospital, Aggregate(4, PayloadKind.AggregatedModel, new double[5]));   // Σn = 0

        AwaitLog("hospital-1: refused the AggregatedModel of round 1", "crypto pool", "the model of round 0 stays");
        AwaitLog("hospital-1: ignored an aggregate chunk of round 2", "longer than any ciphertext");
        AwaitLog("hospital-1: ignored aggregated statistics claiming round 3");
        AwaitLog("hospital-1: refused the aggregated statistics", "sample count");
        AwaitLog("hospital-1: the aggregate of round 4 is unusable");

        // Valid statistics still work, and training starts from the model of round 0, which was kept.
        FromCoordinator(hospital, Aggregate(0, PayloadKind.AggregatedStatistics, statistics));
        AwaitLog("hospital-1: scaling with global statistics");
        hospital.Tell(new StartTraining(1, 0, 1), _coordinator.Ref);
        var update = _coordinator.FishForMessage<EncryptedChunk>(_ => true, TimeSpan.FromSeconds(60));
        Assert.Equal((1, PayloadKind.ModelUpdate), (update.RoundId, update.Kind));
        Assert.Empty(_log.Crashes);
    }

    [Fact]
    public void In_the_aggregation_format_a_sum_without_the_hospitals_own_update_is_refused_and_the_honest_sum_is_adopted()
    {
        var parameters = CkksPresets.Params128BitLogN12LogQ60Aggregation;
        var secret = new KeyGenerator(parameters).GenerateSecretKey();
        var hospital = StartHospital(HospitalCrypto.WithSharedKeys(new CkksKeyMaterial(parameters, null, secret)));
        var encryptor = new AggregationEncryptor(parameters, secret);
        var decrypted = CreateTestProbe();
        Sys.EventStream.Subscribe(decrypted, typeof(HospitalEvents.AggregateDecrypted));

        // Statistics travel split into limbs; the hospital joins them after decryption.
        var statistics = WideValueSplitting.Split(FeatureStatistics.Compute(Train).ToVector());
        hospital.Tell(new EncryptedChunk(0, "aggregator", PayloadKind.AggregatedStatistics, 0, 1, statistics.Length,
            encryptor.EncryptChunk(statistics, 0).ToBytes()), _coordinator.Ref);
        AwaitLog("hospital-1: scaling with global statistics of 24 samples");
        hospital.Tell(new StartTraining(1, 0, 1), _coordinator.Ref);
        var own = _coordinator.FishForMessage<EncryptedChunk>(c => c.Kind == PayloadKind.ModelUpdate, TimeSpan.FromSeconds(60));
        var other = encryptor.EncryptChunk(Enumerable.Repeat(24.0, own.VectorLength).ToArray(), 0);

        // Another hospital's update alone, sent as the sum: decrypting it would reveal that update.
        hospital.Tell(own with { ParticipantId = "aggregator", Kind = PayloadKind.AggregatedModel, Ciphertext = other.ToBytes() }, _coordinator.Ref);
        AwaitLog("hospital-1: refused the AggregatedModel of round 1", "does not include this hospital's own update");
        decrypted.ExpectNoMsg(TimeSpan.FromSeconds(1));

        var sum = new AggregationAccumulator(parameters, own.VectorLength);
        sum.Add(AggregationChunk.FromBytes(parameters, own.Ciphertext));
        sum.Add(other);
        hospital.Tell(own with { ParticipantId = "aggregator", Kind = PayloadKind.AggregatedModel, Ciphertext = sum.ToChunk(0).ToBytes() }, _coordinator.Ref);
        var adopted = decrypted.ExpectMsg<HospitalEvents.AggregateDecrypted>(TimeSpan.FromSeconds(60));
        // Σν of both contributions: this hospital holds all 24 of round 0's records, so its normalised weight is the whole W.
        var ownWeight = new SampleWeightedEncoding(UpdateChunking.For(parameters).SumRange).WeightTotal;
        Assert.Equal(ownWeight + 24, adopted.Values[^1], 6);
        Assert.Empty(_log.Crashes);
    }

    [Fact]
    public void A_hospital_whose_local_training_produced_non_finite_weights_encrypts_and_sends_nothing()
    {
        var hospital = StartSharedKeyHospital();
        hospital.Tell(new LocalTrainingCompleted(new ClientUpdate("hospital-1", 1, [0, 1, float.NaN, 3], 24, 0.5, TimeSpan.Zero)));
        hospital.Tell(new LocalTrainingCompleted(new ClientUpdate("hospital-1", 2, [0, 1, float.PositiveInfinity, 3], 24, 0.5, TimeSpan.Zero)));

        AwaitLog("hospital-1: round 1: the update cannot be encoded: parameter 2 is NaN, not a finite number; nothing is encrypted or sent");
        AwaitLog("hospital-1: round 2: the update cannot be encoded: parameter 2 is", "nothing is encrypted or sent");
        _coordinator.ExpectNoMsg(TimeSpan.FromSeconds(1));
        hospital.Tell(new CollectFeatureStatistics(0, 1), _coordinator.Ref);
        Assert.Equal(PayloadKind.FeatureStatistics, _coordinator.ExpectMsg<EncryptedChunk>().Kind);
        Assert.Empty(_log.Crashes);
    }

    [Fact]
    public void Key_generation_messages_from_a_node_that_is_not_the_coordinators_and_unbounded_or_misaddressed_shares_are_refused_by_name()
    {
        using var identities = new ThresholdIdentities("hospital-1", "hospital-2");
        var threshold = ThresholdPresets.Params128BitLogN13LogQ160Threshold;
        var hospital = StartHospital(HospitalCrypto.WithThreshold(threshold), identities.For("hospital-1"), identities.Trust);
        var self = hospital.Path.ToStringWithAddress(((ExtendedActorSystem)Sys).Provider.DefaultAddress);
        var intruderParty = _intruder.Ref.Path.ToStringWithAddress(((ExtendedActorSystem)_intruderSystem).Provider.DefaultAddress);
        hospital.Tell(new BeginKeyGeneration(0, "session", ["hospital-1", "hospital-2"], [self, intruderParty], 2), _coordinator.Ref);
        var commitment = _coordinator.ExpectMsg<PublicKeyShareCommitment>(TimeSpan.FromSeconds(60));
        Assert.Equal(("session", "hospital-1", 1), (commitment.SessionId, commitment.HospitalId, commitment.PartyId));

        // Relayed messages count only from the coordinator's node; sealed shares only if addressed to this party, in this session.
        FromIntruder(hospital, commitment with { HospitalId = "hospital-2", PartyId = 2 });
        FromIntruder(hospital, new PublicKeyShareReveal(0, "session", "hospital-2", 2, new byte[500], new byte[91], new byte[64]));
        FromIntruder(hospital, new CollectivePublicKeyAnnounced(0, "session", "key", new byte[500]));
        FromIntruder(hospital, Sealed("session", recipientParty: 2, recipientId: "hospital-2"));
        FromIntruder(hospital, Sealed("another-session", recipientParty: 1, recipientId: "hospital-1"));
        FromIntruder(hospital, new EncryptedChunk(1, "hospital-2", PayloadKind.DecryptionShare, 0, int.MaxValue, 1, new byte[500]));
        FromIntruder(hospital, new EncryptedChunk(1, "hospital-2", PayloadKind.DecryptionShare, 0, 1, 1, new byte[500]));

        AwaitLog("hospital-1: ignored a key-generation commitment from hospital-2", "not the coordinator's node");
        AwaitLog("hospital-1: ignored a key-generation reveal from hospital-2", "not the coordinator's node");
        AwaitLog("hospital-1: ignored a key-generation collective key", "not the coordinator's node");
        AwaitLog("hospital-1: ignored a Shamir share from hospital-2 addressed to party 2 (hospital-2), not to this hospital");
        AwaitLog("hospital-1: ignored a Shamir share from hospital-2 for key generation another-session, which is not in progress here");
        AwaitLog("hospital-1: ignored a decryption share from hospital-2 for chunk 0 of 2147483647");
        AwaitLog("hospital-1: ignored a decryption share from hospital-2: Invalid CKKS payload");
        _coordinator.ExpectNoMsg(TimeSpan.FromMilliseconds(500)); // nothing above made it reveal or fail its key generation
        Assert.Empty(_log.Crashes);
    }

    private static EncryptedShamirShare Sealed(string session, int recipientParty, string recipientId) =>
        new(0, session, "key", 2, "hospital-2", recipientParty, recipientId, new byte[12], new byte[500], new byte[16]);
}
