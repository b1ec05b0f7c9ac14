using TorchSharp;
using static TorchSharp.torch;

namespace FederatedHe.Training.Models;

/// <summary>
/// A binary classifier on TorchSharp whose parameters travel as one flat float vector — the vector a
/// hospital encrypts and the aggregator sums.
/// </summary>
/// <remarks>
/// <para>The vector holds each layer's weight (row-major, <c>[outputs, inputs]</c>) then its bias,
/// input layer first. That order is fixed by the <see cref="ModelSpec"/> and feature count, so equal
/// specs agree on it across processes.</para>
/// <para>Not thread-safe: one model per hospital and thread. Dispose it to free native memory.</para>
/// </remarks>
public sealed class ClassifierModel : IDisposable
{
    private readonly nn.Module<Tensor, Tensor> _network;
    private readonly TorchSharp.Modules.Parameter[] _parameters;
    private bool _disposed;

    internal ClassifierModel(ModelSpec spec, int featureCount, nn.Module<Tensor, Tensor> network)
    {
        Spec = spec;
        FeatureCount = featureCount;
        _network = network;
        _parameters = [.. network.parameters()];
        ParameterCount = checked((int)_parameters.Sum(parameter => parameter.numel()));
    }

    /// <summary>The architecture.</summary>
    public ModelSpec Spec { get; }

    /// <summary>Number of input features.</summary>
    public int FeatureCount { get; }

    /// <summary>Length of the parameter vector.</summary>
    public int ParameterCount { get; }

    internal nn.Module<Tensor, Tensor> Network
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _network;
        }
    }

    internal IReadOnlyList<TorchSharp.Modules.Parameter> Parameters => _parameters;

    /// <summary>A copy of all parameters as one vector, in the documented order.</summary>
    /// <exception cref="ObjectDisposedException">The model was disposed.</exception>
    public float[] GetParameters()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var vector = new float[ParameterCount];
        var offset = 0;
        using var scope = torch.NewDisposeScope();
        foreach (var parameter in _parameters)
        {
            var values = parameter.detach().contiguous();
            var length = (int)values.numel();
            values.data<float>().CopyTo(vector, offset);
            offset += length;
        }
        return vector;
    }

    /// <summary>Loads all parameters from one vector in the documented order.</summary>
    /// <exception cref="ModelParameterException">The length differs from <see cref="ParameterCount"/>, or a value is NaN or infinite; the model is then unchanged.</exception>
    /// <exception cref="ObjectDisposedException">The model was disposed.</exception>
    public void SetParameters(ReadOnlySpan<float> parameters)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (parameters.Length != ParameterCount)
        {
            throw new ModelParameterException(
                $"{Spec} on {FeatureCount} features has {ParameterCount} parameters; the vector has {parameters.Length}.",
                ParameterCount, parameters.Length);
        }
        for (var i = 0; i < parameters.Length; i++)
        {
            if (!float.IsFinite(parameters[i]))
            {
                throw new ModelParameterException(
                    $"Parameter {i} is {parameters[i]}; a model's parameters must be finite.", ParameterCount, parameters.Length, i);
            }
        }
        using var scope = torch.NewDisposeScope();
        using var noGradient = torch.no_grad();
        var offset = 0;
        foreach (var parameter in _parameters)
        {
            var length = (int)parameter.numel();
            var values = torch.tensor(parameters.Slice(offset, length).ToArray(), parameter.shape, ScalarType.Float32);
            parameter.copy_(values);
            offset += length;
        }
    }

    /// <summary>The probability of class 1 (malignant) for each sample.</summary>
    /// <exception cref="ArgumentException">The dataset has a different number of features.</exception>
    public float[] PredictProbabilities(Data.Dataset dataset)
    {
        var logits = PredictLogits(dataset);
        return [.. logits.Select(logit => (float)(1.0 / (1.0 + Math.Exp(-logit))))];
    }

    /// <summary>The logit (log-odds of class 1) for each sample.</summary>
    /// <exception cref="ArgumentException">The dataset has a different number of features.</exception>
    public float[] PredictLogits(Data.Dataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (dataset.FeatureCount != FeatureCount)
        {
            throw new ArgumentException($"The model takes {FeatureCount} features; {dataset.Source} has {dataset.FeatureCount}.", nameof(dataset));
        }
        return Forward(dataset.FeatureArray, dataset.SampleCount);
    }

    /// <summary>The logit (log-odds of class 1) for each row of already standardized, row-major features.</summary>
    /// <param name="features">Whole rows of <see cref="FeatureCount"/> values each.</param>
    /// <exception cref="ArgumentException">The length is not a multiple of <see cref="FeatureCount"/>.</exception>
    public float[] PredictLogits(ReadOnlySpan<float> features)
    {
        if (features.Length % FeatureCount != 0)
        {
            throw new ArgumentException($"{features.Length} values are not whole rows of the model's {FeatureCount} features.", nameof(features));
        }
        return Forward(features.ToArray(), features.Length / FeatureCount);
    }

    private float[] Forward(float[] rowMajorFeatures, int sampleCount)
    {
        using var scope = torch.NewDisposeScope();
        using var noGradient = torch.no_grad();
        Network.eval();
        var features = torch.tensor(rowMajorFeatures, [sampleCount, FeatureCount], ScalarType.Float32);
        var logits = Network.call(features).reshape(-1).contiguous();
        return logits.data<float>().ToArray();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _network.Dispose();
    }
}
