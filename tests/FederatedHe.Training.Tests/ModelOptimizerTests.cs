using FederatedHe.Training.Local;
using FederatedHe.Training.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace FederatedHe.Training.Tests;

/// <summary>
/// SGD and Adam, which this library steps itself so that no scale is freed under libtorch (see <see cref="ModelOptimizer"/>),
/// move the parameters exactly as torch.optim's do.
/// </summary>
public sealed class ModelOptimizerTests
{
    private static readonly float[] Features = [.. Enumerable.Range(0, 8 * 30).Select(i => (float)Math.Sin(i * 0.37))];
    private static readonly float[] Labels = [.. Enumerable.Range(0, 8).Select(i => (float)(i % 2))];

    /// <summary>One minibatch's loss on the model: the gradients a training step follows.</summary>
    private static void BackPropagate(ClassifierModel model)
    {
        using var scope = torch.NewDisposeScope();
        var logits = model.Network.call(torch.tensor(Features, [8, 30], ScalarType.Float32));
        nn.functional.binary_cross_entropy_with_logits(logits, torch.tensor(Labels, [8, 1], ScalarType.Float32)).backward();
    }

    public static TheoryData<ModelSpec, OptimizerKind> Optimisers => new()
    {
        { ModelSpec.LogisticRegression, OptimizerKind.Sgd }, { ModelSpec.Mlp(16, 8), OptimizerKind.Sgd },
        { ModelSpec.LogisticRegression, OptimizerKind.Adam }, { ModelSpec.Mlp(16, 8), OptimizerKind.Adam },
    };

    [Theory]
    [MemberData(nameof(Optimisers))]
    public void Each_optimiser_moves_the_parameters_bit_for_bit_as_torch_optim_does(ModelSpec spec, OptimizerKind kind)
    {
        using var initial = ModelFactory.Create(spec, 30, seed: 7);
        using var ours = ModelFactory.Create(spec, 30, seed: 7);
        using var torchs = ModelFactory.Create(spec, 30, seed: 7);
        using var optimizer = ModelOptimizer.Create(ours, new TrainingOptions { Optimizer = kind, LearningRate = 0.05 });
        using optim.Optimizer reference = kind == OptimizerKind.Sgd ? optim.SGD(torchs.Parameters, 0.05) : optim.Adam(torchs.Parameters, 0.05);

        for (var step = 0; step < 50; step++)
        {
            optimizer.ZeroGradients();
            reference.zero_grad();
            BackPropagate(ours);
            // The very same gradients for both (libtorch's multi-threaded reductions may round a backward pass differently).
            foreach (var (mine, theirs) in ours.Parameters.Zip(torchs.Parameters))
            {
                using var gradient = mine.grad;
                theirs.grad = gradient!.clone();
            }

            optimizer.Step();
            reference.step();
        }

        Assert.Equal(torchs.GetParameters(), ours.GetParameters());
        Assert.NotEqual(initial.GetParameters(), ours.GetParameters());
    }
}
