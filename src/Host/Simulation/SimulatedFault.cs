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
}

/// <summary>A fault the simulation injects into a real run (the node really goes away; nothing is mocked).</summary>
/// <param name="Round">The round it strikes in.</param>
/// <param name="Moment">When in that round.</param>
/// <param name="Kind">What it does.</param>
/// <param name="Target">The hospital it strikes, e.g. <c>hospital-2</c>.</param>
public sealed record SimulatedFault(int Round, FaultMoment Moment, FaultKind Kind, string Target);
