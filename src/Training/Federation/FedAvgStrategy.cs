using FederatedHe.Training.Evaluation;
using FederatedHe.Training.Local;

namespace FederatedHe.Training.Federation;

/// <summary>
/// Federated averaging (McMahan et al., 2017): the next global model is the sample-weighted mean of the
/// hospitals' models, computed with <see cref="FedAvg.WeightedSum"/> and <see cref="FedAvg.Average(WeightedParameterSum)"/>.
/// </summary>
/// <remarks>
/// <para>Each hospital's local seed derives from the base seed, the round and the hospital's id, so a run
/// is reproducible whatever order hospitals answer in. When <see cref="FedAvgOptions.FractionFit"/> is
/// below 1, the hospitals are sampled with a generator seeded the same way.</para>
/// <para>Pure and immutable, hence thread-safe. Subclass to change a hook, as <see cref="FedProxStrategy"/> does.</para>
/// </remarks>
public class FedAvgStrategy : IFederatedStrategy
{
    /// <summary>Creates the strategy.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public FedAvgStrategy(FedAvgOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
    }

    /// <summary>The settings.</summary>
    public FedAvgOptions Options { get; }

    /// <inheritdoc />
    public virtual IReadOnlyList<FitInstruction> ConfigureFit(int round, float[] globalParameters, IReadOnlyList<string> availableClients)
    {
        ArgumentNullException.ThrowIfNull(globalParameters);
        var chosen = Sample(availableClients, Options.FractionFit, Options.MinimumFitClients, round, 0xF17);
        return [.. chosen.Select(client => new FitInstruction(client, round, globalParameters, LocalTrainingOptions(round, client)))];
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">An update is for another round, or updates disagree in length, or a sample count is not positive.</exception>
    public virtual FitAggregate? AggregateFit(int round, IReadOnlyList<ClientUpdate> results, IReadOnlyList<ClientFailure> failures)
    {
        ArgumentNullException.ThrowIfNull(results);
        ArgumentNullException.ThrowIfNull(failures);
        if (results.Count < Options.MinimumFitClients || (failures.Count > 0 && !Options.AcceptFailures))
        {
            return null;
        }
        var stale = results.FirstOrDefault(update => update.Round != round);
        if (stale is not null)
        {
            throw new ArgumentException($"Update from {stale.ClientId} is for round {stale.Round}, not {round}.", nameof(results));
        }
        var sum = FedAvg.WeightedSum(results);
        var meanLoss = results.Sum(update => update.MeanLoss * update.SampleCount) / sum.TotalSampleCount;
        return new FitAggregate(round, FedAvg.Average(sum), (long)sum.TotalSampleCount, results.Count, meanLoss);
    }

    /// <inheritdoc />
    public virtual IReadOnlyList<EvaluateInstruction> ConfigureEvaluate(int round, float[] parameters, IReadOnlyList<string> availableClients)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (Options.FractionEvaluate == 0)
        {
            return [];
        }
        var chosen = Sample(availableClients, Options.FractionEvaluate, Options.MinimumEvaluateClients, round, 0xE7A);
        return [.. chosen.Select(client => new EvaluateInstruction(client, round, parameters))];
    }

    /// <inheritdoc />
    public virtual EvaluationAggregate? AggregateEvaluate(int round, IReadOnlyList<ClientEvaluation> results, IReadOnlyList<ClientFailure> failures)
    {
        ArgumentNullException.ThrowIfNull(results);
        ArgumentNullException.ThrowIfNull(failures);
        if (results.Count < Options.MinimumEvaluateClients || (failures.Count > 0 && !Options.AcceptFailures))
        {
            return null;
        }
        var confusion = results.Select(result => result.Metrics.ConfusionMatrix).Aggregate((left, right) => left.Add(right));
        var total = (double)results.Sum(result => result.Metrics.SampleCount);
        var logLoss = results.Sum(result => result.Metrics.LogLoss * result.Metrics.SampleCount) / total;
        var withAuc = results.Where(result => !double.IsNaN(result.Metrics.RocAuc)).ToArray();
        var rocAuc = withAuc.Length == 0
            ? double.NaN
            : withAuc.Sum(result => result.Metrics.RocAuc * result.Metrics.SampleCount) / withAuc.Sum(result => (double)result.Metrics.SampleCount);
        var precision = Ratio(confusion.TruePositives, confusion.TruePositives + confusion.FalsePositives);
        var recall = Ratio(confusion.TruePositives, confusion.TruePositives + confusion.FalseNegatives);
        var pooled = new EvaluationMetrics(
            confusion.Total,
            Ratio(confusion.TruePositives + confusion.TrueNegatives, confusion.Total),
            precision,
            recall,
            precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall),
            rocAuc,
            logLoss,
            confusion);
        return new EvaluationAggregate(round, pooled, results.Count);
    }

    /// <summary>The local training options for one hospital in one round: the base options with a derived seed.</summary>
    protected virtual TrainingOptions LocalTrainingOptions(int round, string clientId) =>
        Options.LocalTraining with { Seed = DeriveSeed(Options.LocalTraining.Seed, round, clientId) };

    /// <summary>A seed that depends on the base seed, the round and the hospital, stable across processes.</summary>
    public static int DeriveSeed(int baseSeed, int round, string clientId)
    {
        ArgumentNullException.ThrowIfNull(clientId);
        return (int)DeterministicRandom.ForStream(baseSeed, round, DeterministicRandom.StableHash(clientId)).NextUInt64();
    }

    private IReadOnlyList<string> Sample(IReadOnlyList<string> availableClients, double fraction, int minimum, int round, long stream)
    {
        ArgumentNullException.ThrowIfNull(availableClients);
        var count = Math.Max(minimum, (int)Math.Ceiling(fraction * availableClients.Count));
        if (count >= availableClients.Count)
        {
            return availableClients;
        }
        // Sort first so the choice does not depend on the order in which hospitals registered.
        var ordered = availableClients.Order(StringComparer.Ordinal).ToArray();
        DeterministicRandom.ForStream(Options.LocalTraining.Seed, stream, round).Shuffle<string>(ordered);
        return [.. ordered.Take(count).Order(StringComparer.Ordinal)];
    }

    private static double Ratio(int numerator, int denominator) => denominator == 0 ? 0 : (double)numerator / denominator;
}
