namespace FederatedHe.Training.Local;

/// <summary>The optimisers local training can use.</summary>
public enum OptimizerKind
{
    /// <summary>Plain stochastic gradient descent (no momentum), the FedAvg paper's client optimiser.</summary>
    Sgd,

    /// <summary>Adam; its moment estimates start afresh at every call to <see cref="LocalTrainer.Train"/>.</summary>
    Adam,
}

/// <summary>How a hospital trains locally in one round (or how the centralised baseline trains).</summary>
/// <remarks>Immutable; use <c>with</c> to vary a field, e.g. the seed per round.</remarks>
public sealed record TrainingOptions
{
    /// <summary>Passes over the local data; at least 1.</summary>
    public int Epochs { get; init; } = 1;

    /// <summary>Samples per gradient step; at least 1. The last batch of an epoch may be smaller.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>The optimiser.</summary>
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Sgd;

    /// <summary>Step size; positive.</summary>
    public double LearningRate { get; init; } = 0.1;

    /// <summary>
    /// FedProx proximal coefficient μ: the loss gains μ/2 · ‖w − w_global‖², keeping a hospital's model
    /// near the global one on skewed data. 0 (the default) is plain FedAvg local training.
    /// </summary>
    public double ProximalMu { get; init; }

    /// <summary>Seed for batch order; the same seed, data and start parameters give the same result.</summary>
    public int Seed { get; init; }

    /// <summary>Checks every field.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A field is out of range.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Epochs, 1, nameof(Epochs));
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 1, nameof(BatchSize));
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate))
        {
            throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "Must be positive and finite.");
        }
        if (!(ProximalMu >= 0) || double.IsInfinity(ProximalMu))
        {
            throw new ArgumentOutOfRangeException(nameof(ProximalMu), ProximalMu, "Must be non-negative and finite.");
        }
        if (!Enum.IsDefined(Optimizer))
        {
            throw new ArgumentOutOfRangeException(nameof(Optimizer), Optimizer, "Unknown optimiser.");
        }
    }
}
