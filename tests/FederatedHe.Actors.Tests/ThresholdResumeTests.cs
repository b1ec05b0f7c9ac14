using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using FederatedHe.Actors.Configuration;
using FederatedHe.Actors.Coordination;
using FederatedHe.Actors.CryptoPool;
using FederatedHe.Actors.Persistence;
using FederatedHe.Crypto.Multiparty;
using static FederatedHe.Actors.Persistence.CheckpointProtocol;
using static FederatedHe.Actors.Protocol.FederationEvents;
using static FederatedHe.Actors.Protocol.FederationProtocol;

namespace FederatedHe.Actors.Tests;

/// <summary>
/// A threshold coordinator restarted from its checkpoint: it generates no new key, asks the parties to confirm their saved
/// shares, and resumes only if at least t of them still hold one. Probes play the hospitals; the journal is in memory.
/// </summary>
/// <remarks>
/// With serialize-messages on, the in-memory journal's own envelopes go through the default JSON serializer, which
/// rebuilds arrays but not the compiler's collection-expression types: stored ciphertext lists are written as arrays.
/// </remarks>
public sealed class ThresholdResumeTests : TestKit
{
    private static readonly Config TestConfig = ConfigurationFactory.ParseString("""
        fedhe.persistence.enabled = on
        akka.persistence.journal.plugin = "akka.persistence.journal.inmem"
        akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
        """).WithFallback(OneNodeCluster.Config("WARNING"));

    private static readonly ThresholdParameters Threshold = ThresholdPresets.Params128BitLogN13LogQ160Threshold;
    private static readonly string[] Parties = ["hospital-1", "hospital-2", "hospital-3", "hospital-4"];
    private static readonly Lazy<(byte[] PublicKey, string KeyId)> CollectiveKey = new(MakeCollectiveKey);

    private readonly FederationSettings _settings;
    private readonly TestProbe _events;

    public ThresholdResumeTests() : base(TestConfig)
    {
        Cluster.Get(Sys).Join(Cluster.Get(Sys).SelfAddress);
        AwaitCondition(() => Cluster.Get(Sys).SelfMember.Status == MemberStatus.Up, TimeSpan.FromSeconds(30));
        _settings = FederationSettings.Create(Sys) with
        {
            Mode = KeyMode.Threshold,
            Threshold = 3,
            Rounds = 5,
            MinHospitals = 4,
            Quorum = 3,
            CollectTimeout = TimeSpan.FromSeconds(10),
        };
        _events = CreateTestProbe();
        Sys.EventStream.Subscribe(_events, typeof(FederationCompleted));
    }

    [Fact]
    public void A_resumed_coordinator_continues_with_the_parties_that_hold_their_share_and_excludes_the_one_that_lost_it()
    {
        Journal(Checkpoint(round: 2, withKey: true));
        var coordinator = StartCoordinator();
        var hospitals = RegisterAll(coordinator);

        foreach (var (probe, id) in hospitals)
        {
            var resume = probe.ExpectMsg<ResumeThresholdKey>();
            Assert.Equal(CollectiveKey.Value.KeyId, resume.KeyId);
            Assert.Equal(Parties, resume.Parties);
            Assert.All(resume.PartyPaths, path => Assert.NotEmpty(path));
            Assert.True(resume.CoordinatorRestarted);
            var holdsKey = id != "hospital-2";
            coordinator.Tell(new ResumeThresholdKeyResponse(resume.RoundId, id, resume.KeyId, holdsKey, holdsKey ? "resumed" : "no threshold key file"), probe);
        }

        var refusal = hospitals[1].Probe.FishForMessage<RegisterHospitalResponse>(_ => true);
        Assert.False(refusal.Accepted);
        Assert.Contains("lost its share", refusal.Reason);

        foreach (var (probe, _) in hospitals.Where(h => h.Id != "hospital-2"))
        {
            var committee = probe.FishForMessage<DecryptionCommittee>(c => c.RoundId == 2);
            Assert.Equal(["hospital-1", "hospital-3", "hospital-4"], committee.Members);
            var start = probe.FishForMessage<StartTraining>(_ => true);
            Assert.Equal((3, 2), (start.RoundId, start.GlobalModelRound));
        }

        // The excluded party may not come back under the key it no longer holds.
        coordinator.Tell(new RegisterHospital("hospital-2", Threshold.Ckks.Id.ToString()), hospitals[1].Probe);
        Assert.False(hospitals[1].Probe.FishForMessage<RegisterHospitalResponse>(_ => true).Accepted);
    }

    [Fact]
    public void A_resumed_coordinator_fails_naming_the_lost_shares_when_fewer_than_t_parties_hold_theirs()
    {
        Journal(Checkpoint(round: 2, withKey: true));
        var coordinator = StartCoordinator();
        var hospitals = RegisterAll(coordinator);

        foreach (var (probe, id) in hospitals)
        {
            var resume = probe.ExpectMsg<ResumeThresholdKey>();
            var holdsKey = id is "hospital-1" or "hospital-4";
            coordinator.Tell(new ResumeThresholdKeyResponse(resume.RoundId, id, resume.KeyId, holdsKey, holdsKey ? "resumed" : $"{id}.threshold-key fails its checksum"), probe);
        }

        var completed = _events.ExpectMsg<FederationCompleted>();
        Assert.False(completed.Succeeded);
        Assert.Contains("only 2 parties hold their key share", completed.Status);
        Assert.Contains("hospital-2: hospital-2.threshold-key fails its checksum", completed.Status);
        Assert.Contains("hospital-3: hospital-3.threshold-key fails its checksum", completed.Status);
    }

    [Fact]
    public void A_threshold_checkpoint_without_the_collective_key_is_refused_with_the_reason()
    {
        Journal(Checkpoint(round: 2, withKey: false));
        StartCoordinator();

        var completed = _events.ExpectMsg<FederationCompleted>();
        Assert.False(completed.Succeeded);
        Assert.Contains("records no collective threshold key", completed.Status);
    }

    [Fact]
    public void A_threshold_checkpoint_made_for_another_threshold_is_refused()
    {
        Journal(Checkpoint(round: 2, withKey: true));
        Sys.ActorOf(RoundCoordinator.Props(_settings with { Threshold = 2 }, Threshold.Ckks.Id.ToString(), Pool(), Threshold.Ckks.SlotCount, Threshold));

        var completed = _events.ExpectMsg<FederationCompleted>();
        Assert.False(completed.Succeeded);
        Assert.Contains("needs 3 parties to decrypt", completed.Status);
    }

    private IActorRef StartCoordinator() =>
        Sys.ActorOf(RoundCoordinator.Props(_settings, Threshold.Ckks.Id.ToString(), Pool(), Threshold.Ckks.SlotCount, Threshold));

    private IActorRef Pool() => Sys.ActorOf(CryptoWorker.PoolProps(CkksKeyMaterial.ParametersOnly(Threshold.Ckks), 1));

    private (TestProbe Probe, string Id)[] RegisterAll(IActorRef coordinator)
    {
        var hospitals = Parties.Select(id => (Probe: CreateTestProbe(), Id: id)).ToArray();
        foreach (var (probe, id) in hospitals)
        {
            coordinator.Tell(new RegisterHospital(id, Threshold.Ckks.Id.ToString()), probe);
            Assert.True(probe.ExpectMsg<RegisterHospitalResponse>().Accepted);
        }

        return hospitals;
    }

    /// <summary>Journals a checkpoint as a previous incarnation of the coordinator would have, then stops its store.</summary>
    private void Journal(RoundCheckpointed checkpoint)
    {
        var store = Sys.ActorOf(CheckpointStore.Props());
        store.Tell(new SaveCheckpoint(checkpoint));
        ExpectMsg<CheckpointSaved>();
        Watch(store);
        Sys.Stop(store);
        ExpectTerminated(store);
    }

    private RoundCheckpointed Checkpoint(int round, bool withKey)
    {
        var key = withKey
            ? new ThresholdKeyCheckpoint("session-1", CollectiveKey.Value.KeyId, 3, Parties, CollectiveKey.Value.PublicKey)
            : null;
        return new RoundCheckpointed(round, Threshold.Ckks.Id.ToString(), _settings.Seed, KeyMode.Threshold.ToString(),
            new StoredAggregate(0, 3, new[] { new byte[] { 1, 2, 3 } }), new StoredAggregate(round, 4, new[] { new byte[] { 4, 5, 6 } }), key);
    }

    private static (byte[] PublicKey, string KeyId) MakeCollectiveKey()
    {
        var generator = new CollectivePublicKeyGenerator(Threshold);
        using var secret = generator.GenSecretShare();
        var share = generator.GenShare(secret, CollectivePublicKeyGenerator.DeriveCommonSeed("resume-tests"u8), 1, 1);
        var key = generator.AggregateShares([share]);
        return (key.ToBytes(), CollectivePublicKeyGenerator.KeyIdOf(key).ToString());
    }
}
