using FederatedHe.Training.Data;
using FederatedHe.Training.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace FederatedHe.Training.Privacy;

/// <summary>
/// The gradient of each sample's own binary cross-entropy loss with respect to every parameter, one row
/// per sample, in the model's parameter-vector order: what DP-SGD clips sample by sample.
/// </summary>
/// <remarks>
/// <para>TorchSharp has no per-sample gradient hooks, so they are computed from the layers' activations
/// and backpropagated errors in one batched pass. For a linear layer z = W·a + b the gradient of a
/// sample's loss is δ·aᵀ for W and δ for b, where δ = ∂ℓ/∂z; for the final logit δ = sigmoid(z) − y, and
/// through a ReLU δ = (Wᵀ_next·δ_next) ⊙ 1[z &gt; 0]. Logistic regression is the one-layer case, the closed
/// form (sigmoid(w·x + b) − y)·(x, 1). Everything runs in float64 so that the clipped sum's rounding error
/// stays far below the fixed-point grid step the noise is added on.</para>
/// <para><see cref="ComputeBySingleSampleBackward"/> is the slow reference (one autograd backward pass per
/// sample) that the batched pass is tested and measured against.</para>
/// <para>Not thread-safe for one model.</para>
/// </remarks>
public static class PerSampleGradients
{
    /// <summary>Per-sample gradients by the batched activation/error pass: row i is sample <c>sampleIndices[i]</c>'s.</summary>
    /// <exception cref="ArgumentException">The dataset's feature count differs from the model's.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside the dataset.</exception>
    public static double[,] Compute(ClassifierModel model, Dataset dataset, IReadOnlyList<int> sampleIndices)
    {
        var (features, labels) = Select(model, dataset, sampleIndices);
        using var scope = torch.NewDisposeScope();
        var gradients = Compute(LayerWeights(model), torch.tensor(features, [sampleIndices.Count, model.FeatureCount], ScalarType.Float64), torch.tensor(labels, ScalarType.Float64));
        return ToArray(gradients, sampleIndices.Count, model.ParameterCount);
    }

    /// <summary>Per-sample gradients by one autograd backward pass per sample: the reference for <see cref="Compute(ClassifierModel, Dataset, IReadOnlyList{int})"/>.</summary>
    /// <exception cref="ArgumentException">The dataset's feature count differs from the model's.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside the dataset.</exception>
    public static double[,] ComputeBySingleSampleBackward(ClassifierModel model, Dataset dataset, IReadOnlyList<int> sampleIndices)
    {
        var (features, labels) = Select(model, dataset, sampleIndices);
        var result = new double[sampleIndices.Count, model.ParameterCount];
        var network = model.Network;
        for (var row = 0; row < sampleIndices.Count; row++)
        {
            using var scope = torch.NewDisposeScope();
            network.zero_grad();
            var input = torch.tensor(features.AsSpan(row * model.FeatureCount, model.FeatureCount).ToArray(), [1, model.FeatureCount], ScalarType.Float32);
            var target = torch.tensor(new[] { (float)labels[row] }, [1, 1], ScalarType.Float32);
            nn.functional.binary_cross_entropy_with_logits(network.call(input), target).backward();
            var column = 0;
            foreach (var parameter in model.Parameters)
            {
                foreach (var value in parameter.grad!.contiguous().data<float>().ToArray())
                {
                    result[row, column++] = value;
                }
            }
        }
        network.zero_grad();
        return result;
    }

    /// <summary>The model's layers as float64 (weight [out, in], bias [out]) pairs, input layer first.</summary>
    internal static (Tensor Weight, Tensor Bias)[] LayerWeights(ClassifierModel model)
    {
        var parameters = model.Parameters;
        var layers = new (Tensor, Tensor)[parameters.Count / 2];
        for (var layer = 0; layer < layers.Length; layer++)
        {
            layers[layer] = (parameters[2 * layer].detach().to_type(ScalarType.Float64), parameters[2 * layer + 1].detach().to_type(ScalarType.Float64));
        }
        return layers;
    }

    /// <summary>The batched pass on float64 tensors: features [B, F], labels [B] → gradients [B, P].</summary>
    internal static Tensor Compute((Tensor Weight, Tensor Bias)[] layers, Tensor features, Tensor labels)
    {
        var batch = features.shape[0];
        var inputs = new Tensor[layers.Length];
        var preActivations = new Tensor[layers.Length];
        var activation = features;
        for (var layer = 0; layer < layers.Length; layer++)
        {
            inputs[layer] = activation;
            preActivations[layer] = nn.functional.linear(activation, layers[layer].Weight, layers[layer].Bias);
            activation = layer < layers.Length - 1 ? nn.functional.relu(preActivations[layer]) : preActivations[layer];
        }

        var error = torch.sigmoid(preActivations[^1]) - labels.reshape(batch, 1);
        var pieces = new Tensor[2 * layers.Length];
        for (var layer = layers.Length - 1; layer >= 0; layer--)
        {
            pieces[2 * layer] = (error.unsqueeze(2) * inputs[layer].unsqueeze(1)).reshape(batch, -1);
            pieces[2 * layer + 1] = error;
            if (layer > 0)
            {
                error = error.matmul(layers[layer].Weight) * preActivations[layer - 1].gt(0).to_type(ScalarType.Float64);
            }
        }
        return torch.cat(pieces, 1);
    }

    private static (float[] Features, double[] Labels) Select(ClassifierModel model, Dataset dataset, IReadOnlyList<int> sampleIndices)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(sampleIndices);
        if (dataset.FeatureCount != model.FeatureCount)
        {
            throw new ArgumentException($"The model takes {model.FeatureCount} features; {dataset.Source} has {dataset.FeatureCount}.", nameof(dataset));
        }
        var subset = dataset.Subset(sampleIndices, dataset.Source);
        return (subset.FeatureArray, [.. subset.LabelArray.Select(label => (double)label)]);
    }

    private static double[,] ToArray(Tensor gradients, int rows, int columns)
    {
        var flat = gradients.contiguous().data<double>().ToArray();
        var result = new double[rows, columns];
        Buffer.BlockCopy(flat, 0, result, 0, flat.Length * sizeof(double));
        return result;
    }
}
