using System.Collections.Immutable;
using FederatedHe.Federation.Strategies;

namespace FederatedHe.Federation.Rounds;

/// <summary>The result of one step of the round machine: the next state and the commands to carry out, in order.</summary>
public sealed record RoundTransition(RoundMachineState State, ImmutableArray<RoundCommand> Commands);

/// <summary>
/// The federation's round logic as a pure state machine, <c>(state, event) → (state, commands)</c>: registration →
/// [key generation] → round 0 (feature statistics) → rounds 1…R (collect updates → sum → hand out → collect
/// evaluations) with a checkpoint after each concluded round. The strategy decides selection, quorum, retries and
/// evaluation pooling; the key-generation and decryption-committee seams are sub-machines of their own.
/// </summary>
/// <remarks>
/// No I/O, no clock, no actor: the coordinator turns messages, timers and cluster events into <see cref="RoundEvent"/>s
/// and carries out the returned <see cref="RoundCommand"/>s. Timers are asked for by command and come back as
/// <see cref="TimerFired"/> with their round and attempt, so a stale one is ignored. The machine is immutable and
/// thread-safe; each state is a value.
/// </remarks>
public sealed class RoundMachine
{
    private readonly RoundMachineSettings _settings;
    private readonly IFederationStrategy _strategy;
    private readonly IKeyGenerationPhase _keyGeneration;
    private readonly IDecryptionCommitteePhase _committee;
    private readonly IPrivacyBudget? _privacy;

    /// <summary>Creates the machine.</summary>
    /// <param name="settings">The round numbers.</param>
    /// <param name="strategy">The round policy; wrap it in <see cref="EncryptedAggregation"/> for an aggregator that sums ciphertexts.</param>
    /// <param name="keyGeneration">The key-generation sub-machine's initial state; <see cref="SharedKeySetup.Instance"/> in shared-key mode.</param>
    /// <param name="committee">The decryption-committee sub-machine's initial state; <see cref="NoDecryptionCommittee.Instance"/> in shared-key mode.</param>
    /// <param name="privacy">The differential-privacy budget, or null without DP: each concluded round then reports its ε, and the
    /// federation finishes before a round that would exceed the budget.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    public RoundMachine(RoundMachineSettings settings, IFederationStrategy strategy, IKeyGenerationPhase? keyGeneration = null,
        IDecryptionCommitteePhase? committee = null, IPrivacyBudget? privacy = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(strategy);
        _settings = settings.Validate();
        _strategy = strategy;
        _keyGeneration = keyGeneration ?? SharedKeySetup.Instance;
        _committee = committee ?? NoDecryptionCommittee.Instance;
        _privacy = privacy;
    }

    /// <summary>The initial state and commands: registration opens (and, with checkpoints, recovery is awaited).</summary>
    public RoundTransition Start()
    {
        var step = new Step(new RoundMachineState
        {
            KeyGeneration = _keyGeneration,
            Committee = _committee,
            Recovering = _settings.CheckpointsEnabled,
        });
        step.Emit(new StartTimer(new RoundTimer(TimerKind.Registration, 0, 0), _settings.RegistrationTimeout));
        step.Decide(0, $"waiting for {_settings.MinHospitals} hospitals ({_settings.Rounds} rounds)");
        return step.Result();
    }

    /// <summary>
    /// Why a hospital may not register now, or null: the federation finished, the threshold key excludes it, or the
    /// federation has started and the hospital's data cannot be used or are not of the schema the others agreed on.
    /// </summary>
    public static string? RegistrationRefusal(RoundMachineState state, string hospitalId, HospitalDataDescription? data = null)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Phase == RoundPhase.Finished)
            return $"the federation has finished: {state.Outcome?.Status}";
        if (state.AgreedData is { } agreed && data is not null)
        {
            if (data.Problem is { } problem)
                return $"{hospitalId} cannot take part: {problem}";
            if (data.FirstDifference(agreed, []) is { } difference)
                return $"{hospitalId}'s data do not match the federation's: {difference}";
        }

        return state.KeyGeneration.RegistrationRefusal(hospitalId);
    }

    /// <summary>One step: the next state and the commands to carry out.</summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="message"/> is an event type the machine has no rule for.</exception>
    public RoundTransition Handle(RoundMachineState state, RoundEvent message)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(message);
        var step = new Step(state);
        if (state.Phase == RoundPhase.Finished)
        {
            // A finished federation still serves aggregates to hospitals that missed them; everything else is moot.
            if (message is AggregateFetchRequested finishedFetch)
                Fetch(step, finishedFetch);
            return step.Result();
        }

        switch (message)
        {
            case HospitalRegistered registered: Register(step, registered.HospitalId, registered.Origin, registered.Data); break;
            case HospitalLeft left: Leave(step, left); break;
            case HospitalUnreachable unreachable: MarkReachability(step, unreachable.HospitalId, reachable: false); break;
            case HospitalReachable reachable: MarkReachability(step, reachable.HospitalId, reachable: true); break;
            case UpdateAssembled assembled: Assembled(step, assembled); break;
            case UpdateArrived arrived: Arrived(step, arrived); break;
            case UpdateRefused refused: RefuseUpdate(step, refused); break;
            case TimerFired fired: TimerFired(step, fired.Timer); break;
            case AggregateReady ready: AggregateReady(step, ready); break;
            case EvaluationReported reported: Evaluated(step, reported.Report); break;
            case CheckpointRecovered recovered: Recovered(step, recovered.Latest); break;
            case CheckpointSaved saved: Saved(step, saved); break;
            case AggregateFetchRequested fetch: Fetch(step, fetch); break;
            case MessageIgnored ignored: step.Ignore(ignored.Source, ignored.What, ignored.Reason); break;
            case FatalError fatal: Finish(step, succeeded: false, fatal.Reason); break;
            case KeyGenerationMessage key: ApplyKeyStep(step, step.State.KeyGeneration.Handle(key.Inner, KeyContext(step.State))); break;
            default: throw new ArgumentException($"the round machine has no rule for {message.GetType().Name}", nameof(message));
        }

        return step.Result();
    }

    private void Register(Step step, string hospitalId, string? origin, HospitalDataDescription? data)
    {
        step.State = step.State with
        {
            Hospitals = step.State.Hospitals.SetItem(hospitalId, true),
            DataDescriptions = data is null ? step.State.DataDescriptions : step.State.DataDescriptions.SetItem(hospitalId, data),
        };
        step.Decide(step.State.Round, $"registered {hospitalId}{(origin is null ? string.Empty : $" from {origin}")} ({step.State.Hospitals.Count} hospitals)");
        var phase = step.State.Phase;
        if (phase == RoundPhase.Registering)
        {
            // A hospital that cannot use its file keeps the federation from starting; the others still register, so
            // that every node hears why when the registrations are in (or the registration timer fires).
            if (data?.Problem is { } problem)
                step.Decide(0, $"{hospitalId} cannot take part: {problem}; the federation will not start");

            TryStartFederation(step);
            return;
        }

        ApplyKeyStep(step, step.State.KeyGeneration.HospitalRegistered(hospitalId, KeyContext(step.State)));
        if (step.State.Phase is RoundPhase.Finished or RoundPhase.KeyGeneration or RoundPhase.Checkpointing)
            return;

        CatchUp(step, hospitalId);

        // A hospital that (re)joins while updates are being collected is invited into the round at once (it trains from
        // the aggregate just re-sent) if the strategy would have selected it, rather than idling until the next round. In
        // threshold mode only the key's parties register once the key exists, so this is a party back from a restart: a
        // round that started while it was away may need it for its quorum.
        var state = step.State;
        if (state.Phase == RoundPhase.Collecting && !state.Expected.Contains(hospitalId)
            && (state.Round == 0 || _strategy.ConfigureFit(state.Round, state.ReachableHospitals).Contains(hospitalId)))
        {
            step.State = state with { Expected = state.Expected.Add(hospitalId) };
            step.Decide(state.Round, $"{hospitalId} joins round {state.Round} in progress");
            step.Emit(new RequestUpdates(state.Round, state.Attempt, [hospitalId]));
        }
    }

    private void TryStartFederation(Step step)
    {
        var state = step.State;
        if (state.Recovering || state.Phase != RoundPhase.Registering || state.Hospitals.Count < _settings.MinHospitals)
            return;

        // The preflight: hospitals whose files differ in columns, their order or the label would standardise and train on
        // different features, so the federation does not start; the schema most hospitals hold is taken as the intended one.
        var described = state.DataDescriptions.Where(d => state.Hospitals.ContainsKey(d.Key)).ToDictionary(d => d.Key, d => d.Value, StringComparer.Ordinal);
        if (DataProblems(state) is { } problems)
        {
            Finish(step, succeeded: false, problems);
            return;
        }

        var (agreed, disagreements) = HospitalDataDescription.Compare(described);
        if (disagreements.Count > 0)
        {
            Finish(step, succeeded: false, "the hospitals' data do not agree, so the federation does not start: "
                + string.Join("; ", disagreements.Select(d => $"{d.HospitalId}'s {d.Difference}")));
            return;
        }

        step.Emit(new CancelTimer(TimerKind.Registration));
        step.State = step.State with { AgreedData = agreed };
        state = step.State;
        step.State = state with { Phase = RoundPhase.KeyGeneration };
        step.Emit(new Publish(new KeyGenerationStarted(state.ResumeAfter ?? 0, state.Hospitals.Count)));
        var context = KeyContext(step.State);
        ApplyKeyStep(step, state.ResumeAfter is null ? state.KeyGeneration.Begin(context) : state.KeyGeneration.Resume(context));
    }

    /// <summary>What the registered hospitals that cannot use their files said, as one sentence, or null when none did.</summary>
    private static string? DataProblems(RoundMachineState state)
    {
        var problems = state.DataDescriptions
            .Where(d => d.Value.Problem is not null && state.Hospitals.ContainsKey(d.Key))
            .Select(d => $"{d.Key} cannot take part: {d.Value.Problem}")
            .ToList();
        return problems.Count == 0 ? null : string.Join("; ", problems);
    }

    /// <summary>Takes a key-generation step; when it completes the phase, the federation starts or resumes.</summary>
    private void ApplyKeyStep(Step step, KeyGenerationStep keyStep)
    {
        step.State = step.State with { KeyGeneration = keyStep.Next };
        step.EmitAll(keyStep.Commands);
        foreach (var (source, what) in keyStep.Ignored)
            step.Ignore(source, what);
        foreach (var (hospitalId, reason) in keyStep.Excluded)
        {
            step.State = step.State with { Hospitals = step.State.Hospitals.Remove(hospitalId) };
            step.Emit(new ExcludeHospital(hospitalId, reason));
            step.Decide(step.State.Round, $"{hospitalId} lost its share of the collective key ({reason}): excluded from the federation");
            if (step.State.Phase != RoundPhase.KeyGeneration)
                OnDropout(step);
        }

        if (keyStep.Status == KeyGenerationStatus.Failed)
        {
            Finish(step, succeeded: false, keyStep.FailureReason ?? "key generation failed");
            return;
        }

        if (keyStep.Status != KeyGenerationStatus.Ready || step.State.Phase != RoundPhase.KeyGeneration)
            return;

        if (step.State.ResumeAfter is { } concluded)
            ResumeAfterCheckpoint(step, concluded);
        else
            StartRound(step, 0);
    }

    /// <summary>Brings every hospital up to date with the checkpointed aggregates and starts the round after it.</summary>
    private void ResumeAfterCheckpoint(Step step, int concluded)
    {
        // Hospitals that kept their model ignore the re-sent aggregate; the others decrypt it and catch up.
        step.Decide(concluded, $"resuming after the checkpoint of round {concluded}: re-sending the latest aggregates to {step.State.Hospitals.Count} hospitals");
        foreach (var hospitalId in step.State.ReachableHospitals)
            CatchUp(step, hospitalId);
        step.State = step.State with { ResumeAfter = null };
        StartRound(step, concluded + 1);
    }

    private void CatchUp(Step step, string hospitalId)
    {
        step.Emit(new CatchUp(hospitalId));
        foreach (var round in new[] { step.State.LatestStatisticsRound, step.State.LatestModelRound })
        {
            if (round is { } held && !ApplyCommittee(step, step.State.Committee.AggregateSent(held, [hospitalId], ReachableParties(step.State))))
                return;
        }
    }

    private void StartRound(Step step, int round)
    {
        if (round >= 1 && _privacy is { } budget && budget.EpsilonAfter(round) > budget.TargetEpsilon)
        {
            StopForPrivacyBudget(step, round, budget);
            return;
        }

        var state = step.State;
        var available = state.ReachableHospitals;
        var selected = round == 0 ? available : _strategy.ConfigureFit(round, available);
        step.State = state with
        {
            Phase = RoundPhase.Collecting,
            Round = round,
            Attempt = 1,
            Ignored = 0,
            Expected = [.. selected],
            Received = state.Received.Clear(),
            Validating = state.Validating.Clear(),
            Refused = state.Refused.Clear(),
            Contributors = [],
            AggregateRecipients = state.AggregateRecipients.Clear(),
            Evaluators = state.Evaluators.Clear(),
            Evaluations = state.Evaluations.Clear(),
            Aggregate = null,
            Fetches = state.Fetches.RemoveRange(state.Fetches.Keys.Where(k => k.Round < round - 1)),
        };
        step.Decide(round, $"started with {selected.Length} participants: {string.Join(", ", selected)}");
        step.Emit(new Publish(new RoundStarted(round, 1, selected)));
        step.Emit(new RequestUpdates(round, 1, selected));
        step.Emit(new StartTimer(new RoundTimer(TimerKind.Collect, round, 1), _settings.CollectTimeout));
    }

    private static void Assembled(Step step, UpdateAssembled assembled)
    {
        if (step.State.UpdateRefusal(assembled.HospitalId, assembled.Round) is { } refusal)
            step.Ignore(assembled.HospitalId, refusal, IgnoredReason.Duplicate);
        else
            step.State = step.State with { Validating = step.State.Validating.Add(assembled.HospitalId) };
    }

    private void Arrived(Step step, UpdateArrived arrived)
    {
        var state = step.State;
        var id = arrived.HospitalId;
        if (state.Phase != RoundPhase.Collecting || arrived.Round != state.Round)
        {
            step.Ignore(id, $"late update of round {arrived.Round} from {id} while {state.Phase} round {state.Round}", IgnoredReason.Late);
            return;
        }

        if (state.Received.ContainsKey(id) || state.Refused.ContainsKey(id))
        {
            step.Ignore(id, $"duplicate update of round {arrived.Round} from {id}", IgnoredReason.Duplicate);
            return;
        }

        if (!state.Hospitals.ContainsKey(id) || !state.Expected.Contains(id))
        {
            step.Ignore(id, $"update of round {arrived.Round} from {id}, which was not asked to train", IgnoredReason.NotSelected);
            return;
        }

        step.State = state with { Received = state.Received.Add(id, arrived.Shape), Validating = state.Validating.Remove(id) };
        DecideOnCollection(step, deadlinePassed: false);
    }

    private void RefuseUpdate(Step step, UpdateRefused refused)
    {
        var state = step.State;
        var id = refused.HospitalId;
        if (state.Phase != RoundPhase.Collecting || refused.Round != state.Round || state.Received.ContainsKey(id) || state.Refused.ContainsKey(id))
        {
            step.Ignore(id, $"refused update of round {refused.Round} from {id} while {state.Phase} round {state.Round}: {refused.Reason}", IgnoredReason.Late);
            return;
        }

        // An honest hospital's update is never refused, so it cannot complete: it sits out the round rather than keep
        // everyone waiting until the collect timeout.
        step.State = state with { Refused = state.Refused.Add(id, refused.Reason), Validating = state.Validating.Remove(id) };
        step.Ignore(id, $"the update of {id}: {refused.Reason}; it sits out round {state.Round}", IgnoredReason.Refused);
        if (!step.State.Received.IsEmpty)
            DecideOnCollection(step, deadlinePassed: false);
    }

    /// <summary>Asks the strategy what the round's results and failures allow, and does it.</summary>
    private void DecideOnCollection(Step step, bool deadlinePassed)
    {
        var state = step.State;
        switch (_strategy.AggregateFit(Progress(state, deadlinePassed)))
        {
            case FitVerdict.Wait when deadlinePassed:
                Finish(step, succeeded: false, $"round {state.Round}: the strategy neither aggregated, retried nor failed the round at its deadline");
                break;

            case FitVerdict.Wait:
                break;

            case FitVerdict.Aggregate aggregate:
                step.Emit(new CancelTimer(TimerKind.Collect));
                foreach (var excluded in aggregate.Excluded)
                    step.Ignore(excluded.HospitalId, excluded.Reason, IgnoredReason.Refused);
                step.State = step.State with { Phase = RoundPhase.Aggregating, Contributors = aggregate.Contributors };
                step.Decide(state.Round, $"aggregating {aggregate.Contributors.Length} updates ({string.Join(", ", aggregate.Contributors)}): {aggregate.Why}");
                step.Emit(new RequestAggregation(state.Round, aggregate.Contributors, aggregate.Rule));
                break;

            case FitVerdict.Retry when !deadlinePassed:
                break; // retries start at a deadline only

            case FitVerdict.Retry retry:
                var attempt = state.Attempt + 1;
                step.State = state with { Attempt = attempt };
                step.Decide(state.Round, $"attempt {attempt}: {retry.Why}; re-requesting from {string.Join(", ", retry.Missing)}");
                step.Emit(new ReRequestMissingUpdates(state.Round, attempt, retry.Missing));
                step.Emit(new StartTimer(new RoundTimer(TimerKind.Collect, state.Round, attempt), _settings.CollectTimeout));
                break;

            case FitVerdict.Fail fail:
                step.Emit(new Publish(new RoundFailed(state.Round, state.Attempt, fail.Received, fail.Required, fail.Reason)));
                Finish(step, succeeded: false, $"round {state.Round} failed: {fail.Reason}");
                break;
        }
    }

    private static FitProgress Progress(RoundMachineState state, bool deadlinePassed)
    {
        var failures = ImmutableArray.CreateBuilder<FitFailure>();
        var outstanding = ImmutableArray.CreateBuilder<string>();
        foreach (var id in state.Expected)
        {
            if (state.Received.ContainsKey(id))
                continue;
            if (state.Refused.TryGetValue(id, out var reason))
                failures.Add(new FitFailure(id, FitFailureKind.Refused, reason));
            else if (!state.Hospitals.ContainsKey(id))
                failures.Add(new FitFailure(id, FitFailureKind.Left, $"{id} left the federation"));
            else if (!state.IsReachable(id))
                failures.Add(new FitFailure(id, FitFailureKind.Unreachable, $"{id} is unreachable"));
            else
                outstanding.Add(id);
        }

        return new FitProgress(state.Round, state.Attempt, [.. state.Expected],
            [.. state.Received.Select(r => new FitResult(r.Key, r.Value))], failures.ToImmutable(), outstanding.ToImmutable(), deadlinePassed);
    }

    private void TimerFired(Step step, RoundTimer timer)
    {
        var state = step.State;
        switch (timer.Kind)
        {
            case TimerKind.Registration when state.Phase == RoundPhase.Registering:
                Finish(step, succeeded: false, DataProblems(state)
                    ?? $"only {state.Hospitals.Count} of {_settings.MinHospitals} hospitals registered within {_settings.RegistrationTimeout}");
                break;
            case TimerKind.KeyGeneration when state.Phase == RoundPhase.KeyGeneration:
                ApplyKeyStep(step, state.KeyGeneration.TimedOut(KeyContext(state)));
                break;
            case TimerKind.Collect when state.Phase == RoundPhase.Collecting && timer.Round == state.Round && timer.Attempt == state.Attempt:
                step.Emit(new Publish(new DeadlinePassed(state.Round, state.Attempt, TimerKind.Collect)));
                DecideOnCollection(step, deadlinePassed: true);
                break;
            case TimerKind.Evaluate when state.Phase == RoundPhase.Evaluating && timer.Round == state.Round && timer.Attempt == state.Attempt:
                step.Emit(new Publish(new DeadlinePassed(state.Round, state.Attempt, TimerKind.Evaluate)));
                step.Decide(state.Round, $"evaluation timeout with {state.Evaluations.Count} of {state.Evaluators.Count} reports");
                ConcludeRound(step);
                break;
            default:
                break; // a timer of a past phase, round or attempt: its moment has gone
        }
    }

    private void AggregateReady(Step step, AggregateReady ready)
    {
        var state = step.State;
        if (state.Phase != RoundPhase.Aggregating || ready.Round != state.Round)
            return;

        var recipients = state.ReachableHospitals;
        step.State = state with
        {
            Aggregate = ready,
            AggregateRecipients = [.. recipients],
            LatestStatisticsRound = state.Round == 0 ? 0 : state.LatestStatisticsRound,
            LatestModelRound = state.Round == 0 ? state.LatestModelRound : state.Round,
        };
        step.Emit(new DistributeAggregate(state.Round, recipients));
        step.Emit(new Publish(new AggregateDistributed(state.Round, recipients)));
        if (!ApplyCommittee(step, step.State.Committee.AggregateSent(state.Round, recipients, ReachableParties(step.State))))
            return;

        if (state.Round == 0)
        {
            PublishRoundCompleted(step, evaluation: null);
            CheckpointThen(step, AfterCheckpoint.StartNextRound);
            return;
        }

        var evaluators = _strategy.ConfigureEvaluate(state.Round, recipients);
        step.State = step.State with
        {
            Phase = RoundPhase.Evaluating,
            Evaluators = [.. evaluators],
            Evaluations = step.State.Evaluations.Clear(),
        };
        step.Emit(new StartTimer(new RoundTimer(TimerKind.Evaluate, state.Round, state.Attempt), _settings.EvaluateTimeout));
        if (AllEvaluationsIn(step.State))
            ConcludeRound(step);
    }

    private void Evaluated(Step step, EvaluationReport report)
    {
        var state = step.State;
        var id = report.HospitalId;
        if (state.Phase != RoundPhase.Evaluating || report.Round != state.Round || !state.Evaluators.Contains(id) || !state.Hospitals.ContainsKey(id))
        {
            step.Ignore(id, $"evaluation of round {report.Round} from {id} while {state.Phase} round {state.Round}", IgnoredReason.Late);
            return;
        }

        if (report.Problem() is { } problem)
        {
            step.Ignore(id, $"evaluation of round {report.Round} from {id}: {problem}", IgnoredReason.Refused);
            return;
        }

        if (state.Evaluations.ContainsKey(id))
        {
            step.Ignore(id, $"second evaluation of round {report.Round} from {id}: the first one stands", IgnoredReason.Duplicate);
            return;
        }

        step.State = state with { Evaluations = state.Evaluations.Add(id, report) };
        if (AllEvaluationsIn(step.State))
            ConcludeRound(step);
    }

    private static bool AllEvaluationsIn(RoundMachineState state) =>
        state.Evaluators.All(id => state.Evaluations.ContainsKey(id) || !state.IsReachable(id));

    private void ConcludeRound(Step step)
    {
        var state = step.State;
        step.Emit(new CancelTimer(TimerKind.Evaluate));
        var failures = state.Evaluators.Where(id => !state.Evaluations.ContainsKey(id)).ToList();
        var evaluation = _strategy.AggregateEvaluate(state.Round, [.. state.Evaluations.Values], failures);
        PublishRoundCompleted(step, evaluation);
        CheckpointThen(step, state.Round >= _settings.Rounds ? AfterCheckpoint.Finish : AfterCheckpoint.StartNextRound);
    }

    /// <summary>
    /// Ends the federation before <paramref name="round"/>, whose release would spend more than the budget. After at least one
    /// training round this is a planned, successful end (the hospitals keep the last global model); a budget that affords no
    /// training round at all fails the federation.
    /// </summary>
    private static void StopForPrivacyBudget(Step step, int round, IPrivacyBudget budget)
    {
        var next = budget.EpsilonAfter(round);
        var spent = budget.EpsilonAfter(round - 1);
        var delta = budget.Delta.ToString("0.##E+0", System.Globalization.CultureInfo.InvariantCulture);
        if (round == 1)
        {
            Finish(step, succeeded: false,
                $"privacy budget too small: one training round would spend ε={Figure(next)} (δ={delta}), above the target {Figure(budget.TargetEpsilon)}; no training round ran");
            return;
        }

        Finish(step, succeeded: true,
            $"privacy budget spent: ε={Figure(spent)} of target {Figure(budget.TargetEpsilon)} (δ={delta}) after round {round - 1}; round {round} would bring it to ε={Figure(next)}");
    }

    private static string Figure(double value) => value.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);

    private void PublishRoundCompleted(Step step, PooledEvaluation? evaluation)
    {
        var state = step.State;
        var timings = state.Evaluations.Values.Select(e => e.Timings).ToList();
        var meanTimings = timings.Count == 0
            ? new ReportedTimings(0, 0, 0)
            : new ReportedTimings(timings.Average(t => t.TrainingMs), timings.Average(t => t.EncryptionMs), timings.Average(t => t.DecryptionMs));
        var dropouts = state.Expected.Except(state.Contributors).ToImmutableArray();
        var privacy = state.Round >= 1 && _privacy is { } budget
            ? new PrivacySpent(budget.EpsilonAfter(state.Round), budget.Delta, budget.TargetEpsilon)
            : null;
        step.Emit(new Publish(new RoundCompleted(state.Round, state.Contributors, dropouts, state.Attempt, state.Ignored,
            state.Aggregate!, evaluation, meanTimings) { SiteEvaluations = [.. state.Evaluations.Values], Privacy = privacy }));
    }

    /// <summary>
    /// Journals the concluded round, then continues. The next round starts only once the checkpoint is durable, so a
    /// crash at any moment loses at most the round in progress.
    /// </summary>
    private void CheckpointThen(Step step, AfterCheckpoint next)
    {
        if (!_settings.CheckpointsEnabled)
        {
            Continue(step, next);
            return;
        }

        var state = step.State;
        step.State = state with { Phase = RoundPhase.Checkpointing, Next = next };
        step.Emit(new SaveCheckpoint(state.Round, state.LatestStatisticsRound, state.LatestModelRound, state.KeyGeneration.CheckpointMaterial));
    }

    private void Continue(Step step, AfterCheckpoint next)
    {
        if (next == AfterCheckpoint.Finish)
            Finish(step, succeeded: true, $"completed {_settings.Rounds} rounds");
        else
            StartRound(step, step.State.Round + 1);
    }

    private void Saved(Step step, CheckpointSaved saved)
    {
        var state = step.State;
        if (state.Phase != RoundPhase.Checkpointing || saved.Round != state.Round || state.Next is not { } next)
            return;
        step.State = state with { Next = null };
        Continue(step, next);
    }

    private void Recovered(Step step, RecoveredCheckpoint? latest)
    {
        if (!step.State.Recovering)
            return;
        step.State = step.State with { Recovering = false };
        if (latest is not null)
        {
            var ours = _settings.Identity;
            if (latest.Identity != ours)
            {
                var theirs = latest.Identity;
                Finish(step, succeeded: false,
                    $"the checkpoint of round {latest.Round} belongs to another federation (parameter set {theirs.ParameterSetId}, seed {theirs.Seed}, {theirs.Mode}) "
                    + $"than this one ({ours.ParameterSetId}, seed {ours.Seed}, {ours.Mode}); delete the checkpoint journal or point fedhe.persistence at another file");
                return;
            }

            if (latest.Round >= _settings.Rounds)
            {
                // A finished federation is not resumed: this start is a new federation, whose first checkpoint replaces it.
                step.Decide(0, $"the journalled federation finished at round {latest.Round}; starting a new one");
            }
            else
            {
                ApplyKeyStep(step, step.State.KeyGeneration.Restore(latest));
                if (step.State.Phase == RoundPhase.Finished)
                    return;
                step.State = step.State with
                {
                    Round = latest.Round,
                    ResumeAfter = latest.Round,
                    LatestStatisticsRound = latest.StatisticsRound,
                    LatestModelRound = latest.ModelRound,
                };
                step.Decide(latest.Round, $"recovered the checkpoint of round {latest.Round}; the federation resumes at round {latest.Round + 1}");
            }
        }

        TryStartFederation(step);
    }

    private void Fetch(Step step, AggregateFetchRequested request)
    {
        var state = step.State;
        var (id, round) = (request.HospitalId, request.Round);
        if (!state.Hospitals.ContainsKey(id))
        {
            step.Ignore(id, $"request for the aggregate of round {round} from {id}, which is not a registered hospital");
            return;
        }

        var fetched = state.Fetches.GetValueOrDefault((id, round));
        if (fetched >= _settings.MaxFetchesPerAggregate)
        {
            step.Ignore(id, $"request {fetched + 1} from {id} for the aggregate of round {round}: it was re-sent {fetched} times already", IgnoredReason.OverLimit);
            return;
        }

        var held = round == 0 ? state.LatestStatisticsRound == 0 : state.LatestModelRound == round;
        if (!held)
        {
            step.Ignore(id, $"{id} asked for the aggregate of round {round}, which is not held");
            return;
        }

        step.State = state with { Fetches = state.Fetches.SetItem((id, round), fetched + 1) };
        step.Decide(state.Round, $"re-sending the aggregate of round {round} to {id}");
        step.Emit(new ResendAggregate(id, round));
        ApplyCommittee(step, step.State.Committee.AggregateSent(round, [id], ReachableParties(step.State)));
    }

    private void Leave(Step step, HospitalLeft left)
    {
        if (!step.State.Hospitals.ContainsKey(left.HospitalId))
            return;
        step.State = step.State with { Hospitals = step.State.Hospitals.Remove(left.HospitalId) };
        step.Decide(step.State.Round, $"{left.HospitalId} {left.Why}: dropped from the federation");
        OnDropout(step);
    }

    private void MarkReachability(Step step, string hospitalId, bool reachable)
    {
        if (!step.State.Hospitals.TryGetValue(hospitalId, out var was) || was == reachable)
            return;
        step.State = step.State with { Hospitals = step.State.Hospitals.SetItem(hospitalId, reachable) };
        step.Decide(step.State.Round, $"{hospitalId} is {(reachable ? "reachable again" : "unreachable: excluded until it returns")}");
        if (!reachable)
            OnDropout(step);
    }

    /// <summary>A hospital is gone for now: replace committees it sat on, and stop waiting for it.</summary>
    private void OnDropout(Step step)
    {
        if (!ApplyCommittee(step, step.State.Committee.MembersChanged(ReachableParties(step.State), step.State.ReachableHospitals)))
            return;
        var state = step.State;
        if (state.Phase == RoundPhase.Collecting && !state.Received.IsEmpty)
            DecideOnCollection(step, deadlinePassed: false);
        else if (state.Phase == RoundPhase.Evaluating && AllEvaluationsIn(state))
            ConcludeRound(step);
    }

    /// <summary>Takes a committee step; false (after failing the federation) if the committee cannot be formed.</summary>
    private static bool ApplyCommittee(Step step, CommitteeStep committeeStep)
    {
        step.State = step.State with { Committee = committeeStep.Next };
        step.EmitAll(committeeStep.Commands);
        if (committeeStep.Failure is null)
            return true;
        Finish(step, succeeded: false, committeeStep.Failure);
        return false;
    }

    private static EquatableArray<string> ReachableParties(RoundMachineState state) =>
        [.. state.KeyGeneration.Parties.Where(state.IsReachable)];

    private static KeyGenerationContext KeyContext(RoundMachineState state) => new(state.Round, state.ReachableHospitals);

    private static void Finish(Step step, bool succeeded, string status)
    {
        var state = step.State;
        if (state.Phase == RoundPhase.Finished)
            return;
        step.State = state with { Phase = RoundPhase.Finished, Outcome = new FederationOutcome(succeeded, status), Next = null };
        step.Emit(CancelAllTimers.Instance);
        step.Emit(new FinishFederation(state.Round, succeeded, status, state.ReachableHospitals));
        step.Decide(state.Round, status);
        step.Emit(new Publish(new FederationCompleted(state.Round, succeeded, status)));
    }

    /// <summary>One transition under construction: local to a call, so the machine stays pure.</summary>
    private sealed class Step(RoundMachineState state)
    {
        private readonly ImmutableArray<RoundCommand>.Builder _commands = ImmutableArray.CreateBuilder<RoundCommand>();

        public RoundMachineState State { get; set; } = state;

        public void Emit(RoundCommand command) => _commands.Add(command);

        public void EmitAll(ImmutableArray<RoundCommand> commands) => _commands.AddRange(commands);

        public void Decide(int round, string text) => Emit(new Publish(new Decision(round, text)));

        /// <summary>Counts an ignored message in the round's figures and has it logged.</summary>
        public void Ignore(string source, string what, IgnoredReason reason = IgnoredReason.Unexpected)
        {
            State = State with { Ignored = State.Ignored + 1 };
            Emit(new LogIgnored(source, what, reason));
        }

        public RoundTransition Result() => new(State, _commands.ToImmutable());
    }
}
