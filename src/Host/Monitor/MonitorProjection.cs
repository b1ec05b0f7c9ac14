using System.Collections.Immutable;
using FederatedHe.Actors.Protocol;
using static FederatedHe.Actors.Protocol.ObserverNotices;

namespace FederatedHe.Host.Monitor;

/// <summary>
/// The monitor's state projection: (state, event) → state, pure (no clock, no I/O; time comes with the event). A fault
/// of the schedule is marked struck when its moment is first observed (a round's first start, or its aggregate's first
/// distribution), the very rule by which `fedhe cluster up` strikes it from the monitor's feed.
/// </summary>
public static class MonitorProjection
{
    /// <summary>How many of the coordinator's latest decisions the state keeps.</summary>
    public const int DecisionsKept = 40;

    /// <summary>The state after <paramref name="monitorEvent"/>.</summary>
    public static MonitorState Apply(MonitorState state, MonitorEvent monitorEvent)
    {
        var next = monitorEvent switch
        {
            MemberObserved member => Member(state, member),
            NoticeObserved { Notice: var notice, At: var at } => Notice(state, notice, at),
            _ => state,
        };
        return next with { Sequence = state.Sequence + 1 };
    }

    /// <summary>The state after every event in order.</summary>
    public static MonitorState ApplyAll(MonitorState state, IEnumerable<MonitorEvent> events) => events.Aggregate(state, Apply);

    private static MonitorState Member(MonitorState state, MemberObserved member)
    {
        var role = member.Roles.FirstOrDefault(r => r is Actors.Nodes.FederationRoles.Aggregator or Actors.Nodes.FederationRoles.Hospital
            or Actors.Nodes.FederationRoles.Monitor) ?? member.Roles.FirstOrDefault() ?? "member";
        var index = state.Members.FindIndex(m => m.Address == member.Address);
        if (index < 0)
            return state with { Members = state.Members.Add(new MemberView(member.Address, role, null, member.Status, member.Reachable, member.At)) };
        var known = state.Members[index];
        if (known.Status == member.Status && known.Reachable == member.Reachable)
            return state;
        return state with { Members = state.Members.SetItem(index, known with { Status = member.Status, Reachable = member.Reachable, Since = member.At }) };
    }

    private static MonitorState Notice(MonitorState state, IObserverNotice notice, DateTime at) => notice switch
    {
        HospitalRegistered registered => Registered(state, registered),
        PhaseEntered phase => state with { Phase = phase.Phase, Round = Math.Max(state.Round, phase.RoundId) },
        RoundStarted started => Strike(state with
        {
            Round = started.RoundId,
            Attempt = started.Attempt,
            Phase = "Collecting",
            // A retry keeps what already arrived; a new round starts afresh.
            Current = started.RoundId == state.Current.Round && started.Attempt > 1
                ? state.Current with { Attempt = started.Attempt, Participants = [.. started.Participants] }
                : CurrentRound.None(started.RoundId, started.Attempt) with { Participants = [.. started.Participants] },
        }, started.RoundId, "round-started", started.Attempt, at),
        UpdateReceived update when update.RoundId == state.Current.Round =>
            state with { Current = state.Current with { Updates = state.Current.Updates.SetItem(update.HospitalId, update.CiphertextBytes) } },
        AggregateDistributed distributed => Strike(
            distributed.RoundId == state.Current.Round ? state with { Current = state.Current with { AggregateRecipients = [.. distributed.Recipients] } } : state,
            distributed.RoundId, "aggregate-distributed", state.Current.Attempt, at),
        EvaluationReceived evaluation when evaluation.RoundId == state.Current.Round =>
            state with { Current = state.Current with { Evaluations = state.Current.Evaluations.SetItem(evaluation.HospitalId, Figures(evaluation)) } },
        RoundCompleted completed => Completed(state, completed, at),
        RoundFailed failed => Decide(state, at, failed.RoundId, $"round {failed.RoundId} failed after {failed.Attempts} attempts: {failed.Reason}"),
        FederationCompleted finished => state with { Phase = "Finished", Outcome = new FederationOutcomeView(at, finished.RoundId, finished.Succeeded, finished.Status) },
        Decision decision => Decide(state, at, decision.RoundId, decision.Text),
        _ => state,
    };

    private static MonitorState Registered(MonitorState state, HospitalRegistered registered)
    {
        // A hospital that rejoins from a new address takes its id with it; its old address keeps none.
        var members = state.Members.Select(m =>
            m.Address == registered.Address ? m with { HospitalId = registered.HospitalId }
            : m.HospitalId == registered.HospitalId ? m with { HospitalId = null }
            : m).ToImmutableList();
        if (members.All(m => m.Address != registered.Address))
            members = members.Add(new MemberView(registered.Address, Actors.Nodes.FederationRoles.Hospital, registered.HospitalId, "Up", true, DateTime.MinValue));
        return state with { Members = members };
    }

    private static MonitorState Completed(MonitorState state, RoundCompleted completed, DateTime at)
    {
        var hospitals = completed.RoundId == state.Current.Round ? state.Current.Evaluations : ImmutableDictionary<string, HospitalFigures>.Empty;
        var worst = hospitals.OrderBy(h => h.Value.Accuracy).ThenBy(h => h.Key, StringComparer.Ordinal).Select(h => (KeyValuePair<string, HospitalFigures>?)h).FirstOrDefault();
        var perParameter = completed.Contributors.Length == 0 || completed.VectorLength == 0
            ? 0
            : (double)completed.CiphertextBytesReceived / completed.Contributors.Length / completed.VectorLength;
        var figures = new RoundFigures(completed.RoundId, at,
            completed.Evaluation?.Accuracy, completed.Evaluation?.LogLoss, Finite(completed.Evaluation?.RocAuc),
            hospitals.ToImmutableSortedDictionary(StringComparer.Ordinal), worst?.Key, worst?.Value.Accuracy,
            completed.Contributors.Length, [.. completed.Dropouts], completed.Attempts - 1, completed.IgnoredMessages,
            completed.CiphertextBytesReceived, completed.CiphertextBytesSent, perParameter, completed.AggregationMs,
            completed.MeanEncryptionMs, completed.MeanDecryptionMs, completed.MeanTrainingMs, completed.RoundMs);
        // A resumed coordinator may conclude a round again: the latest figures replace the earlier ones.
        var rounds = state.Rounds.RemoveAll(r => r.Round == completed.RoundId).Add(figures).Sort((a, b) => a.Round.CompareTo(b.Round));
        return state with { Rounds = rounds, Round = Math.Max(state.Round, completed.RoundId) };
    }

    private static MonitorState Strike(MonitorState state, int round, string moment, int attempt, DateTime at)
    {
        var faults = state.Faults.Select(f => f.StruckAt is null && f.Round == round && f.Moment == moment ? f with { StruckAt = at, StruckInAttempt = attempt } : f)
            .ToImmutableList();
        return state with { Faults = faults };
    }

    private static MonitorState Decide(MonitorState state, DateTime at, int round, string text)
    {
        var decisions = state.Decisions.Add(new DecisionView(at, round, text));
        return state with { Decisions = decisions.Count > DecisionsKept ? decisions.RemoveRange(0, decisions.Count - DecisionsKept) : decisions };
    }

    private static HospitalFigures Figures(EvaluationReceived evaluation) =>
        new(evaluation.SampleCount, evaluation.Accuracy, evaluation.LogLoss, Finite(evaluation.RocAuc), evaluation.TrainingMs,
            evaluation.EncryptionMs, evaluation.DecryptionMs);

    // A one-class hold-out has no AUC (NaN), which JSON cannot carry.
    private static double? Finite(double? value) => value is { } v && double.IsFinite(v) ? v : null;
}
