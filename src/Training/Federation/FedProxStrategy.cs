using FederatedHe.Training.Local;

namespace FederatedHe.Training.Federation;

/// <summary>
/// FedProx (Li et al., 2020): FedAvg whose hospitals add μ/2 · ‖w − w_global‖² to their local loss,
/// which keeps their models close to the global one on non-IID data. Aggregation is FedAvg's.
/// </summary>
/// <remarks>Pure and immutable, hence thread-safe.</remarks>
public sealed class FedProxStrategy : FedAvgStrategy
{
    /// <summary>Creates the strategy.</summary>
    /// <param name="options">FedAvg settings; their <see cref="TrainingOptions.ProximalMu"/> is replaced by <paramref name="proximalMu"/>.</param>
    /// <param name="proximalMu">μ, positive and finite; 0.01 to 1 are usual.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="proximalMu"/> or an option is out of range.</exception>
    public FedProxStrategy(FedAvgOptions options, double proximalMu)
        : base(WithMu(options, proximalMu))
    {
        ProximalMu = proximalMu;
    }

    /// <summary>The proximal coefficient μ.</summary>
    public double ProximalMu { get; }

    private static FedAvgOptions WithMu(FedAvgOptions options, double proximalMu)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!(proximalMu > 0) || double.IsInfinity(proximalMu))
        {
            throw new ArgumentOutOfRangeException(nameof(proximalMu), proximalMu, "Must be positive and finite.");
        }
        return options with { LocalTraining = options.LocalTraining with { ProximalMu = proximalMu } };
    }
}
