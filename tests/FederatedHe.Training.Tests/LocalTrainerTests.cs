using FederatedHe.Training.Data;
using FederatedHe.Training.Evaluation;
using FederatedHe.Training.Local;
using FederatedHe.Training.Models;
using TorchSharp;

namespace FederatedHe.Training.Tests;

/// <summary>The standardized wdbc.csv training and test sets, built once for the class.</summary>
public sealed class StandardizedWdbcFixture
{
    public StandardizedWdbcFixture()
    {
        var (train, test) = DatasetSplits.StratifiedHoldout(CsvDatasetLoader.Load(TestData.WdbcPath), 0.2, seed: 42);
        var standardizer = Standardizer.Fit(train);
        Train = standardizer.Apply(train);
        Test = standardizer.Apply(test);
    }

    public Dataset Train { get; }

    public Dataset Test { get; }
}

public sealed class LocalTrainerTests(StandardizedWdbcFixture data) : IClassFixture<StandardizedWdbcFixture>
{
    private static readonly TrainingOptions FiveEpochs = new() { Epochs = 5, BatchSize = 32, LearningRate = 0.1, Seed = 1 };

    [Fact]
    public void Training_logistic_regression_lowers_the_loss_and_reports_the_sample_count()
    {
        using var model = ModelFactory.Create(ModelSpec.LogisticRegression, 30, seed: 1);
        var before = ModelEvaluator.Evaluate(model, data.Train).LogLoss;

        var result = LocalTrainer.Train(model, data.Train, FiveEpochs);

        Assert.Equal(data.Train.SampleCount, result.SampleCount);
        Assert.True(result.MeanLoss < before, $"{result.MeanLoss} !< {before}");
        Assert.Equal(model.GetParameters(), result.Parameters);
        Assert.True(result.Duration > TimeSpan.Zero);
    }

    [Theory]
    [InlineData(OptimizerKind.Sgd)]
    [InlineData(OptimizerKind.Adam)]
    public void Training_an_mlp_with_either_optimiser_fits_the_training_set(OptimizerKind optimizer)
    {
        using var model = ModelFactory.Create(ModelSpec.Mlp(16, 8), 30, seed: 1);

        LocalTrainer.Train(model, data.Train, FiveEpochs with { Epochs = 20, Optimizer = optimizer, LearningRate = optimizer == OptimizerKind.Adam ? 0.01 : 0.1 });

        Assert.True(ModelEvaluator.Evaluate(model, data.Train).Accuracy > 0.95);
    }

    [Fact]
    public void Training_twice_from_the_same_start_with_the_same_seed_gives_identical_parameters()
    {
        using var first = ModelFactory.Create(ModelSpec.Mlp(8), 30, seed: 3);
        using var second = ModelFactory.Create(ModelSpec.Mlp(8), 30, seed: 3);

        var a = LocalTrainer.Train(first, data.Train, FiveEpochs).Parameters;
        var b = LocalTrainer.Train(second, data.Train, FiveEpochs).Parameters;

        Assert.Equal(a, b);
    }

    [Fact]
    public void A_different_seed_shuffles_batches_differently()
    {
        using var first = ModelFactory.Create(ModelSpec.LogisticRegression, 30, seed: 3);
        using var second = ModelFactory.Create(ModelSpec.LogisticRegression, 30, seed: 3);

        var a = LocalTrainer.Train(first, data.Train, FiveEpochs).Parameters;
        var b = LocalTrainer.Train(second, data.Train, FiveEpochs with { Seed = 2 }).Parameters;

        Assert.NotEqual(a, b);
    }

    [Fact]
    public void A_strong_proximal_term_keeps_the_local_model_nearer_the_global_one()
    {
        using var plain = ModelFactory.Create(ModelSpec.LogisticRegression, 30, seed: 3);
        using var proximal = ModelFactory.Create(ModelSpec.LogisticRegression, 30, seed: 3);
        var global = plain.GetParameters();

        var drift = Distance(global, LocalTrainer.Train(plain, data.Train, FiveEpochs).Parameters);
        var proximalDrift = Distance(global, LocalTrainer.Train(proximal, data.Train, FiveEpochs with { ProximalMu = 1.0 }).Parameters);

        Assert.True(proximalDrift < 0.8 * drift, $"{proximalDrift} vs {drift}");
    }

    [Fact]
    public void A_cancelled_token_stops_training_with_operation_cancelled()
    {
        using var model = ModelFactory.Create(ModelSpec.LogisticRegression, 30, seed: 1);
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() => LocalTrainer.Train(model, data.Train, FiveEpochs, cancellation.Token));
    }

    [Fact]
    public void Cancellation_during_training_is_noticed_before_the_next_batch()
    {
        using var model = ModelFactory.Create(ModelSpec.LogisticRegression, 30, seed: 1);
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        var started = DateTime.UtcNow;

        Assert.ThrowsAny<OperationCanceledException>(() =>
            LocalTrainer.Train(model, data.Train, FiveEpochs with { Epochs = 100_000 }, cancellation.Token));
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void Many_rounds_of_training_and_evaluation_leave_no_live_tensors_behind()
    {
        using var model = ModelFactory.Create(ModelSpec.Mlp(8), 30, seed: 1);
        var global = model.GetParameters();
        void OneRound()
        {
            model.SetParameters(global);
            LocalTrainer.Train(model, data.Train, FiveEpochs with { Epochs = 1, ProximalMu = 0.1, Optimizer = OptimizerKind.Adam, LearningRate = 0.01 });
            ModelEvaluator.Evaluate(model, data.Test);
        }

        OneRound();
        var liveAfterWarmUp = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (var round = 0; round < 20; round++)
        {
            OneRound();
        }

        Assert.Equal(liveAfterWarmUp, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void Data_whose_feature_count_differs_from_the_model_is_refused()
    {
        using var model = ModelFactory.Create(ModelSpec.LogisticRegression, 29, seed: 1);

        Assert.Throws<ArgumentException>(() => LocalTrainer.Train(model, data.Train, FiveEpochs));
    }

    [Theory]
    [InlineData(0, 32, 0.1, 0.0)]
    [InlineData(1, 0, 0.1, 0.0)]
    [InlineData(1, 32, 0.0, 0.0)]
    [InlineData(1, 32, 0.1, -1.0)]
    public void Out_of_range_options_are_refused(int epochs, int batchSize, double learningRate, double mu)
    {
        using var model = ModelFactory.Create(ModelSpec.LogisticRegression, 30, seed: 1);
        var options = new TrainingOptions { Epochs = epochs, BatchSize = batchSize, LearningRate = learningRate, ProximalMu = mu };

        Assert.Throws<ArgumentOutOfRangeException>(() => LocalTrainer.Train(model, data.Train, options));
    }

    private static double Distance(float[] left, float[] right) =>
        Math.Sqrt(left.Zip(right, (a, b) => (double)(a - b) * (a - b)).Sum());
}
