using FederatedHe.Actors.Diagnostics;
using FederatedHe.Actors.Spec;
using FederatedHe.Training.Evaluation;
using FederatedHe.Training.Federation;
using static FederatedHe.Actors.Protocol.FederationEvents;

namespace FederatedHe.Actors.Harness;

/// <summary>
/// What one round of a run achieved and cost: as the harness's in-process federation reports it, or (without the
/// test-set columns) as <c>cluster up</c> and <c>node --report</c> assemble it from the coordinator's events.
/// </summary>
/// <param name="Round">Round number (0 is the standardisation round).</param>
/// <param name="Contributors">Hospitals whose encrypted updates were aggregated.</param>
/// <param name="Dropouts">Hospitals expected that did not contribute.</param>
/// <param name="Attempts">Collection attempts (1 = no retry).</param>
/// <param name="IgnoredMessages">Stale, duplicate, late or refused messages the coordinator ignored.</param>
/// <param name="Test">The decrypted global model on the whole held-out test set (the harness can see it; no node can).</param>
/// <param name="FederatedAccuracy">Sample-weighted accuracy the hospitals reported on their own held-out data.</param>
/// <param name="AggregateCkksError">Max abs error of the decrypted Σ ν_i·w_i (the weights the hospitals encrypted) against plaintext.</param>
/// <param name="ModelErrorVersusPlaintextFedAvg">Max abs difference between the decrypted global model and plaintext FedAvg of the same updates.</param>
/// <param name="CiphertextBytesPerParameter">Ciphertext bytes each hospital uploaded per plaintext value.</param>
/// <param name="TrainingMs">Mean local training time per hospital.</param>
/// <param name="EncryptionMs">Mean encryption time per hospital.</param>
/// <param name="AggregationMs">Time the aggregator spent adding ciphertexts.</param>
/// <param name="DecryptionMs">Mean decryption time per hospital.</param>
/// <param name="RoundMs">Wall time of the round.</param>
/// <param name="CiphertextBytesReceived">Ciphertext bytes of the updates the aggregator received and aggregated.</param>
/// <param name="CiphertextBytesSent">Ciphertext bytes of the aggregate the aggregator handed out, over all recipients.</param>
public sealed record SimulationRound(
    int Round,
    IReadOnlyList<string> Contributors,
    IReadOnlyList<string> Dropouts,
    int Attempts,
    int IgnoredMessages,
    EvaluationMetrics? Test,
    double? FederatedAccuracy,
    double? AggregateCkksError,
    double? ModelErrorVersusPlaintextFedAvg,
    double CiphertextBytesPerParameter,
    double TrainingMs,
    double EncryptionMs,
    double AggregationMs,
    double DecryptionMs,
    double RoundMs,
    long CiphertextBytesReceived,
    long CiphertextBytesSent)
{
    /// <summary>
    /// Hospitals of the federation the round would have selected were all of them available, that did not contribute:
    /// a hospital that died stays absent in every round after, where <see cref="Dropouts"/> (the selected that did not
    /// contribute) forgets it once the coordinator has removed it.
    /// </summary>
    public IReadOnlyList<string> Absent { get; init; } = [];

    /// <summary>Each hospital's own evaluation of the round's model, in hospital order (empty where none arrived).</summary>
    public IReadOnlyList<SiteEvaluation> Sites { get; init; } = [];

    /// <summary>The round's figures as the coordinator reported them, without the harness's own view of the model (test set, errors).</summary>
    /// <param name="completed">The coordinator's event.</param>
    /// <param name="spec">The federation, for the hospitals a round expects.</param>
    public static SimulationRound FromCoordinator(RoundCompleted completed, FederationSpec spec) =>
        new(completed.RoundId, completed.Contributors, completed.Dropouts, completed.Attempts, completed.IgnoredMessages, null,
            completed.Evaluation?.Accuracy, null, null, completed.CiphertextBytesPerValue, completed.Timings.TrainingMs,
            completed.Timings.EncryptionMs, completed.AggregationMs, completed.Timings.DecryptionMs, completed.RoundMs,
            completed.CiphertextBytesReceived, completed.CiphertextBytesSent)
        {
            Absent = spec.ExpectedParticipants(completed.RoundId).Except(completed.Contributors, StringComparer.Ordinal).ToList(),
            Sites = completed.Sites,
            Privacy = completed.Privacy,
        };

    /// <summary>The differential privacy spent once this round was released (ε, δ, budget), or null without DP.</summary>
    public FederatedHe.Federation.Rounds.PrivacySpent? Privacy { get; init; }

    /// <summary>
    /// Plaintext FedAvg of this round's very updates (the contributors' trained models averaged without encryption) on the
    /// whole test set: the plaintext FedAvg baseline's figure for the round; null without baselines or where an update was not seen.
    /// </summary>
    public EvaluationMetrics? PlaintextFedAvgTest { get; init; }

    /// <summary>Which session of the run concluded the round: 1, or 2 and up after each <c>fedhe runs resume</c>.</summary>
    public int Session { get; init; } = 1;
}

/// <summary>The outcome of a run and, if the harness computed them, its baselines; what every run report is written from.</summary>
public sealed record SimulationResult(
    bool Succeeded,
    string Status,
    IReadOnlyList<SimulationRound> Rounds,
    EvaluationMetrics? CentralizedBaseline,
    EvaluationMetrics? PlaintextFedAvgBaseline,
    TimeSpan FederationTime)
{
    /// <summary>Where <see cref="FederationTime"/> went; null when the run was not timed by its events.</summary>
    public FederationTimeBreakdown? TimeBreakdown { get; init; }

    /// <summary>The plaintext FedAvg baseline's test metrics after each of its rounds (empty without baselines).</summary>
    public IReadOnlyList<RoundMetrics> PlaintextFedAvgRounds { get; init; } = [];

    /// <summary>The coordinator's last decisions (at most <see cref="DecisionsKept"/>), oldest first: what a failed run did last.</summary>
    public IReadOnlyList<string> LastDecisions { get; init; } = [];

    /// <summary>How many of the coordinator's decisions <see cref="LastDecisions"/> keeps.</summary>
    public const int DecisionsKept = 40;

    /// <summary>The epochs the centralised baseline trained on the pooled training data; null without it.</summary>
    public int? CentralizedBaselineEpochs { get; init; }

    /// <summary>
    /// This result with the plaintext FedAvg baseline taken from its rounds' <see cref="SimulationRound.PlaintextFedAvgTest"/>:
    /// per round, and the last round's as the final figure.
    /// </summary>
    public SimulationResult WithPlaintextFedAvgFromRounds()
    {
        var plain = Rounds.Where(r => r.PlaintextFedAvgTest is not null)
            .Select(r => new RoundMetrics(r.Round, r.PlaintextFedAvgTest!, double.NaN, r.Contributors.Count)).ToList();
        return this with { PlaintextFedAvgRounds = plain, PlaintextFedAvgBaseline = plain.LastOrDefault()?.Test };
    }

    /// <summary>The hospitals' own final evaluations (the last round with any), for reports that have no test-set view.</summary>
    public FederatedEvaluation? FinalFederatedEvaluation { get; init; }

    /// <summary>The last round's test metrics.</summary>
    public EvaluationMetrics? FinalTest => Rounds.LastOrDefault(r => r.Test is not null)?.Test;
}
