using FederatedHe.Training.Data;
using FederatedHe.Training.Evaluation;
using FederatedHe.Training.Local;
using FederatedHe.Training.Models;

namespace FederatedHe.Training.Federation;

/// <summary>The global model's state after one round of a simulated federation.</summary>
/// <param name="Round">The 1-based round.</param>
/// <param name="Test">The global model's metrics on the held-out test set.</param>
/// <param name="MeanTrainingLoss">Sample-weighted mean of the hospitals' last-epoch training losses.</param>
/// <param name="ClientCount">Hospitals aggregated this round (0 when the strategy kept the previous model).</param>
public sealed record RoundMetrics(int Round, EvaluationMetrics Test, double MeanTrainingLoss, int ClientCount);

/// <summary>The outcome of a simulated federation.</summary>
/// <param name="Rounds">Metrics after each round.</param>
/// <param name="FinalParameters">The global model after the last round.</param>
/// <param name="Standardizer">The standardizer built from the hospitals' combined statistics.</param>
public sealed record FederatedRunResult(IReadOnlyList<RoundMetrics> Rounds, float[] FinalParameters, Standardizer Standardizer)
{
    /// <summary>The last round's test metrics.</summary>
    public EvaluationMetrics FinalTest => Rounds[^1].Test;
}

/// <summary>
/// In-process, unencrypted federated learning: the reference the encrypted runtime must match, driven
/// through the same <see cref="IFederatedStrategy"/> hooks and <see cref="FederatedClient"/> code.
/// </summary>
/// <remarks>
/// <para>Standardization is federated too: each hospital's <see cref="FeatureStatistics"/> are combined
/// into one <see cref="Standardizer"/>, applied to every hospital and to the test set.</para>
/// <para>Hospitals train one after another on the caller's thread, so a run is deterministic for a seed.</para>
/// </remarks>
public static class PlaintextFedAvg
{
    /// <summary>Runs FedAvg (or the given strategy) for a number of rounds and evaluates the global model after each.</summary>
    /// <param name="partitions">Raw (unstandardized) training data, one per hospital; hospital ids are <c>hospital-1</c>, <c>hospital-2</c>, ….</param>
    /// <param name="test">Raw held-out test data.</param>
    /// <param name="spec">The architecture.</param>
    /// <param name="options">Local training options per round; their seed is replaced by <paramref name="seed"/>.</param>
    /// <param name="rounds">Number of rounds, at least 1.</param>
    /// <param name="seed">Seeds the initial global model and, through the strategy, every hospital's batch order.</param>
    /// <param name="strategy">The strategy; null for <see cref="FedAvgStrategy"/> with default settings and these options.</param>
    /// <param name="cancellationToken">Checked before each batch.</param>
    /// <exception cref="ArgumentException">No partitions, an empty partition, or feature counts disagree.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rounds"/> is below 1 or an option is out of range.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public static FederatedRunResult Run(
        IReadOnlyList<Dataset> partitions,
        Dataset test,
        ModelSpec spec,
        TrainingOptions options,
        int rounds,
        int seed,
        IFederatedStrategy? strategy = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(rounds, 1);
        if (partitions.Count == 0)
        {
            throw new ArgumentException("At least one hospital is needed.", nameof(partitions));
        }
        strategy ??= new FedAvgStrategy(new FedAvgOptions { LocalTraining = options with { Seed = seed } });

        var standardizer = Standardizer.FromStatistics(FeatureStatistics.Combine(partitions.Select(FeatureStatistics.Compute)));
        var scaledTest = standardizer.Apply(test);
        var clients = partitions
            .Select((partition, index) => new FederatedClient($"hospital-{index + 1}", standardizer.Apply(partition), spec))
            .ToArray();
        try
        {
            var clientsById = clients.ToDictionary(client => client.ClientId);
            var clientIds = clients.Select(client => client.ClientId).ToArray();
            using var globalModel = ModelFactory.Create(spec, test.FeatureCount, seed);
            var global = globalModel.GetParameters();
            var history = new List<RoundMetrics>(rounds);
            for (var round = 1; round <= rounds; round++)
            {
                var instructions = strategy.ConfigureFit(round, global, clientIds);
                var updates = instructions.Select(instruction => clientsById[instruction.ClientId].Fit(instruction, cancellationToken)).ToArray();
                var aggregate = strategy.AggregateFit(round, updates, []);
                if (aggregate is not null)
                {
                    global = aggregate.Parameters;
                }
                globalModel.SetParameters(global);
                history.Add(new RoundMetrics(
                    round,
                    ModelEvaluator.Evaluate(globalModel, scaledTest),
                    aggregate?.MeanTrainingLoss ?? double.NaN,
                    aggregate?.ClientCount ?? 0));
            }
            return new FederatedRunResult(history, global, standardizer);
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }
    }
}
