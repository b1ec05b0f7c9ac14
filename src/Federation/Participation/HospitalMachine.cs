using System.Collections.Immutable;

namespace FederatedHe.Federation.Participation;

/// <summary>The next state and the commands to carry out, in order.</summary>
/// <remarks>Compared by value, so that the same step from the same state is seen to give the same result.</remarks>
public sealed record HospitalTransition(HospitalState State, EquatableArray<HospitalCommand> Commands);

/// <summary>What the hospital machine needs to know about its hospital.</summary>
/// <param name="Threshold">Threshold mode: aggregates are decrypted by a committee of parties, not by this hospital alone.</param>
/// <param name="RestoresKeyFirst">Threshold mode with persistence: load the saved key share before registering.</param>
/// <param name="RegistrationRetry">How long to wait for the coordinator's answer before registering again.</param>
/// <param name="WarnEveryRegistrationAttempts">Warn once every this many unanswered registrations.</param>
public sealed record HospitalMachineSettings(
    bool Threshold,
    bool RestoresKeyFirst,
    TimeSpan RegistrationRetry,
    int WarnEveryRegistrationAttempts = 15)
{
    /// <summary>The default retry: two seconds.</summary>
    public static readonly TimeSpan DefaultRegistrationRetry = TimeSpan.FromSeconds(2);
}

/// <summary>
/// A hospital's decisions as a pure state machine, (state, event) → (state, commands): which coordinator it follows,
/// whether a request or an aggregate is current, stale or a duplicate, when to train, what to send or re-send, when to
/// fetch a missed aggregate, and how it resumes. No actor references, data, keys or clocks: the <c>HospitalActor</c>
/// translates messages and timers into events and carries out the commands. Threshold key generation and the decryption
/// committee are sub-machines of their own (<see cref="PartyKeyGeneration{TSealedShare, TCollectiveKey}"/>,
/// <see cref="CommitteeDecryption{TAggregate, TShare}"/>); this machine only starts the one and hands aggregates to the other.
/// </summary>
public sealed class HospitalMachine(HospitalMachineSettings settings)
{
    /// <summary>The settings it was made with.</summary>
    public HospitalMachineSettings Settings { get; } = settings;

    /// <summary>
    /// The first state and commands. <paramref name="savedModelRound"/> is the round of a global model loaded from disk
    /// (0: the initial model). With <see cref="HospitalMachineSettings.RestoresKeyFirst"/> registration waits for
    /// <see cref="KeyRestoreEnded"/>.
    /// </summary>
    public HospitalTransition Start(int savedModelRound = 0)
    {
        var state = new HospitalState(HospitalPhase.RestoringKey, null, 0, false, savedModelRound, -1, null, 0, null);
        if (Settings.RestoresKeyFirst)
            return new HospitalTransition(state, default);
        var commands = ImmutableArray.CreateBuilder<HospitalCommand>();
        state = Register(state with { Phase = HospitalPhase.Registering }, commands);
        return new HospitalTransition(state, new EquatableArray<HospitalCommand>(commands.ToImmutable()));
    }

    /// <summary>The next state and commands after <paramref name="message"/>.</summary>
    /// <exception cref="ArgumentException">An event this machine does not know.</exception>
    public HospitalTransition Handle(HospitalState state, HospitalEvent message)
    {
        var commands = ImmutableArray.CreateBuilder<HospitalCommand>();
        var next = message switch
        {
            KeyRestoreEnded restored => OnKeyRestoreEnded(state, restored, commands),
            RegistrationTimerFired => Register(state, commands),
            RegistrationAnswered answer => OnRegistrationAnswered(state, answer, commands),
            CoordinatorLost => OnCoordinatorLost(state, commands),
            StatisticsRequested request => OnStatisticsRequested(state, request, commands),
            TrainingRequested request => OnTrainingRequested(state, request, commands),
            KeyGenerationRequested request => OnKeyGenerationRequested(state, request, commands),
            UpdateTrained trained => Emit(state, commands, new EncryptUpdate(trained.Round, UpdateKind.ModelUpdate)),
            UpdateEncrypted encrypted => Emit(state with { LastSent = new SentUpdate(encrypted.Round, encrypted.Kind) }, commands,
                new SendUpdate(encrypted.Round, encrypted.Kind)),
            AggregateChunkArrived chunk => OnAggregateChunk(state, chunk, commands),
            AggregateAssembled assembled => OnAggregateAssembled(state, assembled, commands),
            AggregateDecryptionFailed => state with { AggregatesInFlight = Math.Max(0, state.AggregatesInFlight - 1) },
            UnconcludedAggregatesDropped dropped => state with { AggregatesInFlight = Math.Max(0, state.AggregatesInFlight - dropped.Count) },
            AggregateDecrypted decrypted => OnAggregateDecrypted(state, decrypted, commands),
            AggregateAdopted adopted => OnAggregateAdopted(state, adopted, commands),
            FederationEnded ended => OnFederationEnded(state, ended, commands),
            _ => throw new ArgumentException($"the hospital machine does not know the event {message.GetType().Name}", nameof(message)),
        };
        return new HospitalTransition(next, new EquatableArray<HospitalCommand>(commands.ToImmutable()));
    }

    private static HospitalState Emit(HospitalState state, ImmutableArray<HospitalCommand>.Builder commands, HospitalCommand command)
    {
        commands.Add(command);
        return state;
    }

    private HospitalState OnKeyRestoreEnded(HospitalState state, KeyRestoreEnded restored, ImmutableArray<HospitalCommand>.Builder commands)
    {
        if (state.Phase != HospitalPhase.RestoringKey)
            return state;
        if (restored.SavedStatisticsFound && !state.StatisticsKnown)
        {
            // Through the path of a decrypted aggregate, so the same checks and standardisation apply.
            state = state with { AggregatesInFlight = state.AggregatesInFlight + 1 };
            commands.Add(ReplaySavedStatistics.Instance);
        }

        return Register(state with { Phase = HospitalPhase.Registering }, commands);
    }

    /// <summary>Registers (again) unless admitted or still loading the key; the timer retries until the coordinator answers.</summary>
    private HospitalState Register(HospitalState state, ImmutableArray<HospitalCommand>.Builder commands)
    {
        if (state.Phase != HospitalPhase.Registering)
            return state;
        var attempts = state.RegistrationAttempts + 1;
        if (attempts % Settings.WarnEveryRegistrationAttempts == 0)
            commands.Add(new WarnNoRegistrationAnswer(attempts));
        commands.Add(SendRegistration.Instance);
        commands.Add(new StartRegistrationTimer(Settings.RegistrationRetry));
        return state with { RegistrationAttempts = attempts };
    }

    private static HospitalState OnRegistrationAnswered(HospitalState state, RegistrationAnswered answer, ImmutableArray<HospitalCommand>.Builder commands)
    {
        commands.Add(CancelRegistrationTimer.Instance);
        if (!answer.Accepted)
        {
            commands.Add(new LogRegistration(false, answer.Reason));
            return state;
        }

        commands.Add(WatchCoordinator.Instance);
        commands.Add(new LogRegistration(true, answer.Reason));
        return state with { Phase = Admitted(state), CoordinatorNode = answer.Node };
    }

    private static HospitalPhase Admitted(HospitalState state) =>
        state.Phase == HospitalPhase.Finished ? HospitalPhase.Finished : HospitalPhase.Participating;

    private HospitalState OnCoordinatorLost(HospitalState state, ImmutableArray<HospitalCommand>.Builder commands)
    {
        commands.Add(WarnCoordinatorLost.Instance);
        return Register(state with { Phase = HospitalPhase.Registering }, commands);
    }

    /// <summary>
    /// Once admitted only the coordinator's node steers this hospital. Before that (or while registering again after
    /// losing it) a request is what tells the hospital where the coordinator is, so it is taken only from an aggregator
    /// node. Null when the request may be followed, else the refusal.
    /// </summary>
    private static string? SteeringRefusal(HospitalState state, MessageSource from, string what)
    {
        // A remote message without a sender arrives from dead letters, whose address is this node's own.
        if (from.Node is null)
            return $"{what} without a sender";
        if (state.Registered && state.CoordinatorNode is not null)
            return from.Node == state.CoordinatorNode
                ? null
                : $"{what} from {from.Path}, which is not the coordinator's node {state.CoordinatorNode}";
        return from.IsAggregatorNode ? null : $"{what} from {from.Path}, which is not an aggregator node of the cluster";
    }

    /// <summary>A request proves the coordinator knows this hospital (the registration answer may have been lost).</summary>
    private static HospitalState Contact(HospitalState state, MessageSource from, ImmutableArray<HospitalCommand>.Builder commands)
    {
        commands.Add(CancelRegistrationTimer.Instance);
        commands.Add(WatchCoordinator.Instance);
        return state with { Phase = Admitted(state), CoordinatorNode = from.Node };
    }

    private static HospitalState OnStatisticsRequested(HospitalState state, StatisticsRequested request, ImmutableArray<HospitalCommand>.Builder commands)
    {
        if (SteeringRefusal(state, request.From, request.What) is { } refusal)
            return Emit(state, commands, new LogRefusal(refusal));
        state = Contact(state, request.From, commands);
        commands.Add(state.LastSent == new SentUpdate(request.Round, UpdateKind.FeatureStatistics)
            ? new ResendUpdate(request.Round, UpdateKind.FeatureStatistics)
            : new SendStatistics(request.Round));
        return state;
    }

    private static HospitalState OnTrainingRequested(HospitalState state, TrainingRequested request, ImmutableArray<HospitalCommand>.Builder commands)
    {
        if (SteeringRefusal(state, request.From, request.What) is { } refusal)
            return Emit(state, commands, new LogRefusal(refusal));
        state = Contact(state, request.From, commands);
        return TryStartTraining(state, new PendingTraining(request.Round, request.GlobalModelRound), commands);
    }

    /// <summary>
    /// Trains once the statistics and the global model the round starts from are here. They are usually still being
    /// decrypted (they arrive just before the request): the request waits for them, and if nothing is being decrypted
    /// the missing aggregate is fetched again. A request for an update already sent re-sends it; one already in
    /// training is a duplicate.
    /// </summary>
    private static HospitalState TryStartTraining(HospitalState state, PendingTraining request, ImmutableArray<HospitalCommand>.Builder commands)
    {
        if (state.LastSent == new SentUpdate(request.Round, UpdateKind.ModelUpdate))
            return Emit(state, commands, new ResendUpdate(request.Round, UpdateKind.ModelUpdate));
        if (state.TrainingRound == request.Round)
            return state;

        var missing = !state.StatisticsKnown ? 0 : request.GlobalModelRound != state.GlobalRound ? request.GlobalModelRound : -1;
        if (missing >= 0)
        {
            if (state.AggregatesInFlight == 0)
                commands.Add(new FetchMissedAggregate(missing));
            return state with { Pending = request };
        }

        commands.Add(new StartLocalTraining(request.Round));
        return state with { Pending = null, TrainingRound = request.Round };
    }

    private static HospitalState OnKeyGenerationRequested(HospitalState state, KeyGenerationRequested request, ImmutableArray<HospitalCommand>.Builder commands)
    {
        if (SteeringRefusal(state, request.From, request.What) is { } refusal)
            return Emit(state, commands, new LogRefusal(refusal));
        if (request.Refusal is { } problem)
            return Emit(state, commands, new LogRefusal(problem));
        state = Contact(state, request.From, commands);

        // A new collective key means a new federation: the statistics and model held belong to the previous one.
        commands.Add(StartKeyGeneration.Instance);
        return state with { StatisticsKnown = false, GlobalRound = 0 };
    }

    private static HospitalState OnAggregateChunk(HospitalState state, AggregateChunkArrived chunk, ImmutableArray<HospitalCommand>.Builder commands)
    {
        if (chunk.Kind is not { } kind || !state.IsCoordinatorNode(chunk.From.Node))
            return Emit(state, commands, new LogRefusal($"a {chunk.KindName} chunk of round {chunk.Round} from {chunk.From.Path}"));
        if (kind == AggregateKind.Statistics && chunk.Round != 0)
            return Emit(state, commands, new LogRefusal($"aggregated statistics claiming round {chunk.Round}; statistics belong to round 0"));
        if (kind == AggregateKind.Model && chunk.Round <= state.GlobalRound)
            return state; // this or a newer global model is already here
        return Emit(state, commands, new AssembleChunk(chunk.Round, kind));
    }

    private HospitalState OnAggregateAssembled(HospitalState state, AggregateAssembled assembled, ImmutableArray<HospitalCommand>.Builder commands)
    {
        if (!Settings.Threshold)
        {
            commands.Add(new DecryptAggregate(assembled.Round, assembled.Kind));
            return state with { AggregatesInFlight = state.AggregatesInFlight + 1 };
        }

        // Statistics re-sent to a hospital that has them (a resumed coordinator catches everyone up): the committee
        // decrypted round 0 long ago and will not again, so there is nothing to wait for.
        if (assembled.Kind == AggregateKind.Statistics && state.StatisticsKnown)
            return state;
        commands.Add(new DecryptWithCommittee(assembled.Round, assembled.Kind));
        return state with { AggregatesInFlight = state.AggregatesInFlight + 1 };
    }

    private static HospitalState OnAggregateDecrypted(HospitalState state, AggregateDecrypted decrypted, ImmutableArray<HospitalCommand>.Builder commands)
    {
        state = state with { AggregatesInFlight = state.AggregatesInFlight - 1 };
        if (!decrypted.Finite || (decrypted.Kind == AggregateKind.Model && decrypted.Round <= state.GlobalRound))
            return state;
        return Emit(state, commands, new AdoptAggregate(decrypted.Round, decrypted.Kind));
    }

    private static HospitalState OnAggregateAdopted(HospitalState state, AggregateAdopted adopted, ImmutableArray<HospitalCommand>.Builder commands)
    {
        if (adopted.Kind == AggregateKind.Statistics)
        {
            state = state with { StatisticsKnown = true };
        }
        else
        {
            if (adopted.Round <= state.GlobalRound)
                return state;
            state = state with { GlobalRound = adopted.Round };
            if (state.StatisticsKnown)
                commands.Add(new EvaluateModel(adopted.Round));
        }

        return state.Pending is { } pending ? TryStartTraining(state, pending, commands) : state;
    }

    private static HospitalState OnFederationEnded(HospitalState state, FederationEnded ended, ImmutableArray<HospitalCommand>.Builder commands)
    {
        // Only the coordinator may end this hospital's federation: the hosting process stops on it.
        if (!state.IsCoordinatorNode(ended.From.Node))
            return Emit(state, commands, new LogRefusal(
                $"FederationFinished from {ended.From.Path}, which is not the coordinator's node ({state.CoordinatorNode ?? "none yet"})"));
        commands.Add(UnwatchCoordinator.Instance);
        commands.Add(new EndFederation(ended.Round, ended.Succeeded, ended.Status));
        return state with { Phase = HospitalPhase.Finished };
    }
}
