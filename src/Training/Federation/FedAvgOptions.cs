using FederatedHe.Training.Local;

namespace FederatedHe.Training.Federation;

/// <summary>Settings of <see cref="FedAvgStrategy"/>, after Flower's FedAvg arguments.</summary>
public sealed record FedAvgOptions
{
    /// <summary>Local training options sent to every hospital; the seed is the base from which per-round seeds derive.</summary>
    public TrainingOptions LocalTraining { get; init; } = new();

    /// <summary>Fraction of available hospitals asked to train each round, in (0, 1].</summary>
    public double FractionFit { get; init; } = 1.0;

    /// <summary>Fewest hospitals asked to train, and fewest updates needed to aggregate.</summary>
    public int MinimumFitClients { get; init; } = 1;

    /// <summary>Fraction of available hospitals asked to evaluate each round, in [0, 1].</summary>
    public double FractionEvaluate { get; init; } = 1.0;

    /// <summary>Fewest evaluations needed to pool them.</summary>
    public int MinimumEvaluateClients { get; init; } = 1;

    /// <summary>
    /// Whether a round with failures may still be aggregated from the updates that did arrive (Flower's
    /// <c>accept_failures</c>). When false, any failure keeps the previous global model.
    /// </summary>
    public bool AcceptFailures { get; init; } = true;

    /// <summary>Checks every field.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A field is out of range.</exception>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(LocalTraining, nameof(LocalTraining));
        LocalTraining.Validate();
        if (!(FractionFit > 0 && FractionFit <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(FractionFit), FractionFit, "Must be in (0, 1].");
        }
        if (!(FractionEvaluate >= 0 && FractionEvaluate <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(FractionEvaluate), FractionEvaluate, "Must be in [0, 1].");
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(MinimumFitClients, 1, nameof(MinimumFitClients));
        ArgumentOutOfRangeException.ThrowIfLessThan(MinimumEvaluateClients, 1, nameof(MinimumEvaluateClients));
    }
}
