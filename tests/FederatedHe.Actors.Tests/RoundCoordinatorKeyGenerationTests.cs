using System.Text;
using Akka.Actor;
using Akka.Cluster;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using FederatedHe.Actors.Configuration;
using FederatedHe.Actors.Coordination;
using FederatedHe.Actors.CryptoPool;
using FederatedHe.Actors.Security;
using FederatedHe.Crypto.Multiparty;
using static FederatedHe.Actors.Protocol.FederationEvents;
using static FederatedHe.Actors.Protocol.FederationProtocol;
using static FederatedHe.Actors.Protocol.KeyGenerationProtocol;

namespace FederatedHe.Actors.Tests;

/// <summary>
/// The coordinator's side of threshold key generation: it relays every commitment once all are in, then every reveal,
/// announces the key it sums from the reveals, and fails the federation, naming the party, when a party refuses the key
/// generation, reveals something it did not commit to, or combined its key share for another key. Probes play the hospitals.
/// </summary>
public sealed class RoundCoordinatorKeyGenerationTests : TestKit
{
    private static readonly ThresholdParameters Threshold = ThresholdPresets.Params128BitLogN13LogQ160Threshold;
    private static readonly string[] Parties = ["hospital-1", "hospital-2", "hospital-3"];

    private readonly TestProbe _events;
    private readonly (TestProbe Probe, string Id)[] _hospitals;
    private readonly BeginKeyGeneration _begin;
    private readonly IActorRef _coordinator;

    public RoundCoordinatorKeyGenerationTests() : base(OneNodeCluster.Config("WARNING"))
    {
        Cluster.Get(Sys).Join(Cluster.Get(Sys).SelfAddress);
        AwaitCondition(() => Cluster.Get(Sys).SelfMember.Status == MemberStatus.Up, TimeSpan.FromSeconds(30));
        _events = CreateTestProbe();
        Sys.EventStream.Subscribe(_events, typeof(FederationCompleted));
        var settings = FederationSettings.Create(Sys) with { Mode = KeyMode.Threshold, Threshold = 2, Rounds = 2, MinHospitals = 3, Quorum = 2 };
        var pool = Sys.ActorOf(CryptoWorker.PoolProps(CkksKeyMaterial.ParametersOnly(Threshold.Ckks), 1));
        _coordinator = Sys.ActorOf(RoundCoordinator.Props(settings, Threshold.Ckks.Id.ToString(), pool, Threshold.Ckks.SlotCount, Threshold));
        _hospitals = Parties.Select(id => (Probe: CreateTestProbe(), Id: id)).ToArray();
        foreach (var (probe, id) in _hospitals)
        {
            _coordinator.Tell(new RegisterHospital(id, Threshold.Ckks.Id.ToString()), probe);
            Assert.True(probe.ExpectMsg<RegisterHospitalResponse>().Accepted);
        }

        _begin = _hospitals.Select(h => h.Probe.ExpectMsg<BeginKeyGeneration>()).ToArray()[^1];
    }

    [Fact]
    public void Commitments_and_reveals_are_relayed_only_once_every_party_sent_its_own_and_the_announced_key_is_their_sum()
    {
        var (commitments, reveals, keyId) = Parts();
        Send(commitments.Take(2));
        Assert.All(_hospitals, h => h.Probe.ExpectNoMsg(TimeSpan.FromMilliseconds(300)));
        Send(commitments.Skip(2));
        Assert.All(_hospitals, h => Assert.Equal(Parties, Enumerable.Range(0, 3).Select(_ => h.Probe.ExpectMsg<PublicKeyShareCommitment>().HospitalId)));

        Send(reveals);
        foreach (var (probe, _) in _hospitals)
        {
            Assert.Equal(Parties, Enumerable.Range(0, 3).Select(_ => probe.ExpectMsg<PublicKeyShareReveal>().HospitalId));
            Assert.Equal(keyId, probe.ExpectMsg<CollectivePublicKeyAnnounced>(TimeSpan.FromSeconds(30)).KeyId);
        }

        foreach (var (probe, id) in _hospitals)
            probe.Send(_coordinator, new KeyGenerationCompleted(0, id, keyId));
        Assert.All(_hospitals, h => h.Probe.FishForMessage<CollectFeatureStatistics>(_ => true));
    }

    [Fact]
    public void Commitments_and_reveals_from_another_sender_session_or_party_place_are_not_counted()
    {
        var (commitments, reveals, _) = Parts();
        var outsider = CreateTestProbe();
        outsider.Send(_coordinator, commitments[0]);                                         // not hospital-1's actor
        _hospitals[1].Probe.Send(_coordinator, commitments[0]);                              // hospital-2 posing as hospital-1
        _hospitals[0].Probe.Send(_coordinator, commitments[0] with { SessionId = "old" });   // another session
        _hospitals[0].Probe.Send(_coordinator, commitments[0] with { PartyId = 2 });         // another party's place
        _hospitals[0].Probe.Send(_coordinator, reveals[0]);                                  // a reveal before any commitment
        Send(commitments.Skip(1));
        Assert.All(_hospitals, h => h.Probe.ExpectNoMsg(TimeSpan.FromMilliseconds(500)));

        Send(commitments.Take(1));
        Assert.All(_hospitals, h => Assert.Equal(Parties, Enumerable.Range(0, 3).Select(_ => h.Probe.ExpectMsg<PublicKeyShareCommitment>().HospitalId)));
        _events.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void A_party_that_refuses_the_key_generation_fails_the_federation_with_its_reason()
    {
        var (commitments, _, _) = Parts();
        Send(commitments);
        var (probe, _) = _hospitals[1];
        probe.ExpectMsg<PublicKeyShareCommitment>();
        probe.Send(_coordinator, new KeyGenerationFailed(0, _begin.SessionId, "hospital-2", "the commitment of hospital-1 is refused (NotOnRoster)"));

        var completed = _events.ExpectMsg<FederationCompleted>();
        Assert.False(completed.Succeeded);
        Assert.Contains("key generation failed: hospital-2 refused it: the commitment of hospital-1 is refused (NotOnRoster)", completed.Status);
    }

    [Fact]
    public void A_reveal_that_does_not_match_its_commitment_fails_the_federation_naming_the_party()
    {
        var (commitments, reveals, _) = Parts();
        Send(commitments);
        Send([reveals[0], reveals[1] with { PublicKeyShare = reveals[0].PublicKeyShare }]);

        var completed = _events.ExpectMsg<FederationCompleted>();
        Assert.False(completed.Succeeded);
        Assert.Contains("hospital-2 revealed a public-key share or key-agreement key that does not match its commitment", completed.Status);
    }

    [Fact]
    public void A_party_whose_own_key_differs_from_the_coordinators_fails_the_key_generation()
    {
        var (commitments, reveals, keyId) = Parts();
        Send(commitments);
        Send(reveals);
        _hospitals[2].Probe.FishForMessage<CollectivePublicKeyAnnounced>(_ => true, TimeSpan.FromSeconds(30));
        var (probe, _) = _hospitals[2];
        probe.Send(_coordinator, new KeyGenerationCompleted(0, "hospital-3", "another-key"));

        var completed = _events.ExpectMsg<FederationCompleted>();
        Assert.False(completed.Succeeded);
        Assert.Contains($"hospital-3 combined a key share for key another-key, the key it computed from the signed shares, not for the collective key {keyId}", completed.Status);
    }

    [Fact]
    public void A_party_that_found_a_crafted_aggregate_ends_the_federation_with_its_reason_and_an_outsiders_report_is_ignored()
    {
        var outsider = CreateTestProbe();
        outsider.Send(_coordinator, new CollectiveKeyExposureSuspected(1, "hospital-2", "abcd", "forged by an outsider"));
        _events.ExpectNoMsg(TimeSpan.FromMilliseconds(300));

        var (probe, _) = _hospitals[1];
        probe.Send(_coordinator, new CollectiveKeyExposureSuspected(1, "hospital-2", "abcd", "the decryption carries 725 times the largest honest noise energy"));
        var completed = _events.ExpectMsg<FederationCompleted>();
        Assert.False(completed.Succeeded);
        Assert.Contains("hospital-2 refused the aggregate of round 1 and retired the collective key abcd: the decryption carries 725 times", completed.Status);
        Assert.Contains("start a new federation with a new key", completed.Status);
    }

    private void Send<T>(IEnumerable<T> messages) where T : IKeyGenerationMessage
    {
        foreach (var message in messages)
        {
            var id = message is PublicKeyShareCommitment c ? c.HospitalId : ((PublicKeyShareReveal)(object)message).HospitalId;
            var (probe, _) = _hospitals.Single(h => h.Id == id);
            probe.Send(_coordinator, message);
        }
    }

    /// <summary>Real public-key shares for the session, with commitments to them; signatures are the parties' business, not the coordinator's.</summary>
    private (PublicKeyShareCommitment[] Commitments, PublicKeyShareReveal[] Reveals, string KeyId) Parts()
    {
        var generator = new CollectivePublicKeyGenerator(Threshold);
        var seed = CollectivePublicKeyGenerator.DeriveCommonSeed(Encoding.UTF8.GetBytes(_begin.SessionId));
        var shares = Parties.Select((_, i) =>
        {
            using var secret = generator.GenSecretShare();
            return generator.GenShare(secret, seed, i + 1, Parties.Length);
        }).ToList();
        var reveals = shares.Select((share, i) => new PublicKeyShareReveal(0, _begin.SessionId, Parties[i], i + 1, share.ToBytes(),
            PartyKeyAgreement.Create(i + 1).PublicKey, new byte[64])).ToArray();
        var commitments = reveals.Select(r => new PublicKeyShareCommitment(0, r.SessionId, r.HospitalId, r.PartyId,
            KeyGenerationTranscript.Commitment(r.PublicKeyShare, r.KeyAgreementKey), [1], new byte[64])).ToArray();
        var keyId = CollectivePublicKeyGenerator.KeyIdOf(generator.AggregateShares(shares)).ToString();
        return (commitments, reveals, keyId);
    }
}
