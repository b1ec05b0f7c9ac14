using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Event;
using FederatedHe.Actors.CryptoPool;
using FederatedHe.Actors.Security;
using FederatedHe.Crypto;
using FederatedHe.Crypto.Multiparty;
using FederatedHe.Federation;
using FederatedHe.Federation.Participation;
using PublicKey = FederatedHe.Crypto.Rlwe.PublicKey;
using static FederatedHe.Actors.Hospitals.ThresholdKeyHolder;
using static FederatedHe.Actors.Protocol.FederationProtocol;
using static FederatedHe.Actors.Protocol.KeyGenerationProtocol;

namespace FederatedHe.Actors.Hospitals;

/// <summary>
/// Threshold key generation as a party that trusts no one with its key: the adapter of the pure
/// <see cref="PartyKeyGeneration{TSealedShare, TCollectiveKey}"/>, which decides what to accept, refuse or ignore, when
/// to reveal, when to sum and when the key is final. This partial turns the relayed messages, the sealed Shamir shares and
/// the key holder's answers into its events, and carries out its commands: it signs with the hospital's certificate key,
/// checks certificates, signatures and shares (answering the machine's checks at once, before any other message), and asks
/// the <see cref="ThresholdKeyHolder"/>, which alone holds the secrets, for the rest. Shamir shares travel sealed for their
/// recipient (<see cref="ShamirShareSeal"/>): whoever carries one, the coordinator included, cannot read it.
/// </summary>
internal sealed partial class HospitalActor
{
    // The federation's CA and roster, against which the other parties' certificates are checked; null outside threshold mode.
    private readonly RegistrationTrust? _trust;
    private readonly PartyKeyGeneration<EncryptedShamirShare, PublicKey> _partyKeyGeneration = new();
    private PartyKeyGenerationState<EncryptedShamirShare, PublicKey> _keyGeneration = PartyKeyGenerationState<EncryptedShamirShare, PublicKey>.Idle;

    private void ReceiveKeyGenerationMessages()
    {
        Receive<PublicKeyShareReady>(ready => ApplyKeyGeneration(new OwnShareGenerated(ready.SessionId, [.. ready.Share], [.. ready.KeyAgreementKey],
            [.. KeyGenerationTranscript.Commitment(ready.Share, ready.KeyAgreementKey)])));
        Receive<PublicKeyShareCommitment>(m => ApplyKeyGeneration(new CommitmentRelayed(Relayer(), m.SessionId, m.HospitalId, m.PartyId,
            [.. m.Commitment], [.. m.Certificate], [.. m.Signature])));
        Receive<PublicKeyShareReveal>(m => ApplyKeyGeneration(new RevealRelayed(Relayer(), m.SessionId, m.HospitalId, m.PartyId,
            [.. m.PublicKeyShare], [.. m.KeyAgreementKey], [.. m.Signature])));
        Receive<CollectivePublicKeyAnnounced>(m => ApplyKeyGeneration(new CollectiveKeyAnnounced(Relayer(), m.SessionId, m.KeyId, [.. m.PublicKey])));
        Receive<SecretShared>(shared => ApplyKeyGeneration(new CollectiveKeyComputed<PublicKey>(shared.SessionId, shared.KeyId, shared.CollectivePublicKey), shared));
        Receive<EncryptedShamirShare>(share => ApplyKeyGeneration(new SealedShareArrived<EncryptedShamirShare>(share.SessionId, share.SenderParty,
            share.SenderId, share.RecipientParty, share.RecipientId, share)));
        Receive<ShamirShareOpened>(opened => ApplyKeyGeneration(new SealedShareOpened(opened.SessionId, opened.SenderParty)));
        Receive<ShamirShareRefused>(refused =>
            _log.Warning("{0}: ignored a Shamir share claiming to be from {1}: {2}", _data.HospitalId, refused.SenderId, refused.Reason));
        Receive<ThresholdKeyReady>(ready =>
        {
            _seededEncryptor = ready.SeededEncryptor;
            ApplyKeyGeneration(new KeyCombined(ready.KeyId));
        });
    }

    /// <summary>Starts this party's part of key generation <paramref name="begin"/> (already checked).</summary>
    private void BeginKeyGenerationRun(BeginKeyGeneration begin)
    {
        StopCryptoPool(); // nothing more is encrypted under a previous key
        var session = new PartyKeyGenerationSession(begin.SessionId, [.. begin.Parties], begin.Threshold, _partyId);
        ApplyKeyGeneration(new KeyGenerationBegun(session, CanSign: _identity is not null && _trust is not null));
    }

    /// <summary>Hands an event to the key-generation machine and carries out its commands; <paramref name="current"/> is what the event came with.</summary>
    private void ApplyKeyGeneration(PartyKeyGenerationEvent message, object? current = null)
    {
        var (next, commands) = _partyKeyGeneration.Handle(_keyGeneration, message);
        _keyGeneration = next;
        foreach (var command in commands)
            Execute(command, current);
    }

    private void Execute(PartyKeyGenerationCommand command, object? current)
    {
        switch (command)
        {
            case GenerateOwnShare generate:
                _keyHolder.Tell(new GeneratePublicKeyShare(generate.Session.SessionId, generate.Session.PartyId, [.. generate.Session.Parties],
                    generate.Session.Threshold));
                break;
            case SendCommitment commit:
                var commitment = commit.Commitment.Items.ToArray();
                var commitmentSignature = _identity!.Sign(KeyGenerationTranscript.CommitmentSignedBytes(Transcript(commit.Session), commit.Session.PartyId, commitment));
                _coordinator.Tell(new PublicKeyShareCommitment(0, commit.Session.SessionId, _data.HospitalId, commit.Session.PartyId, commitment,
                    _identity.Certificate.RawData, commitmentSignature));
                break;
            case VerifyCommitment verify:
                ApplyKeyGeneration(CheckCommitment(verify));
                break;
            case SendReveal reveal:
                _log.Info("{0}: verified the signed commitments of all {1} parties; revealing its public-key share", _data.HospitalId, reveal.Session.PartyCount);
                var revealSignature = _identity!.Sign(KeyGenerationTranscript.RevealSignedBytes(Transcript(reveal.Session), reveal.Session.PartyId,
                    reveal.Own.Commitment.Items.ToArray()));
                _coordinator.Tell(new PublicKeyShareReveal(0, reveal.Session.SessionId, _data.HospitalId, reveal.Session.PartyId,
                    reveal.Own.PublicKeyShare.Items.ToArray(), reveal.Own.KeyAgreementKey.Items.ToArray(), revealSignature));
                break;
            case VerifyReveal verify:
                ApplyKeyGeneration(CheckReveal(verify));
                break;
            case ComputeCollectiveKey compute:
                _log.Info("{0}: verified the signed reveals of all {1} parties; computing the collective key from them", _data.HospitalId, compute.Session.PartyCount);
                var salt = KeyGenerationTranscript.Salt(Transcript(compute.Session), compute.Commitments.Select(c => c.Items.ToArray()).ToList());
                _keyHolder.Tell(new ShareSecret(compute.Session.SessionId, compute.PublicKeyShares.Select(s => s.Items.ToArray()).ToList(),
                    compute.KeyAgreementKeys.Select(k => k.Items.ToArray()).ToList(), salt));
                break;
            case DistributeSealedShares:
                var shared = (SecretShared)current!;
                for (var recipient = 1; recipient <= shared.SharesByRecipient.Length; recipient++)
                    Context.ActorSelection(_partyPaths[recipient - 1]).Tell(shared.SharesByRecipient[recipient - 1]);
                break;
            case OpenSealedShare<EncryptedShamirShare> open:
                _keyHolder.Tell(new OpenShamirShare(open.Share));
                break;
            case ReadAnnouncedKey read:
                ApplyKeyGeneration(ReadKey(read));
                break;
            case CombineSealedShares:
                _keyHolder.Tell(CombineShares.Instance);
                break;
            case CompleteKeyGeneration<PublicKey> complete:
                _thresholdKeyId = complete.KeyId;

                // Encryption from now on is under the collective key this party computed, which no single hospital can decrypt.
                StopCryptoPool();
                StartCryptoPool(ThresholdMaterial(complete.Key));
                _log.Info("{0}: threshold key ready (key {1}, the sum of {2} signed public-key shares, confirmed by the coordinator)",
                    _data.HospitalId, complete.KeyId, complete.Session.PartyCount);
                _coordinator.Tell(new KeyGenerationCompleted(0, _data.HospitalId, complete.KeyId));
                break;
            case FailKeyGeneration fail:
                _noThresholdKeyReason = $"key generation {fail.SessionId} was refused: {fail.Problem}";
                _log.Error("{0}: refused key generation {1}: {2}", _data.HospitalId, fail.SessionId, fail.Problem);
                _coordinator.Tell(new KeyGenerationFailed(0, fail.SessionId, _data.HospitalId, fail.Problem));
                break;
            case RefuseKeyGenerationMessage refuse:
                Refuse(refuse.What);
                break;
            default:
                throw new InvalidOperationException($"the hospital actor does not carry out {command.GetType().Name}");
        }
    }

    /// <summary>The certificate a party committed with must be its roster certificate, and its key must have signed the commitment for this session.</summary>
    private CommitmentChecked CheckCommitment(VerifyCommitment verify)
    {
        var check = NodeCertificateCheck.Check(verify.HospitalId, verify.Certificate.Items.ToArray(), _trust!, out var certificate);
        using (certificate)
        {
            var signed = certificate is not null && NodeCertificateCheck.VerifySignature(certificate,
                KeyGenerationTranscript.CommitmentSignedBytes(Transcript(verify.Session), verify.PartyId, verify.Commitment.Items.ToArray()),
                verify.Signature.Items.ToArray());
            var verdict = new CertificateVerdict(certificate is not null, check.Verdict.ToString(), check.Detail,
                certificate is null ? string.Empty : MembershipRoster.Fingerprint(certificate));
            return new CommitmentChecked(verify.Session.SessionId, verify.PartyId, verify.HospitalId, verify.Commitment, verify.Certificate, verdict, signed);
        }
    }

    /// <summary>
    /// What a reveal commits to, whether the certificate it committed with signed it, and whether its share fits this session;
    /// in the machine's order, stopping at the first that fails (a share is parsed only from a reveal that matches and is signed).
    /// </summary>
    private RevealChecked CheckReveal(VerifyReveal verify)
    {
        var share = verify.PublicKeyShare.Items.ToArray();
        var keyAgreementKey = verify.KeyAgreementKey.Items.ToArray();
        var commitment = KeyGenerationTranscript.Commitment(share, keyAgreementKey);
        var signed = false;
        string? shareProblem = null;
        if (verify.Committed.Items.AsSpan().SequenceEqual(commitment))
        {
            using var certificate = X509CertificateLoader.LoadCertificate(verify.Certificate.Items.AsSpan());
            signed = NodeCertificateCheck.VerifySignature(certificate, KeyGenerationTranscript.RevealSignedBytes(Transcript(verify.Session), verify.PartyId, commitment),
                verify.Signature.Items.ToArray());
            if (signed)
                shareProblem = RevealedShareProblem(verify.Session, verify.PartyId, share, keyAgreementKey);
        }

        return new RevealChecked(verify.Session.SessionId, verify.PartyId, verify.HospitalId, verify.PublicKeyShare, verify.KeyAgreementKey,
            [.. commitment], signed, shareProblem);
    }

    /// <summary>Why a revealed share cannot be summed with the others (checked against this federation's parameter set), or null.</summary>
    private string? RevealedShareProblem(PartyKeyGenerationSession session, int partyId, byte[] publicKeyShare, byte[] keyAgreementKey)
    {
        if (PartyKeyAgreement.PublicKeyProblem(keyAgreementKey) is { } keyProblem)
            return $"comes with {keyProblem}";
        try
        {
            var share = PublicKeyShare.FromBytes(_cryptoSetup.Threshold!, publicKeyShare);
            var seed = CollectivePublicKeyGenerator.DeriveCommonSeed(System.Text.Encoding.UTF8.GetBytes(session.SessionId));
            if (share.PartyId != partyId || share.PartyCount != session.PartyCount)
                return $"is made as party {share.PartyId} of {share.PartyCount}, not {partyId} of {session.PartyCount}";
            if (!share.CommonSeed.SequenceEqual(seed))
                return "is made over another common polynomial than this session's";
            return null;
        }
        catch (Exception e) when (e is CkksFormatException or ParameterSetMismatchException or ThresholdProtocolException)
        {
            return $"is malformed: {e.Message}";
        }
    }

    /// <summary>The id the coordinator's announced key hashes to, or why its bytes are not a key of this parameter set.</summary>
    private AnnouncedKeyRead ReadKey(ReadAnnouncedKey read)
    {
        try
        {
            var keyId = CollectivePublicKeyGenerator.KeyIdOf(PublicKey.FromBytes(_cryptoSetup.Parameters, read.PublicKey.Items.ToArray())).ToString();
            return new AnnouncedKeyRead(read.SessionId, keyId, null);
        }
        catch (Exception e) when (e is CkksFormatException or ParameterSetMismatchException)
        {
            return new AnnouncedKeyRead(read.SessionId, null, e.Message);
        }
    }

    private KeyGenerationSession Transcript(PartyKeyGenerationSession session) =>
        new(session.SessionId, [.. session.Parties], session.Threshold, _parameterSetId);

    private RelayedBy Relayer() => new(Sender.Path.ToString(), SentFromCoordinatorNode);
}
