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
using FederatedHe.Federation.Strategies;
using Core = FederatedHe.Federation.Rounds;
using static FederatedHe.Actors.Persistence.CheckpointProtocol;
using static FederatedHe.Actors.Protocol.FederationEvents;
using static FederatedHe.Actors.Protocol.FederationProtocol;

namespace FederatedHe.Actors.Coordination;

/// <summary>
/// The aggregator's round coordinator (a cluster singleton): a thin adapter around the pure round machine of
/// <c>FederatedHe.Federation</c> (<see cref="Core.RoundMachine"/>) and its strategy,
/// <see cref="EncryptedAggregation"/> around <see cref="FederatedAveraging"/>. It turns messages, timers and cluster
/// events into the machine's events (<see cref="Apply"/>), carries out the commands the machine returns, and has one
/// behaviour per <see cref="Core.RoundPhase"/>. What only an actor can hold stays here: hospitals' actor references
/// and the proof of their identities, chunk reassembly, the crypto pool, the ciphertexts of the aggregates, the
/// checkpoint store child, timers, clocks and logging. It holds CKKS parameters only: no secret key or key share ever
/// reaches it, so it can add ciphertexts but never read them.
/// </summary>
internal sealed partial class RoundCoordinator : ReceiveActor, IWithTimers
{
    private readonly FederationSettings _settings;
    private readonly string _parameterSetId;
    private readonly CryptoPoolClient _crypto;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly ChunkAssembler _assembler;
    private readonly RefusalTally _refusals = new();
    private readonly PersistenceSettings _persistence;
    private readonly Core.RoundMachine _machine;
    private Core.RoundMachineState _state;
    private readonly System.Collections.Immutable.ImmutableArray<Core.RoundCommand> _startCommands;

    // Registered hospitals' actors by id (the machine knows ids and reachability only), and the validated updates of
    // the round in progress until they are summed.
    private readonly Dictionary<string, IActorRef> _hospitalRefs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, AssembledVector> _updates = new(StringComparer.Ordinal);

    // The seed of every aggregation chunk accepted since this coordinator started, with its sender (about 100 bytes a chunk):
    // a chunk replayed under another sender is refused at that sender instead of failing the sum.
    private readonly Dictionary<string, string> _seedSenders = new(StringComparer.Ordinal);

    // Completed vectors are numbered as they are assembled; their checks return in any order and are taken in this one.
    private readonly Dictionary<long, UpdateChecked> _checked = new();
    private long _assembled;
    private long _nextChecked;

    private readonly Stopwatch _roundClock = new();
    private long _bytesSent;
    private AggregateSnapshot? _latestStatistics;
    private AggregateSnapshot? _latestModel;
    private IActorRef? _checkpoints;

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
        _machine = FederationCore.Machine(settings, parameterSetId, _persistence.Enabled, threshold is not null);
        var start = _machine.Start();
        _state = start.State;
        _startCommands = start.Commands;
        Behaviour(_state.Phase);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>
    /// A coordinator for the federation's CKKS parameter set: chunks longer than the longest update chunk of the set
    /// (<see cref="UpdateChunking.MaxChunkBytes"/>) are refused.
    /// </summary>
    public static Props Props(FederationSettings settings, CkksParameters parameters, IActorRef cryptoPool, ThresholdParameters? threshold = null,
        RegistrationTrust? trust = null)
    {
        var chunking = UpdateChunking.For(parameters, settings.Mode == KeyMode.InsecurePlaintext, threshold);
        return Akka.Actor.Props.Create(() => new RoundCoordinator(settings, parameters.Id.ToString(), cryptoPool, chunking.ValuesPerChunk,
            chunking.MaxChunkBytes(1), threshold, trust));
    }

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
        StartObserving();
        if (_persistence.Enabled)
            _checkpoints = Context.Watch(Context.ActorOf(CheckpointStore.Props(), "checkpoints"));

        Decide(0, $"waiting for {_settings.MinHospitals} hospitals (quorum {_settings.Quorum}, {_settings.Rounds} rounds, {_settings.Mode}"
            + (_settings.FractionFit < 1 ? $", fraction-fit {_settings.FractionFit})" : ")"));
        // The machine's own opening decision is replaced by this fuller one (it knows neither the quorum nor the mode).
        foreach (var command in _startCommands.Where(c => c is not Core.Publish))
            Execute(command);
    }

    protected override void PostStop() => Cluster.Get(Context.System).Unsubscribe(Self);

    /// <summary>One step of the round machine: carry out its commands, then take the behaviour of its new phase.</summary>
    private void Apply(Core.RoundEvent message)
    {
        var before = _state.Phase;
        var (next, commands) = _machine.Handle(_state, message);
        _state = next;
        foreach (var command in commands)
            Execute(command);
        if (_state.Phase != before)
        {
            var phase = _state.Phase;
            Observe(new Protocol.ObserverNotices.PhaseEntered(_state.Round, phase.ToString()));
            Become(() => Behaviour(phase));
        }
    }

    // ---- Behaviours: one per phase; each registers what its phase accepts, then the handlers shared by all. ----

    private void Behaviour(Core.RoundPhase phase)
    {
        switch (phase)
        {
            case Core.RoundPhase.Registering:
                Receive<CheckpointRecovered>(Handle);
                break;
            case Core.RoundPhase.KeyGeneration:
                ReceiveKeyGenerationMessages();
                break;
            case Core.RoundPhase.Collecting:
                Receive<EncryptedChunk>(Handle);
                break;
            case Core.RoundPhase.Aggregating:
                Receive<AggregateSummed>(Handle);
                Receive<Status.Failure>(f => Apply(new Core.FatalError($"aggregation failed: {f.Cause.Message}")));
                break;
            case Core.RoundPhase.Evaluating:
                Receive<EvaluationReported>(Handle);
                break;
            case Core.RoundPhase.Checkpointing:
                Receive<CheckpointSaved>(saved =>
                {
                    Context.System.EventStream.Publish(new CheckpointWritten(saved.Round));
                    Apply(new Core.CheckpointSaved(saved.Round));
                });
                break;
            case Core.RoundPhase.Finished:
                Finished();
                return;
        }

        Common();
    }

    /// <summary>What every phase but Finished accepts: registration, membership, timers, fetches, late results, strays.</summary>
    private void Common()
    {
        ReceiveRegistrationMessages();
        Receive<TimerElapsed>(t => Apply(new Core.TimerFired(t.Timer)));
        Receive<UpdateChecked>(Handle);
        Receive<FetchAggregate>(Handle);
        Receive<GetTransferStatus>(_ => ReportTransferStatus());
        if (_threshold is not null)
            ReceiveThresholdMessagesOfAnyPhase();
        Receive<ClusterEvent.UnreachableMember>(m => MarkReachability(m.Member.Address, reachable: false));
        Receive<ClusterEvent.ReachableMember>(m => MarkReachability(m.Member.Address, reachable: true));
        Receive<ClusterEvent.MemberRemoved>(m => RemoveAt(m.Member.Address, "left the cluster"));
        Receive<Terminated>(t => t.ActorRef.Equals(_checkpoints),
            _ => Apply(new Core.FatalError("the checkpoint store stopped (journal unreadable or unwritable); see the log")));
        Receive<Terminated>(t => Remove(_hospitalRefs.Where(h => h.Value.Equals(t.ActorRef)).Select(h => h.Key).ToList(), "stopped"));
        Receive<ClusterEvent.IMemberEvent>(_ => { });

        // Results of a phase already left: the machine has moved on, and says so where it counts them.
        Receive<AggregateSummed>(_ => { });
        Receive<CheckpointSaved>(_ => { });
        Receive<Status.Failure>(f => _log.Debug("ignoring a failure outside aggregation: {0}", f.Cause.Message));
        Receive<EncryptedChunk>(chunk => Ignore($"{chunk.Kind} chunk {chunk.ChunkIndex} of round {chunk.RoundId} from {chunk.ParticipantId} while {_state.Phase} round {_state.Round}"));
        Receive<EvaluationReported>(report => Ignore($"evaluation of round {report.RoundId} from {report.HospitalId} while {_state.Phase} round {_state.Round}"));
        Receive<IFederationMessage>(m => Ignore($"{m.GetType().Name}, which the coordinator does not accept while {_state.Phase}, from {Sender.Path}"));
    }

    /// <summary>The federation ended: registrations are refused, aggregates are still served to hospitals that missed them.</summary>
    private void Finished()
    {
        Receive<RegisterHospital>(m => Sender.Tell(new RegisterHospitalResponse(Truncated(m.HospitalId), false, Core.RoundMachine.RegistrationRefusal(_state, m.HospitalId)!)));
        Receive<FetchAggregate>(Handle);
        Receive<GetTransferStatus>(_ => ReportTransferStatus());
        ReceiveAny(m => _log.Debug("finished federation ignores {0}", m.GetType().Name));
    }

    // ---- Messages → events ----

    private void Handle(CheckpointRecovered recovered)
    {
        if (recovered.Latest is not { } checkpoint)
        {
            Apply(new Core.CheckpointRecovered(null));
            return;
        }

        var identity = new Core.FederationIdentity(checkpoint.ParameterSetId, checkpoint.Seed, checkpoint.Mode);
        var resumable = identity == FederationCore.Identity(_settings, _parameterSetId) && checkpoint.Round < _settings.Rounds;
        object? keyMaterial = null;
        if (resumable && _threshold is not null)
        {
            if (CheckedThresholdKey(checkpoint) is { } problem)
            {
                Apply(new Core.FatalError(problem));
                return;
            }

            keyMaterial = FederationCore.KeyRecord(checkpoint.ThresholdKey);
            _resumedFromCheckpoint = keyMaterial is not null;
        }

        if (resumable)
        {
            _latestStatistics = Restore(checkpoint.Statistics, PayloadKind.AggregatedStatistics);
            _latestModel = Restore(checkpoint.Model, PayloadKind.AggregatedModel);
        }

        Apply(new Core.CheckpointRecovered(new Core.RecoveredCheckpoint(checkpoint.Round, identity, checkpoint.Statistics?.Round,
            checkpoint.Model?.Round, keyMaterial)));
    }

    private void Handle(EncryptedChunk chunk)
    {
        var expectedKind = _state.CollectsStatistics ? PayloadKind.FeatureStatistics : PayloadKind.ModelUpdate;
        if (chunk.RoundId != _state.Round || chunk.Kind != expectedKind)
        {
            Ignore($"{chunk.Kind} chunk {chunk.ChunkIndex} of round {chunk.RoundId} from {chunk.ParticipantId} while {_state.Phase} round {_state.Round}");
            return;
        }

        if (!IsRegisteredSender(chunk.ParticipantId))
        {
            Ignore($"chunk claiming to be from {chunk.ParticipantId} came from {Sender.Path}, which is not that registered hospital");
            return;
        }

        if (_state.UpdateRefusal(chunk.ParticipantId, chunk.RoundId) is { } refusal)
        {
            Ignore($"chunk {chunk.ChunkIndex}: {refusal}");
            return;
        }

        switch (_assembler.Offer(chunk, out var vector))
        {
            case ChunkOutcome.Refused:
                // An honest hospital never sends a chunk the assembler refuses, so its update cannot complete.
                _assembler.DiscardFrom(chunk.ParticipantId);
                Apply(new Core.UpdateRefused(chunk.RoundId, chunk.ParticipantId, $"refused chunk: {_assembler.LastRefusal}"));
                break;
            case ChunkOutcome.Duplicate:
                Ignore($"duplicate chunk {chunk.ChunkIndex} from {chunk.ParticipantId}");
                break;
            case ChunkOutcome.Completed:
                // Checked in the pool (off this mailbox) before it may join the sum: one malformed or foreign
                // ciphertext would otherwise fail the summation of every hospital's update.
                Apply(new Core.UpdateAssembled(chunk.RoundId, chunk.ParticipantId));
                var round = chunk.RoundId;
                var sequence = _assembled++;
                var (party, context) = SeededExpectation(chunk.ParticipantId, round);
                _crypto.ValidateAsync(vector!.Ciphertexts, vector.VectorLength, party, context).PipeTo(Self,
                    success: validation => new UpdateChecked(sequence, round, vector, validation.Problem, validation.Seeds),
                    failure: exception => new UpdateChecked(sequence, round, vector, exception.Message, []));
                break;
        }
    }

    /// <summary>Takes checked updates in the order they were assembled, so a replay never wins over the chunk it copies.</summary>
    private void Handle(UpdateChecked checkedUpdate)
    {
        _checked[checkedUpdate.Sequence] = checkedUpdate;
        while (_checked.Remove(_nextChecked, out var next))
        {
            _nextChecked++;
            Take(next);
        }
    }

    private void Take(UpdateChecked checkedUpdate)
    {
        var update = checkedUpdate.Update;
        if (checkedUpdate.Problem is { } problem)
        {
            Apply(new Core.UpdateRefused(checkedUpdate.Round, update.ParticipantId, problem));
            return;
        }

        // Seeds never repeat between hospitals: a chunk first seen from another hospital (in this round or an earlier one) is a
        // replay, and refusing it here keeps it out of the sum, where it would fail the addition for every hospital. A
        // hospital re-sending its own update (a retried round) is not.
        var replayed = checkedUpdate.Seeds.Select((seed, index) => (Seed: Convert.ToHexString(seed), Index: index))
            .FirstOrDefault(s => _seedSenders.TryGetValue(s.Seed, out var first) && first != update.ParticipantId);
        if (replayed.Seed is not null)
        {
            Apply(new Core.UpdateRefused(checkedUpdate.Round, update.ParticipantId,
                $"chunk {replayed.Index} replays a chunk {_seedSenders[replayed.Seed]} sent (its seed is not fresh)"));
            return;
        }

        foreach (var seed in checkedUpdate.Seeds)
            _seedSenders.TryAdd(Convert.ToHexString(seed), update.ParticipantId);

        // Only an update of the current round is kept (the sum takes the contributors the machine names); the machine
        // counts a late one as ignored.
        if (checkedUpdate.Round == _state.Round)
            _updates[update.ParticipantId] = update;
        var shape = new UpdateShape(update.VectorLength, update.Ciphertexts.Count, update.Ciphertexts.Sum(c => (long)c.Length));
        if (TakesUpdate(update.ParticipantId, checkedUpdate.Round))
            Observe(new Protocol.ObserverNotices.UpdateReceived(checkedUpdate.Round, update.ParticipantId, shape.CiphertextBytes));
        Apply(new Core.UpdateArrived(checkedUpdate.Round, update.ParticipantId, shape));
    }

    private void Handle(AggregateSummed summed)
    {
        if (summed.Round != _state.Round)
            return;
        var kind = summed.Round == 0 ? PayloadKind.AggregatedStatistics : PayloadKind.AggregatedModel;
        var snapshot = new AggregateSnapshot(summed.Round, kind, summed.VectorLength, summed.Ciphertexts, summed.BytesReceived);
        if (summed.Round == 0)
            _latestStatistics = snapshot;
        else
            _latestModel = snapshot;
        Apply(new Core.AggregateReady(summed.Round, summed.VectorLength, summed.BytesReceived, summed.ElapsedMs));
    }

    private void Handle(EvaluationReported report)
    {
        if (!IsRegisteredSender(report.HospitalId))
        {
            Ignore($"evaluation of round {report.RoundId} claiming to be from {report.HospitalId}, sent by {Sender.Path}, which is not that registered hospital");
            return;
        }

        var timings = report.Timings is { } t ? new ReportedTimings(t.TrainingMs, t.EncryptionMs, t.DecryptionMs) : null!;
        if (report.Timings is not null && TakesEvaluation(report.HospitalId, report.RoundId))
            Observe(new Protocol.ObserverNotices.EvaluationReceived(report.RoundId, report.HospitalId, report.SampleCount, report.Accuracy,
                report.LogLoss, report.RocAuc, timings.TrainingMs, timings.EncryptionMs, timings.DecryptionMs));
        Apply(new Core.EvaluationReported(new EvaluationReport(report.HospitalId, report.RoundId, report.SampleCount, report.Accuracy,
            report.LogLoss, report.RocAuc, timings)));
    }

    private void Handle(FetchAggregate request)
    {
        if (!IsRegisteredSender(request.HospitalId))
        {
            Ignore($"request for the aggregate of round {request.RoundId} claiming to be from {request.HospitalId}, sent by {Sender.Path}, which is not that registered hospital");
            return;
        }

        Apply(new Core.AggregateFetchRequested(request.HospitalId, request.RoundId));
    }

    private void MarkReachability(Address address, bool reachable)
    {
        foreach (var id in HospitalsAt(address))
            Apply(reachable ? new Core.HospitalReachable(id) : new Core.HospitalUnreachable(id));
    }

    private void RemoveAt(Address address, string why) => Remove(HospitalsAt(address), why);

    private void Remove(IReadOnlyList<string> leaving, string why)
    {
        foreach (var id in leaving)
        {
            _hospitalRefs.Remove(id);
            _assembler.DiscardFrom(id);
            Apply(new Core.HospitalLeft(id, why));
        }
    }

    private List<string> HospitalsAt(Address address) =>
        _hospitalRefs.Where(h => h.Value.Path.Address.Equals(address)).Select(h => h.Key).ToList();

    private bool IsRegisteredSender(string hospitalId) => _hospitalRefs.TryGetValue(hospitalId, out var registered) && registered.Equals(Sender);

    // ---- Commands → effects ----

    private void Execute(Core.RoundCommand command)
    {
        switch (command)
        {
            case Core.StartTimer start:
                Timers.StartSingleTimer(start.Timer.Kind, new TimerElapsed(start.Timer), start.Delay);
                break;
            case Core.CancelTimer cancel:
                Timers.Cancel(cancel.Kind);
                break;
            case Core.CancelAllTimers:
                Timers.CancelAll();
                break;
            case Core.RequestUpdates request:
                Tell(request.Hospitals, RoundRequest(request.Round, request.Attempt));
                break;
            case Core.ReRequestMissingUpdates request:
                Tell(request.Missing, RoundRequest(request.Round, request.Attempt));
                break;
            case Core.RequestAggregation aggregation:
                Sum(aggregation);
                break;
            case Core.DistributeAggregate distribute:
                _bytesSent = 0;
                foreach (var id in distribute.Recipients)
                    SendAggregate(id, Snapshot(distribute.Round));
                break;
            case Core.CatchUp catchUp:
                SendAggregate(catchUp.HospitalId, _latestStatistics);
                SendAggregate(catchUp.HospitalId, _latestModel);
                break;
            case Core.ResendAggregate resend:
                SendAggregate(resend.HospitalId, Snapshot(resend.Round));
                break;
            case Core.SaveCheckpoint save:
                _checkpoints?.Tell(new SaveCheckpoint(new RoundCheckpointed(save.Round, _parameterSetId, _settings.Seed, _settings.Mode.ToString(),
                    Store(save.StatisticsRound is null ? null : _latestStatistics), Store(save.ModelRound is null ? null : _latestModel),
                    FederationCore.KeyCheckpoint(save.KeyMaterial))));
                break;
            case Core.Publish publish:
                Publish(publish.Notice);
                break;
            case Core.LogIgnored ignored:
                LogIgnored(ignored.Source, ignored.What, ignored.Reason);
                break;
            case Core.FinishFederation finish:
                _assembler.DiscardBefore(int.MaxValue); // nothing more will be aggregated: release what partial vectors hold
                _updates.Clear();
                SummariseRefusals();
                if (!finish.Succeeded)
                    _log.Error("federation failed at round {0}: {1}", finish.Round, finish.Status);
                Tell(finish.Hospitals, new FederationFinished(finish.Round, finish.Succeeded, finish.Status));
                break;
            case Core.AnnounceCommittee committee:
                Tell(committee.Recipients, new DecryptionCommittee(committee.Round, committee.Attempt, committee.Members.ToArray()));
                break;
            case Core.BeginKeyGeneration begin:
                BeginKeyGeneration(begin.Parties, begin.Threshold);
                break;
            case Core.RelayCommitments relay:
                RelayCommitments(relay.Parties);
                break;
            case Core.RelayRevealsAndFormKey relay:
                RelayRevealsAndFormKey(relay.Parties);
                break;
            case Core.ConfirmKeyShares:
                AnnounceParties();
                break;
            case Core.ExcludeHospital exclude:
                Exclude(exclude.HospitalId, exclude.Reason);
                break;
            default:
                throw new InvalidOperationException($"the coordinator cannot carry out {command.GetType().Name}");
        }
    }

    private void Publish(Core.FederationNotice notice)
    {
        var events = Context.System.EventStream;
        if (ObserverNotice(notice) is { } observed)
            Observe(observed);
        switch (notice)
        {
            case Core.Decision decision:
                Decide(decision.Round, decision.Text);
                break;
            case Core.RoundStarted started:
                // A new round: partial chunks of older rounds, their vectors and the refusal log are done with.
                SummariseRefusals();
                _assembler.DiscardBefore(started.Round);
                _updates.Clear();
                _roundClock.Restart();
                events.Publish(new RoundStarted(started.Round, started.Attempt, started.Participants.ToList()));
                break;
            case Core.KeyGenerationStarted keyGeneration:
                events.Publish(new KeyGenerationStarted(keyGeneration.Round, keyGeneration.Hospitals));
                break;
            case Core.DeadlinePassed deadline:
                events.Publish(new DeadlinePassed(deadline.Round, deadline.Attempt, deadline.Kind == Core.TimerKind.Evaluate));
                break;
            case Core.AggregateDistributed distributed:
                events.Publish(new AggregateDistributed(distributed.Round, distributed.Recipients.ToList()));
                break;
            case Core.RoundCompleted completed:
                PublishRoundCompleted(completed);
                break;
            case Core.RoundFailed failed:
                events.Publish(new RoundFailed(failed.Round, failed.Attempts, failed.Received, failed.Required, failed.Reason));
                break;
            case Core.FederationCompleted finished:
                events.Publish(new FederationCompleted(finished.Round, finished.Succeeded, finished.Status));
                break;
        }
    }

    private void PublishRoundCompleted(Core.RoundCompleted completed)
    {
        var pooled = completed.Evaluation;
        var evaluation = pooled is null ? null : new FederatedEvaluation(pooled.Reports, pooled.SampleCount, pooled.Accuracy, pooled.LogLoss, pooled.RocAuc);
        var timings = new HospitalTimings(completed.MeanTimings.TrainingMs, completed.MeanTimings.EncryptionMs, completed.MeanTimings.DecryptionMs);
        var aggregate = completed.Aggregate;
        _log.Info("round {0}: completed with {1} contributors, {2} dropouts, {3} attempts, {4} ignored messages{5}",
            completed.Round, completed.Contributors.Length, completed.Dropouts.Length, completed.Attempts, completed.IgnoredMessages,
            (evaluation is null ? string.Empty : $", accuracy {evaluation.Accuracy:P2}, log-loss {evaluation.LogLoss:F4}")
            + (completed.Privacy is { } spent ? $", privacy spent ε={spent.Epsilon:0.###} of {spent.TargetEpsilon:0.###}" : string.Empty));
        Context.System.EventStream.Publish(new RoundCompleted(completed.Round, completed.Contributors.ToList(), completed.Dropouts.ToList(),
            completed.Attempts, completed.IgnoredMessages, aggregate.CiphertextBytesReceived, _bytesSent, aggregate.VectorLength,
            aggregate.AggregationMs, _roundClock.Elapsed.TotalMilliseconds, evaluation, timings)
        {
            Sites = completed.SiteEvaluations.Select(e => new SiteEvaluation(e.HospitalId, e.SampleCount, e.Accuracy, e.LogLoss, e.RocAuc)).ToList(),
            Privacy = completed.Privacy,
        });
    }

    private void Sum(Core.RequestAggregation aggregation)
    {
        // The encrypted strategy only ever asks for the homomorphic sum; the hospitals divide by its sample slot.
        if (aggregation.Rule != AggregationRule.HomomorphicSum)
            throw new InvalidOperationException($"the aggregator only adds ciphertexts; it cannot apply {aggregation.Rule}");
        var vectors = aggregation.Contributors.Select(id => _updates[id]).ToList();
        var round = aggregation.Round;
        var vectorLength = vectors[0].VectorLength;
        var bytesReceived = vectors.Sum(v => v.Ciphertexts.Sum(c => (long)c.Length));
        var clock = Stopwatch.StartNew();
        _crypto.SumAsync(vectors.Select(v => v.Ciphertexts).ToList(), vectorLength, IsSeededThreshold ? Parties.Length : null)
            .PipeTo(Self, success: sums => new AggregateSummed(round, vectorLength, sums, bytesReceived, clock.Elapsed.TotalMilliseconds));
    }

    private static IControlMessage RoundRequest(int round, int attempt) =>
        round == 0 ? new CollectFeatureStatistics(round, attempt) : new StartTraining(round, round - 1, attempt);

    private AggregateSnapshot? Snapshot(int round) => round == 0 ? _latestStatistics : _latestModel is { } model && model.Round == round ? model : null;

    private void Tell(IEnumerable<string> hospitals, object message)
    {
        foreach (var id in hospitals)
            if (_hospitalRefs.TryGetValue(id, out var hospital))
                hospital.Tell(message);
    }

    private void SendAggregate(string hospitalId, AggregateSnapshot? snapshot)
    {
        if (snapshot is null || !_hospitalRefs.TryGetValue(hospitalId, out var hospital))
            return;
        for (var i = 0; i < snapshot.Ciphertexts.Count; i++)
        {
            hospital.Tell(new EncryptedChunk(snapshot.Round, CoordinatorId, snapshot.Kind, i, snapshot.Ciphertexts.Count,
                snapshot.VectorLength, snapshot.Ciphertexts[i]));
            _bytesSent += snapshot.Ciphertexts[i].Length;
        }
    }

    private static AggregateSnapshot? Restore(StoredAggregate? stored, PayloadKind kind) =>
        stored is null ? null : new AggregateSnapshot(stored.Round, kind, stored.VectorLength, stored.Ciphertexts, 0);

    private static StoredAggregate? Store(AggregateSnapshot? snapshot) =>
        snapshot is null ? null : new StoredAggregate(snapshot.Round, snapshot.VectorLength, snapshot.Ciphertexts);

    private void ReportTransferStatus() =>
        Sender.Tell(new TransferStatus(_assembler.OpenVectors, _assembler.BufferedBytes, _assembler.PeakBufferedBytes, _refusals.Total));

    /// <summary>Has the machine count a message it never sees, attributed to the node that sent it.</summary>
    private void Ignore(string what) => Apply(new Core.MessageIgnored(Sender.Path.Address.ToString(), what));

    /// <summary>Logs an ignored message, rate-limited by source (the machine counted it).</summary>
    private void LogIgnored(string source, string what, Core.IgnoredReason reason)
    {
        Context.System.EventStream.Publish(new MessageIgnored(_state.Round, reason));
        if (_refusals.Record(source, out var count))
        {
            if (count <= _refusals.LogFirst)
                _log.Info("round {0}: ignored {1}", _state.Round, what);
            else
                _log.Warning("round {0}: ignored {1} ({2} messages from {3} ignored; only some are logged)", _state.Round, what, count, source);
        }
    }

    /// <summary>Closes the previous round's refusal log with one line per source whose refusals were not all logged.</summary>
    private void SummariseRefusals()
    {
        foreach (var (source, count) in _refusals.PartlyLogged)
            _log.Warning("round {0}: ignored {1} messages from {2} in all", _state.Round, count, source);
        _refusals.Reset();
    }

    private void Decide(int round, string decision)
    {
        // Named placeholders: a structured log sink (fedhe node --log-format json) carries round and attempt as fields.
        _log.Info("round {RoundId}, attempt {Attempt}: {Decision}", round, _state.Attempt, decision);
        Context.System.EventStream.Publish(new CoordinatorDecision(round, decision, _state.Attempt));
        Observe(new Protocol.ObserverNotices.Decision(round, decision));
    }

    /// <summary>The participant id the coordinator signs aggregates with.</summary>
    internal const string CoordinatorId = "aggregator";

    private sealed record AggregateSnapshot(int Round, PayloadKind Kind, int VectorLength, IReadOnlyList<byte[]> Ciphertexts, long BytesReceived);

    private sealed record TimerElapsed(Core.RoundTimer Timer) : INoSerializationVerificationNeeded;

    private sealed record UpdateChecked(long Sequence, int Round, AssembledVector Update, string? Problem, IReadOnlyList<byte[]> Seeds)
        : INoSerializationVerificationNeeded;

    private sealed record AggregateSummed(int Round, int VectorLength, byte[][] Ciphertexts, long BytesReceived, double ElapsedMs)
        : INoSerializationVerificationNeeded;

    /// <summary>Asks a local coordinator how much its chunk reassembly holds (for tests and diagnostics; never sent over the wire).</summary>
    internal sealed class GetTransferStatus : INoSerializationVerificationNeeded
    {
        public static readonly GetTransferStatus Instance = new();
    }

    /// <summary>The answer to <see cref="GetTransferStatus"/>: reassembly buffers now and at their peak, and refusals since the round began.</summary>
    internal sealed record TransferStatus(int OpenVectors, long BufferedBytes, long PeakBufferedBytes, long RefusedThisRound)
        : INoSerializationVerificationNeeded;
}
