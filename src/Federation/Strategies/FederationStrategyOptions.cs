namespace FederatedHe.Federation.Strategies;

/// <summary>
/// Settings of the server-side strategy, after Flower's FedAvg arguments. Immutable; change with <c>with</c> and
/// <see cref="Validate"/> again. The defaults are the coordinator's historical policy: every reachable hospital
/// trains, quorum decides, failures are accepted.
/// </summary>
public sealed record FederationStrategyOptions
{
    /// <summary>Fraction of the available hospitals asked to train each round, in (0, 1].</summary>
    public double FractionFit { get; init; } = 1.0;

    /// <summary>Fewest hospitals asked to train (Flower's <c>min_fit_clients</c>); all of them when fewer are available.</summary>
    public int MinFitHospitals { get; init; } = 1;

    /// <summary>Fewest updates a round needs to be aggregated (<c>fedhe.federation.quorum</c>).</summary>
    public int Quorum { get; init; } = 1;

    /// <summary>Collection attempts per round: after the first, missing updates are re-requested (<c>fedhe.federation.max-attempts</c>).</summary>
    public int MaxAttempts { get; init; } = 1;

    /// <summary>
    /// Whether a round with failures (refused, unreachable or silent hospitals) may be aggregated from the updates that
    /// did arrive (Flower's <c>accept_failures</c>). When false, failures are retried and the round fails once the
    /// attempts are spent; evaluations with failures are then not pooled either.
    /// </summary>
    public bool AcceptFailures { get; init; } = true;

    /// <summary>Fraction of the aggregate's recipients whose evaluation is awaited and pooled, in [0, 1].</summary>
    public double FractionEvaluate { get; init; } = 1.0;

    /// <summary>Fewest evaluations needed to pool them.</summary>
    public int MinEvaluateHospitals { get; init; } = 1;

    /// <summary>The federation's seed: client sampling is a deterministic function of it and the round.</summary>
    public int Seed { get; init; }

    /// <summary>Checks every field.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A field is out of range.</exception>
    public FederationStrategyOptions Validate()
    {
        if (!(FractionFit > 0 && FractionFit <= 1))
            throw new ArgumentOutOfRangeException(nameof(FractionFit), FractionFit, "Must be in (0, 1].");
        if (!(FractionEvaluate >= 0 && FractionEvaluate <= 1))
            throw new ArgumentOutOfRangeException(nameof(FractionEvaluate), FractionEvaluate, "Must be in [0, 1].");
        ArgumentOutOfRangeException.ThrowIfLessThan(MinFitHospitals, 1, nameof(MinFitHospitals));
        ArgumentOutOfRangeException.ThrowIfLessThan(Quorum, 1, nameof(Quorum));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxAttempts, 1, nameof(MaxAttempts));
        ArgumentOutOfRangeException.ThrowIfLessThan(MinEvaluateHospitals, 1, nameof(MinEvaluateHospitals));
        return this;
    }
}
