using FederatedHe.Training.Evaluation;
using FederatedHe.Training.Federation;
using FederatedHe.Training.Local;

namespace FederatedHe.Training.Tests;

public sealed class FedAvgStrategyTests
{
    private static readonly FedAvgOptions Options = new() { LocalTraining = new TrainingOptions { Epochs = 2, Seed = 9 } };
    private static readonly string[] Hospitals = ["hospital-1", "hospital-2", "hospital-3"];

    private static ClientUpdate Update(string client, int samples, params float[] parameters) =>
        new(client, Round: 1, parameters, samples, MeanLoss: 0.5, TimeSpan.FromSeconds(1));

    [Fact]
    public void The_global_model_is_the_sample_weighted_mean_of_the_hospitals_models()
    {
        var strategy = new FedAvgStrategy(Options);

        var aggregate = strategy.AggregateFit(1, [Update("a", 100, 1f, 10f), Update("b", 300, 5f, 2f)], [])!;

        Assert.Equal([4f, 4f], aggregate.Parameters);
        Assert.Equal(400, aggregate.TotalSampleCount);
        Assert.Equal(2, aggregate.ClientCount);
    }

    [Fact]
    public void Aggregation_equals_averaging_the_sums_the_encrypted_runtime_computes()
    {
        var updates = new[] { Update("a", 37, 0.1f, -2f, 3f), Update("b", 211, 0.7f, 1f, -1f), Update("c", 5, -4f, 0f, 2.5f) };
        // What each hospital would encrypt: n_i·w_i and n_i; the ciphertexts are summed element-wise.
        var sumOfWeighted = new double[3];
        double totalCount = 0;
        foreach (var update in updates)
        {
            var weighted = FedAvg.Weight(update.Parameters, update.SampleCount);
            for (var i = 0; i < 3; i++)
            {
                sumOfWeighted[i] += weighted[i];
            }
            totalCount += update.SampleCount;
        }

        var fromSums = FedAvg.Average(sumOfWeighted, totalCount);
        var fromStrategy = new FedAvgStrategy(Options).AggregateFit(1, updates, [])!.Parameters;

        Assert.Equal(fromSums, fromStrategy);
    }

    [Fact]
    public void Averaging_from_sums_tolerates_an_approximate_decrypted_count()
    {
        var average = FedAvg.Average([400.0, 800.0], 100.0000001);

        Assert.Equal(4f, average[0], 5);
        Assert.Equal(8f, average[1], 5);
    }

    [Fact]
    public void Averaging_refuses_a_zero_count_or_sums_that_are_not_finite()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => FedAvg.Average([1.0], 0));
        Assert.Throws<ArgumentException>(() => FedAvg.Average([double.NaN], 10));
    }

    [Fact]
    public void Every_available_hospital_trains_with_a_seed_of_its_own_that_is_stable_across_runs()
    {
        var strategy = new FedAvgStrategy(Options);
        var global = new float[] { 1f, 2f };

        var round1 = strategy.ConfigureFit(1, global, Hospitals);
        var again = new FedAvgStrategy(Options).ConfigureFit(1, global, Hospitals);
        var round2 = strategy.ConfigureFit(2, global, Hospitals);

        Assert.Equal(Hospitals, round1.Select(i => i.ClientId));
        Assert.All(round1, i => Assert.Same(global, i.GlobalParameters));
        Assert.All(round1, i => Assert.Equal(2, i.Options.Epochs));
        Assert.Equal(3, round1.Select(i => i.Options.Seed).Distinct().Count());
        Assert.Equal(round1.Select(i => i.Options.Seed), again.Select(i => i.Options.Seed));
        Assert.NotEqual(round1.Select(i => i.Options.Seed), round2.Select(i => i.Options.Seed));
    }

    [Fact]
    public void A_resumed_federation_gets_round_ks_seeds_and_sample_from_the_seed_and_k_alone_not_from_the_rounds_before()
    {
        // fedhe runs resume starts a fresh strategy at the round after the checkpoint: round 7 must be the same round 7
        // whether rounds 1 to 6 were configured in this process or in the one that was killed.
        var many = Enumerable.Range(1, 10).Select(i => $"hospital-{i}").ToArray();
        var options = Options with { FractionFit = 0.5, MinimumFitClients = 2 };
        var uninterrupted = new FedAvgStrategy(options);
        for (var round = 1; round <= 6; round++)
            _ = uninterrupted.ConfigureFit(round, [0f], many);

        var afterSixRounds = uninterrupted.ConfigureFit(7, [0f], many);
        var resumed = new FedAvgStrategy(options).ConfigureFit(7, [0f], many);

        Assert.Equal(afterSixRounds.Select(i => (i.ClientId, i.Options.Seed)), resumed.Select(i => (i.ClientId, i.Options.Seed)));
        Assert.Equal(FedAvgStrategy.DeriveSeed(options.LocalTraining.Seed, 7, resumed[0].ClientId), resumed[0].Options.Seed);
    }

    [Fact]
    public void A_fraction_of_hospitals_is_sampled_reproducibly_but_never_below_the_minimum()
    {
        var many = Enumerable.Range(1, 10).Select(i => $"hospital-{i}").ToArray();
        var strategy = new FedAvgStrategy(Options with { FractionFit = 0.3, MinimumFitClients = 4 });

        var chosen = strategy.ConfigureFit(1, [0f], many).Select(i => i.ClientId).ToArray();

        Assert.Equal(4, chosen.Length);
        Assert.Equal(chosen, strategy.ConfigureFit(1, [0f], many.Reverse().ToArray()).Select(i => i.ClientId));
    }

    [Fact]
    public void A_round_with_too_few_updates_keeps_the_previous_global_model()
    {
        var strategy = new FedAvgStrategy(Options with { MinimumFitClients = 2 });

        Assert.Null(strategy.AggregateFit(1, [Update("a", 10, 1f)], [new ClientFailure("b", 1, "timed out")]));
    }

    [Fact]
    public void Failures_are_tolerated_by_default_and_refused_when_the_strategy_does_not_accept_them()
    {
        var updates = new[] { Update("a", 10, 1f), Update("b", 10, 3f) };
        var failures = new[] { new ClientFailure("c", 1, "dropped") };

        Assert.Equal([2f], new FedAvgStrategy(Options).AggregateFit(1, updates, failures)!.Parameters);
        Assert.Null(new FedAvgStrategy(Options with { AcceptFailures = false }).AggregateFit(1, updates, failures));
    }

    [Fact]
    public void An_update_from_another_round_or_of_another_length_is_refused()
    {
        var strategy = new FedAvgStrategy(Options);

        Assert.Throws<ArgumentException>(() => strategy.AggregateFit(2, [Update("a", 10, 1f)], []));
        Assert.Throws<ArgumentException>(() => strategy.AggregateFit(1, [Update("a", 10, 1f), Update("b", 10, 1f, 2f)], []));
    }

    [Fact]
    public void Fedprox_is_fedavg_whose_hospitals_train_with_the_proximal_term()
    {
        var strategy = new FedProxStrategy(Options, proximalMu: 0.1);

        var instructions = strategy.ConfigureFit(1, [0f], Hospitals);

        Assert.All(instructions, i => Assert.Equal(0.1, i.Options.ProximalMu));
        Assert.Equal(
            new FedAvgStrategy(Options).AggregateFit(1, [Update("a", 10, 1f), Update("b", 30, 3f)], [])!.Parameters,
            strategy.AggregateFit(1, [Update("a", 10, 1f), Update("b", 30, 3f)], [])!.Parameters);
        Assert.Throws<ArgumentOutOfRangeException>(() => new FedProxStrategy(Options, proximalMu: 0));
    }

    [Fact]
    public void Hospitals_evaluations_pool_into_the_metrics_of_their_combined_data()
    {
        var strategy = new FedAvgStrategy(Options);
        var first = ModelEvaluator.FromLogits([1, 0, 0], [1f, -1f, 1f]);
        var second = ModelEvaluator.FromLogits([1, 1, 0, 0], [-1f, 1f, -1f, -1f]);

        var pooled = strategy.AggregateEvaluate(1, [new("a", 1, first), new("b", 1, second)], [])!;

        Assert.Equal(new ConfusionMatrix(2, 1, 3, 1), pooled.Metrics.ConfusionMatrix);
        Assert.Equal(5.0 / 7, pooled.Metrics.Accuracy, 12);
        Assert.Equal((first.LogLoss * 3 + second.LogLoss * 4) / 7, pooled.Metrics.LogLoss, 12);
        Assert.Equal(2, pooled.ClientCount);
    }

    [Fact]
    public void Evaluation_can_be_switched_off()
    {
        Assert.Empty(new FedAvgStrategy(Options with { FractionEvaluate = 0 }).ConfigureEvaluate(1, [0f], Hospitals));
    }
}
