using Akka.Actor;
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
/// The attacks a hospital can mount on the coordinator with shared-key mode's aggregation chunks
/// (<see cref="CkksPresets.Params128BitLogN12LogQ60Aggregation"/>): a chunk replayed from another hospital, a chunk that
/// claims more than one contribution, a chunk of another vector length or position, and a vector too long for the
/// reassembly budget. Each is refused at its sender alone: the round completes with the honest hospitals and their sum.
/// Test probes play the hospitals; every message is serialized as on the wire.
/// </summary>
public sealed class AggregationFormatAttackTests : TestKit
{
    private static readonly Config TestConfig = OneNodeCluster.Config("INFO");
    private static readonly CkksParameters Parameters = CkksPresets.Params128BitLogN12LogQ60Aggregation;
    private static readonly SecretKey Secret = new KeyGenerator(Parameters).GenerateSecretKey();
    private const int Length = 3;

    private readonly FederationSettings _settings;
    private readonly TestProbe _events;
    private readonly LogCapture _log;
    private readonly AggregationEncryptor _encryptor = new(Parameters, Secret);

    public AggregationFormatAttackTests() : base(TestConfig)
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

    private byte[] Encrypt(params double[] values) => _encryptor.EncryptChunk(values, 0).ToBytes();

    private static EncryptedChunk Update(int round, string hospital, byte[] chunk, PayloadKind kind = PayloadKind.ModelUpdate) =>
        new(round, hospital, kind, 0, 1, Length, chunk);

    private (TestProbe Probe, string Id)[] StartRoundOne(IActorRef coordinator) =>
        ProbeHospitalRounds.StartRoundOne(this, coordinator, Parameters.Id.ToString(),
            id => Update(0, id, Encrypt(10, 1, 2), PayloadKind.FeatureStatistics));

    /// <summary>Plays round 1 with two honest hospitals and the hostile third; returns the aggregate hospital-1 receives.</summary>
    private AggregationChunk PlayRoundOne(Func<byte[], byte[], EncryptedChunk> hostile)
    {
        var coordinator = StartCoordinator();
        var hospitals = StartRoundOne(coordinator);
        var first = Encrypt(1, 2, 3);
        var second = Encrypt(10, 20, 30);

        coordinator.Tell(Update(1, "hospital-1", first), hospitals[0].Probe);
        coordinator.Tell(Update(1, "hospital-2", second), hospitals[1].Probe);
        coordinator.Tell(hostile(first, second), hospitals[2].Probe);

        var aggregate = hospitals[0].Probe.FishForMessage<EncryptedChunk>(c => c.Kind == PayloadKind.AggregatedModel, TimeSpan.FromSeconds(60));
        var completed = _events.FishForMessage<RoundCompleted>(e => e is RoundCompleted { RoundId: 1 }, TimeSpan.FromSeconds(60));
        Assert.Equal(["hospital-1", "hospital-2"], completed.Contributors);
        Assert.Equal(["hospital-3"], completed.Dropouts);
        Assert.Empty(_log.Crashes);
        var sum = AggregationChunk.FromBytes(Parameters, aggregate.Ciphertext);
        Assert.True(sum.Includes(AggregationChunk.FromBytes(Parameters, first)) && sum.Includes(AggregationChunk.FromBytes(Parameters, second)));
        Assert.Equal(2, sum.ContributorCount);
        Assert.Equal(new double[] { 11, 22, 33 }, new AggregationDecryptor(Parameters, Secret).DecryptChunk(sum).Select(v => Math.Round(v, 6)));
        return sum;
    }

    private void AwaitLog(params string[] fragments)
    {
        if (!AwaitConditionNoThrow(() => _log.Containing(fragments).Count > 0, TimeSpan.FromSeconds(20)))
            Assert.Fail($"no log line with {string.Join(" and ", fragments)} among:\n{string.Join("\n", _log.Lines)}");
    }

    [Fact]
    public void A_chunk_replayed_from_another_hospital_is_refused_at_the_replayer_and_the_honest_sum_completes()
    {
        PlayRoundOne((first, _) => Update(1, "hospital-3", first));

        AwaitLog("hospital-3", "replays a chunk hospital-1 sent");
    }

    [Fact]
    public void A_chunk_that_claims_two_contributions_is_refused_at_its_sender()
    {
        PlayRoundOne((_, _) =>
        {
            // Two more dropped bits make room for the second seed within the update chunk's byte budget.
            var partial = new AggregationAccumulator(Parameters, Length, droppedBits: 12);
            partial.Add(AggregationChunk.FromBytes(Parameters, Encrypt(5, 5, 5)));
            partial.Add(AggregationChunk.FromBytes(Parameters, Encrypt(5, 5, 5)));
            return Update(1, "hospital-3", partial.ToChunk(0).ToBytes());
        });

        AwaitLog("hospital-3", "holds 2 contributions, not 1");
    }

    [Fact]
    public void A_chunk_of_another_vector_length_than_its_message_says_is_refused_at_its_sender()
    {
        PlayRoundOne((_, _) => Update(1, "hospital-3", _encryptor.EncryptChunk(new double[] { 5, 5, 5, 5 }, 0).ToBytes()));

        AwaitLog("hospital-3", "belongs to a vector of 4 values, sent as one of 3");
    }

    [Fact]
    public void A_chunk_sent_at_another_position_than_its_own_is_refused_at_its_sender()
    {
        var values = Enumerable.Range(0, Parameters.ValuesPerCiphertext + Length).Select(i => 1.0).ToArray();
        PlayRoundOne((_, _) => new EncryptedChunk(1, "hospital-3", PayloadKind.ModelUpdate, 0, 1, values.Length, _encryptor.EncryptChunk(values, 1).ToBytes()));

        AwaitLog("hospital-3", "the payload is chunk 1, sent as chunk 0");
    }

    [Fact]
    public void A_chunk_longer_than_the_parameter_sets_update_chunk_is_refused_before_it_is_buffered()
    {
        PlayRoundOne((_, _) => Update(1, "hospital-3", new byte[UpdateChunking.For(Parameters).MaxChunkBytes(1) + 1]));

        AwaitLog("hospital-3", "longer than any ciphertext of the parameter set");
    }

    [Fact]
    public void A_whole_update_of_another_length_sits_out_and_the_others_are_summed()
    {
        PlayRoundOne((_, _) => new EncryptedChunk(1, "hospital-3", PayloadKind.ModelUpdate, 0, 1, 4, _encryptor.EncryptChunk(new double[] { 5, 5, 5, 5 }, 0).ToBytes()));

        AwaitLog("hospital-3", "unlike the others");
    }
}
