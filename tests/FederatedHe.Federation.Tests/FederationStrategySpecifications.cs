using System.Collections.Immutable;
using FederatedHe.Federation.Strategies;
using static FederatedHe.Federation.Tests.MachineDriver;

namespace FederatedHe.Federation.Tests;

/// <summary>
/// The server-side strategy's hooks. The plain strategy and its encrypted wrapper run the same specifications: the
/// wrapper changes how contributors are combined, never whom it selects, when a round suffices, or how evaluations pool.
/// </summary>
public sealed class FederationStrategySpecifications
{
    public static TheoryData<string> Strategies => new() { "plain", "encrypted" };

    private static IFederationStrategy Create(string kind, FederationStrategyOptions options) =>
        kind == "encrypted" ? new EncryptedAggregation(new FederatedAveraging(options)) : new FederatedAveraging(options);

    private static readonly string[] Ten = [.. Hospitals(10).Order(StringComparer.Ordinal)];

    private static FitProgress Progress(int attempt, bool deadline, string[] arrived, string[] outstanding, params FitFailure[] failures) =>
        new(1, attempt, [.. arrived.Concat(outstanding).Concat(failures.Select(f => f.HospitalId)).Order(StringComparer.Ordinal)],
            [.. arrived.Select(id => new FitResult(id, Shape))], [.. failures], [.. outstanding], deadline);

    [Theory]
    [MemberData(nameof(Strategies))]
    public void FractionFit_below_one_selects_max_of_min_fit_and_the_fraction_of_the_available_hospitals(string kind)
    {
        var strategy = Create(kind, DefaultPolicy with { FractionFit = 0.3, MinFitHospitals = 2 });
        Assert.Equal(3, strategy.ConfigureFit(1, Ten).Length);                       // ceil(0.3 × 10)
        Assert.Equal(2, strategy.ConfigureFit(1, Hospitals(4)).Length);              // ceil(0.3 × 4) = 2
        Assert.Equal(2, strategy.ConfigureFit(1, Hospitals(3)).Length);              // min-fit 2 over ceil(0.9) = 1

        var atLeastFive = Create(kind, DefaultPolicy with { FractionFit = 0.3, MinFitHospitals = 5 });
        Assert.Equal(5, atLeastFive.ConfigureFit(1, Ten).Length);
        Assert.Equal(Hospitals(4), atLeastFive.ConfigureFit(1, Hospitals(4)));       // never more than are available
    }

    [Theory]
    [MemberData(nameof(Strategies))]
    public void FractionFit_selection_is_seeded_same_seed_same_subsets_each_round_and_different_rounds_differ(string kind)
    {
        var options = DefaultPolicy with { FractionFit = 0.3, MinFitHospitals = 1 };
        var strategy = Create(kind, options);
        var again = Create(kind, options);
        var otherSeed = Create(kind, options with { Seed = options.Seed + 1 });

        var rounds = Enumerable.Range(1, 10).Select(round => strategy.ConfigureFit(round, Ten)).ToList();

        Assert.Equal(rounds, Enumerable.Range(1, 10).Select(round => again.ConfigureFit(round, Ten)));
        Assert.Equal(rounds, Enumerable.Range(1, 10).Select(round => again.ConfigureFit(round, Ten.Reverse().ToArray())));
        Assert.True(rounds.Distinct().Count() > 1, "every round selected the same hospitals");
        Assert.NotEqual(rounds, Enumerable.Range(1, 10).Select(round => otherSeed.ConfigureFit(round, Ten)));
        Assert.All(rounds, chosen => Assert.Equal(chosen.Order(StringComparer.Ordinal), chosen));
        Assert.All(rounds, chosen => Assert.Subset(Ten.ToHashSet(), chosen.ToHashSet()));
    }

    [Theory]
    [InlineData(42, 1, new[] { "hospital-10", "hospital-4", "hospital-6" })]
    [InlineData(42, 2, new[] { "hospital-1", "hospital-10", "hospital-8" })]
    [InlineData(7, 1, new[] { "hospital-2", "hospital-7", "hospital-9" })]
    public void FractionFit_selects_the_hospitals_the_in_process_FedAvgStrategy_selects_for_the_same_seed_and_round(int seed, int round, string[] expected)
    {
        // Golden values from FederatedHe.Training's FedAvgStrategy.ConfigureFit (FractionFit 0.3, MinimumFitClients 2,
        // LocalTraining.Seed = seed) over hospital-1…10: a simulation and the aggregator ask the same hospitals.
        var strategy = new FederatedAveraging(DefaultPolicy with { FractionFit = 0.3, MinFitHospitals = 2, Seed = seed });

        Assert.Equal(expected, strategy.ConfigureFit(round, Hospitals(10)));
    }

    [Theory]
    [MemberData(nameof(Strategies))]
    public void AggregateFit_waits_before_the_deadline_while_a_reachable_hospital_may_still_deliver(string kind)
    {
        var strategy = Create(kind, DefaultPolicy);

        Assert.IsType<FitVerdict.Wait>(strategy.AggregateFit(Progress(1, false, ["hospital-1", "hospital-2"], ["hospital-3"])));
    }

    [Theory]
    [MemberData(nameof(Strategies))]
    public void AggregateFit_aggregates_early_once_nobody_else_can_deliver_and_the_quorum_is_in(string kind)
    {
        var strategy = Create(kind, DefaultPolicy);
        var unreachable = new FitFailure("hospital-3", FitFailureKind.Unreachable, "unreachable");

        var verdict = Assert.IsType<FitVerdict.Aggregate>(strategy.AggregateFit(Progress(1, false, ["hospital-1", "hospital-2"], [], unreachable)));

        Assert.Equal(["hospital-1", "hospital-2"], verdict.Contributors);
        Assert.Equal(kind == "encrypted" ? AggregationRule.HomomorphicSum : AggregationRule.SampleWeightedMean, verdict.Rule);
        Assert.IsType<FitVerdict.Wait>(strategy.AggregateFit(Progress(1, false, ["hospital-1"], [], unreachable with { HospitalId = "hospital-2" })));
    }

    [Theory]
    [MemberData(nameof(Strategies))]
    public void AggregateFit_at_the_deadline_aggregates_with_quorum_retries_below_it_and_fails_when_the_attempts_are_spent(string kind)
    {
        var strategy = Create(kind, DefaultPolicy with { Quorum = 2, MaxAttempts = 3 });

        Assert.IsType<FitVerdict.Aggregate>(strategy.AggregateFit(Progress(1, true, ["hospital-1", "hospital-2"], ["hospital-3"])));
        var retry = Assert.IsType<FitVerdict.Retry>(strategy.AggregateFit(Progress(2, true, ["hospital-1"], ["hospital-2", "hospital-3"])));
        Assert.Equal(["hospital-2", "hospital-3"], retry.Missing);
        var fail = Assert.IsType<FitVerdict.Fail>(strategy.AggregateFit(Progress(3, true, ["hospital-1"], ["hospital-2"])));
        Assert.Equal((1, 2, "1 updates after 3 attempts, below quorum 2"), (fail.Received, fail.Required, fail.Reason));
    }

    [Theory]
    [MemberData(nameof(Strategies))]
    public void AggregateFit_without_accepted_failures_retries_the_refused_and_then_fails_rather_than_aggregate(string kind)
    {
        var strategy = Create(kind, DefaultPolicy with { Quorum = 2, MaxAttempts = 2, AcceptFailures = false });
        var refused = new FitFailure("hospital-3", FitFailureKind.Refused, "malformed");

        Assert.IsType<FitVerdict.Wait>(strategy.AggregateFit(Progress(1, false, ["hospital-1", "hospital-2"], [], refused)));
        Assert.Equal(["hospital-3"], Assert.IsType<FitVerdict.Retry>(strategy.AggregateFit(Progress(1, true, ["hospital-1", "hospital-2"], [], refused))).Missing);
        Assert.IsType<FitVerdict.Fail>(strategy.AggregateFit(Progress(2, true, ["hospital-1", "hospital-2"], [], refused)));
        Assert.IsType<FitVerdict.Aggregate>(strategy.AggregateFit(Progress(1, false, ["hospital-1", "hospital-2", "hospital-3"], [])));
    }

    [Theory]
    [MemberData(nameof(Strategies))]
    public void AggregateEvaluate_pools_accuracy_and_loss_by_samples_and_a_nan_auc_leaves_only_the_auc_pool(string kind)
    {
        var strategy = Create(kind, DefaultPolicy);

        var pooled = strategy.AggregateEvaluate(1,
        [
            Report(1, "hospital-1", samples: 100, accuracy: 1.0, logLoss: 0.1, rocAuc: double.NaN),
            Report(1, "hospital-2", samples: 300, accuracy: 0.6, logLoss: 0.5, rocAuc: 0.7),
        ], [])!;

        Assert.Equal((2, 400, 1), (pooled.Reports, pooled.SampleCount, pooled.RocAucReports));
        Assert.Equal(0.7, pooled.Accuracy, 12);
        Assert.Equal(0.4, pooled.LogLoss, 12);
        Assert.Equal(0.7, pooled.RocAuc, 12);
    }

    [Theory]
    [MemberData(nameof(Strategies))]
    public void AggregateEvaluate_with_only_undefined_aucs_reports_a_nan_auc_and_still_the_accuracy(string kind)
    {
        var pooled = Create(kind, DefaultPolicy).AggregateEvaluate(1, [Report(1, "hospital-1", rocAuc: double.NaN)], [])!;

        Assert.True(double.IsNaN(pooled.RocAuc));
        Assert.Equal((0, 0.8), (pooled.RocAucReports, pooled.Accuracy));
    }

    [Theory]
    [MemberData(nameof(Strategies))]
    public void AggregateEvaluate_needs_the_minimum_reports_and_accepted_failures(string kind)
    {
        Assert.Null(Create(kind, DefaultPolicy).AggregateEvaluate(1, [], []));
        Assert.Null(Create(kind, DefaultPolicy with { MinEvaluateHospitals = 2 }).AggregateEvaluate(1, [Report(1, "hospital-1")], []));
        Assert.Null(Create(kind, DefaultPolicy with { AcceptFailures = false }).AggregateEvaluate(1, [Report(1, "hospital-1")], ["hospital-2"]));
        Assert.NotNull(Create(kind, DefaultPolicy).AggregateEvaluate(1, [Report(1, "hospital-1")], ["hospital-2"]));
    }

    [Theory]
    [MemberData(nameof(Strategies))]
    public void ConfigureEvaluate_awaits_every_recipient_by_default_none_at_fraction_zero_and_a_seeded_sample_between(string kind)
    {
        Assert.Equal(Ten, Create(kind, DefaultPolicy).ConfigureEvaluate(1, Ten));
        Assert.Empty(Create(kind, DefaultPolicy with { FractionEvaluate = 0 }).ConfigureEvaluate(1, Ten));
        var half = Create(kind, DefaultPolicy with { FractionEvaluate = 0.5 });
        Assert.Equal(5, half.ConfigureEvaluate(1, Ten).Length);
        Assert.Equal(half.ConfigureEvaluate(1, Ten), half.ConfigureEvaluate(1, Ten));
    }

    [Fact]
    public void Encrypted_aggregation_sums_only_updates_of_one_form_and_names_the_others()
    {
        var strategy = new EncryptedAggregation(new FederatedAveraging(DefaultPolicy));
        var progress = Progress(1, false, ["hospital-1", "hospital-2", "hospital-3"], []) is var p
            ? p with { Results = [p.Results[0], p.Results[1], new FitResult("hospital-3", Shape with { CiphertextCount = 2 })] }
            : null!;

        var verdict = Assert.IsType<FitVerdict.Aggregate>(strategy.AggregateFit(progress));

        Assert.Equal(["hospital-1", "hospital-2"], verdict.Contributors);
        var excluded = Assert.Single(verdict.Excluded);
        Assert.Equal((FitFailureKind.Inconsistent, "hospital-3"), (excluded.Kind, excluded.HospitalId));
    }

    [Fact]
    public void Encrypted_aggregation_fails_the_round_when_too_few_updates_share_a_form()
    {
        var strategy = new EncryptedAggregation(new FederatedAveraging(DefaultPolicy with { Quorum = 2 }));
        var progress = Progress(1, false, ["hospital-1", "hospital-2"], []) is var p
            ? p with { Results = [p.Results[0], new FitResult("hospital-2", Shape with { VectorLength = 7 })] }
            : null!;

        var fail = Assert.IsType<FitVerdict.Fail>(strategy.AggregateFit(progress));

        Assert.Equal((1, 2), (fail.Received, fail.Required));
        Assert.Contains("only 1 consistent updates", fail.Reason);
    }

    [Fact]
    public void A_variant_decorates_the_strategy_and_changes_one_hook_only()
    {
        var plain = new FederatedAveraging(DefaultPolicy);
        var strict = new EncryptedAggregation(new RequireEveryone(plain));
        var progress = Progress(1, true, ["hospital-1", "hospital-2"], ["hospital-3"]);

        Assert.IsType<FitVerdict.Aggregate>(new EncryptedAggregation(plain).AggregateFit(progress));
        Assert.IsType<FitVerdict.Retry>(strict.AggregateFit(progress));
        Assert.Equal(plain.ConfigureFit(3, Ten), strict.ConfigureFit(3, Ten));
    }

    [Fact]
    public void Options_out_of_range_are_refused_by_name()
    {
        Assert.Equal("FractionFit", Assert.Throws<ArgumentOutOfRangeException>(() => new FederatedAveraging(DefaultPolicy with { FractionFit = 0 })).ParamName);
        Assert.Equal("Quorum", Assert.Throws<ArgumentOutOfRangeException>(() => new FederatedAveraging(DefaultPolicy with { Quorum = 0 })).ParamName);
        Assert.Equal("FractionEvaluate", Assert.Throws<ArgumentOutOfRangeException>(() => new FederatedAveraging(DefaultPolicy with { FractionEvaluate = 1.5 })).ParamName);
    }

    /// <summary>A variant (as a DP or FedProx one would be) that aggregates only when every selected hospital delivered.</summary>
    private sealed class RequireEveryone(IFederationStrategy inner) : FederationStrategyDecorator(inner)
    {
        public override FitVerdict AggregateFit(FitProgress progress) =>
            progress.Results.Length == progress.Selected.Length || !progress.DeadlinePassed
                ? Inner.AggregateFit(progress)
                : new FitVerdict.Retry([.. progress.Outstanding], "not everyone delivered");
    }
}
