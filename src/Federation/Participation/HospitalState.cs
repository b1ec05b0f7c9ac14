namespace FederatedHe.Federation.Participation;

/// <summary>Where a hospital stands with the coordinator; the actor has one behaviour per phase.</summary>
public enum HospitalPhase
{
    /// <summary>Threshold mode with persistence: the saved key share is being loaded; registration waits for it.</summary>
    RestoringKey,

    /// <summary>Asking the coordinator to admit it (at start, or after losing the coordinator); a round request from an aggregator node also admits it.</summary>
    Registering,

    /// <summary>Admitted: only the coordinator's node steers it (rounds, aggregates, key generation).</summary>
    Participating,

    /// <summary>The coordinator ended the federation; aggregates and requests are still judged as while participating.</summary>
    Finished,
}

/// <summary>What a hospital sends for a round.</summary>
public enum UpdateKind
{
    /// <summary>Round 0: its feature statistics.</summary>
    FeatureStatistics,

    /// <summary>A training round: its weighted model update.</summary>
    ModelUpdate,
}

/// <summary>What a hospital receives to decrypt.</summary>
public enum AggregateKind
{
    /// <summary>The sum of the feature statistics (round 0 only).</summary>
    Statistics,

    /// <summary>The sum of a training round's weighted updates.</summary>
    Model,
}

/// <summary>A training request that waits for the statistics or the global model it starts from.</summary>
/// <param name="Round">The round to train.</param>
/// <param name="GlobalModelRound">The round of the global model training starts from.</param>
public sealed record PendingTraining(int Round, int GlobalModelRound);

/// <summary>The last update this hospital sent, which it re-sends when asked again for it.</summary>
public sealed record SentUpdate(int Round, UpdateKind Kind);

/// <summary>
/// A hospital's state as the pure machine sees it: no keys, data, models or actor references, only the facts its
/// decisions depend on. Immutable; the machine returns a new one for every event.
/// </summary>
/// <param name="Phase">Where it stands with the coordinator.</param>
/// <param name="CoordinatorNode">The node (address text) of the coordinator that admitted it or last asked it for a round, or null.</param>
/// <param name="RegistrationAttempts">Registration messages sent so far.</param>
/// <param name="StatisticsKnown">Whether the global statistics are decrypted and its data standardised with them.</param>
/// <param name="GlobalRound">The round of the global model it holds (0: the initial model).</param>
/// <param name="TrainingRound">The round it last started training for (-1: none).</param>
/// <param name="Pending">A training request waiting for an aggregate, or null.</param>
/// <param name="AggregatesInFlight">Aggregates being decrypted (by its crypto pool or the decryption committee).</param>
/// <param name="LastSent">The last update it sent, or null.</param>
public sealed record HospitalState(
    HospitalPhase Phase,
    string? CoordinatorNode,
    int RegistrationAttempts,
    bool StatisticsKnown,
    int GlobalRound,
    int TrainingRound,
    PendingTraining? Pending,
    int AggregatesInFlight,
    SentUpdate? LastSent)
{
    /// <summary>Whether the coordinator has admitted this hospital (a finished federation stays admitted).</summary>
    public bool Registered => Phase is HospitalPhase.Participating or HospitalPhase.Finished;

    /// <summary>Whether a message from <paramref name="node"/> comes from the coordinator's node (never true for a message without a sender).</summary>
    public bool IsCoordinatorNode(string? node) => node is not null && node == CoordinatorNode;
}
