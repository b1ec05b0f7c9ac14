using FederatedHe.Privacy.Accounting;
using FederatedHe.Privacy.Noise;
using FederatedHe.Training.Data;
using FederatedHe.Training.Evaluation;
using FederatedHe.Training.Local;
using FederatedHe.Training.Models;
using FederatedHe.Training.Privacy;
using TorchSharp;
using static TorchSharp.torch;

namespace FederatedHe.Training.Tests;

public sealed class DpSgdTests(StandardizedWdbcFixture data) : IClassFixture<StandardizedWdbcFixture>
{
    private static readonly TrainingOptions PlainSgd = new() { Optimizer = OptimizerKind.Sgd, LearningRate = 1.0 };

    public static TheoryData<string> Architectures => ["lr", "mlp"];

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Batched_per_sample_gradients_equal_those_of_single_sample_backward_passes(string architecture)
    {
        using var model = ModelFactory.Create(Spec(architecture), data.Train.FeatureCount, seed: 3);
        var indices = Enumerable.Range(0, 40).Select(i => i * 7 % data.Train.SampleCount).ToArray();

        var batched = PerSampleGradients.Compute(model, data.Train, indices);
        var reference = PerSampleGradients.ComputeBySingleSampleBackward(model, data.Train, indices);

        Assert.Equal(indices.Length, batched.GetLength(0));
        Assert.Equal(model.ParameterCount, batched.GetLength(1));
        for (var row = 0; row < indices.Length; row++)
        {
            for (var column = 0; column < model.ParameterCount; column++)
            {
                var expected = reference[row, column];
                Assert.True(Math.Abs(batched[row, column] - expected) <= 1e-5 + 1e-4 * Math.Abs(expected),
                    $"sample {indices[row]}, parameter {column}: batched {batched[row, column]}, backward {expected}");
            }
        }
    }

    [Fact]
    public void Logistic_regression_gradients_are_the_closed_form_error_times_the_input()
    {
        using var model = ModelFactory.Create(ModelSpec.LogisticRegression, data.Train.FeatureCount, seed: 4);
        var parameters = model.GetParameters();
        int[] indices = [0, 5, 17];

        var gradients = PerSampleGradients.Compute(model, data.Train, indices);

        for (var row = 0; row < indices.Length; row++)
        {
            var features = data.Train.Row(indices[row]).ToArray();
            var logit = parameters[^1] + Enumerable.Range(0, features.Length).Sum(j => (double)parameters[j] * features[j]);
            var error = 1 / (1 + Math.Exp(-logit)) - data.Train.Labels[indices[row]];
            for (var j = 0; j < features.Length; j++)
            {
                Assert.Equal(error * features[j], gradients[row, j], 5);
            }
            Assert.Equal(error, gradients[row, features.Length], 5);
        }
    }

    [Theory]
    [InlineData(0.05)]
    [InlineData(1.0)]
    public void Clipping_bounds_every_per_sample_gradient_norm(double clipNorm)
    {
        using var model = ModelFactory.Create(ModelSpec.Mlp(16), data.Train.FeatureCount, seed: 5);
        var all = Enumerable.Range(0, data.Train.SampleCount).ToArray();
        using var scope = torch.NewDisposeScope();
        var gradients = torch.tensor(Flatten(PerSampleGradients.Compute(model, data.Train, all)), [all.Length, model.ParameterCount], ScalarType.Float64);

        var (clipped, norms) = DpSgdTrainer.ClipPerSample(gradients, clipNorm);

        var clippedNorms = torch.linalg.vector_norm(clipped, dims: [1]).data<double>().ToArray();
        var originalNorms = norms.data<double>().ToArray();
        Assert.Contains(originalNorms, norm => norm > clipNorm);
        Assert.All(clippedNorms, norm => Assert.True(norm <= clipNorm * (1 + 1e-12), $"clipped norm {norm} above {clipNorm}"));
        Assert.All(clippedNorms.Zip(originalNorms), pair => Assert.True(pair.Second > clipNorm || Math.Abs(pair.First - pair.Second) <= 1e-12 * pair.Second));
    }

    // One full-batch step of plain SGD with learning rate 1 moves the parameters by exactly (clipped sum + noise)/n,
    // so (w₀ − w₁)·n − clipped sum is the noise itself. Over 120 steps its variance must be (σC)² (χ², false alarm 1e-6).
    [Fact]
    public void The_noisy_update_carries_noise_of_standard_deviation_sigma_times_C()
    {
        var privacy = new DpSgdOptions { NoiseMultiplier = 0.9, ClipNorm = 0.5, SamplingRate = 1.0, Steps = 1 };
        using var model = ModelFactory.Create(ModelSpec.Mlp(8), data.Train.FeatureCount, seed: 6);
        var start = model.GetParameters();
        var n = data.Train.SampleCount;
        var mechanism = new DiscreteGaussianMechanism(privacy.ClipNorm, privacy.NoiseMultiplier, model.ParameterCount);
        var clippedSum = ClippedSum(model, mechanism.ContributionClipNorm);
        var randomness = NoiseRandomness.UnsafeSeededForTests(7);

        var noise = new List<double>();
        for (var draw = 0; draw < 120; draw++)
        {
            model.SetParameters(start);
            var trained = DpSgdTrainer.Train(model, data.Train, PlainSgd, privacy, randomness).Parameters;
            noise.AddRange(trained.Select((value, i) => ((double)start[i] - value) * n - clippedSum[i]));
        }

        var variance = Math.Pow(privacy.NoiseMultiplier * privacy.ClipNorm, 2);
        var statistic = noise.Sum(x => x * x) / variance;
        var a = 2.0 / (9 * noise.Count);
        double Quantile(double z) => noise.Count * Math.Pow(1 - a + z * Math.Sqrt(a), 3);
        Assert.InRange(statistic, Quantile(-4.8916), Quantile(4.8916));
    }

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Private_training_on_wdbc_still_learns_at_epsilon_around_three(string architecture)
    {
        var privacy = new DpSgdOptions { NoiseMultiplier = 1.0, ClipNorm = 1.0, SamplingRate = 0.05 }.WithEpochs(5);
        using var model = ModelFactory.Create(Spec(architecture), data.Train.FeatureCount, seed: 8);

        var result = DpSgdTrainer.Train(model, data.Train, PlainSgd with { LearningRate = 0.5 }, privacy, NoiseRandomness.UnsafeSeededForTests(9));

        Assert.Equal(100, privacy.Steps);
        Assert.InRange(result.Spent(1e-5).Epsilon, 1.0, 5.0);
        Assert.True(ModelEvaluator.Evaluate(model, data.Test).Accuracy > 0.9);
        Assert.Equal(new RdpAccountant().Compose(0.05, 1.0, 100).Epsilon(1e-5).Epsilon, result.Spent(1e-5).Epsilon);
    }

    [Fact]
    public void The_configured_optimiser_and_FedProx_term_act_on_the_noisy_gradient()
    {
        var privacy = new DpSgdOptions { NoiseMultiplier = 1.0, SamplingRate = 0.1, Steps = 30 };
        using var model = ModelFactory.Create(ModelSpec.LogisticRegression, data.Train.FeatureCount, seed: 10);
        var start = model.GetParameters();
        double DistanceFromStart(TrainingOptions training)
        {
            model.SetParameters(start);
            var trained = DpSgdTrainer.Train(model, data.Train, training, privacy, NoiseRandomness.UnsafeSeededForTests(11)).Parameters;
            return Math.Sqrt(trained.Select((value, i) => Math.Pow(value - start[i], 2)).Sum());
        }

        var free = DistanceFromStart(PlainSgd with { LearningRate = 0.2 });
        var anchored = DistanceFromStart(PlainSgd with { LearningRate = 0.2, ProximalMu = 3 });
        model.SetParameters(start);
        DpSgdTrainer.Train(model, data.Train, new TrainingOptions { Optimizer = OptimizerKind.Adam, LearningRate = 0.05 }, privacy, NoiseRandomness.UnsafeSeededForTests(12));

        Assert.True(anchored < free, $"with μ = 3 the model moved {anchored:F3}, without {free:F3}");
        Assert.True(ModelEvaluator.Evaluate(model, data.Test).Accuracy > 0.85);
    }

    [Fact]
    public void Private_training_refuses_bad_input_and_stops_when_cancelled()
    {
        using var model = ModelFactory.Create(ModelSpec.LogisticRegression, data.Train.FeatureCount, seed: 1);
        var privacy = new DpSgdOptions();
        Assert.Throws<ArgumentOutOfRangeException>(() => DpSgdTrainer.Train(model, data.Train, PlainSgd, privacy with { SamplingRate = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => DpSgdTrainer.Train(model, data.Train, PlainSgd, privacy with { NoiseMultiplier = 0 }));
        var empty = data.Train.Subset([], "empty");
        Assert.Throws<ArgumentException>(() => DpSgdTrainer.Train(model, empty, PlainSgd, privacy));
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.Throws<OperationCanceledException>(() => DpSgdTrainer.Train(model, data.Train, PlainSgd, privacy, cancellationToken: cancelled.Token));
    }

    private static ModelSpec Spec(string architecture) => architecture == "lr" ? ModelSpec.LogisticRegression : ModelSpec.Mlp(16, 8);

    private double[] ClippedSum(ClassifierModel model, double clipNorm)
    {
        var gradients = PerSampleGradients.Compute(model, data.Train, [.. Enumerable.Range(0, data.Train.SampleCount)]);
        var sum = new double[model.ParameterCount];
        var row = new double[model.ParameterCount];
        for (var sample = 0; sample < gradients.GetLength(0); sample++)
        {
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = gradients[sample, i];
            }
            DiscreteGaussianMechanism.ClipInPlace(row, clipNorm);
            for (var i = 0; i < row.Length; i++)
            {
                sum[i] += row[i];
            }
        }
        return sum;
    }

    private static double[] Flatten(double[,] matrix)
    {
        var flat = new double[matrix.Length];
        Buffer.BlockCopy(matrix, 0, flat, 0, flat.Length * sizeof(double));
        return flat;
    }
}
