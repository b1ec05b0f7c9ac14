using System.Collections.Immutable;
using FederatedHe.Federation.Strategies;

namespace FederatedHe.Federation.Rounds;

/// <summary>
/// What the round machine asks the coordinator to do, in order. Hospitals are named by id; the coordinator holds their
/// actor references, the ciphertexts and the clocks.
/// </summary>
public abstract record RoundCommand;

/// <summary>Start (or restart) the timer of this kind; when it fires, hand back <see cref="TimerFired"/> with <paramref name="Timer"/>.</summary>
public sealed record StartTimer(RoundTimer Timer, TimeSpan Delay) : RoundCommand;

/// <summary>Cancel the timer of this kind, if it runs.</summary>
public sealed record CancelTimer(TimerKind Kind) : RoundCommand;

/// <summary>Cancel every timer (the federation finished).</summary>
public sealed record CancelAllTimers : RoundCommand
{
    /// <summary>The one instance.</summary>
    public static readonly CancelAllTimers Instance = new();
}

/// <summary>
/// Ask these hospitals for their update: feature statistics in round 0, otherwise training from the aggregate of the
/// round before. A new round (attempt 1) also lets the coordinator drop partial chunks of older rounds.
/// </summary>
public sealed record RequestUpdates(int Round, int Attempt, EquatableArray<string> Hospitals) : RoundCommand
{
    /// <summary>Whether this asks for feature statistics rather than a model update.</summary>
    public bool IsStatistics => Round == 0;
}

/// <summary>Collection attempt <paramref name="Attempt"/>: ask again the reachable hospitals whose update is missing.</summary>
public sealed record ReRequestMissingUpdates(int Round, int Attempt, EquatableArray<string> Missing) : RoundCommand;

/// <summary>Combine these hospitals' updates (the homomorphic sum, on the crypto pool); answer with <see cref="AggregateReady"/>.</summary>
public sealed record RequestAggregation(int Round, EquatableArray<string> Contributors, AggregationRule Rule) : RoundCommand;

/// <summary>Hand the round's aggregate to these hospitals for decryption.</summary>
public sealed record DistributeAggregate(int Round, EquatableArray<string> Recipients) : RoundCommand;

/// <summary>Bring a hospital that (re)joined up to date: re-send the latest aggregated statistics and model the coordinator holds.</summary>
public sealed record CatchUp(string HospitalId) : RoundCommand;

/// <summary>Re-send one round's aggregate to a hospital that asked for it.</summary>
public sealed record ResendAggregate(string HospitalId, int Round) : RoundCommand;

/// <summary>Journal the concluded round (with the aggregates of these rounds); answer with <see cref="CheckpointSaved"/>.</summary>
/// <param name="Round">The concluded round.</param>
/// <param name="StatisticsRound">The aggregated statistics' round, or null.</param>
/// <param name="ModelRound">The latest aggregated model's round, or null.</param>
/// <param name="KeyMaterial">What the key-generation sub-machine wants journalled, or null.</param>
public sealed record SaveCheckpoint(int Round, int? StatisticsRound, int? ModelRound, object? KeyMaterial) : RoundCommand;

/// <summary>Publish a notice for observers (the event stream, logs, reports).</summary>
public sealed record Publish(FederationNotice Notice) : RoundCommand;

/// <summary>Log (rate-limited, by source) a message the machine ignored; the round's ignored-message count already includes it.</summary>
/// <param name="Source">Who sent it.</param>
/// <param name="What">What was ignored and why, for people.</param>
/// <param name="Reason">Why, as a category an observer can count by (metrics); never carries the message's content.</param>
public sealed record LogIgnored(string Source, string What, IgnoredReason Reason = IgnoredReason.Unexpected) : RoundCommand;

/// <summary>Why a message was ignored, as a small fixed set of categories (metric labels must stay few).</summary>
public enum IgnoredReason
{
    /// <summary>Not a message the federation expects from that sender at all (a stray chunk, an unregistered hospital).</summary>
    Unexpected,

    /// <summary>For a round or phase that is over.</summary>
    Late,

    /// <summary>A second copy of something already received.</summary>
    Duplicate,

    /// <summary>From a hospital the strategy did not select for the round.</summary>
    NotSelected,

    /// <summary>An update or evaluation that failed validation, or a hospital left out of the sum.</summary>
    Refused,

    /// <summary>A request beyond a per-round limit (aggregate fetches).</summary>
    OverLimit,
}

/// <summary>Tell the hospitals the federation ended and stop federating: afterwards only aggregate fetches are served.</summary>
public sealed record FinishFederation(int Round, bool Succeeded, string Status, EquatableArray<string> Hospitals) : RoundCommand;

/// <summary>What observers learn from the round machine.</summary>
public abstract record FederationNotice(int Round);

/// <summary>A decision, for the log.</summary>
public sealed record Decision(int Round, string Text) : FederationNotice(Round);

/// <summary>Every hospital expected has registered: key generation begins (instant in shared-key mode), then round 0.</summary>
/// <param name="Round">The round the federation (re)starts from: 0, or the checkpointed round it resumes after.</param>
/// <param name="Hospitals">Hospitals registered.</param>
public sealed record KeyGenerationStarted(int Round, int Hospitals) : FederationNotice(Round);

/// <summary>A round's deadline passed with replies missing: the machine decides (retry, aggregate with a quorum, fail) at this moment.</summary>
/// <param name="Round">The round.</param>
/// <param name="Attempt">The collection attempt whose deadline it was.</param>
/// <param name="Kind">Which deadline: <see cref="TimerKind.Collect"/> or <see cref="TimerKind.Evaluate"/>.</param>
public sealed record DeadlinePassed(int Round, int Attempt, TimerKind Kind) : FederationNotice(Round);

/// <summary>A round began collecting (attempt 1).</summary>
public sealed record RoundStarted(int Round, int Attempt, EquatableArray<string> Participants) : FederationNotice(Round);

/// <summary>A round's aggregate was handed out.</summary>
public sealed record AggregateDistributed(int Round, EquatableArray<string> Recipients) : FederationNotice(Round);

/// <summary>A round concluded (the coordinator adds its wall time and the bytes it sent).</summary>
/// <param name="Round">The round.</param>
/// <param name="Contributors">Hospitals whose updates were aggregated.</param>
/// <param name="Dropouts">Hospitals asked to train that did not contribute.</param>
/// <param name="Attempts">Collection attempts (1 = no retry).</param>
/// <param name="IgnoredMessages">Stale, duplicate, late or refused messages ignored during the round.</param>
/// <param name="Aggregate">The sum's figures.</param>
/// <param name="Evaluation">The pooled evaluation, or null (round 0, or too few reports).</param>
/// <param name="MeanTimings">Mean of the reporting hospitals' timings (zeros without reports).</param>
public sealed record RoundCompleted(
    int Round,
    EquatableArray<string> Contributors,
    EquatableArray<string> Dropouts,
    int Attempts,
    int IgnoredMessages,
    AggregateReady Aggregate,
    PooledEvaluation? Evaluation,
    ReportedTimings MeanTimings) : FederationNotice(Round)
{
    /// <summary>Collection attempts beyond the first.</summary>
    public int Retries => Attempts - 1;

    /// <summary>Every hospital's own evaluation of the round's model, in hospital order (empty in round 0): the worst site beside the pool.</summary>
    public EquatableArray<EvaluationReport> SiteEvaluations { get; init; } = [];

    /// <summary>The differential privacy spent once this round is released, or null without a privacy budget (and in round 0).</summary>
    public PrivacySpent? Privacy { get; init; }
}

/// <summary>A round could not be aggregated within its attempts; the federation stops.</summary>
public sealed record RoundFailed(int Round, int Attempts, int Received, int Required, string Reason) : FederationNotice(Round);

/// <summary>The federation ended.</summary>
public sealed record FederationCompleted(int Round, bool Succeeded, string Status) : FederationNotice(Round);
