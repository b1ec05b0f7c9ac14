using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using FederatedHe.Actors.CryptoPool;
using FederatedHe.Actors.Persistence;
using FederatedHe.Actors.Transfer;
using FederatedHe.Crypto;
using FederatedHe.Crypto.Multiparty;
using FederatedHe.Training.Data;
using FederatedHe.Training.Models;
using PublicKey = FederatedHe.Crypto.Rlwe.PublicKey;
using static FederatedHe.Actors.Hospitals.ThresholdKeyHolder;
using static FederatedHe.Actors.Protocol.FederationProtocol;
using FederatedHe.Federation.Participation;
using Core = FederatedHe.Federation.Participation;

namespace FederatedHe.Actors.Hospitals;

/// <summary>
/// Threshold mode: collective key generation with the other hospitals (HospitalActor.KeyGeneration.cs), and decryption
/// of aggregates by a committee of t hospitals whose decryption shares travel hospital to hospital, never through the aggregator.
/// With <c>fedhe.persistence</c> on, the key share and the decrypted global statistics are kept on the hospital's disk,
/// and a restarted hospital loads them before it registers, so it rejoins the collective key it helped make.
/// </summary>
internal sealed partial class HospitalActor
{
    private IActorRef _keyHolder = ActorRefs.Nobody;
    private string[] _parties = [];
    private string[] _partyPaths = [];
    private int _partyId;
    // The committee's bookkeeping (aggregates, committees, shares, what was made and is being fused) is the pure
    // sub-machine's; shares are kept parsed: they were validated on arrival, and fusing must not read them again.
    private readonly CommitteeDecryption<AssembledVector, DecryptionShare> _committee = new(MaxRoundsOfDecryptionShares);
    private CommitteeDecryptionState<AssembledVector, DecryptionShare> _decryption = CommitteeDecryptionState<AssembledVector, DecryptionShare>.Empty;
    private readonly Stopwatch _thresholdClock = new();

    // Rounds whose decryption shares are held at once: an honest federation has the current round's and perhaps the
    // previous one's in flight, so a party sending shares for many rounds is refused before it can fill memory.
    private const int MaxRoundsOfDecryptionShares = 4;

    // The decryption shares this party made of the statistics (round 0) and of the latest model round, with the aggregate's
    // length: a party catching up that missed them is sent the same shares again, never new ones for the same committee.
    private readonly SortedDictionary<int, (DecryptionSharesReady Shares, int VectorLength)> _sharesMade = [];

    // The collective key this hospital holds a share of (null before key generation, or after a saved key was refused),
    // and, for a restarted hospital, the saved collective public key it encrypts under once the coordinator confirms it.
    private string? _thresholdKeyId;
    private PublicKey? _restoredCollectiveKey;
    private string _noThresholdKeyReason = "key generation has not run";

    // The seeded scheme: this party's encryptor under its own secret s_i, from its key holder once key generation completes.
    private SeededThresholdEncryptor? _seededEncryptor;

    // Set when a fused aggregate carried the trace of a crafted ciphertext: the collective key may be exposed, so this
    // hospital never encrypts under it again (a new key generation clears it).
    private string? _thresholdKeyRetired;

    /// <summary>Starts the key holder; with persistence on, asks it for the saved key first (the machine registers once it answers).</summary>
    private void StartThresholdParty()
    {
        var persistence = PersistenceSettings.Create(Context.System.Settings.Config);
        var keyFile = persistence.Enabled ? new HospitalThresholdKeyFile(persistence.HospitalDirectory, _data.HospitalId) : null;
        _keyHolder = Context.ActorOf(ThresholdKeyHolder.Props(_cryptoSetup.Threshold!, keyFile), "threshold-key");
        if (keyFile is null)
            return;

        // Registration waits: the coordinator asks a party about its key share as soon as it registers.
        _keyHolder.Tell(RestoreKey.Instance);
    }

    private void ReceiveThresholdMessages()
    {
        ReceiveKeyGenerationMessages();
        Receive<BeginKeyGeneration>(Handle);
        Receive<DecryptionCommittee>(Handle);
        Receive<ResumeThresholdKey>(Handle);
        Receive<DecryptionSharesReady>(Handle);
        Receive<KeyExposureSuspected>(Handle);
        Receive<DecryptionRefused>(Handle);
        Receive<SharesFused>(fused =>
        {
            (_decryption, var aggregate, var found) = CommitteeDecryption<AssembledVector, DecryptionShare>.Fused(_decryption, fused.Round, fused.Attempt);
            if (!found)
                return;
            var decrypted = Decrypted(fused.Round, aggregate!.Kind, fused.Values, _thresholdClock.Elapsed.TotalMilliseconds);
            if (decrypted is VectorDecrypted { Kind: PayloadKind.AggregatedStatistics } statistics)
                SaveStatistics(statistics.Values);
            Self.Tell(decrypted);
        });
    }

    /// <summary>Loading the saved key share answers only while the hospital waits for it, before it registers.</summary>
    private void ReceiveKeyRestore()
    {
        Receive<KeyRestored>(Handle);
        Receive<KeyNotRestored>(Handle);
    }

    private void Handle(BeginKeyGeneration begin)
    {
        var refusal = _cryptoSetup.Threshold is null
            ? $"threshold key generation session {begin.SessionId}: this hospital runs in shared-key mode"
            : KeyGenerationProblem(begin) is { } problem ? $"key generation session {begin.SessionId}: {problem}" : null;
        Apply(new Core.KeyGenerationRequested(Source(), Describe(begin), refusal), begin);
    }

    /// <summary>The machine accepted <paramref name="begin"/> from the coordinator: take the party's place and start its part.</summary>
    private void BeginKeyGenerationAsParty(BeginKeyGeneration begin)
    {
        var index = Array.IndexOf(begin.Parties, _data.HospitalId);

        _parties = begin.Parties;
        _partyPaths = begin.PartyPaths;
        _partyId = index + 1;
        _decryption = CommitteeDecryption<AssembledVector, DecryptionShare>.WithParties(_decryption, _parties, _partyId);

        // A new collective key means a new federation: the saved key, statistics and model belong to the previous one.
        _thresholdKeyId = null;
        _thresholdKeyRetired = null;
        _restoredCollectiveKey = null;
        _noThresholdKeyReason = $"key generation {begin.SessionId} has not completed";
        _scaledTrain = null;
        _scaledEvaluation = null;
        _globalParameters = ModelFactory.InitialParameters(_plan.Model, _data.Train.FeatureCount, _plan.InitialisationSeed);
        _log.Info("{0}: key generation {1} as party {2} of {3}, threshold {4}", _data.HospitalId, begin.SessionId, _partyId, _parties.Length, begin.Threshold);
        BeginKeyGenerationRun(begin);
    }

    /// <summary>What makes a key-generation request impossible to follow, or null.</summary>
    private string? KeyGenerationProblem(BeginKeyGeneration begin) =>
        PartyKeyGeneration.RequestProblem(_data.HospitalId, begin.Parties, begin.PartyPaths?.Length ?? 0, begin.Threshold, _cryptoSetup.Threshold!.MaxParties,
            begin.PartyPaths?.FirstOrDefault(p => !ActorPath.TryParse(p, out _)));

    private void HandleShareFromParty(EncryptedChunk chunk)
    {
        var sender = Array.IndexOf(_parties, chunk.ParticipantId) + 1;
        if (sender == 0 || !SentByParty(sender))
        {
            Refuse($"a decryption share claiming to be from {chunk.ParticipantId}, sent by {Sender.Path}");
            return;
        }

        // A decryption share: keep it only if it belongs to the round's current committee (the sub-machine's bounds
        // come before parsing, so a party flooding shares for absurd chunk counts or many rounds costs no parsing).
        var admission = _committee.Admit(_decryption, chunk.RoundId, chunk.ParticipantId, chunk.ChunkIndex, chunk.ChunkCount,
            _settings.MaxChunksPerVector, _state.GlobalRound, _state.StatisticsKnown);
        if (!admission.Keep)
        {
            if (admission.Refusal is { } refusal)
                Refuse(refusal);
            return;
        }

        DecryptionShare share;
        try
        {
            share = DecryptionShare.FromBytes(_cryptoSetup.Threshold!, chunk.Ciphertext);
        }
        catch (Exception exception) when (exception is CkksFormatException or ParameterSetMismatchException or ThresholdProtocolException)
        {
            Refuse($"a decryption share from {chunk.ParticipantId}: {exception.Message}");
            return;
        }

        if (share.PartyId != sender)
        {
            Refuse($"a decryption share from {chunk.ParticipantId} made by party {share.PartyId}");
            return;
        }

        Carry(_committee.ShareReceived(_decryption, chunk.RoundId, sender, chunk.ParticipantId, chunk.ChunkIndex, chunk.ChunkCount, share.Committee, share));
    }

    /// <summary>Takes the committee sub-machine's next state and carries out its commands.</summary>
    private void Carry(CommitteeStep<AssembledVector, DecryptionShare> step)
    {
        _decryption = step.State;
        foreach (var command in step.Commands)
        {
            switch (command)
            {
                case MakeDecryptionShares make:
                    var sum = _decryption.Aggregates[make.Round].Aggregate;
                    _keyHolder.Tell(new GenerateDecryptionShares(make.Round, make.Attempt, sum.Ciphertexts, [.. make.Committee], SeededDecryptionOf(sum)));
                    break;
                case FuseDecryptionShares<DecryptionShare> fuse:
                    var aggregate = _decryption.Aggregates[fuse.Round].Aggregate;
                    _keyHolder.Tell(new FuseShares(fuse.Round, fuse.Attempt, aggregate.Ciphertexts, aggregate.VectorLength,
                        fuse.SharesByMember.ToDictionary(m => m.Key, m => m.Value.ToArray()), SeededContext(fuse.Round)));
                    break;
                case ResendDecryptionShares resend when _sharesMade.TryGetValue(resend.Round, out var made) && made.Shares.Attempt == resend.Attempt:
                    _log.Info("{0}: sending its decryption shares of round {1} again (committee {2}): a party is catching up", _data.HospitalId, resend.Round, resend.Attempt);
                    SendToParties(made.Shares, made.VectorLength);
                    break;
                case ResendDecryptionShares resend:
                    _log.Debug("{0}: holds no decryption shares of round {1} to send again (not made yet, or dropped for a newer round's)", _data.HospitalId, resend.Round);
                    break;
                case RefuseCommitteeMessage refuse:
                    Refuse(refuse.What);
                    break;
            }
        }
    }

    // Shares must come from the node of the party they claim to be from (our own arrive locally).
    private bool SentByParty(int partyId) =>
        Sender.Equals(Self)
            ? partyId == _partyId
            : ActorPath.TryParse(_partyPaths[partyId - 1], out var path) && path.Address.Equals(Sender.Path.Address);

    /// <summary>The material a threshold party's crypto pool encrypts with: its seeded encryptor, or the collective public key.</summary>
    private CkksKeyMaterial ThresholdMaterial(PublicKey collectiveKey) =>
        _seededEncryptor is { } encryptor
            ? new CkksKeyMaterial(_cryptoSetup.Parameters, null, null) { SeededThreshold = _cryptoSetup.Threshold, SeededEncryptor = encryptor }
            : new CkksKeyMaterial(_cryptoSetup.Parameters, collectiveKey, null);

    /// <summary>In the seeded scheme, the context round <paramref name="round"/>'s updates are encrypted and decrypted for; null otherwise.</summary>
    private byte[]? SeededContext(int round) =>
        _chunking.IsSeededThresholdFormat && _thresholdKeyId is { } keyId ? SeededUpdateContext.For(keyId, round) : null;

    /// <summary>
    /// In the seeded scheme, what this party's key holder checks before it shares a decryption of <paramref name="sum"/>: the
    /// round's context, the federation's fewest contributions (never fewer than 2: a sum of one update is that update), and
    /// this hospital's own update of the round, if it sent one, which the sum must include.
    /// </summary>
    private SeededDecryption? SeededDecryptionOf(AssembledVector sum)
    {
        if (SeededContext(sum.RoundId) is not { } context)
            return null;
        return new SeededDecryption(context, Math.Max(2, _settings.Quorum), OwnUpdateOf(sum));
    }

    /// <summary>This party refused a seeded sum (it made no share of it): the round's aggregate is dropped here.</summary>
    private void Handle(DecryptionRefused refused)
    {
        (_decryption, var dropped) = CommitteeDecryption<AssembledVector, DecryptionShare>.Refused(_decryption, refused.Round, refused.Attempt);
        if (dropped)
            Apply(Core.AggregateDecryptionFailed.Instance);
        _log.Error("{0}: refused to decrypt the aggregate of round {1}: {2}", _data.HospitalId, refused.Round, refused.Reason);
    }

    /// <summary>The machine hands an assembled aggregate to the committee: contribute this party's shares and fuse when all are in.</summary>
    private void OnThresholdAggregate(AssembledVector aggregate)
    {
        _thresholdClock.Restart();
        Carry(_committee.AggregateReceived(_decryption, aggregate.RoundId, aggregate, aggregate.Ciphertexts.Count));
    }

    private void Handle(DecryptionCommittee committee)
    {
        if (!SentFromCoordinatorNode)
        {
            Refuse($"decryption committee {committee.Attempt} of round {committee.RoundId} from {Sender.Path}, which is not the coordinator's node");
            return;
        }

        Carry(_committee.CommitteeNamed(_decryption, committee.RoundId, committee.Attempt, committee.Members));
    }

    private void Handle(DecryptionSharesReady ready)
    {
        if (!_decryption.Aggregates.TryGetValue(ready.Round, out var held))
            return;
        var vectorLength = held.Aggregate.VectorLength;
        _sharesMade[ready.Round] = (ready, vectorLength);
        foreach (var older in _sharesMade.Keys.Where(r => r > 0 && r < ready.Round).ToList())
            _sharesMade.Remove(older);
        SendToParties(ready, vectorLength);
    }

    // A party that is not registered at the moment has no path: when it returns, the coordinator names the committee again
    // and the members send their shares again (ResendDecryptionShares).
    private void SendToParties(DecryptionSharesReady ready, int vectorLength)
    {
        foreach (var path in _partyPaths.Where(p => p.Length > 0))
        {
            var target = Context.ActorSelection(path);
            for (var chunk = 0; chunk < ready.SharesByChunk.Length; chunk++)
                target.Tell(new EncryptedChunk(ready.Round, _data.HospitalId, PayloadKind.DecryptionShare, chunk, ready.SharesByChunk.Length,
                    vectorLength, ready.SharesByChunk[chunk]));
        }
    }

    /// <summary>
    /// The aggregate of a round fused to more than honest noise where real values have none: whatever was decrypted was not a
    /// sum of well-formed encryptions, and whoever fused it (every hospital) may have learnt the collective secret from it. The
    /// aggregate is dropped, the key retired (nothing is encrypted under it again) and the coordinator told, which ends the
    /// federation. The audit cannot say which party crafted it.
    /// </summary>
    private void Handle(KeyExposureSuspected suspected)
    {
        (_decryption, var dropped) = CommitteeDecryption<AssembledVector, DecryptionShare>.Refused(_decryption, suspected.Round, suspected.Attempt);
        if (dropped)
            Apply(Core.AggregateDecryptionFailed.Instance);
        if (_thresholdKeyRetired is not null)
            return;

        _thresholdKeyRetired = $"round {suspected.Round}'s aggregate: {suspected.Reason}";
        StopCryptoPool();
        _log.Error("{0}: refused the aggregate of round {1}: {2}. The collective key {3} may be exposed: this hospital retires it and "
            + "never encrypts under it again; a new federation needs a new key", _data.HospitalId, suspected.Round, suspected.Reason, _thresholdKeyId ?? "?");
        _coordinator.Tell(new CollectiveKeyExposureSuspected(suspected.Round, _data.HospitalId, _thresholdKeyId ?? string.Empty, suspected.Reason));
    }

    private void Handle(KeyRestored restored)
    {
        _parties = restored.Parties;
        _partyPaths = restored.Parties.Select(_ => string.Empty).ToArray();
        _partyId = restored.PartyId;
        _decryption = CommitteeDecryption<AssembledVector, DecryptionShare>.WithParties(_decryption, _parties, _partyId);
        _thresholdKeyId = restored.KeyId;
        _restoredCollectiveKey = restored.CollectivePublicKey;
        _seededEncryptor = restored.SeededEncryptor;
        _log.Info("{0}: loaded its share of the collective key {1} (party {2} of {3}, threshold {4}) from {5}", _data.HospitalId,
            restored.KeyId, restored.PartyId, restored.Parties.Length, restored.Threshold, restored.FilePath);
        var savedStatistics = LoadSavedStatistics();
        Apply(new Core.KeyRestoreEnded(savedStatistics is not null), savedStatistics);
    }

    private void Handle(KeyNotRestored notRestored)
    {
        _noThresholdKeyReason = notRestored.Reason;
        if (notRestored.FileMissing)
            _log.Info("{0}: no saved threshold key ({1}); it takes part in the next key generation", _data.HospitalId, notRestored.Reason);
        else
            _log.Error("{0}: refused its saved threshold key: {1}. It cannot decrypt under that collective key; the coordinator resumes "
                + "without it if enough parties remain", _data.HospitalId, notRestored.Reason);
        Apply(new Core.KeyRestoreEnded(false));
    }

    /// <summary>The coordinator confirms the collective key and tells where the parties are now; answer whether this party holds its share.</summary>
    private void Handle(ResumeThresholdKey resume)
    {
        if (!SentFromCoordinatorNode)
        {
            Refuse($"key resumption of round {resume.RoundId} from {Sender.Path}, which is not the coordinator's node {_state.CoordinatorNode}");
            return;
        }

        string? problem = null;
        if (_thresholdKeyId is null)
            problem = _noThresholdKeyReason;
        else if (_thresholdKeyRetired is not null)
            problem = $"it retired this key: {_thresholdKeyRetired}";
        else if (_thresholdKeyId != resume.KeyId)
            problem = $"it holds a share of key {_thresholdKeyId}, not of {resume.KeyId}";
        else if (!resume.Parties.SequenceEqual(_parties, StringComparer.Ordinal) || resume.PartyPaths.Length != resume.Parties.Length)
            problem = $"its key share is for parties [{string.Join(", ", _parties)}], not [{string.Join(", ", resume.Parties)}]";

        if (problem is null)
        {
            if (resume.CoordinatorRestarted)
                ForgetUnconcludedRounds();
            _partyPaths = resume.PartyPaths;
            if (_crypto is null && _restoredCollectiveKey is not null)
                StartCryptoPool(ThresholdMaterial(_restoredCollectiveKey));
        }
        else
        {
            _log.Error("{0}: cannot resume under the collective key {1}: {2}", _data.HospitalId, resume.KeyId, problem);
        }

        Sender.Tell(new ResumeThresholdKeyResponse(resume.RoundId, _data.HospitalId, resume.KeyId, problem is null, problem ?? "resumed"));
    }

    /// <summary>
    /// A restarted coordinator runs the unconcluded rounds again, naming committees afresh: what this hospital kept of
    /// their decryption (aggregates, committees, shares) belongs to the previous run and would block the new one.
    /// </summary>
    private void ForgetUnconcludedRounds()
    {
        (_decryption, var dropped) = CommitteeDecryption<AssembledVector, DecryptionShare>.ForgetUnconcluded(_decryption, _state.GlobalRound);
        foreach (var round in _sharesMade.Keys.Where(r => r > _state.GlobalRound).ToList())
            _sharesMade.Remove(round);
        Apply(new Core.UnconcludedAggregatesDropped(dropped));
    }

    private void SaveStatistics(double[] values)
    {
        if (_modelFile is null)
            return;
        try
        {
            _modelFile.SaveStatistics(_parameterSetId, values);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _log.Error("{0}: could not save the global statistics: {1}", _data.HospitalId, e.Message);
        }
    }

    /// <summary>
    /// The global statistics saved before a restart, or null: a restarted hospital standardises its data with them, so
    /// round 0 is not decrypted twice (the machine replays them through the path of a fused aggregate).
    /// </summary>
    private double[]? LoadSavedStatistics()
    {
        if (_modelFile is null || _state.StatisticsKnown)
            return null;
        try
        {
            return _modelFile.LoadStatistics(_parameterSetId, FeatureStatistics.VectorLength(_data.Train.FeatureCount));
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            _log.Error("{0}: ignored the saved global statistics: {1}", _data.HospitalId, e.Message);
            return null;
        }
    }
}
