namespace FederatedHe.Training.Models;

/// <summary>The architecture of a binary classifier: what <see cref="ModelFactory.Create"/> builds.</summary>
/// <remarks>Immutable; equal specs build models with identically laid-out parameter vectors.</remarks>
public abstract record ModelSpec
{
    private protected ModelSpec()
    {
    }

    /// <summary>Logistic regression, one linear layer and a sigmoid, as in the original study.</summary>
    public static ModelSpec LogisticRegression { get; } = new LogisticRegressionSpec();

    /// <summary>A multilayer perceptron with ReLU hidden layers of the given sizes.</summary>
    /// <exception cref="ArgumentException">No sizes are given or one is not positive.</exception>
    public static ModelSpec Mlp(params int[] hiddenLayerSizes) => new MlpSpec(hiddenLayerSizes);

    /// <summary>Number of parameters the model has for the given number of input features.</summary>
    public abstract int ParameterCount(int featureCount);
}

/// <summary>Logistic regression: logit = w·x + b.</summary>
public sealed record LogisticRegressionSpec : ModelSpec
{
    /// <inheritdoc />
    public override int ParameterCount(int featureCount) => featureCount + 1;

    /// <inheritdoc />
    public override string ToString() => "LogisticRegression";
}

/// <summary>A multilayer perceptron: linear layers with ReLU between them, ending in one logit.</summary>
public sealed record MlpSpec : ModelSpec
{
    private readonly int[] _hiddenLayerSizes;

    /// <summary>An MLP with the given hidden layer widths, input side first.</summary>
    /// <exception cref="ArgumentException">No sizes are given or one is not positive.</exception>
    public MlpSpec(IReadOnlyList<int> hiddenLayerSizes)
    {
        ArgumentNullException.ThrowIfNull(hiddenLayerSizes);
        if (hiddenLayerSizes.Count == 0 || hiddenLayerSizes.Any(size => size < 1))
        {
            throw new ArgumentException("An MLP needs at least one hidden layer, each of positive width.", nameof(hiddenLayerSizes));
        }
        _hiddenLayerSizes = [.. hiddenLayerSizes];
    }

    /// <summary>Hidden layer widths, input side first.</summary>
    public IReadOnlyList<int> HiddenLayerSizes => _hiddenLayerSizes;

    /// <inheritdoc />
    public override int ParameterCount(int featureCount)
    {
        var count = 0;
        var inputs = featureCount;
        foreach (var width in _hiddenLayerSizes)
        {
            count += inputs * width + width;
            inputs = width;
        }
        return count + inputs + 1;
    }

    /// <inheritdoc />
    public bool Equals(MlpSpec? other) => other is not null && _hiddenLayerSizes.AsSpan().SequenceEqual(other._hiddenLayerSizes);

    /// <inheritdoc />
    public override int GetHashCode() => _hiddenLayerSizes.Aggregate(17, HashCode.Combine);

    /// <inheritdoc />
    public override string ToString() => $"Mlp({string.Join("-", _hiddenLayerSizes)})";
}
