using Akka.Actor;
using FederatedHe.Crypto;
using FederatedHe.Crypto.Multiparty;
using static FederatedHe.Actors.Protocol.FederationProtocol;

namespace FederatedHe.Actors.Coordination;

/// <summary>
/// Threshold mode: the coordinator runs collective key generation before round 0 (it sees only public-key
/// shares, which are public) and names each aggregate's decryption committee. Shamir shares and decryption
/// shares travel hospital to hospital; the coordinator never receives them.
/// </summary>
internal sealed partial class RoundCoordinator
{
    private const string KeyGenerationTimerKey = "key-generation";

    private readonly ThresholdParameters? _threshold;
    private string[] _parties = [];
    private readonly Dictionary<string, byte[]> _publicKeyShares = new(StringComparer.Ordinal);
    private readonly HashSet<string> _keysReady = new(StringComparer.Ordinal);
    private readonly Dictionary<int, DecryptionCommittee> _committees = new();

    private void ReceiveKeyGenerationMessages()
    {
        Receive<KeyGenerationCompleted>(Handle);
        Receive<CollectivePublicKeyReady>(Handle);
        Receive<KeyGenerationTimedOut>(_ =>
        {
            if (_phase == Phase.KeyGeneration)
                Fail($"key generation incomplete after {KeyGenerationTimeout}: {_publicKeyShares.Count} public-key shares and {_keysReady.Count} threshold keys of {_parties.Length}");
        });
    }

    private TimeSpan KeyGenerationTimeout => _settings.CollectTimeout * _settings.MaxAttempts;

    private void BeginKeyGeneration()
    {
        _phase = Phase.KeyGeneration;
        _parties = _hospitals.Values.Where(h => h.Reachable).Select(h => h.Id).Order(StringComparer.Ordinal).ToArray();
        var paths = _parties.Select(id => _hospitals[id].Ref.Path.ToStringWithAddress()).ToArray();
        var session = $"{Self.Path.Address}/{Guid.NewGuid():N}";
        Decide(0, $"threshold key generation {session}: {_parties.Length} parties, any {_settings.Threshold} can decrypt");
        foreach (var id in _parties)
            _hospitals[id].Ref.Tell(new BeginKeyGeneration(0, session, _parties, paths, _settings.Threshold));
        Timers.StartSingleTimer(KeyGenerationTimerKey, KeyGenerationTimedOut.Instance, KeyGenerationTimeout);
    }

    private void HandlePublicKeyShare(EncryptedChunk chunk)
    {
        if (_phase != Phase.KeyGeneration || !_parties.Contains(chunk.ParticipantId)
            || !_hospitals.TryGetValue(chunk.ParticipantId, out var entry) || !entry.Ref.Equals(Sender))
        {
            Ignore($"public-key share from {chunk.ParticipantId} outside key generation or from another sender");
            return;
        }

        // Checked on arrival, so one party's malformed share is refused by name rather than failing the aggregation of all.
        try
        {
            _ = PublicKeyShare.FromBytes(_threshold!, chunk.Ciphertext);
        }
        catch (Exception exception) when (exception is CkksFormatException or ParameterSetMismatchException or ThresholdProtocolException)
        {
            Ignore($"public-key share from {chunk.ParticipantId}: {exception.Message}");
            return;
        }

        if (!_publicKeyShares.TryAdd(chunk.ParticipantId, chunk.Ciphertext))
        {
            Ignore($"second public-key share from {chunk.ParticipantId}: the first one stands");
            return;
        }

        if (_publicKeyShares.Count < _parties.Length)
            return;

        var threshold = _threshold!;
        var shares = _parties.Select(id => _publicKeyShares[id]).ToList();
        Task.Run(() =>
        {
            var parsed = shares.Select(bytes => PublicKeyShare.FromBytes(threshold, bytes));
            return new CollectivePublicKeyReady(new CollectivePublicKeyGenerator(threshold).AggregateShares(parsed).ToBytes());
        }).PipeTo(Self);
    }

    private void Handle(CollectivePublicKeyReady ready)
    {
        Decide(0, $"collective public key formed from {_parties.Length} shares; hospitals now re-share their secrets among themselves");
        foreach (var id in _parties.Where(IsReachable))
            _hospitals[id].Ref.Tell(new EncryptedChunk(0, CoordinatorId, PayloadKind.CollectivePublicKey, 0, 1, 1, ready.PublicKey));
    }

    private void Handle(KeyGenerationCompleted completed)
    {
        if (_phase != Phase.KeyGeneration || !_parties.Contains(completed.HospitalId)
            || !_hospitals.TryGetValue(completed.HospitalId, out var entry) || !entry.Ref.Equals(Sender))
        {
            Ignore($"key-generation report claiming to be from {completed.HospitalId}, sent by {Sender.Path}, outside key generation or not from that party");
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

    private sealed record CollectivePublicKeyReady(byte[] PublicKey) : INoSerializationVerificationNeeded;

    private sealed class KeyGenerationTimedOut : INoSerializationVerificationNeeded
    {
        public static readonly KeyGenerationTimedOut Instance = new();
    }
}
