using System.Diagnostics;
using FederatedHe.Privacy.Noise;
using FederatedHe.Training.Data;
using FederatedHe.Training.Local;
using FederatedHe.Training.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace FederatedHe.Training.Privacy;

/// <summary>
/// Differentially private local training (DP-SGD): Poisson-sampled steps, per-sample clipping, discrete
/// Gaussian noise on a fixed-point grid; the noisy gradient then drives the usual optimiser.
/// </summary>
/// <remarks>
/// <para>Each step: every local record joins the step with probability q (drawn from the secure
/// <see cref="NoiseRandomness"/>, because the sampling is part of what the guarantee hides); the sampled
/// records' gradients are computed one per record (<see cref="PerSampleGradients"/>), each clipped to
/// C slightly reduced for grid rounding, summed in float64, rounded to the grid and noised by
/// <see cref="DiscreteGaussianMechanism"/>, then divided by the expected batch size q·n (a fixed
/// constant, as Opacus does, so an empty or large sample does not change the scale). The optimiser of
/// <see cref="TrainingOptions"/> (SGD or Adam, with FedProx' proximal term if μ &gt; 0) takes that as the
/// gradient: all of this is post-processing of the noisy sum, so it costs no privacy.</para>
/// <para>Of <see cref="TrainingOptions"/> only the optimiser, learning rate and μ are used: the step
/// count, sampling and batch size come from <see cref="DpSgdOptions"/>, and no seed applies, since the
/// randomness must not be reproducible outside tests.</para>
/// <para>Runs synchronously on the caller's thread; every tensor is released when it returns.
/// Thread-safe for distinct models and randomness sources.</para>
/// </remarks>
public static class DpSgdTrainer
{
    /// <summary>Trains <paramref name="model"/> in place with DP-SGD and returns the private parameters.</summary>
    /// <param name="model">The model; set the global parameters on it first.</param>
    /// <param name="dataset">The local (standardized) training data.</param>
    /// <param name="training">Optimiser, learning rate and FedProx μ.</param>
    /// <param name="privacy">Noise multiplier, clip norm, sampling rate, steps.</param>
    /// <param name="randomness">The randomness for sampling and noise; null for a new secure source. Pass
    /// <see cref="NoiseRandomness.UnsafeSeededForTests"/> only in tests.</param>
    /// <param name="cancellationToken">Checked before each step.</param>
    /// <exception cref="ArgumentException">The dataset is empty or has a different number of features from the model.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range, or the model is too large for the noise grid.</exception>
    /// <exception cref="OperationCanceledException">Cancellation was requested; the model holds partly trained parameters.</exception>
    /// <exception cref="ModelTrainingDivergedException">A parameter became NaN or infinite (learning rate too high).</exception>
    public static DpSgdResult Train(
        ClassifierModel model,
        Dataset dataset,
        TrainingOptions training,
        DpSgdOptions privacy,
        NoiseRandomness? randomness = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(training);
        ArgumentNullException.ThrowIfNull(privacy);
        training.Validate();
        privacy.Validate();
        if (dataset.SampleCount == 0)
        {
            throw new ArgumentException($"{dataset.Source} has no samples to train on.", nameof(dataset));
        }
        if (dataset.FeatureCount != model.FeatureCount)
        {
            throw new ArgumentException($"The model takes {model.FeatureCount} features; {dataset.Source} has {dataset.FeatureCount}.", nameof(dataset));
        }
        cancellationToken.ThrowIfCancellationRequested();
        randomness ??= NoiseRandomness.CreateSecure();

        var stopwatch = Stopwatch.StartNew();
        var sampleCount = dataset.SampleCount;
        var mechanism = new DiscreteGaussianMechanism(privacy.ClipNorm, privacy.NoiseMultiplier, model.ParameterCount, privacy.GridBits);
        var expectedBatchSize = privacy.SamplingRate * sampleCount;
        long sampled = 0, clipped = 0;
        double meanLoss;
        using (var scope = torch.NewDisposeScope())
        {
            var network = model.Network;
            network.train();
            var features = torch.tensor(dataset.FeatureArray, [sampleCount, model.FeatureCount], ScalarType.Float32).to_type(ScalarType.Float64);
            var labels = torch.tensor(dataset.LabelArray.Select(label => (double)label).ToArray(), [sampleCount], ScalarType.Float64);
            var anchor = training.ProximalMu > 0 ? model.Parameters.Select(parameter => parameter.detach().clone()).ToArray() : [];
            using var optimizer = ModelOptimizer.Create(model, training);
            var noisyGradient = new float[model.ParameterCount];

            for (var step = 0; step < privacy.Steps; step++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var stepScope = torch.NewDisposeScope();
                var batch = PoissonSample(sampleCount, privacy.SamplingRate, randomness);
                var clippedSum = new double[model.ParameterCount];
                if (batch.Length > 0)
                {
                    var indices = torch.tensor(batch, ScalarType.Int64);
                    var gradients = PerSampleGradients.Compute(PerSampleGradients.LayerWeights(model), features.index_select(0, indices), labels.index_select(0, indices));
                    var (clippedGradients, norms) = ClipPerSample(gradients, mechanism.ContributionClipNorm);
                    clippedGradients.sum([0L]).data<double>().CopyTo(clippedSum);
                    sampled += batch.Length;
                    clipped += norms.gt(mechanism.ContributionClipNorm).sum().item<long>();
                }

                var noisySum = mechanism.Privatize(clippedSum, randomness);
                for (var i = 0; i < noisySum.Length; i++)
                {
                    noisyGradient[i] = (float)(noisySum[i] / expectedBatchSize);
                }
                ApplyGradient(model, optimizer, noisyGradient, anchor, training.ProximalMu);
            }

            network.eval();
            using (torch.no_grad())
            {
                var logits = network.call(features.to_type(ScalarType.Float32)).reshape(-1);
                meanLoss = nn.functional.binary_cross_entropy_with_logits(logits, labels.to_type(ScalarType.Float32)).item<float>();
            }
        }
        var parameters = model.GetParameters();
        if (parameters.Any(value => !float.IsFinite(value)))
        {
            throw new ModelTrainingDivergedException($"DP-SGD on {dataset.Source} diverged: a parameter is not finite. Lower the learning rate.", 1);
        }
        return new DpSgdResult(parameters, sampleCount, privacy, meanLoss, sampled == 0 ? 0 : clipped / (double)sampled, stopwatch.Elapsed);
    }

    /// <summary>Scales each row g of [B, P] by min(1, clipNorm/‖g‖); returns the clipped rows and the original norms.</summary>
    internal static (Tensor Clipped, Tensor Norms) ClipPerSample(Tensor gradients, double clipNorm)
    {
        var norms = torch.linalg.vector_norm(gradients, dims: [1]);
        var factors = (clipNorm / norms.clamp_min(1e-300)).clamp_max(1.0);
        return (gradients * factors.unsqueeze(1), norms);
    }

    private static long[] PoissonSample(int sampleCount, double samplingRate, NoiseRandomness randomness)
    {
        var batch = new List<long>((int)(sampleCount * samplingRate * 1.5) + 4);
        for (var i = 0; i < sampleCount; i++)
        {
            if (randomness.Bernoulli(samplingRate))
            {
                batch.Add(i);
            }
        }
        return [.. batch];
    }

    /// <summary>
    /// Hands <paramref name="gradient"/> to the optimiser as the parameters' gradient, through a surrogate
    /// loss Σ⟨p, g⟩ whose gradient it is (plus FedProx' μ/2·‖p − anchor‖²), so the run's optimiser (ModelOptimizer, SGD or Adam) applies.
    /// </summary>
    private static void ApplyGradient(ClassifierModel model, ModelOptimizer optimizer, float[] gradient, Tensor[] anchor, double proximalMu)
    {
        optimizer.ZeroGradients();
        // Scalars held for the step rather than converted on each use (see ModelOptimizer).
        using var one = 1.ToScalar();
        using var two = 2.ToScalar();
        using var halfMu = (proximalMu / 2).ToScalar();
        Tensor? surrogate = null;
        var offset = 0;
        for (var index = 0; index < model.Parameters.Count; index++)
        {
            var parameter = model.Parameters[index];
            var length = (int)parameter.numel();
            var slice = torch.tensor(gradient.AsSpan(offset, length).ToArray(), parameter.shape, ScalarType.Float32);
            offset += length;
            var term = parameter.mul(slice).sum();
            if (proximalMu > 0)
            {
                term = term.add(parameter.sub(anchor[index]).pow(two).sum().mul(halfMu), one);
            }
            surrogate = surrogate is null ? term : surrogate.add(term, one);
        }
        surrogate!.backward();
        optimizer.Step();
    }
}
