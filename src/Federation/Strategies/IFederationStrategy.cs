using System.Collections.Immutable;

namespace FederatedHe.Federation.Strategies;

/// <summary>
/// The server side of a federated run's policy, in the style of Flower's <c>Strategy</c>, for an aggregator that never
/// holds a plaintext model: which hospitals train, whether a round's results and failures suffice (quorum, retries,
/// accepted failures), which evaluations are awaited, and how they pool.
/// </summary>
/// <remarks>
/// Implementations are pure: no I/O, no actors, no clocks; the same inputs give the same outputs, so the round machine
/// that calls them is deterministic too. Decorate (see <see cref="FederationStrategyDecorator"/>) rather than fork:
/// <see cref="EncryptedAggregation"/> is such a wrapper, and a DP or FedProx variant would be another.
/// </remarks>
public interface IFederationStrategy
{
    /// <summary>Chooses the hospitals that train in a round (Flower's <c>configure_fit</c>).</summary>
    /// <param name="round">The training round, from 1.</param>
    /// <param name="availableHospitals">The reachable registered hospitals.</param>
    /// <returns>The selected hospitals, in ordinal order.</returns>
    EquatableArray<string> ConfigureFit(int round, IReadOnlyCollection<string> availableHospitals);

    /// <summary>Decides what a round's results and failures so far allow (Flower's <c>aggregate_fit</c>, less the arithmetic the aggregator cannot do).</summary>
    /// <param name="progress">The round's collection so far.</param>
    FitVerdict AggregateFit(FitProgress progress);

    /// <summary>Chooses whose evaluation of a round's aggregate is awaited and pooled (Flower's <c>configure_evaluate</c>).</summary>
    /// <param name="round">The round.</param>
    /// <param name="recipients">The hospitals the aggregate was handed to.</param>
    /// <returns>The hospitals, in ordinal order; empty to skip evaluation.</returns>
    EquatableArray<string> ConfigureEvaluate(int round, IReadOnlyCollection<string> recipients);

    /// <summary>Pools a round's evaluations (Flower's <c>aggregate_evaluate</c>).</summary>
    /// <param name="round">The round.</param>
    /// <param name="results">The valid evaluations that arrived.</param>
    /// <param name="failures">Awaited hospitals that did not report.</param>
    /// <returns>The pooled figures, or null when there are too few (or failures are not accepted).</returns>
    PooledEvaluation? AggregateEvaluate(int round, IReadOnlyList<EvaluationReport> results, IReadOnlyList<string> failures);
}

/// <summary>A strategy that forwards every hook to another; override the hooks the variant changes.</summary>
/// <param name="inner">The decorated strategy.</param>
public abstract class FederationStrategyDecorator(IFederationStrategy inner) : IFederationStrategy
{
    /// <summary>The decorated strategy.</summary>
    protected IFederationStrategy Inner { get; } = inner ?? throw new ArgumentNullException(nameof(inner));

    /// <inheritdoc />
    public virtual EquatableArray<string> ConfigureFit(int round, IReadOnlyCollection<string> availableHospitals) =>
        Inner.ConfigureFit(round, availableHospitals);

    /// <inheritdoc />
    public virtual FitVerdict AggregateFit(FitProgress progress) => Inner.AggregateFit(progress);

    /// <inheritdoc />
    public virtual EquatableArray<string> ConfigureEvaluate(int round, IReadOnlyCollection<string> recipients) =>
        Inner.ConfigureEvaluate(round, recipients);

    /// <inheritdoc />
    public virtual PooledEvaluation? AggregateEvaluate(int round, IReadOnlyList<EvaluationReport> results, IReadOnlyList<string> failures) =>
        Inner.AggregateEvaluate(round, results, failures);
}
