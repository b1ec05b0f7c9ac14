using FederatedHe.Privacy.Noise;

namespace FederatedHe.Training.Privacy;

/// <summary>The privacy settings of DP-SGD at one hospital (Abadi et al., CCS 2016).</summary>
/// <remarks>
/// Immutable; use <c>with</c> to vary a field. The accountant charges exactly these numbers: each step
/// samples every record independently with probability <see cref="SamplingRate"/> (Poisson sampling),
/// clips each sampled record's gradient to <see cref="ClipNorm"/> and adds noise of standard deviation
/// <see cref="NoiseMultiplier"/> × <see cref="ClipNorm"/> to their sum.
/// </remarks>
public sealed record DpSgdOptions
{
    /// <summary>σ: the noise standard deviation over the clip norm; positive. About 1 is typical.</summary>
    public double NoiseMultiplier { get; init; } = 1.0;

    /// <summary>C: the L2 norm every per-sample gradient is clipped to; positive.</summary>
    public double ClipNorm { get; init; } = 1.0;

    /// <summary>q: the probability that a record takes part in a step, in (0, 1]. The expected batch is q·n.</summary>
    public double SamplingRate { get; init; } = 0.05;

    /// <summary>Noisy gradient steps to take; at least 1. One epoch is about 1/q steps.</summary>
    public int Steps { get; init; } = 20;

    /// <summary>log₂ of fixed-point grid steps per clip norm on which the noise is added (see <see cref="DiscreteGaussianMechanism"/>).</summary>
    public int GridBits { get; init; } = DiscreteGaussianMechanism.DefaultGridBits;

    /// <summary>The step count that covers about <paramref name="epochs"/> passes over the data at this sampling rate: ⌈epochs/q⌉.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="epochs"/> is not positive.</exception>
    public DpSgdOptions WithEpochs(double epochs)
    {
        if (!(epochs > 0) || double.IsInfinity(epochs))
        {
            throw new ArgumentOutOfRangeException(nameof(epochs), epochs, "Must be positive and finite.");
        }
        return this with { Steps = checked((int)Math.Ceiling(epochs / SamplingRate - 1e-9)) };
    }

    /// <summary>Checks every field.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A field is out of range.</exception>
    public void Validate()
    {
        if (!(NoiseMultiplier > 0) || double.IsInfinity(NoiseMultiplier))
        {
            throw new ArgumentOutOfRangeException(nameof(NoiseMultiplier), NoiseMultiplier, "Must be positive and finite.");
        }
        if (!(ClipNorm > 0) || double.IsInfinity(ClipNorm))
        {
            throw new ArgumentOutOfRangeException(nameof(ClipNorm), ClipNorm, "Must be positive and finite.");
        }
        if (!(SamplingRate > 0 && SamplingRate <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(SamplingRate), SamplingRate, "Must be in (0, 1].");
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(Steps, 1, nameof(Steps));
        ArgumentOutOfRangeException.ThrowIfLessThan(GridBits, 4, nameof(GridBits));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(GridBits, 24, nameof(GridBits));
    }
}

/// <summary>What one call to <see cref="DpSgdTrainer.Train"/> produced.</summary>
/// <param name="Parameters">The trained parameter vector: differentially private, safe to release.</param>
/// <param name="SampleCount">Local records n. Releasing it (e.g. as a FedAvg weight) is outside the DP guarantee.</param>
/// <param name="Options">The privacy settings used, which the accountant charges.</param>
/// <param name="MeanLossNotPrivate">
/// Mean loss over all local records after training, for the hospital's own logs only: it is computed from
/// the raw data without noise and must not leave the hospital.
/// </param>
/// <param name="ClippedFractionNotPrivate">Fraction of sampled gradients that were clipped; local diagnostics only, like the loss.</param>
/// <param name="Duration">Wall-clock time spent training.</param>
public sealed record DpSgdResult(float[] Parameters, int SampleCount, DpSgdOptions Options, double MeanLossNotPrivate, double ClippedFractionNotPrivate, TimeSpan Duration)
{
    /// <summary>The (ε, δ) this call spent on its own, by the default accountant.</summary>
    /// <exception cref="ArgumentOutOfRangeException">δ is not in (0, 1).</exception>
    public FederatedHe.Privacy.Accounting.PrivacyGuarantee Spent(double delta) =>
        new FederatedHe.Privacy.Accounting.RdpAccountant().Compose(Options.SamplingRate, Options.NoiseMultiplier, Options.Steps).Epsilon(delta);
}
