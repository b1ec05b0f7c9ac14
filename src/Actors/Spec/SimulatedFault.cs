namespace FederatedHe.Actors.Spec;

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
    /// (<c>fedhe.persistence</c>, else one in a temporary directory): it resumes after the last concluded round.
    /// </summary>
    RestartAggregator,

    /// <summary>Kill a hospital's node and start it again with the same id, data and saved model: it rejoins and catches up.</summary>
    RestartHospital,

    /// <summary>
    /// Lose <see cref="SimulatedFault.Fraction"/> of the remoting frames between the target and its peer (or every other node),
    /// in both directions, through Akka.Remote's failure-injector ("gremlin") transport adapter.
    /// </summary>
    DropMessages,

    /// <summary>
    /// Cut the target off from every other node (Akka.Remote's throttler adapter, blackholing both directions), and heal the
    /// link after <see cref="SimulatedFault.Duration"/>. A partition that outlasts the split-brain resolver's decision downs the target.
    /// </summary>
    PartitionNode,

    /// <summary>
    /// Hold every frame between the target and its peer (or every other node) to <see cref="SimulatedFault.BytesPerSecond"/>
    /// (the throttler adapter's token bucket): ciphertext chunks, the large messages, arrive late.
    /// </summary>
    DelayMessages,

    /// <summary>Make a hospital a straggler: each of its local trainings takes <see cref="SimulatedFault.Delay"/> longer.</summary>
    SlowHospital,
}

/// <summary>A fault the simulation injects into a real run (the node really goes away, frames are really lost; nothing is mocked).</summary>
/// <param name="Round">The round it strikes in.</param>
/// <param name="Moment">When in that round.</param>
/// <param name="Kind">What it does.</param>
/// <param name="Target">
/// The node it strikes: <c>hospital-k</c>, <see cref="Aggregator"/>, or for <see cref="FaultKind.DropMessages"/> and
/// <see cref="FaultKind.DelayMessages"/> also <see cref="EveryNode"/> (every link of the cluster).
/// </param>
public sealed record SimulatedFault(int Round, FaultMoment Moment, FaultKind Kind, string Target)
{
    /// <summary>The target naming the aggregator's node.</summary>
    public const string Aggregator = "aggregator";

    /// <summary>The target naming every node (network faults only).</summary>
    public const string EveryNode = "all";

    /// <summary>The other end of the affected links for network faults; null means every other node.</summary>
    public string? Peer { get; init; }

    /// <summary><see cref="FaultKind.DropMessages"/>: the fraction of frames lost on each affected link, in (0, 1].</summary>
    public double Fraction { get; init; }

    /// <summary>How long a network fault lasts before the links are healed; null means until the run ends.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary><see cref="FaultKind.SlowHospital"/>: the time added to each local training.</summary>
    public TimeSpan Delay { get; init; }

    /// <summary><see cref="FaultKind.DelayMessages"/>: the bandwidth each affected link is held to.</summary>
    public int BytesPerSecond { get; init; }

    /// <summary>Whether the fault acts on the network (and so needs the transport's chaos adapters).</summary>
    public bool IsNetworkFault => Kind is FaultKind.DropMessages or FaultKind.PartitionNode or FaultKind.DelayMessages;

    /// <summary>Checks that the fault's parameters fit its kind.</summary>
    /// <exception cref="ArgumentException">A parameter is missing, out of range, or does not apply to the kind.</exception>
    public SimulatedFault Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(Round);
        switch (Kind)
        {
            case FaultKind.DropMessages when !(Fraction is > 0 and <= 1):
                throw new ArgumentException($"{Kind} needs a fraction in (0, 1], got {Fraction}", nameof(Fraction));
            case FaultKind.DelayMessages when BytesPerSecond <= 0:
                throw new ArgumentException($"{Kind} needs a positive bytes-per-second, got {BytesPerSecond}", nameof(BytesPerSecond));
            case FaultKind.PartitionNode when Duration is null:
                throw new ArgumentException($"{Kind} needs a duration (the partition heals after it)", nameof(Duration));
            case FaultKind.SlowHospital when Delay <= TimeSpan.Zero:
                throw new ArgumentException($"{Kind} needs a positive delay, got {Delay}", nameof(Delay));
        }

        if (Duration is not null && !IsNetworkFault)
            throw new ArgumentException($"a duration applies to network faults only, not {Kind}", nameof(Duration));
        if (Duration is { } duration && duration <= TimeSpan.Zero)
            throw new ArgumentException($"the duration must be positive, got {duration}", nameof(Duration));
        if (Target == EveryNode && Kind is not (FaultKind.DropMessages or FaultKind.DelayMessages))
            throw new ArgumentException($"target '{EveryNode}' applies to drop-messages and delay-messages only, not {Kind}", nameof(Target));
        if (Target == Aggregator && Kind is FaultKind.KillHospital or FaultKind.RestartHospital or FaultKind.SlowHospital)
            throw new ArgumentException($"{Kind} strikes a hospital, not the aggregator", nameof(Target));
        if (Peer is not null && (!IsNetworkFault || Kind == FaultKind.PartitionNode || Target == EveryNode))
            throw new ArgumentException($"a peer applies to drop-messages and delay-messages between two nodes only", nameof(Peer));
        if (Peer is not null && Peer == Target)
            throw new ArgumentException($"the peer must differ from the target ({Target})", nameof(Peer));
        return this;
    }
}
