using System.Diagnostics.Metrics;

namespace FederatedHe.Actors.Diagnostics;

/// <summary>
/// The <c>FederatedHe</c> meter: round, HE-cost, transfer, evaluation, cluster and checkpoint figures of every node in the
/// process. Each measurement is tagged with the node's id (<c>node_id</c>) and cluster role (<c>role</c>), so the nodes of an
/// in-process simulation stay apart. Only counts, sizes, durations and evaluation figures are recorded: no instrument ever
/// carries a model parameter, an update, a ciphertext or a data value. Instruments cost nothing until a listener (an
/// OpenTelemetry exporter, <c>dotnet-counters</c>) subscribes.
/// </summary>
/// <remarks>Thread-safe: <see cref="Meter"/> instruments may be recorded from any thread.</remarks>
public static class FederationMetrics
{
    /// <summary>The meter's name, as an exporter subscribes to it.</summary>
    public const string MeterName = "FederatedHe";

    /// <summary>Tag: the node's id (aggregator, hospital-1, …).</summary>
    public const string NodeTag = "node_id";

    /// <summary>Tag: the node's cluster role.</summary>
    public const string RoleTag = "role";

    private static readonly Meter Meter = new(MeterName, typeof(FederationMetrics).Assembly.GetName().Version?.ToString());

    /// <summary>The round the coordinator is in (aggregator).</summary>
    public static readonly Gauge<int> Round = Meter.CreateGauge<int>("fedhe.round", description: "The round the coordinator is in");

    /// <summary>1 for the coordinator's current phase, 0 for the others it has been in (tag <c>phase</c>).</summary>
    public static readonly Gauge<int> RoundPhase = Meter.CreateGauge<int>("fedhe.round.phase",
        description: "1 for the coordinator's current round phase (collecting, evaluating, completed, failed, finished), 0 for the others");

    /// <summary>The current round's collection attempt (1 = first).</summary>
    public static readonly Gauge<int> RoundAttempt = Meter.CreateGauge<int>("fedhe.round.attempt", description: "The current round's collection attempt (1 = first)");

    /// <summary>Wall time of each completed round.</summary>
    public static readonly Histogram<double> RoundDuration = Meter.CreateHistogram<double>("fedhe.round.duration", "s", "Wall time of a completed round");

    /// <summary>Rounds completed.</summary>
    public static readonly Counter<long> RoundsCompleted = Meter.CreateCounter<long>("fedhe.rounds.completed", description: "Rounds completed");

    /// <summary>Rounds failed (below quorum after every attempt).</summary>
    public static readonly Counter<long> RoundsFailed = Meter.CreateCounter<long>("fedhe.rounds.failed", description: "Rounds that failed below quorum");

    /// <summary>Updates aggregated.</summary>
    public static readonly Counter<long> UpdatesReceived = Meter.CreateCounter<long>("fedhe.updates.received", description: "Hospital updates aggregated");

    /// <summary>Hospitals expected in a round that did not contribute.</summary>
    public static readonly Counter<long> Dropouts = Meter.CreateCounter<long>("fedhe.dropouts", description: "Hospitals expected in a round that did not contribute");

    /// <summary>Collection attempts after the first.</summary>
    public static readonly Counter<long> Retries = Meter.CreateCounter<long>("fedhe.retries", description: "Collection attempts after a round's first");

    /// <summary>Messages the coordinator ignored (tag <c>reason</c>: unexpected, late, duplicate, not-selected, refused, over-limit).</summary>
    public static readonly Counter<long> MessagesIgnored = Meter.CreateCounter<long>("fedhe.messages.ignored", description: "Messages the coordinator ignored, by reason");

    /// <summary>Time of homomorphic work (tag <c>operation</c>: encrypt, aggregate, decrypt).</summary>
    public static readonly Histogram<double> HeDuration = Meter.CreateHistogram<double>("fedhe.he.duration", "s", "Time of homomorphic encryption work, by operation");

    /// <summary>Local training time per round (hospitals).</summary>
    public static readonly Histogram<double> TrainingDuration = Meter.CreateHistogram<double>("fedhe.training.duration", "s", "A hospital's local training time per round");

    /// <summary>Ciphertext bytes on the wire (tag <c>direction</c>: sent, received).</summary>
    public static readonly Counter<long> TransferBytes = Meter.CreateCounter<long>("fedhe.transfer", "By", "Ciphertext bytes sent and received by the node");

    /// <summary>Ciphertext bytes per plaintext value of one update: the encryption's expansion.</summary>
    public static readonly Gauge<double> CiphertextBytesPerParameter = Meter.CreateGauge<double>("fedhe.ciphertext.bytes_per_parameter",
        description: "Ciphertext bytes per plaintext value of one encrypted update");

    /// <summary>Accuracy of the global model (tag <c>scope</c>: pooled on the aggregator, hospital on a hospital's own hold-out).</summary>
    public static readonly Gauge<double> Accuracy = Meter.CreateGauge<double>("fedhe.evaluation.accuracy", description: "Accuracy of the latest global model");

    /// <summary>Log-loss of the global model (tag <c>scope</c>).</summary>
    public static readonly Gauge<double> LogLoss = Meter.CreateGauge<double>("fedhe.evaluation.log_loss", description: "Log-loss of the latest global model");

    /// <summary>ROC-AUC of the global model (tag <c>scope</c>); not recorded while undefined.</summary>
    public static readonly Gauge<double> RocAuc = Meter.CreateGauge<double>("fedhe.evaluation.roc_auc", description: "ROC-AUC of the latest global model");

    /// <summary>Cluster members this node sees up.</summary>
    public static readonly Gauge<int> ClusterMembers = Meter.CreateGauge<int>("fedhe.cluster.members", description: "Cluster members this node sees up");

    /// <summary>Cluster members this node sees unreachable.</summary>
    public static readonly Gauge<int> ClusterUnreachable = Meter.CreateGauge<int>("fedhe.cluster.unreachable", description: "Cluster members this node sees unreachable");

    /// <summary>Round checkpoints written to the coordinator's journal.</summary>
    public static readonly Counter<long> CheckpointWrites = Meter.CreateCounter<long>("fedhe.checkpoint.writes", description: "Round checkpoints made durable");
}
