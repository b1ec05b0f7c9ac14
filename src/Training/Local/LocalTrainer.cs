using System.Diagnostics;
using FederatedHe.Training.Data;
using FederatedHe.Training.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace FederatedHe.Training.Local;

/// <summary>Trains a model on one hospital's data: the client side of a FedAvg/FedProx round.</summary>
/// <remarks>
/// <para>Runs synchronously on the caller's thread, so the runtime decides where training happens
/// (a dedicated dispatcher or thread, never an actor's mailbox). Checks the cancellation token before
/// every batch.</para>
/// <para>Deterministic: batch order comes from <see cref="TrainingOptions.Seed"/> through this library's
/// own generator, not torch's. Every tensor made during a call is released when it returns, so many
/// rounds do not accumulate native memory.</para>
/// <para>Threads: libtorch uses a pool of intra-op threads per process. With several hospitals training
/// in one process on small models, call <c>torch.set_num_threads(1)</c> once at start-up so they do not
/// contend; the models here are too small to gain from intra-op parallelism.</para>
/// <para>Thread-safe for distinct models; a model must not be trained from two threads at once.</para>
/// </remarks>
public static class LocalTrainer
{
    /// <summary>
    /// Trains <paramref name="model"/> in place from its current parameters and returns the new ones.
    /// With <see cref="TrainingOptions.ProximalMu"/> above 0 the starting parameters are the FedProx anchor.
    /// </summary>
    /// <param name="model">The model; set the global parameters on it first.</param>
    /// <param name="dataset">The local (standardized) training data.</param>
    /// <param name="options">Epochs, batch size, optimiser, learning rate, μ and seed.</param>
    /// <param name="cancellationToken">Checked before each batch.</param>
    /// <exception cref="ArgumentException">The dataset is empty or has a different number of features from the model.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="OperationCanceledException">Cancellation was requested; the model holds partly trained parameters.</exception>
    /// <exception cref="ModelTrainingDivergedException">The loss became NaN or infinite (learning rate too high).</exception>
    public static LocalTrainingResult Train(ClassifierModel model, Dataset dataset, TrainingOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (dataset.SampleCount == 0)
        {
            throw new ArgumentException($"{dataset.Source} has no samples to train on.", nameof(dataset));
        }
        if (dataset.FeatureCount != model.FeatureCount)
        {
            throw new ArgumentException($"The model takes {model.FeatureCount} features; {dataset.Source} has {dataset.FeatureCount}.", nameof(dataset));
        }
        cancellationToken.ThrowIfCancellationRequested();

        var stopwatch = Stopwatch.StartNew();
        var sampleCount = dataset.SampleCount;
        var lastEpochLoss = 0.0;
        using (var scope = torch.NewDisposeScope())
        {
            var network = model.Network;
            network.train();
            var features = torch.tensor(dataset.FeatureArray, [sampleCount, model.FeatureCount], ScalarType.Float32);
            var labels = torch.tensor(dataset.LabelArray.Select(label => (float)label).ToArray(), [sampleCount, 1], ScalarType.Float32);
            var anchor = options.ProximalMu > 0 ? model.Parameters.Select(parameter => parameter.detach().clone()).ToArray() : [];
            using var optimizer = ModelOptimizer.Create(model, options);
            // The scalars of the FedProx term, held for the run rather than converted on each use (see ModelOptimizer).
            using var one = 1.ToScalar();
            using var two = 2.ToScalar();
            using var halfMu = (options.ProximalMu / 2).ToScalar();

            for (var epoch = 0; epoch < options.Epochs; epoch++)
            {
                var order = DeterministicRandom.ForStream(options.Seed, 0xE9, epoch).Permutation(sampleCount);
                var epochLoss = 0.0;
                for (var start = 0; start < sampleCount; start += options.BatchSize)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var size = Math.Min(options.BatchSize, sampleCount - start);
                    using var batchScope = torch.NewDisposeScope();
                    var indices = torch.tensor(order.AsSpan(start, size).ToArray().Select(index => (long)index).ToArray(), ScalarType.Int64);
                    var logits = network.call(features.index_select(0, indices));
                    var dataLoss = nn.functional.binary_cross_entropy_with_logits(logits, labels.index_select(0, indices));
                    var loss = dataLoss;
                    if (options.ProximalMu > 0)
                    {
                        var proximal = model.Parameters.Zip(anchor, (parameter, anchorValue) => parameter.sub(anchorValue).pow(two).sum())
                            .Aggregate((left, right) => left.add(right, one));
                        loss = dataLoss.add(proximal.mul(halfMu), one);
                    }
                    optimizer.ZeroGradients();
                    loss.backward();
                    optimizer.Step();

                    var batchLoss = dataLoss.item<float>();
                    if (!float.IsFinite(batchLoss))
                    {
                        throw new ModelTrainingDivergedException(
                            $"Training on {dataset.Source} diverged in epoch {epoch + 1}: the loss is {batchLoss}. Lower the learning rate.",
                            epoch + 1);
                    }
                    epochLoss += batchLoss * size;
                }
                lastEpochLoss = epochLoss / sampleCount;
            }
            network.eval();
        }
        return new LocalTrainingResult(model.GetParameters(), sampleCount, lastEpochLoss, stopwatch.Elapsed);
    }
}
