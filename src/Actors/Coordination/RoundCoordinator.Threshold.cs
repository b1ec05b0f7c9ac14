using Akka.Actor;
using FederatedHe.Actors.Persistence;
using FederatedHe.Actors.Security;
using FederatedHe.Crypto;
using FederatedHe.Crypto.Multiparty;
using PublicKey = FederatedHe.Crypto.Rlwe.PublicKey;
using static FederatedHe.Actors.Protocol.FederationProtocol;
using static FederatedHe.Actors.Protocol.KeyGenerationProtocol;

namespace FederatedHe.Actors.Coordination;

/// <summary>
/// Threshold mode: the coordinator runs collective key generation before round 0 and names each aggregate's decryption
/// committee. In key generation it only relays: every party's signed commitment once all n are in, then every signed
/// reveal once all n are in, and the collective key it computes from them (for its checkpoint), which each party checks
/// against the sum it computed itself. It cannot alter a signed message, and Shamir shares travel sealed hospital to
/// hospital, so it cannot substitute the key nor read a share. Decryption shares travel hospital to hospital too.
/// <para>Checkpoint and resume: each checkpoint records the collective key (session, key id, parties, public key; all
/// public). A restarted coordinator does not generate a new key: it tells the registered parties where everyone is now
/// (<see cref="ResumeThresholdKey"/>), and each answers whether it still holds its saved share. A party whose share is
/// lost is excluded for good; the federation resumes if at least t parties hold theirs (any t can decrypt), and fails
/// with the parties' reasons otherwise. The same announcement goes out whenever a party rejoins from a new address,
/// because decryption shares travel hospital to hospital by actor path.</para>
/// </summary>
internal sealed partial class RoundCoordinator
{
    private const string KeyGenerationTimerKey = "key-generation";

    private readonly ThresholdParameters? _threshold;
    private string[] _parties = [];
    private readonly Dictionary<string, PublicKeyShareCommitment> _commitments = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PublicKeyShareReveal> _reveals = new(StringComparer.Ordinal);
    private readonly HashSet<string> _keysReady = new(StringComparer.Ordinal);
    private readonly Dictionary<int, DecryptionCommittee> _committees = new();

    // The collective key once formed (or restored from a checkpoint); what the checkpoint records.
    private string? _keySession;
    private string? _keyId;
    private byte[]? _collectivePublicKey;

    // Resuming from a checkpoint: the concluded round to resume after while parties confirm their key shares, the
    // parties still to answer, those told about the restart, and the parties excluded because their share is lost.
    private int? _keyResumptionRound;
    private bool _resumedFromCheckpoint;
    private readonly HashSet<string> _awaitingKeyConfirmation = new(StringComparer.Ordinal);
    private readonly HashSet<string> _toldOfRestart = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _partiesWithoutKey = new(StringComparer.Ordinal);

    private void ReceiveKeyGenerationMessages()
    {
        Receive<KeyGenerationCompleted>(Handle);
        Receive<KeyGenerationFailed>(Handle);
        Receive<CollectiveKeyExposureSuspected>(Handle);
        Receive<PublicKeyShareCommitment>(Handle);
        Receive<PublicKeyShareReveal>(Handle);
        Receive<CollectivePublicKeyReady>(Handle);
        Receive<KeyGenerationAggregationFailed>(f =>
        {
            if (f.SessionId == _keySession && _phase == Phase.KeyGeneration)
                Fail($"key generation: the revealed public-key shares do not sum to a collective key: {f.Reason}");
        });
        Receive<ResumeThresholdKeyResponse>(Handle);
        Receive<KeyGenerationTimedOut>(_ =>
        {
            if (_phase == Phase.KeyGeneration && _keyResumptionRound is { } concluded)
            {
                // A party still registered but silent is treated as having lost its share; one that left meanwhile is
                // merely absent, and is asked again if it rejoins.
                foreach (var silent in _awaitingKeyConfirmation.Where(IsReachable).ToList())
                    ExcludePartyWithoutKey(silent, $"did not confirm its key share within {KeyGenerationTimeout}");
                _awaitingKeyConfirmation.Clear();
                FinishKeyResumption(concluded);
            }
            else if (_phase == Phase.KeyGeneration)
                Fail($"key generation incomplete after {KeyGenerationTimeout}: {_commitments.Count} commitments, {_reveals.Count} reveals and "
                    + $"{_keysReady.Count} threshold keys of {_parties.Length}");
        });
    }

    private TimeSpan KeyGenerationTimeout => _settings.CollectTimeout * _settings.MaxAttempts;

    private void BeginKeyGeneration()
    {
        _phase = Phase.KeyGeneration;
        _parties = _hospitals.Values.Where(h => h.Reachable).Select(h => h.Id).Order(StringComparer.Ordinal).ToArray();
        var paths = _parties.Select(id => _hospitals[id].Ref.Path.ToStringWithAddress()).ToArray();
        var session = $"{Self.Path.Address}/{Guid.NewGuid():N}";
        _keySession = session;
        _commitments.Clear();
        _reveals.Clear();
        _keysReady.Clear();
        Decide(0, $"threshold key generation {session}: {_parties.Length} parties, any {_settings.Threshold} can decrypt");
        foreach (var id in _parties)
            _hospitals[id].Ref.Tell(new BeginKeyGeneration(0, session, _parties, paths, _settings.Threshold));
        Timers.StartSingleTimer(KeyGenerationTimerKey, KeyGenerationTimedOut.Instance, KeyGenerationTimeout);
    }

    /// <summary>Whether a key-generation message comes from the party it names, in the session in progress; ignored (by name) if not.</summary>
    private bool FromKeyGenerationParty(IKeyGenerationMessage message, string hospitalId, int partyId, string what)
    {
        var index = Array.IndexOf(_parties, hospitalId);
        if (_phase != Phase.KeyGeneration || _keyResumptionRound is not null || message.SessionId != _keySession || index < 0 || partyId != index + 1
            || !_hospitals.TryGetValue(hospitalId, out var entry) || !entry.Ref.Equals(Sender))
        {
            Ignore($"a key-generation {what} from {hospitalId} as party {partyId} for session {message.SessionId}, sent by {Sender.Path}: "
                + "not that party, or outside key generation");
            return false;
        }

        return true;
    }

    private void Handle(PublicKeyShareCommitment commitment)
    {
        if (!FromKeyGenerationParty(commitment, commitment.HospitalId, commitment.PartyId, "commitment"))
            return;
        if (!_commitments.TryAdd(commitment.HospitalId, commitment))
        {
            Ignore($"second commitment from {commitment.HospitalId}: the first one stands");
            return;
        }

        if (_commitments.Count < _parties.Length)
            return;
        Decide(0, $"all {_parties.Length} parties committed to their public-key shares; relaying the signed commitments");
        foreach (var id in _parties.Where(IsReachable))
            foreach (var party in _parties)
                _hospitals[id].Ref.Tell(_commitments[party]);
    }

    private void Handle(PublicKeyShareReveal reveal)
    {
        if (!FromKeyGenerationParty(reveal, reveal.HospitalId, reveal.PartyId, "reveal"))
            return;
        if (!_commitments.TryGetValue(reveal.HospitalId, out var committed) || _commitments.Count < _parties.Length)
        {
            Ignore($"reveal from {reveal.HospitalId} before every party committed");
            return;
        }

        // The parties check this too; checked here so the federation fails naming the party rather than timing out.
        if (!KeyGenerationTranscript.Commitment(reveal.PublicKeyShare, reveal.KeyAgreementKey).AsSpan().SequenceEqual(committed.Commitment))
        {
            Fail($"key generation: {reveal.HospitalId} revealed a public-key share or key-agreement key that does not match its commitment");
            return;
        }

        if (!_reveals.TryAdd(reveal.HospitalId, reveal))
        {
            Ignore($"second reveal from {reveal.HospitalId}: the first one stands");
            return;
        }

        if (_reveals.Count < _parties.Length)
            return;
        Decide(0, $"all {_parties.Length} parties revealed their committed shares; relaying the signed reveals");
        foreach (var id in _parties.Where(IsReachable))
            foreach (var party in _parties)
                _hospitals[id].Ref.Tell(_reveals[party]);

        var threshold = _threshold!;
        var session = _keySession!;
        var shares = _parties.Select(id => _reveals[id].PublicKeyShare).ToList();
        Task.Run(() =>
        {
            var parsed = shares.Select(bytes => PublicKeyShare.FromBytes(threshold, bytes));
            var collective = new CollectivePublicKeyGenerator(threshold).AggregateShares(parsed);
            return new CollectivePublicKeyReady(session, collective.ToBytes(), CollectivePublicKeyGenerator.KeyIdOf(collective).ToString());
        }).PipeTo(Self, failure: e => new KeyGenerationAggregationFailed(session, e.Message));
    }

    private void Handle(CollectivePublicKeyReady ready)
    {
        if (ready.SessionId != _keySession || _phase != Phase.KeyGeneration)
            return;
        _collectivePublicKey = ready.PublicKey;
        _keyId = ready.KeyId;
        Decide(0, $"collective public key {ready.KeyId} formed from {_parties.Length} signed shares; each party checks it against its own sum "
            + "and re-shares its secret, sealed, with the others");
        foreach (var id in _parties.Where(IsReachable))
            _hospitals[id].Ref.Tell(new CollectivePublicKeyAnnounced(0, ready.SessionId, ready.KeyId, ready.PublicKey));
    }

    private void Handle(CollectiveKeyExposureSuspected suspected)
    {
        if (!_parties.Contains(suspected.HospitalId) || !_hospitals.TryGetValue(suspected.HospitalId, out var entry) || !entry.Ref.Equals(Sender))
        {
            Ignore($"a key-exposure report claiming to be from {suspected.HospitalId}, sent by {Sender.Path}, not from that party");
            return;
        }

        Fail($"{suspected.HospitalId} refused the aggregate of round {suspected.RoundId} and retired the collective key {suspected.KeyId}: "
            + $"{suspected.Reason}. A crafted update or an altered aggregate may have exposed the key; start a new federation with a new key");
    }

    private void Handle(KeyGenerationFailed failed)
    {
        if (_phase != Phase.KeyGeneration || failed.SessionId != _keySession || !_parties.Contains(failed.HospitalId)
            || !_hospitals.TryGetValue(failed.HospitalId, out var entry) || !entry.Ref.Equals(Sender))
        {
            Ignore($"key-generation failure claiming to be from {failed.HospitalId} for session {failed.SessionId}, sent by {Sender.Path}");
            return;
        }

        Fail($"key generation failed: {failed.HospitalId} refused it: {failed.Reason}");
    }

    private void Handle(KeyGenerationCompleted completed)
    {
        if (_phase != Phase.KeyGeneration || !_parties.Contains(completed.HospitalId)
            || !_hospitals.TryGetValue(completed.HospitalId, out var entry) || !entry.Ref.Equals(Sender))
        {
            Ignore($"key-generation report claiming to be from {completed.HospitalId}, sent by {Sender.Path}, outside key generation or not from that party");
            return;
        }

        if (completed.KeyId != _keyId)
        {
            Fail($"{completed.HospitalId} combined a key share for key {completed.KeyId}, the key it computed from the signed shares, "
                + $"not for the collective key {_keyId ?? "(not yet formed)"} this coordinator computed");
            return;
        }

        _keysReady.Add(completed.HospitalId);
        if (_keysReady.Count < _parties.Length)
            return;
        Timers.Cancel(KeyGenerationTimerKey);
        Decide(0, $"every party holds its threshold key ({completed.KeyId})");
        StartRound(0);
    }

    /// <summary>The round's committee: the first t reachable parties, or the one already named if all are still reachable.</summary>
    private DecryptionCommittee CommitteeFor(int round)
    {
        if (_committees.TryGetValue(round, out var current) && current.Members.All(IsReachable))
            return current;
        var members = _parties.Where(IsReachable).Take(_settings.Threshold).ToArray();
        var committee = new DecryptionCommittee(round, (current?.Attempt ?? 0) + 1, members);
        _committees[round] = committee;
        foreach (var old in _committees.Keys.Where(r => r < round - 1).ToList())
            _committees.Remove(old);
        if (members.Length < _settings.Threshold)
            Fail($"round {round}: only {members.Length} parties reachable, fewer than the threshold {_settings.Threshold} needed to decrypt");
        else
            Decide(round, $"decryption committee {committee.Attempt}: {string.Join(", ", members)}");
        return committee;
    }

    /// <summary>A committee member dropped out while its aggregate may still be decrypting: name a new committee.</summary>
    private void ReplaceDroppedCommitteeMembers()
    {
        foreach (var (round, committee) in _committees.ToList())
        {
            if (committee.Members.All(IsReachable) || _phase == Phase.Finished)
                continue;
            var replacement = CommitteeFor(round);
            if (_phase == Phase.Finished)
                return;
            foreach (var hospital in _hospitals.Values.Where(h => h.Reachable))
                hospital.Ref.Tell(replacement);
        }
    }

    /// <summary>What a checkpoint records of the collective key; null in shared-key mode or before the key exists.</summary>
    private ThresholdKeyCheckpoint? CurrentThresholdKey() =>
        _threshold is null || _keyId is null || _keySession is null || _collectivePublicKey is null
            ? null
            : new ThresholdKeyCheckpoint(_keySession, _keyId, _settings.Threshold, _parties, _collectivePublicKey);

    /// <summary>Takes the collective key from a checkpoint about to be resumed; false (after failing the federation) if it cannot.</summary>
    private bool RestoreThresholdKey(RoundCheckpointed checkpoint)
    {
        if (checkpoint.ThresholdKey is not { } key)
        {
            Fail($"cannot resume the checkpoint of round {checkpoint.Round}: it records no collective threshold key (written by a build "
                + "that could not resume threshold mode); delete the checkpoint journal to start a new federation");
            return false;
        }

        if (key.Threshold != _settings.Threshold)
        {
            Fail($"cannot resume the checkpoint of round {checkpoint.Round}: its collective key needs {key.Threshold} parties to decrypt, "
                + $"this federation is configured for {_settings.Threshold}; restore fedhe.crypto.threshold or delete the checkpoint journal");
            return false;
        }

        try
        {
            var publicKey = PublicKey.FromBytes(_threshold!.Ckks, key.CollectivePublicKey);
            if (CollectivePublicKeyGenerator.KeyIdOf(publicKey).ToString() != key.KeyId)
            {
                Fail($"cannot resume the checkpoint of round {checkpoint.Round}: its collective public key does not match its key id {key.KeyId}");
                return false;
            }
        }
        catch (Exception e) when (e is CkksFormatException or ParameterSetMismatchException)
        {
            Fail($"cannot resume the checkpoint of round {checkpoint.Round}: its collective public key is unreadable: {e.Message}");
            return false;
        }

        _parties = key.Parties.ToArray();
        _keySession = key.SessionId;
        _keyId = key.KeyId;
        _collectivePublicKey = key.CollectivePublicKey;
        _resumedFromCheckpoint = true;
        Decide(checkpoint.Round, $"the checkpoint's collective key {key.KeyId}: {key.Threshold} of [{string.Join(", ", key.Parties)}]");
        return true;
    }

    /// <summary>Asks the registered parties to confirm their saved key shares; the federation resumes once all have answered.</summary>
    private void BeginKeyResumption(int concluded)
    {
        _phase = Phase.KeyGeneration;
        _keyResumptionRound = concluded;
        _awaitingKeyConfirmation.Clear();
        _awaitingKeyConfirmation.UnionWith(_parties.Where(IsReachable));
        Decide(concluded, $"resuming under the collective key {_keyId}: asking {_awaitingKeyConfirmation.Count} parties to confirm their saved key shares");
        AnnounceParties();
        Timers.StartSingleTimer(KeyGenerationTimerKey, KeyGenerationTimedOut.Instance, KeyGenerationTimeout);
    }

    /// <summary>
    /// A party registered from a new address after the key exists: every party learns its new path (decryption shares
    /// travel hospital to hospital) and the newcomer is asked whether it still holds its share.
    /// </summary>
    private void OnPartyAdmitted(string hospitalId)
    {
        if (_keyId is null || _phase is Phase.Registering or Phase.Finished || (_phase == Phase.KeyGeneration && _keyResumptionRound is null))
            return;
        if (_keyResumptionRound is not null)
            _awaitingKeyConfirmation.Add(hospitalId);
        AnnounceParties();
    }

    /// <summary>Tells every registered party where the parties are now. A party first hears of a resumed coordinator here.</summary>
    private void AnnounceParties()
    {
        var paths = _parties.Select(id => _hospitals.TryGetValue(id, out var h) && h.Reachable ? h.Ref.Path.ToStringWithAddress() : string.Empty).ToArray();
        foreach (var id in _parties.Where(IsReachable))
        {
            var restarted = _resumedFromCheckpoint && _toldOfRestart.Add(id);
            _hospitals[id].Ref.Tell(new ResumeThresholdKey(_round, _keyId!, _parties, paths, _settings.Threshold, restarted));
        }
    }

    private void Handle(ResumeThresholdKeyResponse response)
    {
        if (!_hospitals.TryGetValue(response.HospitalId, out var entry) || !entry.Ref.Equals(Sender) || response.KeyId != _keyId)
        {
            Ignore($"key confirmation from {response.HospitalId} for key {response.KeyId} from {Sender.Path}");
            return;
        }

        if (!response.Resumed)
            ExcludePartyWithoutKey(response.HospitalId, response.Reason);
        if (_keyResumptionRound is { } concluded && _awaitingKeyConfirmation.Remove(response.HospitalId) && _awaitingKeyConfirmation.Count == 0)
            FinishKeyResumption(concluded);
    }

    /// <summary>Every asked party answered (or timed out): resume if at least t parties hold their share, fail otherwise.</summary>
    private void FinishKeyResumption(int concluded)
    {
        Timers.Cancel(KeyGenerationTimerKey);
        _keyResumptionRound = null;
        var holders = _parties.Where(IsReachable).ToList();
        var lost = string.Join("; ", _partiesWithoutKey.Select(p => $"{p.Key}: {p.Value}"));
        if (holders.Count < _settings.Threshold)
        {
            Fail($"cannot resume under the collective key {_keyId}: only {holders.Count} parties hold their key share "
                + $"([{string.Join(", ", holders)}]), fewer than the {_settings.Threshold} needed to decrypt{(lost.Length > 0 ? $" ({lost})" : string.Empty)}");
            return;
        }

        Decide(concluded, $"{holders.Count} parties hold their share of the collective key {_keyId}: [{string.Join(", ", holders)}]"
            + (lost.Length > 0 ? $"; continuing without the lost ones ({lost})" : string.Empty));
        ResumeAfterCheckpoint(concluded);
    }

    /// <summary>A party without its share of the collective key can never decrypt under it again: it leaves the federation.</summary>
    private void ExcludePartyWithoutKey(string hospitalId, string reason)
    {
        _awaitingKeyConfirmation.Remove(hospitalId);
        _partiesWithoutKey[hospitalId] = reason;
        if (_hospitals.Remove(hospitalId, out var entry))
        {
            Context.Unwatch(entry.Ref);
            _assembler.DiscardFrom(hospitalId);
            entry.Ref.Tell(new RegisterHospitalResponse(hospitalId, false, ThresholdKeyLost(hospitalId)!));
        }

        Decide(_round, $"{hospitalId} lost its share of the collective key ({reason}): excluded from the federation");
        if (_keyResumptionRound is null)
            OnDropout();
    }

    /// <summary>Why a party excluded for a lost key share may not register again; null for any other hospital.</summary>
    private string? ThresholdKeyLost(string hospitalId) =>
        _partiesWithoutKey.TryGetValue(hospitalId, out var reason)
            ? $"{hospitalId} lost its share of the collective threshold key ({reason}) and cannot decrypt under it any more"
            : null;

    private sealed record CollectivePublicKeyReady(string SessionId, byte[] PublicKey, string KeyId) : INoSerializationVerificationNeeded;

    private sealed record KeyGenerationAggregationFailed(string SessionId, string Reason) : INoSerializationVerificationNeeded;

    private sealed class KeyGenerationTimedOut : INoSerializationVerificationNeeded
    {
        public static readonly KeyGenerationTimedOut Instance = new();
    }
}
