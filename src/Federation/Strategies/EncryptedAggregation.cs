using System.Collections.Immutable;

namespace FederatedHe.Federation.Strategies;

/// <summary>
/// A strategy for an aggregator that only adds ciphertexts: wherever the wrapped strategy would average plaintext
/// updates, this one sums ciphertexts (<see cref="AggregationRule.HomomorphicSum"/>), and the hospitals divide the
/// decrypted sum by its sample count. Selection, the failure policy and evaluation pooling are the wrapped strategy's.
/// </summary>
/// <remarks>
/// Ciphertexts can only be added slot by slot, so the contributors must agree on the update's form (values and
/// ciphertexts). The largest group of agreeing updates is kept (on a tie, the group of the ordinally first hospital);
/// the others are excluded as <see cref="FitFailureKind.Inconsistent"/> and the wrapped strategy is asked again with
/// them as failures. If it then declines to aggregate, the round fails: a retry would not make the forms agree.
/// Pure and immutable, hence thread-safe.
/// </remarks>
/// <param name="inner">The plain strategy.</param>
public sealed class EncryptedAggregation(IFederationStrategy inner) : FederationStrategyDecorator(inner)
{
    /// <inheritdoc />
    public override FitVerdict AggregateFit(FitProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        var verdict = Inner.AggregateFit(progress);
        if (verdict is not FitVerdict.Aggregate planned)
            return verdict;

        var chosen = progress.Results.Where(r => planned.Contributors.Contains(r.HospitalId)).ToList();
        var consistent = chosen
            .GroupBy(r => (r.Shape.VectorLength, r.Shape.CiphertextCount))
            .OrderByDescending(g => g.Count())
            .First()
            .ToList();
        var excluded = chosen.Except(consistent)
            .Select(r => new FitFailure(r.HospitalId, FitFailureKind.Inconsistent,
                $"update from {r.HospitalId} has {r.Shape.VectorLength} values in {r.Shape.CiphertextCount} chunks, unlike the others"))
            .ToImmutableArray();
        if (excluded.IsEmpty)
            return planned with { Rule = AggregationRule.HomomorphicSum };

        // Asked as if this were the last attempt's deadline: waiting or retrying cannot make the forms agree.
        var narrowed = progress with
        {
            Results = [.. consistent],
            Failures = progress.Failures.AddRange(excluded),
            Outstanding = [],
            Attempt = int.MaxValue,
            DeadlinePassed = true,
        };
        return Inner.AggregateFit(narrowed) switch
        {
            FitVerdict.Aggregate kept => kept with
            {
                Rule = AggregationRule.HomomorphicSum,
                Excluded = kept.Excluded.AddRange(excluded),
                Why = planned.Why,
            },
            var declined => new FitVerdict.Fail(consistent.Count, (declined as FitVerdict.Fail)?.Required ?? chosen.Count,
                $"only {consistent.Count} consistent updates, not enough to aggregate ({string.Join("; ", excluded.Select(e => e.Reason))})"),
        };
    }
}
