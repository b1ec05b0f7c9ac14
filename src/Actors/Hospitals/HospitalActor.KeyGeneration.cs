using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Event;
using FederatedHe.Actors.CryptoPool;
using FederatedHe.Actors.Security;
using FederatedHe.Crypto;
using FederatedHe.Crypto.Multiparty;
using PublicKey = FederatedHe.Crypto.Rlwe.PublicKey;
using static FederatedHe.Actors.Hospitals.ThresholdKeyHolder;
using static FederatedHe.Actors.Protocol.FederationProtocol;
using static FederatedHe.Actors.Protocol.KeyGenerationProtocol;

namespace FederatedHe.Actors.Hospitals;

/// <summary>
/// Threshold key generation as a party that trusts no one with its key: it commits to its public-key share and
/// key-agreement key under its certificate's signature, reveals them only once every party's signed commitment is
/// verified (so no party can choose its share after seeing the others': the rogue-key attack), checks every reveal
/// against its commitment and signature, sums the shares itself and refuses a collective key from the coordinator that
/// differs. Shamir shares travel sealed for their recipient (<see cref="ShamirShareSeal"/>): whoever carries one, the
/// coordinator included, cannot read it, and a share is accepted only if it opens as coming from the party it names.
/// </summary>
internal sealed partial class HospitalActor
{
    // The federation's CA and roster, against which the other parties' certificates are checked; null outside threshold mode.
    private readonly RegistrationTrust? _trust;
    private KeyGenerationRun? _keyGeneration;

    private void ReceiveKeyGenerationMessages()
    {
        Receive<PublicKeyShareReady>(Handle);
        Receive<PublicKeyShareCommitment>(Handle);
        Receive<PublicKeyShareReveal>(Handle);
        Receive<CollectivePublicKeyAnnounced>(Handle);
        Receive<SecretShared>(Handle);
        Receive<EncryptedShamirShare>(Handle);
        Receive<ShamirShareOpened>(Handle);
        Receive<ShamirShareRefused>(refused =>
            _log.Warning("{0}: ignored a Shamir share claiming to be from {1}: {2}", _data.HospitalId, refused.SenderId, refused.Reason));
        Receive<ThresholdKeyReady>(ready =>
        {
            if (_keyGeneration is not { } run || run.OwnKeyId != ready.KeyId)
                return;
            run.Combined = true;
            TryCompleteKeyGeneration(run);
        });
    }

    protected override void PostStop() => _keyGeneration?.Dispose();

    /// <summary>Starts this party's part of key generation <paramref name="begin"/> (already checked).</summary>
    private void BeginKeyGenerationRun(BeginKeyGeneration begin)
    {
        _keyGeneration?.Dispose();
        StopCryptoPool(); // nothing more is encrypted under a previous key
        _keyGeneration = new KeyGenerationRun(new KeyGenerationSession(begin.SessionId, begin.Parties, begin.Threshold, _parameterSetId), _partyId);
        if (_identity is null || _trust is null)
        {
            FailKeyGeneration(_keyGeneration, "this hospital was given no certificate and federation CA, so it can neither sign its public-key share "
                + "nor verify the other parties'; threshold mode needs both");
            return;
        }

        _keyHolder.Tell(new GeneratePublicKeyShare(begin.SessionId, _partyId, _parties, begin.Threshold));
    }

    private void Handle(PublicKeyShareReady ready)
    {
        if (_keyGeneration is not { Failure: null } run || run.Session.SessionId != ready.SessionId || _identity is null)
            return;
        run.OwnShare = ready.Share;
        run.OwnKeyAgreementKey = ready.KeyAgreementKey;
        run.OwnCommitment = KeyGenerationTranscript.Commitment(ready.Share, ready.KeyAgreementKey);
        var signature = _identity.Sign(KeyGenerationTranscript.CommitmentSignedBytes(run.Session, run.PartyId, run.OwnCommitment));
        _coordinator.Tell(new PublicKeyShareCommitment(0, run.Session.SessionId, _data.HospitalId, run.PartyId, run.OwnCommitment,
            _identity.Certificate.RawData, signature));
        TryReveal(run);
    }

    private void Handle(PublicKeyShareCommitment commitment)
    {
        if (CurrentRun(commitment, commitment.HospitalId, "commitment") is not { } run)
            return;
        var party = commitment.PartyId;
        if (PartyProblem(run, party, commitment.HospitalId) is { } wrongParty)
        {
            FailKeyGeneration(run, $"a commitment {wrongParty}");
            return;
        }

        if (run.Commitments.TryGetValue(party, out var known))
        {
            if (!known.Message.Commitment.AsSpan().SequenceEqual(commitment.Commitment))
                FailKeyGeneration(run, $"{commitment.HospitalId} appears with two different commitments");
            return;
        }

        var check = NodeCertificateCheck.Check(commitment.HospitalId, commitment.Certificate, _trust!, out var certificate);
        if (certificate is null)
        {
            FailKeyGeneration(run, $"the commitment of {commitment.HospitalId} is refused ({check.Verdict}): {check.Detail}");
            return;
        }

        var signed = KeyGenerationTranscript.CommitmentSignedBytes(run.Session, party, commitment.Commitment);
        if (!NodeCertificateCheck.VerifySignature(certificate, signed, commitment.Signature))
        {
            FailKeyGeneration(run, $"the commitment of {commitment.HospitalId} is not signed by its certificate's key (sha256 {MembershipRoster.Fingerprint(certificate)}) for this key generation");
            certificate.Dispose();
            return;
        }

        if (party == run.PartyId && (run.OwnCommitment is null || !run.OwnCommitment.AsSpan().SequenceEqual(commitment.Commitment)))
        {
            FailKeyGeneration(run, "the coordinator relayed a commitment in this hospital's name that this hospital did not make");
            certificate.Dispose();
            return;
        }

        run.Commitments[party] = (commitment, certificate);
        TryReveal(run);
    }

    /// <summary>Reveals this party's share only once every party's signed commitment is verified: no one can then choose theirs after seeing it.</summary>
    private void TryReveal(KeyGenerationRun run)
    {
        if (run.Revealed || run.Failure is not null || run.OwnCommitment is null || run.Commitments.Count < run.Session.Parties.Count)
            return;
        run.Revealed = true;
        var signature = _identity!.Sign(KeyGenerationTranscript.RevealSignedBytes(run.Session, run.PartyId, run.OwnCommitment));
        _log.Info("{0}: verified the signed commitments of all {1} parties; revealing its public-key share", _data.HospitalId, run.Session.Parties.Count);
        _coordinator.Tell(new PublicKeyShareReveal(0, run.Session.SessionId, _data.HospitalId, run.PartyId, run.OwnShare!, run.OwnKeyAgreementKey!, signature));
    }

    private void Handle(PublicKeyShareReveal reveal)
    {
        if (CurrentRun(reveal, reveal.HospitalId, "reveal") is not { } run)
            return;
        var party = reveal.PartyId;
        if (PartyProblem(run, party, reveal.HospitalId) is { } wrongParty)
        {
            FailKeyGeneration(run, $"a reveal {wrongParty}");
            return;
        }

        if (!run.Commitments.TryGetValue(party, out var committed))
        {
            FailKeyGeneration(run, $"{reveal.HospitalId} revealed before this hospital saw its signed commitment");
            return;
        }

        if (run.Reveals.TryGetValue(party, out var known))
        {
            if (!known.PublicKeyShare.AsSpan().SequenceEqual(reveal.PublicKeyShare) || !known.KeyAgreementKey.AsSpan().SequenceEqual(reveal.KeyAgreementKey))
                FailKeyGeneration(run, $"{reveal.HospitalId} appears with two different reveals");
            return;
        }

        var commitment = KeyGenerationTranscript.Commitment(reveal.PublicKeyShare, reveal.KeyAgreementKey);
        if (!commitment.AsSpan().SequenceEqual(committed.Message.Commitment))
        {
            FailKeyGeneration(run, $"the reveal of {reveal.HospitalId} does not match its commitment: a public-key share or key-agreement key "
                + "other than the one committed to (a rogue-key attempt, or one substituted in transit) is refused");
            return;
        }

        if (!NodeCertificateCheck.VerifySignature(committed.Certificate, KeyGenerationTranscript.RevealSignedBytes(run.Session, party, commitment), reveal.Signature))
        {
            FailKeyGeneration(run, $"the reveal of {reveal.HospitalId} is not signed by the key of the certificate it committed with");
            return;
        }

        if (RevealedShareProblem(run, reveal) is { } problem)
        {
            FailKeyGeneration(run, $"the public-key share of {reveal.HospitalId} {problem}");
            return;
        }

        run.Reveals[party] = reveal;
        if (run.Reveals.Count < run.Session.Parties.Count)
            return;

        var parties = Enumerable.Range(1, run.Session.Parties.Count).ToList();
        var salt = KeyGenerationTranscript.Salt(run.Session, parties.Select(p => run.Commitments[p].Message.Commitment).ToList());
        _log.Info("{0}: verified the signed reveals of all {1} parties; computing the collective key from them", _data.HospitalId, parties.Count);
        _keyHolder.Tell(new ShareSecret(run.Session.SessionId, parties.Select(p => run.Reveals[p].PublicKeyShare).ToList(),
            parties.Select(p => run.Reveals[p].KeyAgreementKey).ToList(), salt));
    }

    /// <summary>Why a revealed share cannot be summed with the others (checked against this federation's parameter set), or null.</summary>
    private string? RevealedShareProblem(KeyGenerationRun run, PublicKeyShareReveal reveal)
    {
        if (PartyKeyAgreement.PublicKeyProblem(reveal.KeyAgreementKey) is { } keyProblem)
            return $"comes with {keyProblem}";
        try
        {
            var share = PublicKeyShare.FromBytes(_cryptoSetup.Threshold!, reveal.PublicKeyShare);
            var seed = CollectivePublicKeyGenerator.DeriveCommonSeed(System.Text.Encoding.UTF8.GetBytes(run.Session.SessionId));
            if (share.PartyId != reveal.PartyId || share.PartyCount != run.Session.Parties.Count)
                return $"is made as party {share.PartyId} of {share.PartyCount}, not {reveal.PartyId} of {run.Session.Parties.Count}";
            if (!share.CommonSeed.SequenceEqual(seed))
                return "is made over another common polynomial than this session's";
            return null;
        }
        catch (Exception e) when (e is CkksFormatException or ParameterSetMismatchException or ThresholdProtocolException)
        {
            return $"is malformed: {e.Message}";
        }
    }

    private void Handle(SecretShared shared)
    {
        if (_keyGeneration is not { Failure: null } run)
            return;
        run.OwnKeyId = shared.KeyId;
        run.OwnKey = shared.CollectivePublicKey;
        for (var recipient = 1; recipient <= run.Session.Parties.Count; recipient++)
            Context.ActorSelection(_partyPaths[recipient - 1]).Tell(shared.SharesByRecipient[recipient - 1]);
        foreach (var pending in run.PendingShares)
            _keyHolder.Tell(new OpenShamirShare(pending));
        run.PendingShares.Clear();
        CheckAnnouncedKey(run);
    }

    private void Handle(CollectivePublicKeyAnnounced announced)
    {
        if (CurrentRun(announced, TheCoordinator, "collective key") is not { } run)
            return;
        if (run.Announced is not null)
        {
            if (run.Announced.KeyId != announced.KeyId || !run.Announced.PublicKey.AsSpan().SequenceEqual(announced.PublicKey))
                FailKeyGeneration(run, $"the coordinator announced two different collective keys ({run.Announced.KeyId} and {announced.KeyId})");
            return;
        }

        run.Announced = announced;
        CheckAnnouncedKey(run);
    }

    /// <summary>The coordinator's collective key must be exactly the sum this party computed from the verified shares.</summary>
    private void CheckAnnouncedKey(KeyGenerationRun run)
    {
        if (run.Announced is not { } announced || run.OwnKeyId is null || run.Failure is not null || run.KeyConfirmed)
            return;
        string announcedId;
        try
        {
            announcedId = CollectivePublicKeyGenerator.KeyIdOf(PublicKey.FromBytes(_cryptoSetup.Parameters, announced.PublicKey)).ToString();
        }
        catch (Exception e) when (e is CkksFormatException or ParameterSetMismatchException)
        {
            announcedId = $"unreadable ({e.Message})";
        }

        if (announced.KeyId != run.OwnKeyId || announcedId != run.OwnKeyId)
        {
            FailKeyGeneration(run, $"the coordinator's collective key {announced.KeyId} (whose bytes hash to {announcedId}) is not the sum of the "
                + $"{run.Session.Parties.Count} signed public-key shares this hospital verified, which is key {run.OwnKeyId}; nothing is encrypted under it");
            return;
        }

        run.KeyConfirmed = true;
        TryCompleteKeyGeneration(run);
    }

    private void Handle(EncryptedShamirShare share)
    {
        if (_keyGeneration is not { Failure: null } run || run.Session.SessionId != share.SessionId)
        {
            Refuse($"a Shamir share from {share.SenderId} for key generation {share.SessionId}, which is not in progress here");
            return;
        }

        if (share.RecipientParty != run.PartyId || share.RecipientId != _data.HospitalId)
        {
            Refuse($"a Shamir share from {share.SenderId} addressed to party {share.RecipientParty} ({share.RecipientId}), not to this hospital");
            return;
        }

        if (run.OpenedFrom.Contains(share.SenderParty))
        {
            Refuse($"a second Shamir share from {share.SenderId} (a replay): the first one stands");
            return;
        }

        if (run.OwnKeyId is not null)
        {
            _keyHolder.Tell(new OpenShamirShare(share));
            return;
        }

        // A faster party's share can arrive before this party has verified every reveal: kept until it can be opened.
        if (run.PendingShares.Count >= 2 * run.Session.Parties.Count)
        {
            Refuse($"a Shamir share from {share.SenderId}: {run.PendingShares.Count} shares already wait for this party's reveals");
            return;
        }

        run.PendingShares.Add(share);
    }

    private void Handle(ShamirShareOpened opened)
    {
        if (_keyGeneration is not { Failure: null } run || !run.OpenedFrom.Add(opened.SenderParty))
            return;
        if (run.OpenedFrom.Count == run.Session.Parties.Count)
            _keyHolder.Tell(CombineShares.Instance);
    }

    /// <summary>Key generation is complete here once the key is combined and the coordinator's key is confirmed to be this party's sum.</summary>
    private void TryCompleteKeyGeneration(KeyGenerationRun run)
    {
        if (!run.Combined || !run.KeyConfirmed || run.Completed || run.Failure is not null)
            return;
        run.Completed = true;
        _thresholdKeyId = run.OwnKeyId;

        // Encryption from now on is under the collective key this party computed, which no single hospital can decrypt.
        StopCryptoPool();
        StartCryptoPool(new CkksKeyMaterial(_cryptoSetup.Parameters, run.OwnKey!, null));
        _log.Info("{0}: threshold key ready (key {1}, the sum of {2} signed public-key shares, confirmed by the coordinator)",
            _data.HospitalId, run.OwnKeyId, run.Session.Parties.Count);
        _coordinator.Tell(new KeyGenerationCompleted(0, _data.HospitalId, run.OwnKeyId!));
    }

    /// <summary>Refuses the key generation for good: one ERROR line naming the problem, and the coordinator is told.</summary>
    private void FailKeyGeneration(KeyGenerationRun run, string problem)
    {
        if (run.Failure is not null)
            return;
        run.Failure = problem;
        _noThresholdKeyReason = $"key generation {run.Session.SessionId} was refused: {problem}";
        _log.Error("{0}: refused key generation {1}: {2}", _data.HospitalId, run.Session.SessionId, problem);
        _coordinator.Tell(new KeyGenerationFailed(0, run.Session.SessionId, _data.HospitalId, problem));
    }

    /// <summary>The key generation a relayed message belongs to, or null (after refusing it) if it is not from the coordinator or not current.</summary>
    private KeyGenerationRun? CurrentRun(IKeyGenerationMessage message, string from, string what)
    {
        if (!SentFromCoordinatorNode)
        {
            Refuse($"a key-generation {what} from {from} sent by {Sender.Path}, which is not the coordinator's node");
            return null;
        }

        if (_keyGeneration is not { } run || run.Session.SessionId != message.SessionId)
        {
            Refuse($"a key-generation {what} from {from} for session {message.SessionId}, which is not in progress here");
            return null;
        }

        return run.Failure is null ? run : null;
    }

    private static string? PartyProblem(KeyGenerationRun run, int party, string hospitalId) =>
        party < 1 || party > run.Session.Parties.Count || run.Session.HospitalOf(party) != hospitalId
            ? $"from {hospitalId} as party {party}, which is not that hospital's place among [{string.Join(", ", run.Session.Parties)}]"
            : null;

    // Who a relayed collective key is from, in refusal lines.
    private const string TheCoordinator = "the coordinator";

    /// <summary>One key generation as this party sees it.</summary>
    private sealed class KeyGenerationRun(KeyGenerationSession session, int partyId) : IDisposable
    {
        public KeyGenerationSession Session { get; } = session;
        public int PartyId { get; } = partyId;
        public byte[]? OwnShare { get; set; }
        public byte[]? OwnKeyAgreementKey { get; set; }
        public byte[]? OwnCommitment { get; set; }

        /// <summary>Verified commitments, with the certificate each was signed with (which must sign the reveal too).</summary>
        public Dictionary<int, (PublicKeyShareCommitment Message, X509Certificate2 Certificate)> Commitments { get; } = new();

        public Dictionary<int, PublicKeyShareReveal> Reveals { get; } = new();
        public bool Revealed { get; set; }
        public string? OwnKeyId { get; set; }
        public PublicKey? OwnKey { get; set; }
        public CollectivePublicKeyAnnounced? Announced { get; set; }
        public bool KeyConfirmed { get; set; }
        public bool Combined { get; set; }
        public bool Completed { get; set; }
        public string? Failure { get; set; }
        public List<EncryptedShamirShare> PendingShares { get; } = new();
        public HashSet<int> OpenedFrom { get; } = new();

        public void Dispose()
        {
            foreach (var (_, certificate) in Commitments.Values)
                certificate.Dispose();
        }
    }
}
