using FederatedHe.Actors.Harness;

namespace FederatedHe.Host.Reports;

/// <summary>One per-round figure of a run report, under the same name in rounds.csv and rounds.jsonl.</summary>
/// <param name="Name">Column (and JSON property) name, snake case.</param>
/// <param name="Value">The figure for a round: a number, a string, a list of strings, or null where it is unknown.</param>
internal sealed record RoundColumn(string Name, Func<SimulationRound, object?> Value);

/// <summary>The columns of rounds.csv and rounds.jsonl, in order.</summary>
internal static class RoundColumns
{
    public static IReadOnlyList<RoundColumn> All { get; } =
    [
        new("round", r => r.Round),
        new("accuracy", r => r.Test?.Accuracy),
        new("log_loss", r => r.Test?.LogLoss),
        new("auc", r => r.Test?.RocAuc),
        new("federated_accuracy", r => r.FederatedAccuracy),
        new("round_ms", r => r.RoundMs),
        new("bytes_on_wire", r => BytesOnWire(r)),
        new("ciphertext_bytes_received", r => r.CiphertextBytesReceived),
        new("ciphertext_bytes_sent", r => r.CiphertextBytesSent),
        new("ciphertext_bytes_per_parameter", r => r.CiphertextBytesPerParameter),
        new("contributors", r => r.Contributors.Count),
        new("dropouts", r => r.Dropouts.Count),
        new("dropout_ids", r => r.Dropouts),
        new("attempts", r => r.Attempts),
        new("retries", r => Retries(r)),
        new("ignored_messages", r => r.IgnoredMessages),
        new("training_ms", r => r.TrainingMs),
        new("encryption_ms", r => r.EncryptionMs),
        new("aggregation_ms", r => r.AggregationMs),
        new("decryption_ms", r => r.DecryptionMs),
        new("model_error_vs_plaintext_fedavg", r => r.ModelErrorVersusPlaintextFedAvg),
        new("aggregate_ckks_error", r => r.AggregateCkksError),
        new("precision", r => r.Test?.Precision),
        new("recall", r => r.Test?.Recall),
        new("f1", r => r.Test?.F1),
        new("absent", r => r.Absent.Count),
        new("absent_ids", r => r.Absent),
        new("sites_reporting", r => r.Sites.Count),
        new("worst_site_accuracy", r => SiteFigures.Worst(r.Sites, s => s.Accuracy, lowest: true)?.Value),
        new("worst_site_accuracy_id", r => SiteFigures.Worst(r.Sites, s => s.Accuracy, lowest: true)?.HospitalId),
        new("worst_site_auc", r => SiteFigures.Worst(r.Sites, s => s.RocAuc, lowest: true)?.Value),
        new("worst_site_log_loss", r => SiteFigures.Worst(r.Sites, s => s.LogLoss, lowest: false)?.Value),
        // Differential privacy spent once the round was released (fedhe.privacy; empty without DP).
        new("epsilon", r => r.Privacy?.Epsilon),
        // 1, or 2 and up for the rounds a `fedhe runs resume` ran: the resume is marked where it happened.
        new("session", r => r.Session),
    ];

    /// <summary>The columns of sites.csv: one row per hospital and round, each hospital's own evaluation of the round's model.</summary>
    public static IReadOnlyList<string> SiteColumns { get; } = ["round", "hospital", "samples", "accuracy", "log_loss", "auc"];

    /// <summary>Ciphertext bytes through the aggregator in a round: updates received plus aggregates sent.</summary>
    public static long BytesOnWire(SimulationRound round) => round.CiphertextBytesReceived + round.CiphertextBytesSent;

    /// <summary>Collection attempts beyond the first.</summary>
    public static int Retries(SimulationRound round) => Math.Max(0, round.Attempts - 1);
}
