namespace FederatedHe.Host.Simulation;

/// <summary>When, in a round, a simulated fault strikes.</summary>
public enum FaultMoment
{
    /// <summary>As the coordinator announces the round (hospitals are about to train).</summary>
    RoundStarted,

    /// <summary>Right after the round's encrypted aggregate was handed out (hospitals are decrypting).</summary>
    AggregateDistributed,
}

/// <summary>What a simulated fault does.</summary>
public enum FaultKind
{
    /// <summary>Stop a hospital's node: its actor system shuts down and leaves the cluster.</summary>
    KillHospital,

    /// <summary>
    /// Kill the aggregator's node abruptly and start a fresh one on the same port with the same checkpoint journal
    /// (needs <c>fedhe.persistence.enabled = on</c>): it resumes after the last concluded round. Target is ignored.
    /// </summary>
    RestartAggregator,

    /// <summary>Kill a hospital's node and start it again with the same id, data and saved model: it rejoins and catches up.</summary>
    RestartHospital,
}

/// <summary>A fault the simulation injects into a real run (the node really goes away; nothing is mocked).</summary>
/// <param name="Round">The round it strikes in.</param>
/// <param name="Moment">When in that round.</param>
/// <param name="Kind">What it does.</param>
/// <param name="Target">The hospital it strikes, e.g. <c>hospital-2</c> (ignored by <see cref="FaultKind.RestartAggregator"/>).</param>
public sealed record SimulatedFault(int Round, FaultMoment Moment, FaultKind Kind, string Target);
