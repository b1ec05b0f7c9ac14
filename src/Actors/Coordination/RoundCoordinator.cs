using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using FederatedHe.Actors.Configuration;
using FederatedHe.Actors.CryptoPool;
using FederatedHe.Actors.Diagnostics;
using FederatedHe.Actors.Persistence;
using FederatedHe.Actors.Security;
using FederatedHe.Actors.Serialization;
using FederatedHe.Actors.Transfer;
using FederatedHe.Crypto.Ckks;
using FederatedHe.Crypto.Multiparty;
using static FederatedHe.Actors.Persistence.CheckpointProtocol;
using static FederatedHe.Actors.Protocol.FederationEvents;
using static FederatedHe.Actors.Protocol.FederationProtocol;

namespace FederatedHe.Actors.Coordination;

/// <summary>
/// The aggregator's round coordinator (a cluster singleton). Each round is an explicit state machine:
/// announce → collect encrypted updates → aggregate (all arrived, or quorum at the phase timeout) →
/// hand out the encrypted aggregate → collect evaluations → next round. It holds CKKS parameters only:
/// no secret key or key share ever reaches it, so it can add ciphertexts but never read them.
/// With <c>fedhe.persistence.enabled</c>, each concluded round is journalled (by a <see cref="CheckpointStore"/>
/// child) before the next starts, and a restarted coordinator resumes after the last journalled round.
/// </summary>
internal sealed partial class RoundCoordinator : ReceiveActor, IWithTimers
{
    private const string CollectTimerKey = "collect";
    private const string EvaluateTimerKey = "evaluate";
    private const string RegistrationTimerKey = "registration";

    private readonly FederationSettings _settings;

    private readonly string _parameterSetId;
    private readonly CryptoPoolClient _crypto;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly ChunkAssembler _assembler;
    private readonly Dictionary<string, HospitalEntry> _hospitals = new(StringComparer.Ordinal);
    private readonly Dictionary<string, AssembledVector> _received = new(StringComparer.Ordinal);
    private readonly Dictionary<string, EvaluationReported> _evaluations = new(StringComparer.Ordinal);
    private readonly HashSet<string> _expected = new(StringComparer.Ordinal);
    private readonly HashSet<string> _aggregateRecipients = new(StringComparer.Ordinal);

    // Updates whose chunks are all in and whose ciphertexts the crypto pool is checking, and those it refused:
    // a refused hospital sits out the round instead of failing the sum for everyone.
    private readonly HashSet<string> _validating = new(StringComparer.Ordinal);
    private readonly HashSet<string> _refusedUpdates = new(StringComparer.Ordinal);

    // Re-sent aggregates per (hospital, round): a hospital's repeated FetchAggregate cannot make the aggregator
    // send the same megabytes without end.
    private readonly Dictionary<(string Hospital, int Round), int> _fetches = new();
    private readonly RefusalTally _refusals = new();

    private Phase _phase = Phase.Registering;
    private int _round;
    private int _attempt;
    private int _ignored;
    private long _bytesSent;
    private double _aggregationMs;
    private readonly Stopwatch _roundClock = new();
    private IReadOnlyList<string> _contributors = [];
    private AggregateSnapshot? _latestStatistics;
    private AggregateSnapshot? _latestModel;

    // Checkpointing: the store child (null when persistence is off), whether its recovery is still pending,
    // the round a recovered checkpoint lets the federation resume after, and what to do once a save is durable.
    private readonly PersistenceSettings _persistence;
    private IActorRef? _checkpoints;
    private bool _recovering;
    private int? _resumeAfter;
    private Action? _afterCheckpoint;

    public RoundCoordinator(FederationSettings settings, string parameterSetId, IActorRef cryptoPool, int slotsPerCiphertext,
        long maxCiphertextBytes, ThresholdParameters? threshold, RegistrationTrust? trust)
    {
        _settings = settings;
        _roster = trust?.Roster ?? MembershipRoster.FromConfig(Context.System.Settings.Config);
        _registrationVerifier = CreateRegistrationVerifier(trust);
        _threshold = threshold;
        _parameterSetId = parameterSetId;
        _crypto = new CryptoPoolClient(cryptoPool, slotsPerCiphertext, TimeSpan.FromMinutes(5));
        _assembler = new ChunkAssembler(settings.TransferLimits(maxCiphertextBytes));
        _persistence = PersistenceSettings.Create(Context.System.Settings.Config);

        ReceiveRegistrationMessages();
        Receive<CheckpointRecovered>(Handle);
        Receive<CheckpointSaved>(Handle);
        Receive<EncryptedChunk>(Handle);
        Receive<EvaluationReported>(Handle);
        Receive<FetchAggregate>(Handle);
        Receive<CollectTimedOut>(Handle);
        Receive<EvaluateTimedOut>(Handle);
        Receive<RegistrationTimedOut>(_ => Fail($"only {_hospitals.Count} of {_settings.MinHospitals} hospitals registered within {_settings.RegistrationTimeout}"));
        Receive<AggregateReady>(Handle);
        Receive<UpdateChecked>(Handle);
        Receive<GetTransferStatus>(_ => ReportTransferStatus());
        ReceiveKeyGenerationMessages();
        Receive<Status.Failure>(f => Fail($"aggregation failed: {f.Cause.Message}"));
        Receive<ClusterEvent.UnreachableMember>(m => MarkReachability(m.Member.Address, reachable: false));
        Receive<ClusterEvent.ReachableMember>(m => MarkReachability(m.Member.Address, reachable: true));
        Receive<ClusterEvent.MemberRemoved>(m => RemoveAt(m.Member.Address, "left the cluster"));
        Receive<Terminated>(t => t.ActorRef.Equals(_checkpoints), _ => Fail("the checkpoint store stopped (journal unreadable or unwritable); see the log"));
        Receive<Terminated>(t => Remove(_hospitals.Values.Where(h => h.Ref.Equals(t.ActorRef)).ToList(), "stopped"));
        Receive<ClusterEvent.IMemberEvent>(_ => { });
        Receive<IControlMessage>(m => Ignore($"{m.GetType().Name}, which the coordinator does not accept, from {Sender.Path}"));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>A coordinator for the federation's CKKS parameter set: chunks longer than its largest ciphertext are refused.</summary>
    public static Props Props(FederationSettings settings, CkksParameters parameters, IActorRef cryptoPool, ThresholdParameters? threshold = null,
        RegistrationTrust? trust = null) =>
        Akka.Actor.Props.Create(() => new RoundCoordinator(settings, parameters.Id.ToString(), cryptoPool, parameters.SlotCount,
            FederatedHe.Crypto.Rlwe.Ciphertext.MaxSerializedSize(parameters), threshold, trust));

    /// <summary>
    /// A coordinator that knows the parameter set by id only, so it bounds chunks by the wire format's ciphertext
    /// limit instead; ciphertexts are still checked against the parameter set by the crypto pool before they are added.
    /// </summary>
    public static Props Props(FederationSettings settings, string parameterSetId, IActorRef cryptoPool, int slotsPerCiphertext,
        ThresholdParameters? threshold = null, RegistrationTrust? trust = null) =>
        Akka.Actor.Props.Create(() => new RoundCoordinator(settings, parameterSetId, cryptoPool, slotsPerCiphertext,
            EncryptedChunkSerializer.MaxCiphertextBytes, threshold, trust));

    protected override void PreStart()
    {
        Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));
        Timers.StartSingleTimer(RegistrationTimerKey, RegistrationTimedOut.Instance, _settings.RegistrationTimeout);
        if (_persistence.Enabled)
        {
            _recovering = true;
            _checkpoints = Context.Watch(Context.ActorOf(CheckpointStore.Props(), "checkpoints"));
        }

        Decide(0, $"waiting for {_settings.MinHospitals} hospitals (quorum {_settings.Quorum}, {_settings.Rounds} rounds, {_settings.Mode})");
    }

    protected override void PostStop() => Cluster.Get(Context.System).Unsubscribe(Self);

    /// <summary>Starts (or resumes) the federation once recovery is done and enough hospitals registered.</summary>
    private void TryStartFederation()
    {
        if (_recovering || _phase != Phase.Registering || _hospitals.Count < _settings.MinHospitals)
            return;

        Timers.Cancel(RegistrationTimerKey);
        if (_resumeAfter is { } concluded)
        {
            // In threshold mode the parties first confirm they still hold their shares of the checkpointed key.
            if (_threshold is null)
                ResumeAfterCheckpoint(concluded);
            else
                BeginKeyResumption(concluded);
        }
        else if (_threshold is null)
        {
            StartRound(0);
        }
        else
        {
            BeginKeyGeneration();
        }
    }

    /// <summary>Brings every hospital up to date with the checkpointed aggregates and starts the round after it.</summary>
    private void ResumeAfterCheckpoint(int concluded)
    {
        // Hospitals that kept their model ignore the re-sent aggregate; the others decrypt it and catch up.
        Decide(concluded, $"resuming after the checkpoint of round {concluded}: re-sending the latest aggregates to {_hospitals.Count} hospitals");
        foreach (var hospital in _hospitals.Values.Where(h => h.Reachable))
            CatchUp(hospital.Ref);
        StartRound(concluded + 1);
    }

    private void Handle(CheckpointRecovered recovered)
    {
        _recovering = false;
        if (recovered.Latest is { } checkpoint)
        {
            var mode = _settings.Mode.ToString();
            if (checkpoint.ParameterSetId != _parameterSetId || checkpoint.Seed != _settings.Seed || checkpoint.Mode != mode)
            {
                Fail($"the checkpoint of round {checkpoint.Round} belongs to another federation (parameter set {checkpoint.ParameterSetId}, "
                    + $"seed {checkpoint.Seed}, {checkpoint.Mode}) than this one ({_parameterSetId}, seed {_settings.Seed}, {mode}); "
                    + "delete the checkpoint journal or point fedhe.persistence at another file");
                return;
            }

            if (checkpoint.Round >= _settings.Rounds)
            {
                // A finished federation is not resumed: this start is a new federation, whose first checkpoint replaces it.
                Decide(0, $"the journalled federation finished at round {checkpoint.Round}; starting a new one");
            }
            else
            {
                if (_threshold is not null && !RestoreThresholdKey(checkpoint))
                    return;
                _round = checkpoint.Round;
                _resumeAfter = checkpoint.Round;
                _latestStatistics = Restore(checkpoint.Statistics, PayloadKind.AggregatedStatistics);
                _latestModel = Restore(checkpoint.Model, PayloadKind.AggregatedModel);
                Decide(checkpoint.Round, $"recovered the checkpoint of round {checkpoint.Round}; the federation resumes at round {checkpoint.Round + 1}");
            }
        }

        TryStartFederation();
    }

    private static AggregateSnapshot? Restore(StoredAggregate? stored, PayloadKind kind) =>
        stored is null ? null : new AggregateSnapshot(stored.Round, kind, stored.VectorLength, stored.Ciphertexts, 0);

    private static StoredAggregate? Store(AggregateSnapshot? snapshot) =>
        snapshot is null ? null : new StoredAggregate(snapshot.Round, snapshot.VectorLength, snapshot.Ciphertexts);

    /// <summary>
    /// Journals the concluded round, then continues. The next round starts only once the checkpoint is durable,
    /// so a crash at any moment loses at most the round in progress.
    /// </summary>
    private void CheckpointThen(Action next)
    {
        if (_checkpoints is null)
        {
            next();
            return;
        }

        _phase = Phase.Checkpointing;
        _afterCheckpoint = next;
        _checkpoints.Tell(new SaveCheckpoint(new RoundCheckpointed(_round, _parameterSetId, _settings.Seed, _settings.Mode.ToString(),
            Store(_latestStatistics), Store(_latestModel), CurrentThresholdKey())));
    }

    private void Handle(CheckpointSaved saved)
    {
        if (_phase != Phase.Checkpointing || saved.Round != _round || _afterCheckpoint is not { } next)
            return;
        _afterCheckpoint = null;
        next();
    }

    private void Handle(EncryptedChunk chunk)
    {
        var expectedKind = _round == 0 ? PayloadKind.FeatureStatistics : PayloadKind.ModelUpdate;
        if (_phase != Phase.Collecting || chunk.RoundId != _round || chunk.Kind != expectedKind)
        {
            Ignore($"{chunk.Kind} chunk {chunk.ChunkIndex} of round {chunk.RoundId} from {chunk.ParticipantId} while {_phase} round {_round}");
            return;
        }

        if (!_hospitals.TryGetValue(chunk.ParticipantId, out var entry) || !entry.Ref.Equals(Sender))
        {
            Ignore($"chunk claiming to be from {chunk.ParticipantId} came from {Sender.Path}, which is not that registered hospital");
            return;
        }

        if (_received.ContainsKey(chunk.ParticipantId) || _validating.Contains(chunk.ParticipantId))
        {
            Ignore($"duplicate update chunk {chunk.ChunkIndex} from {chunk.ParticipantId}");
            return;
        }

        if (_refusedUpdates.Contains(chunk.ParticipantId))
        {
            Ignore($"chunk {chunk.ChunkIndex} from {chunk.ParticipantId}, whose update of round {_round} was already refused");
            return;
        }

        switch (_assembler.Offer(chunk, out var vector))
        {
            case ChunkOutcome.Refused:
                // An honest hospital never sends a chunk the assembler refuses, so its update cannot complete:
                // it sits out the round rather than keep everyone waiting until the collect timeout.
                _refusedUpdates.Add(chunk.ParticipantId);
                _assembler.DiscardFrom(chunk.ParticipantId);
                Ignore($"refused chunk from {chunk.ParticipantId}: {_assembler.LastRefusal}; it sits out round {_round}");
                if (_received.Count > 0 && AllReachableExpectedArrived())
                    Aggregate("every reachable participant's update arrived or was refused");
                break;
            case ChunkOutcome.Duplicate:
                Ignore($"duplicate chunk {chunk.ChunkIndex} from {chunk.ParticipantId}");
                break;
            case ChunkOutcome.Completed:
                // Checked in the pool (off this mailbox) before it may join the sum: one malformed or foreign
                // ciphertext would otherwise fail the summation of every hospital's update.
                _validating.Add(chunk.ParticipantId);
                var round = _round;
                _crypto.ValidateAsync(vector!.Ciphertexts).PipeTo(Self,
                    success: problem => new UpdateChecked(round, vector, problem),
                    failure: exception => new UpdateChecked(round, vector, exception.Message));
                break;
        }
    }

    private void Handle(UpdateChecked checkedUpdate)
    {
        var update = checkedUpdate.Update;
        if (_phase != Phase.Collecting || checkedUpdate.Round != _round || !_validating.Remove(update.ParticipantId))
            return;

        if (checkedUpdate.Problem is { } problem)
        {
            _refusedUpdates.Add(update.ParticipantId);
            Ignore(update.ParticipantId, $"the {update.Kind} of {update.ParticipantId}: {problem}; it sits out round {_round}");
        }
        else
        {
            _received[update.ParticipantId] = update;
            _log.Debug("round {0}: update from {1} complete ({2}/{3})", _round, update.ParticipantId, _received.Count, _expected.Count);
        }

        if (_received.Count > 0 && AllReachableExpectedArrived())
            Aggregate("every reachable participant's update arrived");
    }

    private void Handle(CollectTimedOut timeout)
    {
        if (_phase != Phase.Collecting || timeout.Round != _round || timeout.Attempt != _attempt)
            return;

        if (_received.Count >= _settings.Quorum)
        {
            Aggregate($"collect timeout with {_received.Count} updates (quorum {_settings.Quorum})");
            return;
        }

        var missing = _expected.Where(id => !_received.ContainsKey(id) && !_refusedUpdates.Contains(id) && IsReachable(id)).ToList();
        if (_attempt < _settings.MaxAttempts)
        {
            _attempt++;
            Decide(_round, $"attempt {_attempt}: only {_received.Count} of quorum {_settings.Quorum}; re-requesting from {string.Join(", ", missing)}");
            foreach (var id in missing)
                _hospitals[id].Ref.Tell(RoundRequest(_round, _attempt));
            Timers.StartSingleTimer(CollectTimerKey, new CollectTimedOut(_round, _attempt), _settings.CollectTimeout);
            return;
        }

        var reason = $"{_received.Count} updates after {_attempt} attempts, below quorum {_settings.Quorum}";
        Context.System.EventStream.Publish(new RoundFailed(_round, _attempt, _received.Count, _settings.Quorum, reason));
        Fail($"round {_round} failed: {reason}");
    }

    private void Aggregate(string why)
    {
        Timers.Cancel(CollectTimerKey);
        var consistent = _received.Values
            .GroupBy(v => (v.VectorLength, v.Ciphertexts.Count))
            .OrderByDescending(g => g.Count())
            .First()
            .ToList();
        foreach (var outlier in _received.Values.Except(consistent))
            Ignore(outlier.ParticipantId, $"update from {outlier.ParticipantId} has {outlier.VectorLength} values in {outlier.Ciphertexts.Count} chunks, unlike the others");

        if (consistent.Count < _settings.Quorum)
        {
            Fail($"round {_round}: only {consistent.Count} consistent updates, below quorum {_settings.Quorum}");
            return;
        }

        _phase = Phase.Aggregating;
        _contributors = consistent.Select(v => v.ParticipantId).Order(StringComparer.Ordinal).ToList();
        Decide(_round, $"aggregating {_contributors.Count} updates ({string.Join(", ", _contributors)}): {why}");
        var round = _round;
        var vectorLength = consistent[0].VectorLength;
        var bytesReceived = consistent.Sum(v => v.Ciphertexts.Sum(c => (long)c.Length));
        var clock = Stopwatch.StartNew();
        _crypto.SumAsync(consistent.Select(v => v.Ciphertexts).ToList())
            .PipeTo(Self, success: sums => new AggregateReady(round, vectorLength, sums, bytesReceived, clock.Elapsed.TotalMilliseconds));
    }

    private void Handle(AggregateReady ready)
    {
        if (_phase != Phase.Aggregating || ready.Round != _round)
            return;

        _aggregationMs = ready.ElapsedMs;
        var kind = _round == 0 ? PayloadKind.AggregatedStatistics : PayloadKind.AggregatedModel;
        var snapshot = new AggregateSnapshot(_round, kind, ready.VectorLength, ready.Ciphertexts, ready.BytesReceived);
        if (_round == 0)
            _latestStatistics = snapshot;
        else
            _latestModel = snapshot;

        _aggregateRecipients.Clear();
        _bytesSent = 0;
        foreach (var hospital in _hospitals.Values.Where(h => h.Reachable))
        {
            SendAggregate(hospital.Ref, snapshot);
            _aggregateRecipients.Add(hospital.Id);
        }

        Context.System.EventStream.Publish(new AggregateDistributed(_round, _aggregateRecipients.Order(StringComparer.Ordinal).ToList()));

        if (_round == 0)
        {
            PublishRoundCompleted(snapshot, evaluation: null);
            CheckpointThen(() => StartRound(1));
            return;
        }

        _phase = Phase.Evaluating;
        _evaluations.Clear();
        Timers.StartSingleTimer(EvaluateTimerKey, new EvaluateTimedOut(_round), _settings.EvaluateTimeout);
    }

    private void Handle(EvaluationReported report)
    {
        if (_phase != Phase.Evaluating || report.RoundId != _round || !_aggregateRecipients.Contains(report.HospitalId)
            || !_hospitals.TryGetValue(report.HospitalId, out var entry) || !entry.Ref.Equals(Sender))
        {
            Ignore($"evaluation of round {report.RoundId} from {report.HospitalId} while {_phase} round {_round}");
            return;
        }

        if (EvaluationProblem(report) is { } problem)
        {
            Ignore($"evaluation of round {report.RoundId} from {report.HospitalId}: {problem}");
            return;
        }

        if (_evaluations.ContainsKey(report.HospitalId))
        {
            Ignore($"second evaluation of round {report.RoundId} from {report.HospitalId}: the first one stands");
            return;
        }

        _evaluations[report.HospitalId] = report;
        if (_aggregateRecipients.All(id => _evaluations.ContainsKey(id) || !IsReachable(id)))
            ConcludeRound();
    }

    private void Handle(EvaluateTimedOut timeout)
    {
        if (_phase == Phase.Evaluating && timeout.Round == _round)
        {
            Decide(_round, $"evaluation timeout with {_evaluations.Count} of {_aggregateRecipients.Count} reports");
            ConcludeRound();
        }
    }

    private void Handle(FetchAggregate request)
    {
        if (!_hospitals.TryGetValue(request.HospitalId, out var entry) || !entry.Ref.Equals(Sender))
        {
            Ignore($"request for the aggregate of round {request.RoundId} claiming to be from {request.HospitalId}, sent by {Sender.Path}, which is not that registered hospital");
            return;
        }

        var fetched = _fetches.GetValueOrDefault((request.HospitalId, request.RoundId));
        if (fetched >= _settings.MaxAttempts)
        {
            Ignore($"request {fetched + 1} from {request.HospitalId} for the aggregate of round {request.RoundId}: it was re-sent {fetched} times already");
            return;
        }

        var snapshot = request.RoundId == 0 ? _latestStatistics : _latestModel;
        if (snapshot is null || snapshot.Round != request.RoundId)
        {
            Ignore($"{request.HospitalId} asked for the aggregate of round {request.RoundId}, which is not held");
            return;
        }

        _fetches[(request.HospitalId, request.RoundId)] = fetched + 1;
        Decide(_round, $"re-sending the aggregate of round {request.RoundId} to {request.HospitalId}");
        SendAggregate(Sender, snapshot);
    }

    private void ConcludeRound()
    {
        Timers.Cancel(EvaluateTimerKey);
        var reports = _evaluations.Values.ToList();
        FederatedEvaluation? evaluation = null;
        var samples = reports.Sum(r => r.SampleCount);
        if (reports.Count > 0 && samples > 0)
        {
            double Weighted(Func<EvaluationReported, double> metric) => reports.Sum(r => metric(r) * r.SampleCount) / samples;
            evaluation = new FederatedEvaluation(reports.Count, samples, Weighted(r => r.Accuracy), Weighted(r => r.LogLoss), Weighted(r => r.RocAuc));
        }

        PublishRoundCompleted(_latestModel!, evaluation);
        CheckpointThen(() =>
        {
            if (_round >= _settings.Rounds)
                Finish(succeeded: true, $"completed {_settings.Rounds} rounds");
            else
                StartRound(_round + 1);
        });
    }

    private void PublishRoundCompleted(AggregateSnapshot snapshot, FederatedEvaluation? evaluation)
    {
        var timings = _evaluations.Values.Select(e => e.Timings).ToList();
        var meanTimings = timings.Count == 0
            ? new HospitalTimings(0, 0, 0)
            : new HospitalTimings(timings.Average(t => t.TrainingMs), timings.Average(t => t.EncryptionMs), timings.Average(t => t.DecryptionMs));
        var dropouts = _expected.Except(_contributors).Order(StringComparer.Ordinal).ToList();
        var completed = new RoundCompleted(_round, _contributors, dropouts, _attempt, _ignored, snapshot.BytesReceived, _bytesSent,
            snapshot.VectorLength, _aggregationMs, _roundClock.Elapsed.TotalMilliseconds, evaluation, meanTimings);
        _log.Info("round {0}: completed with {1} contributors, {2} dropouts, {3} attempts, {4} ignored messages{5}",
            _round, _contributors.Count, dropouts.Count, _attempt, _ignored,
            evaluation is null ? string.Empty : $", accuracy {evaluation.Accuracy:P2}, log-loss {evaluation.LogLoss:F4}");
        Context.System.EventStream.Publish(completed);
    }

    private void StartRound(int round)
    {
        SummariseRefusals();
        _round = round;
        _attempt = 1;
        _ignored = 0;
        _received.Clear();
        _validating.Clear();
        _refusedUpdates.Clear();
        foreach (var stale in _fetches.Keys.Where(k => k.Round < round - 1).ToList())
            _fetches.Remove(stale);
        _expected.Clear();
        _contributors = [];
        _assembler.DiscardBefore(round);
        _roundClock.Restart();
        foreach (var hospital in _hospitals.Values.Where(h => h.Reachable))
            _expected.Add(hospital.Id);

        _phase = Phase.Collecting;
        var participants = _expected.Order(StringComparer.Ordinal).ToList();
        Decide(round, $"started with {participants.Count} participants: {string.Join(", ", participants)}");
        Context.System.EventStream.Publish(new RoundStarted(round, _attempt, participants));
        foreach (var id in participants)
            _hospitals[id].Ref.Tell(RoundRequest(round, _attempt));
        Timers.StartSingleTimer(CollectTimerKey, new CollectTimedOut(round, _attempt), _settings.CollectTimeout);
    }

    private static IControlMessage RoundRequest(int round, int attempt) =>
        round == 0 ? new CollectFeatureStatistics(round, attempt) : new StartTraining(round, round - 1, attempt);

    /// <summary>Brings a hospital that joined mid-federation up to date: the global statistics and latest model.</summary>
    private void CatchUp(IActorRef hospital)
    {
        if (_latestStatistics is not null)
            SendAggregate(hospital, _latestStatistics);
        if (_latestModel is not null)
            SendAggregate(hospital, _latestModel);
    }

    private void SendAggregate(IActorRef hospital, AggregateSnapshot snapshot)
    {
        for (var i = 0; i < snapshot.Ciphertexts.Count; i++)
        {
            hospital.Tell(new EncryptedChunk(snapshot.Round, CoordinatorId, snapshot.Kind, i, snapshot.Ciphertexts.Count,
                snapshot.VectorLength, snapshot.Ciphertexts[i]));
            _bytesSent += snapshot.Ciphertexts[i].Length;
        }

        if (_threshold is not null)
            hospital.Tell(CommitteeFor(snapshot.Round));
    }

    private void MarkReachability(Address address, bool reachable)
    {
        foreach (var hospital in _hospitals.Values.Where(h => h.Ref.Path.Address.Equals(address)).ToList())
        {
            _hospitals[hospital.Id] = hospital with { Reachable = reachable };
            Decide(_round, $"{hospital.Id} is {(reachable ? "reachable again" : "unreachable: excluded until it returns")}");
            if (!reachable)
                OnDropout();
        }
    }

    private void RemoveAt(Address address, string why) =>
        Remove(_hospitals.Values.Where(h => h.Ref.Path.Address.Equals(address)).ToList(), why);

    private void Remove(IReadOnlyList<HospitalEntry> leaving, string why)
    {
        foreach (var hospital in leaving)
        {
            _hospitals.Remove(hospital.Id);
            _assembler.DiscardFrom(hospital.Id);
            Decide(_round, $"{hospital.Id} {why}: dropped from the federation");
            OnDropout();
        }
    }

    private void OnDropout()
    {
        if (_threshold is not null)
            ReplaceDroppedCommitteeMembers();
        if (_phase == Phase.Collecting && _received.Count > 0 && AllReachableExpectedArrived())
            Aggregate("every remaining reachable participant's update arrived");
        else if (_phase == Phase.Evaluating && _aggregateRecipients.All(id => _evaluations.ContainsKey(id) || !IsReachable(id)))
            ConcludeRound();
    }

    private bool AllReachableExpectedArrived() =>
        _received.Count >= _settings.Quorum && _expected.All(id => _received.ContainsKey(id) || _refusedUpdates.Contains(id) || !IsReachable(id));

    private bool IsReachable(string hospitalId) => _hospitals.TryGetValue(hospitalId, out var h) && h.Reachable;

    private void Fail(string status)
    {
        _log.Error("federation failed at round {0}: {1}", _round, status);
        Finish(succeeded: false, status);
    }

    private void Finish(bool succeeded, string status)
    {
        Timers.CancelAll();
        _phase = Phase.Finished;
        _assembler.DiscardBefore(int.MaxValue); // nothing more will be aggregated: release what partial vectors hold
        SummariseRefusals();
        foreach (var hospital in _hospitals.Values.Where(h => h.Reachable))
            hospital.Ref.Tell(new FederationFinished(_round, succeeded, status));
        Decide(_round, status);
        Context.System.EventStream.Publish(new FederationCompleted(_round, succeeded, status));
        Become(() =>
        {
            Receive<RegisterHospital>(m => Sender.Tell(new RegisterHospitalResponse(m.HospitalId, false, $"the federation has finished: {status}")));
            Receive<FetchAggregate>(Handle);
            Receive<GetTransferStatus>(_ => ReportTransferStatus());
            ReceiveAny(m => _log.Debug("finished federation ignores {0}", m.GetType().Name));
        });
    }

    private void ReportTransferStatus() =>
        Sender.Tell(new TransferStatus(_assembler.OpenVectors, _assembler.BufferedBytes, _assembler.PeakBufferedBytes, _refusals.Total));

    /// <summary>Counts and (rate-limited) logs a refused message, attributed to the node that sent it.</summary>
    private void Ignore(string what) => Ignore(Sender.Path.Address.ToString(), what);

    private void Ignore(string source, string what)
    {
        _ignored++;
        if (_refusals.Record(source, out var count))
        {
            if (count <= _refusals.LogFirst)
                _log.Info("round {0}: ignored {1}", _round, what);
            else
                _log.Warning("round {0}: ignored {1} ({2} messages from {3} ignored; only some are logged)", _round, what, count, source);
        }
    }

    /// <summary>Closes the previous round's refusal log with one line per source whose refusals were not all logged.</summary>
    private void SummariseRefusals()
    {
        foreach (var (source, count) in _refusals.PartlyLogged)
            _log.Warning("round {0}: ignored {1} messages from {2} in all", _round, count, source);
        _refusals.Reset();
    }

    private void Decide(int round, string decision)
    {
        _log.Info("round {0}: {1}", round, decision);
        Context.System.EventStream.Publish(new CoordinatorDecision(round, decision));
    }

    /// <summary>What makes an evaluation report impossible, or null: one bad report must not skew the federated figures.</summary>
    private static string? EvaluationProblem(EvaluationReported report)
    {
        if (report.SampleCount < 0)
            return $"sample count {report.SampleCount} is negative";
        if (!double.IsFinite(report.Accuracy) || report.Accuracy is < 0 or > 1)
            return $"accuracy {report.Accuracy} is outside [0, 1]";
        if (!double.IsFinite(report.RocAuc) || report.RocAuc is < 0 or > 1)
            return $"ROC-AUC {report.RocAuc} is outside [0, 1]";
        if (!double.IsFinite(report.LogLoss) || report.LogLoss < 0)
            return $"log-loss {report.LogLoss} is not a finite non-negative number";
        var timings = report.Timings;
        if (timings is null || !new[] { timings.TrainingMs, timings.EncryptionMs, timings.DecryptionMs }.All(t => double.IsFinite(t) && t >= 0))
            return "its timings are missing, negative or not finite";
        return null;
    }

    /// <summary>The participant id the coordinator signs aggregates with.</summary>
    internal const string CoordinatorId = "aggregator";

    private enum Phase { Registering, KeyGeneration, Collecting, Aggregating, Evaluating, Checkpointing, Finished }

    private sealed record HospitalEntry(string Id, IActorRef Ref, bool Reachable);

    private sealed record AggregateSnapshot(int Round, PayloadKind Kind, int VectorLength, IReadOnlyList<byte[]> Ciphertexts, long BytesReceived);

    private sealed record CollectTimedOut(int Round, int Attempt) : INoSerializationVerificationNeeded;

    private sealed record EvaluateTimedOut(int Round) : INoSerializationVerificationNeeded;

    private sealed record UpdateChecked(int Round, AssembledVector Update, string? Problem) : INoSerializationVerificationNeeded;

    /// <summary>Asks a local coordinator how much its chunk reassembly holds (for tests and diagnostics; never sent over the wire).</summary>
    internal sealed class GetTransferStatus : INoSerializationVerificationNeeded
    {
        public static readonly GetTransferStatus Instance = new();
    }

    /// <summary>The answer to <see cref="GetTransferStatus"/>: reassembly buffers now and at their peak, and refusals since the round began.</summary>
    internal sealed record TransferStatus(int OpenVectors, long BufferedBytes, long PeakBufferedBytes, long RefusedThisRound)
        : INoSerializationVerificationNeeded;

    private sealed record AggregateReady(int Round, int VectorLength, byte[][] Ciphertexts, long BytesReceived, double ElapsedMs)
        : INoSerializationVerificationNeeded;

    private sealed class RegistrationTimedOut : INoSerializationVerificationNeeded
    {
        public static readonly RegistrationTimedOut Instance = new();
    }
}
