using System.Globalization;
using static FederatedHe.Actors.Protocol.ObserverNotices;

namespace FederatedHe.Host.Monitor;

/// <summary>
/// One line of the monitor's event feed (<c>/api/feed</c>, server-sent events): what happened, in order. `fedhe cluster up`
/// follows rounds and strikes its fault schedule by these.
/// </summary>
/// <param name="Sequence">Position in the feed, from 1.</param>
/// <param name="At">When the monitor learnt it (UTC).</param>
/// <param name="Kind">One of the <c>…Kind</c> names.</param>
/// <param name="Round">The round it is about.</param>
/// <param name="Attempt">The collection attempt (round-started), else 0.</param>
/// <param name="Text">One line for people.</param>
public sealed record MonitorFeedEntry(long Sequence, DateTime At, string Kind, int Round, int Attempt, string Text)
{
    /// <summary>The coordinator's notice itself (figures only, as it published them), or null for a membership change.</summary>
    public IObserverNotice? Notice { get; init; }

    /// <summary>A round began collecting (or retried).</summary>
    public const string RoundStartedKind = "round-started";

    /// <summary>A round's aggregate was handed out.</summary>
    public const string AggregateDistributedKind = "aggregate-distributed";

    /// <summary>A round concluded.</summary>
    public const string RoundCompletedKind = "round-completed";

    /// <summary>A round failed.</summary>
    public const string RoundFailedKind = "round-failed";

    /// <summary>The federation ended.</summary>
    public const string FederationCompletedKind = "federation-completed";

    /// <summary>Any other notice (a phase, an update or an evaluation received, a decision, a registration).</summary>
    public const string NoticeKind = "notice";

    /// <summary>A member's status or reachability changed.</summary>
    public const string MemberKind = "member";

    /// <summary>The feed's entry for an event.</summary>
    public static MonitorFeedEntry Of(long sequence, MonitorEvent monitorEvent) => monitorEvent switch
    {
        MemberObserved m => new(sequence, m.At, MemberKind, 0, 0, $"{m.Address} ({string.Join(',', m.Roles)}) {m.Status}{(m.Reachable ? string.Empty : ", unreachable")}"),
        NoticeObserved { Notice: var notice, At: var at } => (notice switch
        {
            RoundStarted s => new(sequence, at, RoundStartedKind, s.RoundId, s.Attempt, $"round {s.RoundId} started with {s.Participants.Length} participants (attempt {s.Attempt})"),
            AggregateDistributed d => new(sequence, at, AggregateDistributedKind, d.RoundId, 0, $"round {d.RoundId} aggregate distributed to {d.Recipients.Length} hospitals"),
            RoundCompleted c => new(sequence, at, RoundCompletedKind, c.RoundId, c.Attempts,
                $"round {c.RoundId}: {c.Contributors.Length} updates, {c.Dropouts.Length} dropouts, {c.Attempts} attempts"
                + (c.Evaluation is { } e ? string.Create(CultureInfo.InvariantCulture, $", hospitals report accuracy {e.Accuracy:P2}") : string.Empty)),
            RoundFailed f => new(sequence, at, RoundFailedKind, f.RoundId, f.Attempts, $"round {f.RoundId} failed: {f.Reason}"),
            FederationCompleted f => new(sequence, at, FederationCompletedKind, f.RoundId, 0, f.Status),
            PhaseEntered p => new(sequence, at, NoticeKind, p.RoundId, 0, $"round {p.RoundId}: {p.Phase}"),
            UpdateReceived u => new(sequence, at, NoticeKind, u.RoundId, 0, $"round {u.RoundId}: update from {u.HospitalId} ({u.CiphertextBytes} ciphertext bytes)"),
            EvaluationReceived v => new(sequence, at, NoticeKind, v.RoundId, 0,
                string.Create(CultureInfo.InvariantCulture, $"round {v.RoundId}: {v.HospitalId} reports accuracy {v.Accuracy:P2}")),
            HospitalRegistered h => new(sequence, at, NoticeKind, h.RoundId, 0, $"{h.HospitalId} registered from {h.Address}"),
            Decision d => new(sequence, at, NoticeKind, d.RoundId, 0, d.Text),
            KeyGenerationStarted k => new(sequence, at, NoticeKind, k.RoundId, 0, $"all {k.Hospitals} hospitals registered; key generation begins"),
            DeadlinePassed d => new(sequence, at, NoticeKind, d.RoundId, d.Attempt,
                $"round {d.RoundId}: the {(d.Evaluation ? "evaluation" : "collection")} deadline of attempt {d.Attempt} passed"),
            _ => new MonitorFeedEntry(sequence, at, NoticeKind, notice.RoundId, 0, notice.GetType().Name),
        }) with { Notice = notice },
        _ => new(sequence, monitorEvent.At, NoticeKind, 0, 0, monitorEvent.GetType().Name),
    };
}
