namespace FederatedHe.Training.Federation;

/// <summary>
/// The policy of a federated run, in the style of Flower's <c>Strategy</c>: which hospitals train
/// and how, how their results (and failures) become the next global model, and the same for
/// evaluation.
/// </summary>
/// <remarks>
/// Implementations are pure: no I/O, no actors, no clocks; the same inputs give the same outputs. The
/// in-process simulation (<see cref="PlaintextFedAvg"/>) and the cluster runtime both drive a strategy
/// through these four hooks, and an encrypted strategy wraps a plain one.
/// </remarks>
public interface IFederatedStrategy
{
    /// <summary>Chooses the hospitals for a training round and what each should do.</summary>
    /// <param name="round">The 1-based round.</param>
    /// <param name="globalParameters">The current global model.</param>
    /// <param name="availableClients">Hospitals currently reachable.</param>
    IReadOnlyList<FitInstruction> ConfigureFit(int round, float[] globalParameters, IReadOnlyList<string> availableClients);

    /// <summary>Combines a round's updates into the next global model.</summary>
    /// <param name="round">The round.</param>
    /// <param name="results">Updates that arrived.</param>
    /// <param name="failures">Hospitals that were asked but did not deliver.</param>
    /// <returns>The new global model, or null to keep the previous one (too few results, or failures not accepted).</returns>
    FitAggregate? AggregateFit(int round, IReadOnlyList<ClientUpdate> results, IReadOnlyList<ClientFailure> failures);

    /// <summary>Chooses the hospitals that evaluate a model.</summary>
    /// <param name="round">The round.</param>
    /// <param name="parameters">The model to evaluate.</param>
    /// <param name="availableClients">Hospitals currently reachable.</param>
    IReadOnlyList<EvaluateInstruction> ConfigureEvaluate(int round, float[] parameters, IReadOnlyList<string> availableClients);

    /// <summary>Pools the hospitals' evaluations.</summary>
    /// <param name="round">The round.</param>
    /// <param name="results">Evaluations that arrived.</param>
    /// <param name="failures">Hospitals that were asked but did not deliver.</param>
    /// <returns>The pooled metrics, or null when there are too few evaluations.</returns>
    EvaluationAggregate? AggregateEvaluate(int round, IReadOnlyList<ClientEvaluation> results, IReadOnlyList<ClientFailure> failures);
}
