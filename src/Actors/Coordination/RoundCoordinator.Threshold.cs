using Akka.Actor;
using FederatedHe.Actors.Persistence;
using FederatedHe.Actors.Security;
using FederatedHe.Crypto;
using FederatedHe.Crypto.Multiparty;
using PublicKey = FederatedHe.Crypto.Rlwe.PublicKey;
using static FederatedHe.Actors.Protocol.FederationProtocol;
using static FederatedHe.Actors.Protocol.KeyGenerationProtocol;
using FederatedHe.Federation;
using Core = FederatedHe.Federation.Rounds;

namespace FederatedHe.Actors.Coordination;

/// <summary>
/// Threshold mode, the part of key generation that handles signed key material: the relay. The round machine's
/// key-generation sub-machine (<see cref="Core.AllPartiesKeyGeneration"/>) decides when the key is ready, failed or
/// must be confirmed, who is excluded and what checkpoints record; this partial checks the messages only an actor can
/// check (the sender is the party it names, commitments match reveals, the shares sum to a key) and reports to the
/// sub-machine through its events (<see cref="Core.ShareCommitted"/>, <see cref="Core.ShareRevealed"/>,
/// <see cref="Core.CollectiveKeyFormed"/>, <see cref="Core.PartyHoldsKey"/>, <see cref="Core.KeyShareConfirmed"/>,
/// <see cref="Core.KeyGenerationAborted"/>), and the sub-machine says when to relay. Its handlers are registered in the
/// key-generation phase's behaviour only, except a key confirmation and a key-exposure report, which may come at any time.
/// <para>The protocol: the coordinator runs collective key generation before round 0 and names each aggregate's decryption
/// committee. In key generation it only relays: every party's signed commitment once all n are in, then every signed
/// reveal once all n are in, and the collective key it computes from them (for its checkpoint), which each party checks
/// against the sum it computed itself. It cannot alter a signed message, and Shamir shares travel sealed hospital to
/// hospital, so it cannot substitute the key nor read a share. Decryption shares travel hospital to hospital too.</para>
/// <para>Checkpoint and resume: each checkpoint records the collective key (session, key id, parties, public key; all
/// public). A restarted coordinator does not generate a new key: it tells the registered parties where everyone is now
/// (<see cref="ResumeThresholdKey"/>), and each answers whether it still holds its saved share. A party whose share is
/// lost is excluded for good; the federation resumes if at least t parties hold theirs (any t can decrypt), and fails
/// with the parties' reasons otherwise. The same announcement goes out whenever a party rejoins from a new address,
/// because decryption shares travel hospital to hospital by actor path.</para>
/// </summary>
internal sealed partial class RoundCoordinator
{
    private readonly ThresholdParameters? _threshold;

    // The relay of the session in progress: its id and the signed commitments and reveals received so far (the
    // sub-machine counts them and says when to relay; the bytes are kept here).
    private string? _keySession;
    private readonly Dictionary<string, PublicKeyShareCommitment> _commitments = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PublicKeyShareReveal> _reveals = new(StringComparer.Ordinal);

    // Resuming from a checkpoint: whether the key came from one, and the parties already told of the restart.
    private bool _resumedFromCheckpoint;
    private readonly HashSet<string> _toldOfRestart = new(StringComparer.Ordinal);

    /// <summary>Whether the federation runs the seeded threshold scheme (updates under each hospital's own secret, sums of c0).</summary>
    private bool IsSeededThreshold => _threshold?.Scheme == ThresholdScheme.SeededSecretKey;

    /// <summary>
    /// In the seeded threshold scheme, what an update of <paramref name="round"/> from <paramref name="hospitalId"/> must be: that
    /// party's, encrypted for the round's context under the collective key set. (null, null) otherwise: nothing to check.
    /// </summary>
    private (int? Party, byte[]? Context) SeededExpectation(string hospitalId, int round) =>
        IsSeededThreshold && CollectiveKey is { } key
            ? (Parties.Items.IndexOf(hospitalId) + 1, CryptoPool.SeededUpdateContext.For(key.KeyId, round))
            : (null, null);

    /// <summary>The key's parties, as the key-generation sub-machine holds them.</summary>
    private EquatableArray<string> Parties => _state.KeyGeneration.Parties;

    /// <summary>The collective key, once formed or restored.</summary>
    private Core.CollectiveKey? CollectiveKey => (_state.KeyGeneration as Core.AllPartiesKeyGeneration)?.Key;

    /// <summary>The key-generation phase's own messages: the relay of signed shares and the parties' reports.</summary>
    private void ReceiveKeyGenerationMessages()
    {
        Receive<PublicKeyShareCommitment>(Handle);
        Receive<PublicKeyShareReveal>(Handle);
        Receive<CollectivePublicKeyReady>(Handle);
        Receive<KeyGenerationAggregationFailed>(f =>
        {
            if (f.SessionId == _keySession)
                Abort($"key generation: the revealed public-key shares do not sum to a collective key: {f.Reason}");
        });
        Receive<KeyGenerationFailed>(Handle);
        Receive<KeyGenerationCompleted>(Handle);
    }

    /// <summary>Threshold messages of any phase: a party's key confirmation (it may rejoin at any time) and a key-exposure report.</summary>
    private void ReceiveThresholdMessagesOfAnyPhase()
    {
        Receive<ResumeThresholdKeyResponse>(Handle);
        Receive<CollectiveKeyExposureSuspected>(Handle);
        Receive<CollectivePublicKeyReady>(_ => { });
        Receive<KeyGenerationAggregationFailed>(_ => { });
    }

    /// <summary>Carries out <see cref="Core.BeginKeyGeneration"/>: a new session, announced to every party with everyone's path.</summary>
    private void BeginKeyGeneration(EquatableArray<string> parties, int threshold)
    {
        var paths = parties.Select(id => _hospitalRefs[id].Path.ToStringWithAddress()).ToArray();
        var session = $"{Self.Path.Address}/{Guid.NewGuid():N}";
        _keySession = session;
        _commitments.Clear();
        _reveals.Clear();
        Decide(0, $"key-generation session {session}");
        Tell(parties, new BeginKeyGeneration(0, session, parties.ToArray(), paths, threshold));
    }

    private void Abort(string reason) => Apply(new Core.KeyGenerationMessage(new Core.KeyGenerationAborted(reason)));

    /// <summary>Whether a key-generation message comes from the party it names, in the session in progress; ignored (by name) if not.</summary>
    private bool FromKeyGenerationParty(IKeyGenerationMessage message, string hospitalId, int partyId, string what)
    {
        var index = Parties.Items.IndexOf(hospitalId);
        if (CollectiveKey is not null || message.SessionId != _keySession || index < 0 || partyId != index + 1 || !IsRegisteredSender(hospitalId))
        {
            Ignore($"a key-generation {what} from {hospitalId} as party {partyId} for session {message.SessionId}, sent by {Sender.Path}: "
                + "not that party, or outside key generation");
            return false;
        }

        return true;
    }

    private IEnumerable<string> ReachableParties => Parties.Where(_state.IsReachable);

    private void Handle(PublicKeyShareCommitment commitment)
    {
        if (!FromKeyGenerationParty(commitment, commitment.HospitalId, commitment.PartyId, "commitment"))
            return;
        _commitments.TryAdd(commitment.HospitalId, commitment); // the first one stands; the sub-machine counts a second
        Apply(new Core.KeyGenerationMessage(new Core.ShareCommitted(commitment.HospitalId)));
    }

    private void Handle(PublicKeyShareReveal reveal)
    {
        if (!FromKeyGenerationParty(reveal, reveal.HospitalId, reveal.PartyId, "reveal"))
            return;

        // The parties check this too; checked here so the federation fails naming the party rather than timing out.
        if (_commitments.Count == Parties.Length && _commitments.TryGetValue(reveal.HospitalId, out var committed)
            && !KeyGenerationTranscript.Commitment(reveal.PublicKeyShare, reveal.KeyAgreementKey).AsSpan().SequenceEqual(committed.Commitment))
        {
            Abort($"key generation: {reveal.HospitalId} revealed a public-key share or key-agreement key that does not match its commitment");
            return;
        }

        if (_commitments.Count == Parties.Length)
            _reveals.TryAdd(reveal.HospitalId, reveal);
        Apply(new Core.KeyGenerationMessage(new Core.ShareRevealed(reveal.HospitalId)));
    }

    /// <summary>Carries out <see cref="Core.RelayCommitments"/>: every reachable party receives every signed commitment.</summary>
    private void RelayCommitments(EquatableArray<string> parties)
    {
        foreach (var id in ReachableParties)
            foreach (var party in parties)
                _hospitalRefs[id].Tell(_commitments[party]);
    }

    /// <summary>
    /// Carries out <see cref="Core.RelayRevealsAndFormKey"/>: every reachable party receives every signed reveal, and the
    /// collective key is summed from the revealed shares off the mailbox.
    /// </summary>
    private void RelayRevealsAndFormKey(EquatableArray<string> parties)
    {
        foreach (var id in ReachableParties)
            foreach (var party in parties)
                _hospitalRefs[id].Tell(_reveals[party]);

        var threshold = _threshold!;
        var session = _keySession!;
        var shares = parties.Select(id => _reveals[id].PublicKeyShare).ToList();
        Task.Run(() =>
        {
            var parsed = shares.Select(bytes => PublicKeyShare.FromBytes(threshold, bytes));
            var collective = new CollectivePublicKeyGenerator(threshold).AggregateShares(parsed);
            return new CollectivePublicKeyReady(session, collective.ToBytes(), CollectivePublicKeyGenerator.KeyIdOf(collective).ToString());
        }).PipeTo(Self, failure: e => new KeyGenerationAggregationFailed(session, e.Message));
    }

    private void Handle(CollectivePublicKeyReady ready)
    {
        if (ready.SessionId != _keySession)
            return;
        Apply(new Core.KeyGenerationMessage(new Core.CollectiveKeyFormed(new Core.CollectiveKey(ready.SessionId, ready.KeyId, [.. ready.PublicKey]))));
        Decide(0, $"collective public key {ready.KeyId} formed from {Parties.Length} signed shares; each party checks it against its own sum "
            + "and re-shares its secret, sealed, with the others");
        Tell(ReachableParties, new CollectivePublicKeyAnnounced(0, ready.SessionId, ready.KeyId, ready.PublicKey));
    }

    private void Handle(CollectiveKeyExposureSuspected suspected)
    {
        if (!Parties.Contains(suspected.HospitalId) || !IsRegisteredSender(suspected.HospitalId))
        {
            Ignore($"a key-exposure report claiming to be from {suspected.HospitalId}, sent by {Sender.Path}, not from that party");
            return;
        }

        Apply(new Core.FatalError($"{suspected.HospitalId} refused the aggregate of round {suspected.RoundId} and retired the collective key {suspected.KeyId}: "
            + $"{suspected.Reason}. A crafted update or an altered aggregate may have exposed the key; start a new federation with a new key"));
    }

    private void Handle(KeyGenerationFailed failed)
    {
        if (failed.SessionId != _keySession || !Parties.Contains(failed.HospitalId) || !IsRegisteredSender(failed.HospitalId))
        {
            Ignore($"key-generation failure claiming to be from {failed.HospitalId} for session {failed.SessionId}, sent by {Sender.Path}");
            return;
        }

        Abort($"key generation failed: {failed.HospitalId} refused it: {failed.Reason}");
    }

    private void Handle(KeyGenerationCompleted completed)
    {
        if (!Parties.Contains(completed.HospitalId) || !IsRegisteredSender(completed.HospitalId))
        {
            Ignore($"key-generation report claiming to be from {completed.HospitalId}, sent by {Sender.Path}, outside key generation or not from that party");
            return;
        }

        // The sub-machine fails key generation if the party combined its share for another key than the one formed here.
        Apply(new Core.KeyGenerationMessage(new Core.PartyHoldsKey(completed.HospitalId, completed.KeyId)));
    }

    /// <summary>
    /// Carries out <see cref="Core.ConfirmKeyShares"/>: tells every reachable party where the parties are now, and so asks
    /// each whether it still holds its share. A party first hears of a resumed coordinator here.
    /// </summary>
    private void AnnounceParties()
    {
        if (CollectiveKey is not { } key)
            return;
        var parties = Parties.ToArray();
        var paths = parties.Select(id => _state.IsReachable(id) && _hospitalRefs.TryGetValue(id, out var h) ? h.Path.ToStringWithAddress() : string.Empty).ToArray();
        foreach (var id in ReachableParties)
        {
            var restarted = _resumedFromCheckpoint && _toldOfRestart.Add(id);
            _hospitalRefs[id].Tell(new ResumeThresholdKey(_state.Round, key.KeyId, parties, paths, _settings.Threshold, restarted));
        }
    }

    private void Handle(ResumeThresholdKeyResponse response)
    {
        if (!IsRegisteredSender(response.HospitalId) || CollectiveKey is not { } key || response.KeyId != key.KeyId)
        {
            Ignore($"key confirmation from {response.HospitalId} for key {response.KeyId} from {Sender.Path}");
            return;
        }

        Apply(new Core.KeyGenerationMessage(new Core.KeyShareConfirmed(response.HospitalId, response.Resumed, response.Reason)));
    }

    /// <summary>Carries out <see cref="Core.ExcludeHospital"/>: a party without its key share leaves the federation for good, and is told why.</summary>
    private void Exclude(string hospitalId, string reason)
    {
        if (!_hospitalRefs.Remove(hospitalId, out var hospital))
            return;
        Context.Unwatch(hospital);
        _assembler.DiscardFrom(hospitalId);
        hospital.Tell(new RegisterHospitalResponse(hospitalId, false, _state.KeyGeneration.RegistrationRefusal(hospitalId) ?? reason));
    }

    /// <summary>Why the collective key a checkpoint records cannot be resumed under, or null if it can (or it records none: the sub-machine says so).</summary>
    private string? CheckedThresholdKey(RoundCheckpointed checkpoint)
    {
        if (checkpoint.ThresholdKey is not { } key || key.Threshold != _settings.Threshold)
            return null;
        try
        {
            var publicKey = PublicKey.FromBytes(_threshold!.Ckks, key.CollectivePublicKey);
            return CollectivePublicKeyGenerator.KeyIdOf(publicKey).ToString() == key.KeyId
                ? null
                : $"cannot resume the checkpoint of round {checkpoint.Round}: its collective public key does not match its key id {key.KeyId}";
        }
        catch (Exception e) when (e is CkksFormatException or ParameterSetMismatchException)
        {
            return $"cannot resume the checkpoint of round {checkpoint.Round}: its collective public key is unreadable: {e.Message}";
        }
    }

    private sealed record CollectivePublicKeyReady(string SessionId, byte[] PublicKey, string KeyId) : INoSerializationVerificationNeeded;

    private sealed record KeyGenerationAggregationFailed(string SessionId, string Reason) : INoSerializationVerificationNeeded;
}
