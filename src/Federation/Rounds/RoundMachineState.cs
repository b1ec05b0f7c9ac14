using System.Collections.Immutable;
using FederatedHe.Federation.Strategies;

namespace FederatedHe.Federation.Rounds;

/// <summary>The round machine's phases; the coordinator has one behaviour (<c>Become</c>) per phase.</summary>
public enum RoundPhase
{
    /// <summary>Waiting for enough hospitals (and for checkpoint recovery).</summary>
    Registering,

    /// <summary>Waiting on the key-generation sub-machine (threshold mode) before round 0 or a resumed round.</summary>
    KeyGeneration,

    /// <summary>Collecting the round's updates.</summary>
    Collecting,

    /// <summary>The sum of the contributors' updates is being computed.</summary>
    Aggregating,

    /// <summary>The aggregate is out; collecting the hospitals' evaluations of it.</summary>
    Evaluating,

    /// <summary>The concluded round is being journalled; the next starts once it is durable.</summary>
    Checkpointing,

    /// <summary>The federation ended (see <see cref="RoundMachineState.Outcome"/>); only aggregate fetches are served.</summary>
    Finished,
}

/// <summary>What to do once a checkpoint is durable.</summary>
public enum AfterCheckpoint
{
    /// <summary>Start the next round.</summary>
    StartNextRound,

    /// <summary>The last round concluded: the federation succeeded.</summary>
    Finish,
}

/// <summary>How the federation ended.</summary>
public sealed record FederationOutcome(bool Succeeded, string Status);

/// <summary>
/// Everything the round machine knows, immutable: hospitals by id and reachability, the round in progress and what
/// arrived for it, the latest aggregates' rounds, the fetch counters, and the sub-machines' states. Ciphertexts, actor
/// references and clocks are the coordinator's.
/// </summary>
public sealed record RoundMachineState
{
    private static readonly ImmutableSortedSet<string> NoIds = ImmutableSortedSet.Create<string>(StringComparer.Ordinal);

    /// <summary>The phase.</summary>
    public RoundPhase Phase { get; init; } = RoundPhase.Registering;

    /// <summary>The round in progress (or the last concluded one, resuming).</summary>
    public int Round { get; init; }

    /// <summary>The collection attempt of the round, from 1.</summary>
    public int Attempt { get; init; }

    /// <summary>Registered hospitals and whether each is reachable.</summary>
    public ImmutableSortedDictionary<string, bool> Hospitals { get; init; } = ImmutableSortedDictionary.Create<string, bool>(StringComparer.Ordinal);

    /// <summary>What each registered hospital said of its data (the preflight compares them before round 0).</summary>
    public ImmutableSortedDictionary<string, HospitalDataDescription> DataDescriptions { get; init; } =
        ImmutableSortedDictionary.Create<string, HospitalDataDescription>(StringComparer.Ordinal);

    /// <summary>The schema the hospitals agreed on when the federation started; a hospital joining later must hold it.</summary>
    public HospitalDataDescription? AgreedData { get; init; }

    /// <summary>Hospitals asked to train this round.</summary>
    public ImmutableSortedSet<string> Expected { get; init; } = NoIds;

    /// <summary>Validated updates of this round, by hospital.</summary>
    public ImmutableSortedDictionary<string, UpdateShape> Received { get; init; } = ImmutableSortedDictionary.Create<string, UpdateShape>(StringComparer.Ordinal);

    /// <summary>Updates reassembled and being validated.</summary>
    public ImmutableSortedSet<string> Validating { get; init; } = NoIds;

    /// <summary>Hospitals whose update was refused this round, and why.</summary>
    public ImmutableSortedDictionary<string, string> Refused { get; init; } = ImmutableSortedDictionary.Create<string, string>(StringComparer.Ordinal);

    /// <summary>Hospitals whose updates form the round's aggregate.</summary>
    public EquatableArray<string> Contributors { get; init; } = [];

    /// <summary>Hospitals the round's aggregate was handed to.</summary>
    public ImmutableSortedSet<string> AggregateRecipients { get; init; } = NoIds;

    /// <summary>Hospitals whose evaluation is awaited.</summary>
    public ImmutableSortedSet<string> Evaluators { get; init; } = NoIds;

    /// <summary>Valid evaluations of the round's aggregate, by hospital.</summary>
    public ImmutableSortedDictionary<string, EvaluationReport> Evaluations { get; init; } =
        ImmutableSortedDictionary.Create<string, EvaluationReport>(StringComparer.Ordinal);

    /// <summary>The round's sum, once ready.</summary>
    public AggregateReady? Aggregate { get; init; }

    /// <summary>Messages ignored during the round.</summary>
    public int Ignored { get; init; }

    /// <summary>Re-sent aggregates per (hospital, round).</summary>
    public ImmutableDictionary<(string HospitalId, int Round), int> Fetches { get; init; } = ImmutableDictionary<(string, int), int>.Empty;

    /// <summary>The round of the aggregated statistics held (0), or null.</summary>
    public int? LatestStatisticsRound { get; init; }

    /// <summary>The round of the latest aggregated model held, or null.</summary>
    public int? LatestModelRound { get; init; }

    /// <summary>Whether the checkpoint store's recovery is still pending.</summary>
    public bool Recovering { get; init; }

    /// <summary>The journalled round the federation resumes after, until it has.</summary>
    public int? ResumeAfter { get; init; }

    /// <summary>What follows the pending checkpoint.</summary>
    public AfterCheckpoint? Next { get; init; }

    /// <summary>The key-generation sub-machine.</summary>
    public required IKeyGenerationPhase KeyGeneration { get; init; }

    /// <summary>The decryption-committee sub-machine.</summary>
    public required IDecryptionCommitteePhase Committee { get; init; }

    /// <summary>How the federation ended, once <see cref="RoundPhase.Finished"/>.</summary>
    public FederationOutcome? Outcome { get; init; }

    /// <summary>Whether the hospital is registered and reachable.</summary>
    public bool IsReachable(string hospitalId) => Hospitals.TryGetValue(hospitalId, out var reachable) && reachable;

    /// <summary>The registered, reachable hospitals, in ordinal order.</summary>
    public EquatableArray<string> ReachableHospitals => [.. Hospitals.Where(h => h.Value).Select(h => h.Key)];

    /// <summary>Whether round <see cref="Round"/> collects feature statistics rather than model updates.</summary>
    public bool CollectsStatistics => Round == 0;

    /// <summary>
    /// Why a chunk of an update for <paramref name="round"/> from <paramref name="hospitalId"/> is not wanted now, or null:
    /// the coordinator asks before reassembling, so that stale, duplicate and refused updates never fill its buffers.
    /// </summary>
    public string? UpdateRefusal(string hospitalId, int round)
    {
        if (Phase != RoundPhase.Collecting || round != Round)
            return $"update of round {round} from {hospitalId} while {Phase} round {Round}";
        if (!Hospitals.ContainsKey(hospitalId))
            return $"update from {hospitalId}, which is not a registered hospital";
        if (!Expected.Contains(hospitalId))
            return $"update from {hospitalId}, which was not asked to train in round {Round}";
        if (Received.ContainsKey(hospitalId) || Validating.Contains(hospitalId))
            return $"duplicate update from {hospitalId}";
        if (Refused.ContainsKey(hospitalId))
            return $"update from {hospitalId}, whose update of round {Round} was already refused";
        return null;
    }
}
