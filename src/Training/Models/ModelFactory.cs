using TorchSharp;
using static TorchSharp.torch;

namespace FederatedHe.Training.Models;

/// <summary>Builds classifiers with deterministic initial parameters.</summary>
/// <remarks>
/// Initial values come from this library's own seeded generator and are loaded into the network, so
/// they depend only on the spec, feature count and seed — not on torch's global generator, which
/// other hospitals in the same process would share. Each value is uniform in ±1/√fan-in, PyTorch's
/// default range for linear layers. Thread-safe.
/// </remarks>
public static class ModelFactory
{
    /// <summary>A new model with initial parameters drawn from <paramref name="seed"/>.</summary>
    /// <param name="spec">The architecture.</param>
    /// <param name="featureCount">Number of input features, at least 1.</param>
    /// <param name="seed">Seed for the initial parameters; equal seeds give equal vectors.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="featureCount"/> is below 1.</exception>
    public static ClassifierModel Create(ModelSpec spec, int featureCount, int seed)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentOutOfRangeException.ThrowIfLessThan(featureCount, 1);

        var layerWidths = new List<int> { featureCount };
        if (spec is MlpSpec mlp)
        {
            layerWidths.AddRange(mlp.HiddenLayerSizes);
        }
        layerWidths.Add(1);

        var layers = new List<(string, nn.Module<Tensor, Tensor>)>();
        for (var layer = 0; layer < layerWidths.Count - 1; layer++)
        {
            layers.Add(($"linear{layer + 1}", nn.Linear(layerWidths[layer], layerWidths[layer + 1])));
            if (layer < layerWidths.Count - 2)
            {
                layers.Add(($"relu{layer + 1}", nn.ReLU()));
            }
        }
        var model = new ClassifierModel(spec, featureCount, nn.Sequential(layers));
        model.SetParameters(InitialParameters(layerWidths, seed));
        return model;
    }

    /// <summary>The initial parameter vector <see cref="Create"/> loads, in the model's parameter order.</summary>
    public static float[] InitialParameters(ModelSpec spec, int featureCount, int seed)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentOutOfRangeException.ThrowIfLessThan(featureCount, 1);
        var widths = new List<int> { featureCount };
        if (spec is MlpSpec mlp)
        {
            widths.AddRange(mlp.HiddenLayerSizes);
        }
        widths.Add(1);
        return InitialParameters(widths, seed);
    }

    private static float[] InitialParameters(IReadOnlyList<int> layerWidths, int seed)
    {
        var random = DeterministicRandom.ForStream(seed, 0x1417);
        var values = new List<float>();
        for (var layer = 0; layer < layerWidths.Count - 1; layer++)
        {
            var fanIn = layerWidths[layer];
            var bound = 1.0 / Math.Sqrt(fanIn);
            var count = fanIn * layerWidths[layer + 1] + layerWidths[layer + 1];
            for (var i = 0; i < count; i++)
            {
                values.Add((float)((random.NextDouble() * 2 - 1) * bound));
            }
        }
        return [.. values];
    }
}
