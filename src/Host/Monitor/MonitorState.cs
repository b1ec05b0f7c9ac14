using System.Collections.Immutable;
using FederatedHe.Actors.Spec;

namespace FederatedHe.Host.Monitor;

/// <summary>
/// What the dashboard shows, projected from the monitor's events by <see cref="MonitorProjection"/>: immutable, and
/// JSON-friendly (it is what the dashboard's page receives).
/// </summary>
/// <param name="Sequence">Events applied so far.</param>
/// <param name="Members">Cluster members by address, in the order they appeared.</param>
/// <param name="Round">The coordinator's round (0 is standardisation).</param>
/// <param name="Attempt">The round's collection attempt.</param>
/// <param name="Phase">The coordinator's phase (Registering until the first notice).</param>
/// <param name="Current">Who has sent what in the round in progress.</param>
/// <param name="Rounds">Every concluded round, in order.</param>
/// <param name="Faults">The fault schedule, each marked once it struck.</param>
/// <param name="Decisions">The coordinator's latest decisions, newest last (at most <see cref="MonitorProjection.DecisionsKept"/>).</param>
/// <param name="Outcome">How the federation ended, or null while it runs.</param>
/// <param name="Experiment">The spec's experiment name, or empty.</param>
/// <param name="PlannedRounds">Rounds the spec asks for, or 0 when the monitor was given no spec.</param>
public sealed record MonitorState(
    long Sequence,
    ImmutableList<MemberView> Members,
    int Round,
    int Attempt,
    string Phase,
    CurrentRound Current,
    ImmutableList<RoundFigures> Rounds,
    ImmutableList<FaultView> Faults,
    ImmutableList<DecisionView> Decisions,
    FederationOutcomeView? Outcome,
    string Experiment,
    int PlannedRounds)
{
    /// <summary>Nothing learnt yet.</summary>
    public static readonly MonitorState Empty = new(0, [], 0, 0, "Registering", CurrentRound.None(0, 0), [], [], [], null, string.Empty, 0);

    /// <summary>A state that knows the spec's fault schedule and plan before anything happened.</summary>
    public static MonitorState ForSpec(FederationSpec spec) =>
        Empty with
        {
            Faults = [.. spec.Faults.Schedule.Select(f => new FaultView(FaultNames.Describe(f), f.Round, FaultNames.Name(f.Moment), FaultNames.Name(f.Kind), f.Target, null, null))],
            Experiment = spec.Experiment.Name,
            PlannedRounds = spec.Federation.Rounds,
        };
}

/// <summary>A cluster member as the monitor sees it.</summary>
/// <param name="Address">Its Akka address.</param>
/// <param name="Role">aggregator, hospital or monitor (the first of its roles).</param>
/// <param name="HospitalId">The id it registered with the coordinator under (hospitals), or null.</param>
/// <param name="Status">Its membership status.</param>
/// <param name="Reachable">Whether the failure detector reaches it.</param>
/// <param name="Since">When its status or reachability last changed.</param>
public sealed record MemberView(string Address, string Role, string? HospitalId, string Status, bool Reachable, DateTime Since)
{
    /// <summary>"up", "unreachable" or "gone": the member's health in one word.</summary>
    public string Health => Status is "Removed" or "Down" or "Exiting" ? "gone" : !Reachable ? "unreachable" : Status == "Up" ? "up" : "joining";
}

/// <summary>The round in progress: who was asked, who has sent an update, who got the aggregate, who has reported.</summary>
public sealed record CurrentRound(
    int Round,
    int Attempt,
    ImmutableList<string> Participants,
    ImmutableDictionary<string, long> Updates,
    ImmutableList<string> AggregateRecipients,
    ImmutableDictionary<string, HospitalFigures> Evaluations)
{
    /// <summary>A round nobody has been asked in yet.</summary>
    public static CurrentRound None(int round, int attempt) => new(round, attempt, [], ImmutableDictionary<string, long>.Empty, [],
        ImmutableDictionary<string, HospitalFigures>.Empty);
}

/// <summary>One hospital's evaluation of a round's global model and its time spent.</summary>
public sealed record HospitalFigures(int SampleCount, double Accuracy, double LogLoss, double? RocAuc, double TrainingMs, double EncryptionMs, double DecryptionMs);

/// <summary>A concluded round's figures.</summary>
/// <param name="Round">The round.</param>
/// <param name="CompletedAt">When the monitor learnt it concluded.</param>
/// <param name="Accuracy">Pooled (sample-weighted) accuracy, or null without reports.</param>
/// <param name="LogLoss">Pooled log-loss, or null.</param>
/// <param name="RocAuc">Pooled ROC-AUC, or null.</param>
/// <param name="Hospitals">Each reporting hospital's own figures.</param>
/// <param name="WorstHospital">The hospital with the lowest accuracy, or null.</param>
/// <param name="WorstAccuracy">Its accuracy, or null.</param>
/// <param name="Contributors">Updates summed.</param>
/// <param name="Dropouts">Hospitals asked that did not contribute.</param>
/// <param name="Retries">Collection attempts beyond the first.</param>
/// <param name="IgnoredMessages">Messages ignored.</param>
/// <param name="CiphertextBytesReceived">Ciphertext bytes received.</param>
/// <param name="CiphertextBytesSent">Ciphertext bytes sent.</param>
/// <param name="CiphertextBytesPerParameter">Ciphertext bytes per plaintext value of one update.</param>
/// <param name="AggregationMs">Homomorphic sum time at the aggregator.</param>
/// <param name="EncryptionMs">Mean hospital encryption time.</param>
/// <param name="DecryptionMs">Mean hospital decryption time.</param>
/// <param name="TrainingMs">Mean hospital training time.</param>
/// <param name="RoundMs">Wall time of the round.</param>
public sealed record RoundFigures(
    int Round,
    DateTime CompletedAt,
    double? Accuracy,
    double? LogLoss,
    double? RocAuc,
    ImmutableSortedDictionary<string, HospitalFigures> Hospitals,
    string? WorstHospital,
    double? WorstAccuracy,
    int Contributors,
    ImmutableList<string> Dropouts,
    int Retries,
    int IgnoredMessages,
    long CiphertextBytesReceived,
    long CiphertextBytesSent,
    double CiphertextBytesPerParameter,
    double AggregationMs,
    double EncryptionMs,
    double DecryptionMs,
    double TrainingMs,
    double RoundMs);

/// <summary>A fault of the schedule.</summary>
/// <param name="Description">As `fedhe` prints it (e.g. "round 2 (aggregate-distributed): restart-hospital hospital-3").</param>
/// <param name="Round">The round it is due in.</param>
/// <param name="Moment">round-started or aggregate-distributed.</param>
/// <param name="Kind">Its kind.</param>
/// <param name="Target">The node it strikes.</param>
/// <param name="StruckAt">When its moment came (the launcher strikes it then), or null while pending.</param>
/// <param name="StruckInAttempt">The collection attempt of the round when it struck, or null.</param>
public sealed record FaultView(string Description, int Round, string Moment, string Kind, string Target, DateTime? StruckAt, int? StruckInAttempt);

/// <summary>A coordinator decision.</summary>
public sealed record DecisionView(DateTime At, int Round, string Text);

/// <summary>How the federation ended.</summary>
public sealed record FederationOutcomeView(DateTime At, int Round, bool Succeeded, string Status);
