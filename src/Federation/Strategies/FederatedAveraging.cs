using System.Collections.Immutable;

namespace FederatedHe.Federation.Strategies;

/// <summary>
/// Federated averaging's server-side policy (McMahan et al., 2017) as an aggregator without plaintext models applies
/// it: a seeded sample of the hospitals trains, a round is aggregated once the quorum is in (early when nobody else
/// can still deliver, otherwise at the collect deadline), missing updates are re-requested while attempts remain,
/// and evaluations pool by sample count. Its aggregation rule is the plaintext sample-weighted mean; wrap it in
/// <see cref="EncryptedAggregation"/> to sum ciphertexts instead.
/// </summary>
/// <remarks>Pure and immutable, hence thread-safe. Subclass or decorate to change a hook.</remarks>
public class FederatedAveraging : IFederationStrategy
{
    /// <summary>Creates the strategy.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public FederatedAveraging(FederationStrategyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options.Validate();
    }

    /// <summary>The settings.</summary>
    public FederationStrategyOptions Options { get; }

    /// <inheritdoc />
    public virtual EquatableArray<string> ConfigureFit(int round, IReadOnlyCollection<string> availableHospitals) =>
        SeededSample.Choose(availableHospitals, Options.FractionFit, Options.MinFitHospitals, Options.Seed, SeededSample.FitStream, round);

    /// <inheritdoc />
    public virtual FitVerdict AggregateFit(FitProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        var received = progress.Results.Length;
        var quorate = received >= Options.Quorum && (Options.AcceptFailures || progress.Failures.IsEmpty);
        var contributors = progress.Results.Select(r => r.HospitalId).ToImmutableArray();

        if (!progress.DeadlinePassed)
        {
            // Early only when waiting cannot bring anything more: every selected hospital delivered, was refused or is unreachable.
            return quorate && progress.Outstanding.IsEmpty
                ? new FitVerdict.Aggregate(contributors, AggregationRule.SampleWeightedMean, [],
                    progress.Failures.IsEmpty ? "every participant's update arrived" : "every reachable participant's update arrived or was refused")
                : FitVerdict.Wait.Instance;
        }

        if (quorate)
        {
            return new FitVerdict.Aggregate(contributors, AggregationRule.SampleWeightedMean, [],
                $"collect timeout with {received} updates (quorum {Options.Quorum})");
        }

        var shortfall = received < Options.Quorum
            ? $"only {received} of quorum {Options.Quorum}"
            : $"{progress.Failures.Length} failures, which this federation does not accept";
        if (progress.Attempt < Options.MaxAttempts)
        {
            var missing = progress.Outstanding.AddRange(Options.AcceptFailures
                ? []
                : progress.Failures.Where(f => f.Kind == FitFailureKind.Refused).Select(f => f.HospitalId));
            return new FitVerdict.Retry([.. missing.Distinct().Order(StringComparer.Ordinal)], shortfall);
        }

        var reason = received < Options.Quorum
            ? $"{received} updates after {progress.Attempt} attempts, below quorum {Options.Quorum}"
            : $"{progress.Failures.Length} failures after {progress.Attempt} attempts ({string.Join(", ", progress.Failures.Select(f => f.HospitalId))}), and failures are not accepted";
        return new FitVerdict.Fail(received, Options.Quorum, reason);
    }

    /// <inheritdoc />
    public virtual EquatableArray<string> ConfigureEvaluate(int round, IReadOnlyCollection<string> recipients) =>
        Options.FractionEvaluate == 0
            ? []
            : SeededSample.Choose(recipients, Options.FractionEvaluate, Options.MinEvaluateHospitals, Options.Seed, SeededSample.EvaluateStream, round);

    /// <inheritdoc />
    /// <exception cref="ArgumentException">A report is for another round.</exception>
    public virtual PooledEvaluation? AggregateEvaluate(int round, IReadOnlyList<EvaluationReport> results, IReadOnlyList<string> failures)
    {
        ArgumentNullException.ThrowIfNull(results);
        ArgumentNullException.ThrowIfNull(failures);
        if (results.FirstOrDefault(r => r.Round != round) is { } stale)
            throw new ArgumentException($"the evaluation from {stale.HospitalId} is of round {stale.Round}, not {round}", nameof(results));

        var samples = results.Sum(r => (long)r.SampleCount);
        if (results.Count < Options.MinEvaluateHospitals || samples == 0 || (failures.Count > 0 && !Options.AcceptFailures))
            return null;

        double Weighted(IEnumerable<EvaluationReport> reports, Func<EvaluationReport, double> metric, double total) =>
            reports.Sum(r => metric(r) * r.SampleCount) / total;

        // A one-class hold-out has no ROC-AUC: it leaves the AUC pool only, and still counts for accuracy and loss.
        var withAuc = results.Where(r => !double.IsNaN(r.RocAuc)).ToList();
        var aucSamples = withAuc.Sum(r => (long)r.SampleCount);
        var rocAuc = aucSamples == 0 ? double.NaN : Weighted(withAuc, r => r.RocAuc, aucSamples);
        return new PooledEvaluation(results.Count, (int)samples, Weighted(results, r => r.Accuracy, samples),
            Weighted(results, r => r.LogLoss, samples), rocAuc, withAuc.Count);
    }
}
