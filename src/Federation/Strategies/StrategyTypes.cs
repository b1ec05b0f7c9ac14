using System.Collections.Immutable;

namespace FederatedHe.Federation.Strategies;

/// <summary>The form of an update as the aggregator sees it: never its values, only how many and in how many ciphertexts.</summary>
/// <param name="VectorLength">Plaintext values in the update (model parameters and the sample count).</param>
/// <param name="CiphertextCount">Ciphertexts (chunks) carrying them.</param>
/// <param name="CiphertextBytes">Their serialized size, for the round's traffic figures.</param>
public sealed record UpdateShape(int VectorLength, int CiphertextCount, long CiphertextBytes);

/// <summary>A hospital's update that arrived complete and passed validation.</summary>
public sealed record FitResult(string HospitalId, UpdateShape Shape);

/// <summary>Why a hospital asked to train has not (or not usably) delivered.</summary>
public enum FitFailureKind
{
    /// <summary>Its update was refused (a malformed chunk or ciphertext); it sits out the round.</summary>
    Refused,

    /// <summary>It is registered but unreachable: not waited for until it returns.</summary>
    Unreachable,

    /// <summary>It left the cluster or stopped.</summary>
    Left,

    /// <summary>Its update disagrees in form with the others' and cannot join their sum.</summary>
    Inconsistent,
}

/// <summary>A hospital asked to train that did not usably deliver.</summary>
public sealed record FitFailure(string HospitalId, FitFailureKind Kind, string Reason);

/// <summary>
/// Where a round's collection stands when the strategy is asked to aggregate results and failures: on every change
/// that might let the round conclude early, and at each collect deadline.
/// </summary>
/// <param name="Round">The round (0 is the statistics round).</param>
/// <param name="Attempt">The collection attempt, from 1.</param>
/// <param name="Selected">The hospitals asked to train, in ordinal order.</param>
/// <param name="Results">The updates that arrived, in ordinal order of hospital.</param>
/// <param name="Failures">The hospitals that failed so far.</param>
/// <param name="Outstanding">Selected, reachable hospitals whose update has not arrived yet (the ones a retry re-asks).</param>
/// <param name="DeadlinePassed">Whether the attempt's collect timeout fired.</param>
public sealed record FitProgress(
    int Round,
    int Attempt,
    EquatableArray<string> Selected,
    EquatableArray<FitResult> Results,
    EquatableArray<FitFailure> Failures,
    EquatableArray<string> Outstanding,
    bool DeadlinePassed);

/// <summary>How the contributors' updates become the round's aggregate.</summary>
public enum AggregationRule
{
    /// <summary>Plaintext federated averaging: the sample-weighted mean of the models (in-process simulation).</summary>
    SampleWeightedMean,

    /// <summary>
    /// The homomorphic sum of the ciphertexts. Each update carries its sample-weighted model and its sample count, so
    /// the hospitals obtain FedAvg's mean by decrypting the sum and dividing: the aggregator only adds.
    /// </summary>
    HomomorphicSum,
}

/// <summary>The strategy's answer to <see cref="IFederationStrategy.AggregateFit"/>.</summary>
public abstract record FitVerdict
{
    private FitVerdict()
    {
    }

    /// <summary>Keep collecting: the round may still improve before its deadline.</summary>
    public sealed record Wait : FitVerdict
    {
        /// <summary>The one instance.</summary>
        public static readonly Wait Instance = new();
    }

    /// <summary>Aggregate these contributors now.</summary>
    /// <param name="Contributors">The hospitals whose updates form the aggregate, in ordinal order.</param>
    /// <param name="Rule">How they are combined.</param>
    /// <param name="Excluded">Results left out of the aggregate, and why (counted as ignored messages).</param>
    /// <param name="Why">The reason, for the decision log.</param>
    public sealed record Aggregate(EquatableArray<string> Contributors, AggregationRule Rule, EquatableArray<FitFailure> Excluded, string Why) : FitVerdict;

    /// <summary>Start another collection attempt, re-asking these hospitals.</summary>
    /// <param name="Missing">Selected, reachable hospitals whose update is missing.</param>
    /// <param name="Why">The reason, for the decision log.</param>
    public sealed record Retry(EquatableArray<string> Missing, string Why) : FitVerdict;

    /// <summary>The round cannot be aggregated: it fails, and with it the federation.</summary>
    /// <param name="Received">Usable updates the round had.</param>
    /// <param name="Required">Updates it needed.</param>
    /// <param name="Reason">Why, in words the operator can act on.</param>
    public sealed record Fail(int Received, int Required, string Reason) : FitVerdict;
}

/// <summary>Wall-clock figures a hospital reports with its evaluation, in milliseconds.</summary>
public sealed record ReportedTimings(double TrainingMs, double EncryptionMs, double DecryptionMs);

/// <summary>A hospital's evaluation of a round's global model on its own hold-out data.</summary>
/// <param name="HospitalId">The hospital.</param>
/// <param name="Round">The round whose model was evaluated.</param>
/// <param name="SampleCount">Hold-out samples: the pooling weight.</param>
/// <param name="Accuracy">In [0, 1].</param>
/// <param name="LogLoss">Finite and non-negative.</param>
/// <param name="RocAuc">In [0, 1], or NaN when undefined (a hold-out with one class only).</param>
/// <param name="Timings">The hospital's training, encryption and decryption time this round.</param>
public sealed record EvaluationReport(string HospitalId, int Round, int SampleCount, double Accuracy, double LogLoss, double RocAuc, ReportedTimings Timings)
{
    /// <summary>
    /// What makes the report impossible, or null: one bad report must not skew the federated figures. A NaN ROC-AUC is
    /// possible (one class in the hold-out) and only keeps the report out of the AUC pool.
    /// </summary>
    public string? Problem()
    {
        if (SampleCount < 0)
            return $"sample count {SampleCount} is negative";
        if (!double.IsFinite(Accuracy) || Accuracy is < 0 or > 1)
            return $"accuracy {Accuracy} is outside [0, 1]";
        if (!double.IsNaN(RocAuc) && (!double.IsFinite(RocAuc) || RocAuc is < 0 or > 1))
            return $"ROC-AUC {RocAuc} is neither undefined (NaN) nor in [0, 1]";
        if (!double.IsFinite(LogLoss) || LogLoss < 0)
            return $"log-loss {LogLoss} is not a finite non-negative number";
        if (Timings is null || !new[] { Timings.TrainingMs, Timings.EncryptionMs, Timings.DecryptionMs }.All(t => double.IsFinite(t) && t >= 0))
            return "its timings are missing, negative or not finite";
        return null;
    }
}

/// <summary>The hospitals' evaluations of a round, pooled by sample count.</summary>
/// <param name="Reports">Evaluations pooled for accuracy and log-loss.</param>
/// <param name="SampleCount">Their samples.</param>
/// <param name="Accuracy">Sample-weighted mean accuracy.</param>
/// <param name="LogLoss">Sample-weighted mean log-loss.</param>
/// <param name="RocAuc">Sample-weighted mean of the defined ROC-AUCs (an approximation: AUC does not pool); NaN when none is defined.</param>
/// <param name="RocAucReports">Evaluations whose ROC-AUC was defined and pooled.</param>
public sealed record PooledEvaluation(int Reports, int SampleCount, double Accuracy, double LogLoss, double RocAuc, int RocAucReports);
