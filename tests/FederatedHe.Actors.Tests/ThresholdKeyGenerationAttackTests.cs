using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using FederatedHe.Actors.Configuration;
using FederatedHe.Actors.Hospitals;
using FederatedHe.Actors.Persistence;
using FederatedHe.Actors.Security;
using FederatedHe.Crypto.Ckks;
using FederatedHe.Crypto.Multiparty;
using FederatedHe.Crypto.Rlwe;
using FederatedHe.Training.Data;
using FederatedHe.Training.Federation;
using FederatedHe.Training.Local;
using FederatedHe.Training.Models;
using static FederatedHe.Actors.Protocol.FederationProtocol;
using static FederatedHe.Actors.Protocol.KeyGenerationProtocol;

namespace FederatedHe.Actors.Tests;

/// <summary>
/// Threshold key generation against the party it is meant to withstand: a lying coordinator. Three real hospitals with
/// roster identities run key generation; the test plays the coordinator and relays, substitutes or forges what passes
/// through it, and (for the Shamir shares) stands on a node of its own between two hospitals. A hospital refuses every
/// substitution by name, never encrypts under a key it did not compute, and whatever the coordinator carries it cannot read.
/// </summary>
public sealed class ThresholdKeyGenerationAttackTests : TestKit
{
    private const string Session = "akka.tcp://federation@10.0.0.1:4053/0123456789abcdef";
    private static readonly string[] Parties = ["hospital-1", "hospital-2", "hospital-3"];
    private static readonly ThresholdParameters Threshold = ThresholdPresets.Params128BitLogN13LogQ160Threshold;

    private static readonly Config RemoteConfig = ConfigurationFactory.ParseString("""
        akka.actor.provider = remote
        akka.actor.serialize-messages = on
        akka.remote.dot-netty.tcp.hostname = "127.0.0.1"
        akka.remote.dot-netty.tcp.port = 0
        akka.remote.dot-netty.tcp.maximum-frame-size = 1048576b
        akka.remote.dot-netty.tcp.send-buffer-size = 4194304b
        akka.remote.dot-netty.tcp.receive-buffer-size = 4194304b
        akka.loglevel = INFO
        akka.test.single-expect-default = 60s
        """).WithFallback(FederationConfig.Default);

    private readonly ThresholdIdentities _identities = new(Parties);
    private readonly string _directory;
    private readonly TestProbe _coordinator;
    private readonly LogCapture _log;
    private ActorSystem? _aggregatorNode;

    public ThresholdKeyGenerationAttackTests() : this(Directory.CreateTempSubdirectory("fedhe-keygen-attacks-").FullName)
    {
    }

    private ThresholdKeyGenerationAttackTests(string directory) : base(ConfigurationFactory.ParseString($"""
        fedhe.persistence.enabled = on
        fedhe.persistence.hospital-directory = "{directory.Replace("\\", "/")}"
        """).WithFallback(RemoteConfig))
    {
        _directory = directory;
        _coordinator = CreateTestProbe();
        _log = new LogCapture(Sys);
    }

    protected override void AfterAll()
    {
        _aggregatorNode?.Terminate().Wait(TimeSpan.FromSeconds(10));
        base.AfterAll();
        _identities.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public void A_hospital_refuses_a_collective_key_that_is_not_the_sum_of_the_signed_shares_it_verified_and_never_encrypts_under_it()
    {
        var hospitals = StartHospitals();
        Begin(hospitals, PathsOf(hospitals));
        var commitments = Collect<PublicKeyShareCommitment>(c => c.HospitalId);
        Relay(hospitals, commitments);
        var reveals = Collect<PublicKeyShareReveal>(r => r.HospitalId);
        Relay(hospitals, reveals);

        var (honestKey, honestKeyId) = SumOf(reveals);
        var substitute = new KeyGenerator(Threshold.Ckks).GenerateKeyPair().PublicKey; // a key whose secret the coordinator holds
        var substituteId = CollectivePublicKeyGenerator.KeyIdOf(substitute).ToString();
        hospitals[0].Tell(new CollectivePublicKeyAnnounced(0, Session, substituteId, substitute.ToBytes()), _coordinator.Ref);
        hospitals[1].Tell(new CollectivePublicKeyAnnounced(0, Session, honestKeyId, substitute.ToBytes()), _coordinator.Ref);
        hospitals[2].Tell(new CollectivePublicKeyAnnounced(0, Session, honestKeyId, honestKey.ToBytes()), _coordinator.Ref);

        var outcomes = Outcomes(3);
        Assert.Contains($"is not the sum of the 3 signed public-key shares this hospital verified, which is key {honestKeyId}", Failure(outcomes, "hospital-1"));
        Assert.Contains($"whose bytes hash to {substituteId}", Failure(outcomes, "hospital-2"));
        Assert.Equal(honestKeyId, Assert.IsType<KeyGenerationCompleted>(outcomes["hospital-3"]).KeyId);
        Assert.Single(_log.Containing("hospital-1: refused key generation", "is not the sum"));

        // Asked to contribute, the refusing hospital has no key to encrypt under: nothing leaves it.
        hospitals[0].Tell(new CollectFeatureStatistics(0, 1), _coordinator.Ref);
        AwaitLog("hospital-1: cannot encrypt round 0: the collective key is not ready");
        Assert.DoesNotContain(_coordinator.ReceiveWhile(TimeSpan.FromSeconds(2), m => m), m => m is EncryptedChunk);
        Assert.Empty(_log.Crashes);
    }

    [Fact]
    public void Commitments_forged_with_a_certificate_off_the_roster_or_from_another_CA_or_altered_in_the_relay_are_refused_by_name_and_nothing_is_revealed()
    {
        var hospitals = StartHospitals();
        Begin(hospitals, PathsOf(hospitals));
        var commitments = Collect<PublicKeyShareCommitment>(c => c.HospitalId);
        var forgedCommitment = SHA256.HashData("the coordinator's own public-key share"u8);

        Relay(hospitals, commitments, (recipient, original) => (recipient, original.HospitalId) switch
        {
            ("hospital-1", "hospital-2") => Forge(original, forgedCommitment, _identities.Unlisted("hospital-2")),
            ("hospital-2", "hospital-1") => Forge(original, forgedCommitment, _identities.Foreign("hospital-1")),
            ("hospital-3", "hospital-1") => original with { Commitment = forgedCommitment },
            _ => original,
        });

        var outcomes = Outcomes(3);
        Assert.Contains($"the commitment of hospital-2 is refused ({RegistrationProofVerdict.NotOnRoster})", Failure(outcomes, "hospital-1"));
        Assert.Contains($"the commitment of hospital-1 is refused ({RegistrationProofVerdict.UntrustedChain})", Failure(outcomes, "hospital-2"));
        Assert.Contains("the commitment of hospital-1 is not signed by its certificate's key", Failure(outcomes, "hospital-3"));
        Assert.DoesNotContain(_coordinator.ReceiveWhile(TimeSpan.FromSeconds(2), m => m), m => m is PublicKeyShareReveal);
        Assert.Empty(_log.Crashes);
    }

    [Fact]
    public void A_public_key_share_substituted_in_the_relay_is_refused_by_name()
    {
        var hospitals = StartHospitals();
        Begin(hospitals, PathsOf(hospitals));
        Relay(hospitals, Collect<PublicKeyShareCommitment>(c => c.HospitalId));
        var reveals = Collect<PublicKeyShareReveal>(r => r.HospitalId);
        var substitute = FreshPublicKeyShare(partyId: 2);

        Relay(hospitals, reveals, (recipient, original) =>
            recipient == "hospital-1" && original.HospitalId == "hospital-2" ? original with { PublicKeyShare = substitute } : original);

        var failure = _coordinator.FishForMessage<KeyGenerationFailed>(f => f.HospitalId == "hospital-1");
        Assert.Contains("the reveal of hospital-2 does not match its commitment", failure.Reason);
        AwaitLog("hospital-1: refused key generation", "the reveal of hospital-2 does not match its commitment");
        Assert.Empty(_log.Crashes);
    }

    [Fact]
    public void A_party_whose_signed_reveal_does_not_match_its_commitment_is_refused_as_a_rogue_key_attempt()
    {
        var hospitals = StartHospitals();
        Begin(hospitals, PathsOf(hospitals));
        var commitments = Collect<PublicKeyShareCommitment>(c => c.HospitalId);
        Relay(hospitals, commitments);
        var reveals = Collect<PublicKeyShareReveal>(r => r.HospitalId);

        // hospital-3 turned rogue: having seen the others' shares, it reveals another one, properly signed with its own key.
        var session = new KeyGenerationSession(Session, Parties, 2, Threshold.Ckks.Id.ToString());
        var rogueShare = FreshPublicKeyShare(partyId: 3);
        var rogueCommitment = KeyGenerationTranscript.Commitment(rogueShare, reveals["hospital-3"].KeyAgreementKey);
        var rogueReveal = reveals["hospital-3"] with
        {
            PublicKeyShare = rogueShare,
            Signature = _identities.For("hospital-3").Sign(KeyGenerationTranscript.RevealSignedBytes(session, 3, rogueCommitment)),
        };
        Relay(hospitals.Take(2).ToArray(), reveals, (_, original) => original.HospitalId == "hospital-3" ? rogueReveal : original);

        var outcomes = Outcomes(2);
        foreach (var id in new[] { "hospital-1", "hospital-2" })
        {
            Assert.Contains("the reveal of hospital-3 does not match its commitment", Failure(outcomes, id));
            Assert.Contains("rogue-key", Failure(outcomes, id));
        }

        Assert.Empty(_log.Crashes);
    }

    [Fact]
    public void The_aggregators_node_relays_sealed_Shamir_shares_it_cannot_read_and_the_recipient_still_combines_a_working_key()
    {
        var hospitals = StartHospitals();

        // The coordinator announces its own node as hospital-3's address: every Shamir share for hospital-3 passes through
        // it, is captured there as the bytes that crossed the wire, and is passed on.
        _aggregatorNode = ActorSystem.Create("aggregator-node", RemoteConfig);
        var captured = new ConcurrentQueue<(EncryptedShamirShare Share, byte[] Wire)>();
        var realHospital3 = PathsOf(hospitals)[2];
        var tap = _aggregatorNode.ActorOf(Props.Create(() => new ShareTap(realHospital3, captured)), "share-tap");
        var paths = PathsOf(hospitals);
        paths[2] = tap.Path.ToStringWithAddress(((ExtendedActorSystem)_aggregatorNode).Provider.DefaultAddress);

        Begin(hospitals, paths);
        var commitments = Collect<PublicKeyShareCommitment>(c => c.HospitalId);
        Relay(hospitals, commitments);
        var reveals = Collect<PublicKeyShareReveal>(r => r.HospitalId);
        Relay(hospitals, reveals);
        var (collectiveKey, keyId) = SumOf(reveals);
        foreach (var hospital in hospitals)
            hospital.Tell(new CollectivePublicKeyAnnounced(0, Session, keyId, collectiveKey.ToBytes()), _coordinator.Ref);

        var outcomes = Outcomes(3);
        Assert.All(Parties, id => Assert.Equal(keyId, Assert.IsType<KeyGenerationCompleted>(outcomes[id]).KeyId));

        // Every share for hospital-3 crossed the aggregator's node, and none of them carries a Shamir share in the clear:
        // a plaintext share would start with the share wire header and hold the collective key's id in raw bytes.
        Assert.Equal([1, 2, 3], captured.Select(c => c.Share.SenderParty).Order());
        var plaintextHeader = AnyShamirShareBytes(keyId)[..WireFormat.HeaderLength];
        var rawKeyId = new byte[Sha256Digest.Length];
        Sha256Digest.FromBytes(Convert.FromHexString(keyId)).WriteTo(rawKeyId);
        foreach (var (share, wire) in captured)
        {
            Assert.Equal(-1, wire.AsSpan().IndexOf(plaintextHeader));
            Assert.Equal(-1, wire.AsSpan().IndexOf(rawKeyId));

            // What the aggregator holds (every commitment and reveal, key-agreement keys of its own) opens none of them.
            var session = new KeyGenerationSession(Session, Parties, 2, Threshold.Ckks.Id.ToString());
            var salt = KeyGenerationTranscript.Salt(session, Parties.Select(id => commitments[id].Commitment).ToList());
            var keyAgreementKeys = Parties.Select(id => reveals[id].KeyAgreementKey).ToList();
            var associated = ShamirShareSeal.AssociatedData(share.SessionId, share.KeyId, share.SenderParty, share.SenderId, share.RecipientParty, share.RecipientId);
            var sealedShare = new SealedShare(share.Nonce, share.Ciphertext, share.Tag);
            using (var asRecipient = PartyKeyAgreement.Create(share.RecipientParty))
                Assert.ThrowsAny<CryptographicException>(() => ShamirShareSeal.Open(asRecipient.DeriveAll(keyAgreementKeys, salt)[share.SenderParty].ReceiveKey, sealedShare, associated));
            using (var asSender = PartyKeyAgreement.Create(share.SenderParty))
                Assert.ThrowsAny<CryptographicException>(() => ShamirShareSeal.Open(asSender.DeriveAll(keyAgreementKeys, salt)[share.RecipientParty].SendKey, sealedShare, associated));
        }

        // hospital-3 combined a working key from the shares that crossed the aggregator: with hospital-1 it decrypts, with
        // masked shares, which fuse only because both derived the same pairwise mask seed at key generation.
        var values = new[] { 3.5, -1.25, 42.0 };
        var ciphertext = new VectorEncryptor(Threshold.Ckks, collectiveKey).Encrypt(values).Chunks[0];
        var context = "attack-test"u8.ToArray();
        using var key1 = new HospitalThresholdKeyFile(_directory, "hospital-1").Load(Threshold)!;
        using var key3 = new HospitalThresholdKeyFile(_directory, "hospital-3").Load(Threshold)!;
        var shares = new[] { key1, key3 }.Select(k => new ThresholdDecryptor(Threshold, k.SecretKey!).GenShare(ciphertext, [1, 3], context, k.MaskSeeds)).ToList();
        var decrypted = new ThresholdCombiner(Threshold, collectiveKey, 2, 3).FuseValues(ciphertext, shares, context);
        for (var i = 0; i < values.Length; i++)
            Assert.Equal(values[i], decrypted[i], 1e-3);

        // The tampered share and the replay were refused by name (the share passed off as hospital-1's is refused as
        // unauthenticated, or as a second share from hospital-1 if the genuine one was opened first).
        AwaitLog("hospital-3: ignored a Shamir share claiming to be from hospital-1: it does not authenticate");
        AwaitLog("hospital-3: ignored", "hospital-1", "replay");

        Assert.Empty(_log.Crashes);
    }

    [Fact]
    public void After_a_new_key_generation_a_hospital_encrypts_only_under_the_new_key()
    {
        var hospitals = StartHospitals();
        HonestKeyGeneration(hospitals, Session);
        HonestKeyGeneration(hospitals, Session + "-next");

        hospitals[0].Tell(new CollectFeatureStatistics(0, 1), _coordinator.Ref);
        var chunk = _coordinator.FishForMessage<EncryptedChunk>(c => c.Kind == FederatedHe.Actors.Protocol.FederationProtocol.PayloadKind.FeatureStatistics);

        // The key files now hold the new key's shares: hospitals 1 and 2 decrypt what hospital-1 sent (its sample count first).
        var ciphertext = Ciphertext.FromBytes(Threshold.Ckks, chunk.Ciphertext);
        var context = "attack-test"u8.ToArray();
        using var key1 = new HospitalThresholdKeyFile(_directory, "hospital-1").Load(Threshold)!;
        using var key2 = new HospitalThresholdKeyFile(_directory, "hospital-2").Load(Threshold)!;
        Assert.Equal(Session + "-next", key1.SessionId);
        var shares = new[] { key1, key2 }.Select(k => new ThresholdDecryptor(Threshold, k.SecretKey!).GenShare(ciphertext, [1, 2], context, k.MaskSeeds)).ToList();
        var decrypted = new ThresholdCombiner(Threshold, key1.CollectivePublicKey, 2, 3).FuseValues(ciphertext, shares, context);
        Assert.Equal(24, decrypted[0], 1e-3);
        Assert.Empty(_log.Crashes);
    }

    [Fact]
    public void A_crafted_aggregate_that_would_hand_out_the_collective_secret_is_refused_by_every_hospital_which_retires_the_key()
    {
        // All three hospitals share this test's actor system, so decryption shares carry local sender addresses: the parties'
        // paths are announced as local ones, which the hospitals' sender checks then match.
        var hospitals = StartHospitals();
        var collectiveKey = HonestKeyGeneration(hospitals, Session, hospitals.Select(h => h.Path.ToString()).ToArray());

        // Round 0's statistics as the aggregator would return them, plus what a malicious hospital added to its update:
        // (0, 2^150), whose decryption is 2^150·s. Every party fuses the aggregate, so without the audit each would read s.
        var statistics = new double[] { 72, 1.5, -0.5, 2.25, 30.0, 41.0, 18.5 };
        var honest = new VectorEncryptor(Threshold.Ckks, collectiveKey).Encrypt(statistics).Chunks[0];
        var aggregate = new Ciphertext(Threshold.Ckks, honest.Level, honest.Scale);
        new Evaluator(Threshold.Ckks).Add(honest, CraftedC1(System.Numerics.BigInteger.Pow(2, 150)), aggregate);
        foreach (var hospital in hospitals)
        {
            hospital.Tell(new EncryptedChunk(0, "aggregator", FederatedHe.Actors.Protocol.FederationProtocol.PayloadKind.AggregatedStatistics, 0, 1, statistics.Length, aggregate.ToBytes()), _coordinator.Ref);
            hospital.Tell(new DecryptionCommittee(0, 1, ["hospital-1", "hospital-2"]), _coordinator.Ref);
        }

        var reports = new Dictionary<string, CollectiveKeyExposureSuspected>(StringComparer.Ordinal);
        while (reports.Count < Parties.Length)
        {
            var report = _coordinator.FishForMessage<CollectiveKeyExposureSuspected>(_ => true);
            reports[report.HospitalId] = report;
        }

        Assert.All(reports.Values, report =>
        {
            Assert.Equal(0, report.RoundId);
            Assert.Equal(CollectivePublicKeyGenerator.KeyIdOf(collectiveKey).ToString(), report.KeyId);
            Assert.Contains("may expose the collective secret key", report.Reason);
        });
        AwaitLog("hospital-3: refused the aggregate of round 0", "retires it and never encrypts under it again");

        // The key is retired: asked for an update, the hospital encrypts nothing, and it refuses to resume under the key.
        hospitals[0].Tell(new CollectFeatureStatistics(0, 2), _coordinator.Ref);
        AwaitLog("hospital-1: cannot encrypt round 0: the collective key is retired");
        Assert.DoesNotContain(_coordinator.ReceiveWhile(TimeSpan.FromSeconds(2), m => m), m => m is EncryptedChunk);
        Assert.Empty(_log.Crashes);
    }

    /// <summary>(0, value) at the top level and default scale: the ciphertext a malicious hospital adds to its update.</summary>
    private static Ciphertext CraftedC1(System.Numerics.BigInteger value)
    {
        var ckks = Threshold.Ckks;
        var crafted = new Ciphertext(ckks, ckks.MaxLevel, ckks.DefaultScale);
        for (var limb = 0; limb <= ckks.MaxLevel; limb++)
        {
            var modulus = ckks.Ring.Moduli[limb].Value;
            crafted.C0.Limb(limb).Clear();
            var c1 = crafted.C1.Limb(limb);
            c1.Clear();
            c1[0] = (ulong)(value % modulus);
            ckks.Ring.Ntt(limb).Forward(c1);
        }

        crafted.C0.IsNttForm = true;
        crafted.C1.IsNttForm = true;
        return crafted;
    }

    private IActorRef[] StartHospitals()
    {
        var plan = new HospitalTrainingPlan(ModelSpec.LogisticRegression,
            new FedAvgStrategy(new FedAvgOptions { LocalTraining = new TrainingOptions { Epochs = 1, BatchSize = 8, LearningRate = 0.05 } }), 1);
        var settings = FederationSettings.Create(Sys) with { Mode = KeyMode.Threshold, Threshold = 2 };
        return Parties.Select(id =>
        {
            var hospital = Sys.ActorOf(HospitalActor.Props(new HospitalData(id, Dataset(24, "train"), Dataset(8, "evaluation")), plan,
                HospitalCrypto.WithThreshold(Threshold), _coordinator.Ref, settings, decorateTrainer: null, _identities.For(id), _identities.Trust), id);
            _coordinator.ExpectMsg<RegisterHospital>(r => r.HospitalId == id);
            _coordinator.Reply(new RegisterHospitalResponse(id, true, "accepted"));
            return hospital;
        }).ToArray();
    }

    private string[] PathsOf(IActorRef[] hospitals) =>
        hospitals.Select(h => h.Path.ToStringWithAddress(((ExtendedActorSystem)Sys).Provider.DefaultAddress)).ToArray();

    private void Begin(IActorRef[] hospitals, string[] paths, string session = Session)
    {
        foreach (var hospital in hospitals)
            hospital.Tell(new BeginKeyGeneration(0, session, Parties, paths, 2), _coordinator.Ref);
    }

    /// <summary>A whole honest key generation in <paramref name="session"/>; the collective key every party computed.</summary>
    private PublicKey HonestKeyGeneration(IActorRef[] hospitals, string session, string[]? paths = null)
    {
        Begin(hospitals, paths ?? PathsOf(hospitals), session);
        Relay(hospitals, Collect<PublicKeyShareCommitment>(c => c.HospitalId));
        var reveals = Collect<PublicKeyShareReveal>(r => r.HospitalId);
        Relay(hospitals, reveals);
        var (key, keyId) = SumOf(reveals);
        foreach (var hospital in hospitals)
            hospital.Tell(new CollectivePublicKeyAnnounced(0, session, keyId, key.ToBytes()), _coordinator.Ref);
        Assert.All(Outcomes(3).Values, outcome => Assert.Equal(keyId, Assert.IsType<KeyGenerationCompleted>(outcome).KeyId));
        return key;
    }

    private Dictionary<string, T> Collect<T>(Func<T, string> hospitalOf)
    {
        var collected = new Dictionary<string, T>(StringComparer.Ordinal);
        while (collected.Count < Parties.Length)
        {
            var message = _coordinator.FishForMessage<T>(_ => true);
            collected[hospitalOf(message)] = message;
        }

        return collected;
    }

    /// <summary>Relays every party's message to each hospital, as the coordinator does, through a tampering hook.</summary>
    private void Relay<T>(IActorRef[] hospitals, Dictionary<string, T> messages, Func<string, T, T>? tamper = null)
    {
        foreach (var hospital in hospitals)
            foreach (var party in Parties)
                hospital.Tell(tamper is null ? messages[party]! : tamper(hospital.Path.Name, messages[party])!, _coordinator.Ref);
    }

    /// <summary>Each hospital's answer to the key generation: <see cref="KeyGenerationCompleted"/> or <see cref="KeyGenerationFailed"/>.</summary>
    private Dictionary<string, object> Outcomes(int count)
    {
        var outcomes = new Dictionary<string, object>(StringComparer.Ordinal);
        while (outcomes.Count < count)
        {
            var message = _coordinator.FishForMessage<object>(m => m is KeyGenerationCompleted or KeyGenerationFailed);
            outcomes[message is KeyGenerationCompleted c ? c.HospitalId : ((KeyGenerationFailed)message).HospitalId] = message;
        }

        return outcomes;
    }

    private static string Failure(Dictionary<string, object> outcomes, string hospitalId) =>
        Assert.IsType<KeyGenerationFailed>(outcomes[hospitalId]).Reason;

    private static (PublicKey Key, string KeyId) SumOf(Dictionary<string, PublicKeyShareReveal> reveals)
    {
        var key = new CollectivePublicKeyGenerator(Threshold).AggregateShares(Parties.Select(id => PublicKeyShare.FromBytes(Threshold, reveals[id].PublicKeyShare)));
        return (key, CollectivePublicKeyGenerator.KeyIdOf(key).ToString());
    }

    /// <summary>A commitment in <paramref name="original"/>'s name, properly signed, but with a certificate that is not its roster one.</summary>
    private static PublicKeyShareCommitment Forge(PublicKeyShareCommitment original, byte[] commitment, NodeIdentity identity)
    {
        var session = new KeyGenerationSession(Session, Parties, 2, Threshold.Ckks.Id.ToString());
        return original with
        {
            Commitment = commitment,
            Certificate = identity.Certificate.RawData,
            Signature = identity.Sign(KeyGenerationTranscript.CommitmentSignedBytes(session, original.PartyId, commitment)),
        };
    }

    /// <summary>A well-formed public-key share for the session made from a secret the attacker chose.</summary>
    private static byte[] FreshPublicKeyShare(int partyId)
    {
        var generator = new CollectivePublicKeyGenerator(Threshold);
        using var secret = generator.GenSecretShare();
        return generator.GenShare(secret, CollectivePublicKeyGenerator.DeriveCommonSeed(Encoding.UTF8.GetBytes(Session)), partyId, Parties.Length).ToBytes();
    }

    /// <summary>The bytes of some Shamir share of this parameter set and key (their header is the same for every share).</summary>
    private static byte[] AnyShamirShareBytes(string keyId)
    {
        using var secret = new CollectivePublicKeyGenerator(Threshold).GenSecretShare();
        var shares = new ThresholdSecretSharer(Threshold).GenShares(secret, 1, 2, 3, Sha256Digest.FromBytes(Convert.FromHexString(keyId)));
        var bytes = shares[0].ToBytes();
        foreach (var share in shares)
            share.Dispose();
        return bytes;
    }

    private static Dataset Dataset(int samples, string source)
    {
        var features = Enumerable.Range(0, samples * 3).Select(i => (float)Math.Sin(i)).ToArray();
        var labels = Enumerable.Range(0, samples).Select(i => i % 2).ToArray();
        return Training.Data.Dataset.Create(features, labels, ["a", "b", "c"], source);
    }

    private void AwaitLog(params string[] fragments)
    {
        if (!AwaitConditionNoThrow(() => _log.Containing(fragments).Count > 0, TimeSpan.FromSeconds(20)))
            Assert.Fail($"no log line with {string.Join(" and ", fragments)} among:\n{string.Join("\n", _log.Lines)}");
    }

    /// <summary>The aggregator's node on the way to hospital-3: records each share's wire bytes, then passes it on.</summary>
    private sealed class ShareTap : ReceiveActor
    {
        public ShareTap(string recipientPath, ConcurrentQueue<(EncryptedShamirShare, byte[])> captured)
        {
            Receive<EncryptedShamirShare>(share =>
            {
                captured.Enqueue((share, Context.System.Serialization.FindSerializerFor(share).ToBinary(share)));
                var recipient = Context.ActorSelection(recipientPath);
                switch (share.SenderParty)
                {
                    case 1:
                        // Tampered, then genuine, then replayed: only the genuine one may count.
                        var tampered = (byte[])share.Ciphertext.Clone();
                        tampered[0] ^= 1;
                        recipient.Tell(share with { Ciphertext = tampered });
                        recipient.Tell(share);
                        recipient.Tell(share);
                        break;
                    case 2:
                        // hospital-2's sealed share passed off as hospital-1's: not authenticated as coming from hospital-1.
                        recipient.Tell(share with { SenderParty = 1, SenderId = "hospital-1" });
                        recipient.Tell(share);
                        break;
                    default:
                        recipient.Tell(share);
                        break;
                }
            });
        }
    }
}
