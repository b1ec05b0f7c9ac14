using System.Collections.Immutable;

namespace FederatedHe.Federation.Participation;

/// <summary>What a party checks of a key-generation request before it takes part (no state needed).</summary>
public static class PartyKeyGeneration
{
    /// <summary>
    /// Why <paramref name="hospitalId"/> cannot follow a request to make a <paramref name="threshold"/>-of-n key among
    /// <paramref name="parties"/>, or null. <paramref name="unparseablePath"/> is the first party path that is not an actor
    /// path (the actor parses them), or null.
    /// </summary>
    public static string? RequestProblem(string hospitalId, IReadOnlyList<string>? parties, int pathCount, int threshold, int maxParties,
        string? unparseablePath)
    {
        parties ??= [];
        if (parties.Count == 0 || parties.Count > maxParties)
            return $"{parties.Count} parties, outside 1..{maxParties}";
        if (pathCount != parties.Count)
            return $"{pathCount} party paths for {parties.Count} parties";
        if (parties.Distinct(StringComparer.Ordinal).Count() != parties.Count)
            return "a party is listed twice";
        if (!parties.Contains(hospitalId, StringComparer.Ordinal))
            return "this hospital is not a party";
        if (threshold < 1 || threshold > parties.Count)
            return $"threshold {threshold} is outside 1..{parties.Count}";
        if (unparseablePath is not null)
            return $"party path '{unparseablePath}' is not an actor path";
        return null;
    }
}

/// <summary>
/// Threshold key generation as one party sees it, pure: (state, event) → (state, commands). It commits, verifies every
/// relayed commitment, reveals only once all n are verified (so no party can choose its share after seeing the others':
/// the rogue-key attack), verifies every reveal against its commitment, sums the shares itself, refuses a coordinator's
/// key that differs from its own sum, keeps sealed Shamir shares that overtake its own sum (bounded), opens each party's
/// once, and completes once the threshold key is combined and the coordinator's key is confirmed. It refuses, by name,
/// relayed messages not from the coordinator's node or not of the session in progress, a party out of its place, and a
/// party that appears with two different commitments or reveals; any coordinator lie fails the key generation for good.
/// </summary>
/// <remarks>
/// No certificates, keys or clocks: checking a certificate or signature, hashing, parsing a share or a key, and every use of
/// a secret are commands, and their results come back as events (the checks synchronously, before any other message).
/// The party keeps no timer: a key generation that stalls is timed out by the coordinator's sub-machine.
/// </remarks>
/// <typeparam name="TSealedShare">A sealed Shamir share (opaque: kept until it can be opened).</typeparam>
/// <typeparam name="TCollectiveKey">The collective public key this party computed (opaque: handed back on completion).</typeparam>
public sealed class PartyKeyGeneration<TSealedShare, TCollectiveKey>
{
    // Sealed shares kept while this party has not computed the key yet: an honest federation sends one per party.
    private const int PendingSharesPerParty = 2;

    // Who a relayed collective key is from, in refusal lines.
    private const string TheCoordinator = "the coordinator";

    /// <summary>The next state and commands after <paramref name="message"/>.</summary>
    /// <exception cref="ArgumentException">An event this machine does not know.</exception>
    public PartyKeyGenerationStep<TSealedShare, TCollectiveKey> Handle(PartyKeyGenerationState<TSealedShare, TCollectiveKey> state, PartyKeyGenerationEvent message)
    {
        var commands = ImmutableArray.CreateBuilder<PartyKeyGenerationCommand>();
        var next = message switch
        {
            KeyGenerationBegun begun => OnBegun(begun, commands),
            OwnShareGenerated own => OnOwnShare(state, own, commands),
            CommitmentRelayed commitment => OnCommitment(state, commitment, commands),
            CommitmentChecked check => OnCommitmentChecked(state, check, commands),
            RevealRelayed reveal => OnReveal(state, reveal, commands),
            RevealChecked check => OnRevealChecked(state, check, commands),
            CollectiveKeyComputed<TCollectiveKey> computed => OnKeyComputed(state, computed, commands),
            CollectiveKeyAnnounced announced => OnAnnounced(state, announced, commands),
            AnnouncedKeyRead read => OnAnnouncedKeyRead(state, read, commands),
            SealedShareArrived<TSealedShare> share => OnSealedShare(state, share, commands),
            SealedShareOpened opened => OnShareOpened(state, opened, commands),
            KeyCombined combined => OnKeyCombined(state, combined, commands),
            _ => throw new ArgumentException($"party key generation does not know the event {message.GetType().Name}", nameof(message)),
        };
        return new PartyKeyGenerationStep<TSealedShare, TCollectiveKey>(next, new EquatableArray<PartyKeyGenerationCommand>(commands.ToImmutable()));
    }

    private static PartyKeyGenerationState<TSealedShare, TCollectiveKey> OnBegun(KeyGenerationBegun begun,
        ImmutableArray<PartyKeyGenerationCommand>.Builder commands)
    {
        // A new session replaces whatever an earlier one left.
        var session = begun.Session;
        var state = PartyKeyGenerationState<TSealedShare, TCollectiveKey>.Idle with
        {
            Session = session,
            Commitments = [.. new VerifiedCommitment?[session.PartyCount]],
            Reveals = [.. new VerifiedReveal?[session.PartyCount]],
        };
        if (!begun.CanSign)
            return Fail(state, "this hospital was given no certificate and federation CA, so it can neither sign its public-key share "
                + "nor verify the other parties'; threshold mode needs both", commands);
        commands.Add(new GenerateOwnShare(session));
        return state;
    }

    private static PartyKeyGenerationState<TSealedShare, TCollectiveKey> OnOwnShare(PartyKeyGenerationState<TSealedShare, TCollectiveKey> state,
        OwnShareGenerated own, ImmutableArray<PartyKeyGenerationCommand>.Builder commands)
    {
        if (state.Session is not { } session || state.Failure is not null || session.SessionId != own.SessionId)
            return state;
        var contribution = new OwnContribution(own.PublicKeyShare, own.KeyAgreementKey, own.Commitment);
        commands.Add(new SendCommitment(session, own.Commitment));
        return TryReveal(state with { Own = contribution }, commands);
    }

    private static PartyKeyGenerationState<TSealedShare, TCollectiveKey> OnCommitment(PartyKeyGenerationState<TSealedShare, TCollectiveKey> state,
        CommitmentRelayed commitment, ImmutableArray<PartyKeyGenerationCommand>.Builder commands)
    {
        var party = commitment.PartyId;
        if (FromPartyInPlace(ref state, commitment.From, commitment.SessionId, commitment.HospitalId, party, "commitment", commands) is not { } session)
            return state;
        if (state.Commitments[party - 1] is { } known)
            return known.Commitment == commitment.Commitment ? state : Fail(state, $"{commitment.HospitalId} appears with two different commitments", commands);

        commands.Add(new VerifyCommitment(session, party, commitment.HospitalId, commitment.Commitment, commitment.Certificate, commitment.Signature));
        return state;
    }

    private static PartyKeyGenerationState<TSealedShare, TCollectiveKey> OnCommitmentChecked(PartyKeyGenerationState<TSealedShare, TCollectiveKey> state,
        CommitmentChecked check, ImmutableArray<PartyKeyGenerationCommand>.Builder commands)
    {
        if (Live(state, check.SessionId) is not { } session || check.PartyId < 1 || check.PartyId > session.PartyCount
            || state.Commitments[check.PartyId - 1] is not null)
            return state;
        var certificate = check.CertificateVerdict;
        if (!certificate.Accepted)
            return Fail(state, $"the commitment of {check.HospitalId} is refused ({certificate.Verdict}): {certificate.Detail}", commands);
        if (!check.SignatureValid)
            return Fail(state, $"the commitment of {check.HospitalId} is not signed by its certificate's key (sha256 {certificate.Fingerprint}) for this key generation", commands);
        if (check.PartyId == session.PartyId && (state.Own is null || state.Own.Commitment != check.Commitment))
            return Fail(state, "the coordinator relayed a commitment in this hospital's name that this hospital did not make", commands);

        var commitments = new EquatableArray<VerifiedCommitment?>(state.Commitments.Items.SetItem(check.PartyId - 1, new VerifiedCommitment(check.Commitment, check.Certificate)));
        return TryReveal(state with { Commitments = commitments }, commands);
    }

    /// <summary>Reveals this party's share only once every party's signed commitment is verified: no one can then choose theirs after seeing it.</summary>
    private static PartyKeyGenerationState<TSealedShare, TCollectiveKey> TryReveal(PartyKeyGenerationState<TSealedShare, TCollectiveKey> state,
        ImmutableArray<PartyKeyGenerationCommand>.Builder commands)
    {
        if (state.Revealed || state.Failure is not null || state.Own is not { } own || state.CommitmentCount < state.Session!.PartyCount)
            return state;
        commands.Add(new SendReveal(state.Session, own));
        return state with { Revealed = true };
    }

    private static PartyKeyGenerationState<TSealedShare, TCollectiveKey> OnReveal(PartyKeyGenerationState<TSealedShare, TCollectiveKey> state,
        RevealRelayed reveal, ImmutableArray<PartyKeyGenerationCommand>.Builder commands)
    {
        var party = reveal.PartyId;
        if (FromPartyInPlace(ref state, reveal.From, reveal.SessionId, reveal.HospitalId, party, "reveal", commands) is not { } session)
            return state;
        if (state.Commitments[party - 1] is not { } committed)
            return Fail(state, $"{reveal.HospitalId} revealed before this hospital saw its signed commitment", commands);
        if (state.Reveals[party - 1] is { } known)
            return known.PublicKeyShare == reveal.PublicKeyShare && known.KeyAgreementKey == reveal.KeyAgreementKey
                ? state
                : Fail(state, $"{reveal.HospitalId} appears with two different reveals", commands);

        commands.Add(new VerifyReveal(session, party, reveal.HospitalId, reveal.PublicKeyShare, reveal.KeyAgreementKey, reveal.Signature,
            committed.Commitment, committed.Certificate));
        return state;
    }

    private static PartyKeyGenerationState<TSealedShare, TCollectiveKey> OnRevealChecked(PartyKeyGenerationState<TSealedShare, TCollectiveKey> state,
        RevealChecked check, ImmutableArray<PartyKeyGenerationCommand>.Builder commands)
    {
        if (Live(state, check.SessionId) is not { } session || check.PartyId < 1 || check.PartyId > session.PartyCount
            || state.Commitments[check.PartyId - 1] is not { } committed || state.Reveals[check.PartyId - 1] is not null)
            return state;
        if (check.Commitment != committed.Commitment)
            return Fail(state, $"the reveal of {check.HospitalId} does not match its commitment: a public-key share or key-agreement key "
                + "other than the one committed to (a rogue-key attempt, or one substituted in transit) is refused", commands);
        if (!check.SignatureValid)
            return Fail(state, $"the reveal of {check.HospitalId} is not signed by the key of the certificate it committed with", commands);
        if (check.ShareProblem is { } problem)
            return Fail(state, $"the public-key share of {check.HospitalId} {problem}", commands);

        state = state with
        {
            Reveals = new EquatableArray<VerifiedReveal?>(state.Reveals.Items.SetItem(check.PartyId - 1, new VerifiedReveal(check.PublicKeyShare, check.KeyAgreementKey))),
        };
        if (state.RevealCount < session.PartyCount)
            return state;

        // Every reveal is verified: this party sums them itself, whatever the coordinator will announce.
        commands.Add(new ComputeCollectiveKey(session,
            [.. state.Reveals.Select(r => r!.PublicKeyShare)],
            [.. state.Reveals.Select(r => r!.KeyAgreementKey)],
            [.. state.Commitments.Select(c => c!.Commitment)]));
        return state;
    }

    private static PartyKeyGenerationState<TSealedShare, TCollectiveKey> OnKeyComputed(PartyKeyGenerationState<TSealedShare, TCollectiveKey> state,
        CollectiveKeyComputed<TCollectiveKey> computed, ImmutableArray<PartyKeyGenerationCommand>.Builder commands)
    {
        if (Live(state, computed.SessionId) is null)
            return state;
        commands.Add(new DistributeSealedShares(computed.SessionId));
        foreach (var pending in state.PendingShares)
            commands.Add(new OpenSealedShare<TSealedShare>(pending));
        state = state with { OwnKey = new ComputedKey<TCollectiveKey>(computed.KeyId, computed.Key), PendingShares = [] };
        return CheckAnnouncedKey(state, commands);
    }

    private static PartyKeyGenerationState<TSealedShare, TCollectiveKey> OnAnnounced(PartyKeyGenerationState<TSealedShare, TCollectiveKey> state,
        CollectiveKeyAnnounced announced, ImmutableArray<PartyKeyGenerationCommand>.Builder commands)
    {
        if (CurrentSession(state, announced.From, announced.SessionId, TheCoordinator, "collective key", commands) is null)
            return state;
        if (state.Announced is { } known)
            return known.KeyId == announced.KeyId && known.PublicKey == announced.PublicKey
                ? state
                : Fail(state, $"the coordinator announced two different collective keys ({known.KeyId} and {announced.KeyId})", commands);
        return CheckAnnouncedKey(state with { Announced = new AnnouncedKey(announced.KeyId, announced.PublicKey) }, commands);
    }

    /// <summary>The coordinator's collective key must be exactly the sum this party computed from the verified shares: read it once both are here.</summary>
    private static PartyKeyGenerationState<TSealedShare, TCollectiveKey> CheckAnnouncedKey(PartyKeyGenerationState<TSealedShare, TCollectiveKey> state,
        ImmutableArray<PartyKeyGenerationCommand>.Builder commands)
    {
        if (state.Announced is not { } announced || state.OwnKey is null || state.Failure is not null || state.KeyConfirmed)
            return state;
        commands.Add(new ReadAnnouncedKey(state.Session!.SessionId, announced.PublicKey));
        return state;
    }

    private static PartyKeyGenerationState<TSealedShare, TCollectiveKey> OnAnnouncedKeyRead(PartyKeyGenerationState<TSealedShare, TCollectiveKey> state,
        AnnouncedKeyRead read, ImmutableArray<PartyKeyGenerationCommand>.Builder commands)
    {
        if (Live(state, read.SessionId) is not { } session || state.Announced is not { } announced || state.OwnKey is not { } own || state.KeyConfirmed)
            return state;
        var bytesKeyId = read.BytesKeyId ?? $"unreadable ({read.Unreadable})";
        if (announced.KeyId != own.KeyId || bytesKeyId != own.KeyId)
            return Fail(state, $"the coordinator's collective key {announced.KeyId} (whose bytes hash to {bytesKeyId}) is not the sum of the "
                + $"{session.PartyCount} signed public-key shares this hospital verified, which is key {own.KeyId}; nothing is encrypted under it", commands);
        return TryComplete(state with { KeyConfirmed = true }, commands);
    }

    private static PartyKeyGenerationState<TSealedShare, TCollectiveKey> OnSealedShare(PartyKeyGenerationState<TSealedShare, TCollectiveKey> state,
        SealedShareArrived<TSealedShare> share, ImmutableArray<PartyKeyGenerationCommand>.Builder commands)
    {
        if (Live(state, share.SessionId) is not { } session)
            return Refuse(state, $"a Shamir share from {share.SenderId} for key generation {share.SessionId}, which is not in progress here", commands);
        if (share.RecipientParty != session.PartyId || share.RecipientId != session.HospitalOf(session.PartyId))
            return Refuse(state, $"a Shamir share from {share.SenderId} addressed to party {share.RecipientParty} ({share.RecipientId}), not to this hospital", commands);
        if (state.OpenedFrom.Contains(share.SenderParty))
            return Refuse(state, $"a second Shamir share from {share.SenderId} (a replay): the first one stands", commands);
        if (state.OwnKey is not null)
        {
            commands.Add(new OpenSealedShare<TSealedShare>(share.Share));
            return state;
        }

        // A faster party's share can arrive before this party has verified every reveal: kept until it can be opened.
        if (state.PendingShares.Length >= PendingSharesPerParty * session.PartyCount)
            return Refuse(state, $"a Shamir share from {share.SenderId}: {state.PendingShares.Length} shares already wait for this party's reveals", commands);
        return state with { PendingShares = state.PendingShares.Add(share.Share) };
    }

    private static PartyKeyGenerationState<TSealedShare, TCollectiveKey> OnShareOpened(PartyKeyGenerationState<TSealedShare, TCollectiveKey> state,
        SealedShareOpened opened, ImmutableArray<PartyKeyGenerationCommand>.Builder commands)
    {
        if (Live(state, opened.SessionId) is not { } session || state.OpenedFrom.Contains(opened.SenderParty))
            return state;
        state = state with { OpenedFrom = [.. state.OpenedFrom.Add(opened.SenderParty).Order()] };
        if (state.OpenedFrom.Length == session.PartyCount)
            commands.Add(new CombineSealedShares(session.SessionId));
        return state;
    }

    private static PartyKeyGenerationState<TSealedShare, TCollectiveKey> OnKeyCombined(PartyKeyGenerationState<TSealedShare, TCollectiveKey> state,
        KeyCombined combined, ImmutableArray<PartyKeyGenerationCommand>.Builder commands)
    {
        if (state.OwnKey?.KeyId != combined.KeyId)
            return state;
        return TryComplete(state with { Combined = true }, commands);
    }

    /// <summary>Key generation is complete here once the key is combined and the coordinator's key is confirmed to be this party's sum.</summary>
    private static PartyKeyGenerationState<TSealedShare, TCollectiveKey> TryComplete(PartyKeyGenerationState<TSealedShare, TCollectiveKey> state,
        ImmutableArray<PartyKeyGenerationCommand>.Builder commands)
    {
        if (!state.Combined || !state.KeyConfirmed || state.Completed || state.Failure is not null)
            return state;
        commands.Add(new CompleteKeyGeneration<TCollectiveKey>(state.Session!, state.OwnKey!.KeyId, state.OwnKey.Key));
        return state with { Completed = true };
    }

    /// <summary>The session a relayed message belongs to, or null (after refusing it) if it is not from the coordinator's node or not current; null, silently, once refused.</summary>
    private static PartyKeyGenerationSession? CurrentSession(PartyKeyGenerationState<TSealedShare, TCollectiveKey> state, RelayedBy from, string sessionId,
        string hospitalId, string what, ImmutableArray<PartyKeyGenerationCommand>.Builder commands)
    {
        if (!from.FromCoordinatorNode)
        {
            commands.Add(new RefuseKeyGenerationMessage($"a key-generation {what} from {hospitalId} sent by {from.SenderPath}, which is not the coordinator's node"));
            return null;
        }

        if (state.Session is not { } session || session.SessionId != sessionId)
        {
            commands.Add(new RefuseKeyGenerationMessage($"a key-generation {what} from {hospitalId} for session {sessionId}, which is not in progress here"));
            return null;
        }

        return state.Failure is null ? session : null;
    }

    /// <summary>
    /// The session a party's relayed commitment or reveal belongs to, if it is current and the party is in its place; null
    /// otherwise, after refusing the message (<see cref="CurrentSession"/>) or failing the session (a party out of its place).
    /// </summary>
    private static PartyKeyGenerationSession? FromPartyInPlace(ref PartyKeyGenerationState<TSealedShare, TCollectiveKey> state, RelayedBy from, string sessionId,
        string hospitalId, int party, string what, ImmutableArray<PartyKeyGenerationCommand>.Builder commands)
    {
        if (CurrentSession(state, from, sessionId, hospitalId, what, commands) is not { } session)
            return null;
        if (party < 1 || party > session.PartyCount || session.HospitalOf(party) != hospitalId)
        {
            state = Fail(state, $"a {what} from {hospitalId} as party {party}, which is not that hospital's place among [{string.Join(", ", session.Parties)}]", commands);
            return null;
        }

        return session;
    }

    /// <summary>The session, if <paramref name="sessionId"/> is the one in progress and it has not been refused.</summary>
    private static PartyKeyGenerationSession? Live(PartyKeyGenerationState<TSealedShare, TCollectiveKey> state, string sessionId) =>
        state.Session is { } session && session.SessionId == sessionId && state.Failure is null ? session : null;

    /// <summary>Refuses the key generation for good (once): the first problem is the one reported.</summary>
    private static PartyKeyGenerationState<TSealedShare, TCollectiveKey> Fail(PartyKeyGenerationState<TSealedShare, TCollectiveKey> state, string problem,
        ImmutableArray<PartyKeyGenerationCommand>.Builder commands)
    {
        if (state.Failure is not null)
            return state;
        commands.Add(new FailKeyGeneration(state.Session!.SessionId, problem));
        return state with { Failure = problem };
    }

    private static PartyKeyGenerationState<TSealedShare, TCollectiveKey> Refuse(PartyKeyGenerationState<TSealedShare, TCollectiveKey> state, string what,
        ImmutableArray<PartyKeyGenerationCommand>.Builder commands)
    {
        commands.Add(new RefuseKeyGenerationMessage(what));
        return state;
    }
}
