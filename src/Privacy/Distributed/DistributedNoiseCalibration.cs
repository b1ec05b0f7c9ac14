using FederatedHe.Privacy.Noise;

namespace FederatedHe.Privacy.Distributed;

/// <summary>
/// How much discrete Gaussian noise each hospital adds to its clipped update so that the encrypted sum
/// the aggregator forms carries the calibrated noise σ·C, even if up to a tolerated number of hospitals
/// drop out: the distributed discrete Gaussian of Kairouz, Liu and Steinke (ICML 2021).
/// </summary>
/// <remarks>
/// <para>Each of the n hospitals clips its update to <see cref="ContributionClipNorm"/>, rounds it to the
/// grid and adds N_ℤ(0, ⌈σ²_grid/(n − d)⌉). Variances of independent noise add, so any n − d or more
/// surviving hospitals give at least σ²_grid in the sum: the full guarantee. No single hospital's share is
/// enough on its own; only the sum is private, which is why the aggregator must see nothing but the sum
/// (the encryption's job) and why every hospital must actually add its share.</para>
/// <para>Unit protected: with the update clipped as a whole (user-level clipping) the neighbouring
/// relation is one hospital in or out, so the guarantee covers a whole hospital's data.</para>
/// <para>More than d dropouts: with s &lt; n − d survivors the sum holds only s/(n − d) of the planned
/// variance, so the round's effective noise multiplier is σ·√(s/(n − d)). <see cref="IsWeakened"/>
/// says so, and the accountant's <c>ComposeDistributedRound</c> charges that smaller σ and counts the
/// round, so the weaker ε is reported, never hidden.</para>
/// <para>Immutable and thread-safe.</para>
/// </remarks>
public sealed class DistributedNoiseCalibration
{
    private readonly DiscreteGaussianMechanism _shareMechanism;

    /// <summary>Calibrates per-hospital noise shares.</summary>
    /// <param name="hospitalCount">n, hospitals asked to contribute this round, at least 1.</param>
    /// <param name="toleratedDropouts">d, dropouts the noise is over-provisioned for, 0 ≤ d &lt; n.</param>
    /// <param name="noiseMultiplier">σ of the sum: its noise standard deviation over the clip norm.</param>
    /// <param name="clipNorm">C, the L2 norm each hospital's update is clipped to.</param>
    /// <param name="dimension">Update length.</param>
    /// <param name="gridBits">Grid resolution γ = C·2^(−gridBits).</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range (see also <see cref="DiscreteGaussianMechanism"/>).</exception>
    public DistributedNoiseCalibration(int hospitalCount, int toleratedDropouts, double noiseMultiplier, double clipNorm, int dimension, int gridBits = DiscreteGaussianMechanism.DefaultGridBits)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(hospitalCount, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(toleratedDropouts);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(toleratedDropouts, hospitalCount);
        HospitalCount = hospitalCount;
        ToleratedDropouts = toleratedDropouts;
        NoiseMultiplier = noiseMultiplier;
        CentralGridVariance = DiscreteGaussianMechanism.GridVarianceFor(noiseMultiplier, gridBits);
        var minimumSurvivors = (UInt128)(uint)(hospitalCount - toleratedDropouts);
        // Round up so that n − d shares never sum below the central variance.
        ShareGridVariance = (CentralGridVariance + minimumSurvivors - 1) / minimumSurvivors;
        _shareMechanism = new DiscreteGaussianMechanism(clipNorm, noiseMultiplier, dimension, gridBits, ShareGridVariance);
    }

    /// <summary>n.</summary>
    public int HospitalCount { get; }

    /// <summary>d.</summary>
    public int ToleratedDropouts { get; }

    /// <summary>The sum's nominal noise multiplier σ, met whenever at least n − d hospitals survive.</summary>
    public double NoiseMultiplier { get; }

    /// <summary>The update length.</summary>
    public int Dimension => _shareMechanism.Dimension;

    /// <summary>The sum's noise variance in grid units squared when no hospital is missing beyond d: ⌈σ²·4^gridBits⌉ + 1.</summary>
    public UInt128 CentralGridVariance { get; }

    /// <summary>Each hospital's share, ⌈CentralGridVariance/(n − d)⌉ in grid units squared.</summary>
    public UInt128 ShareGridVariance { get; }

    /// <summary>The norm each hospital clips its update to, just below C to leave room for grid rounding.</summary>
    public double ContributionClipNorm => _shareMechanism.ContributionClipNorm;

    /// <summary>The grid step γ.</summary>
    public double Resolution => _shareMechanism.Resolution;

    /// <summary>
    /// The mechanism one hospital applies to its clipped update (round to the grid, add its noise share).
    /// Its <see cref="DiscreteGaussianMechanism.Privatize"/> output alone is NOT private at σ; only the sum is.
    /// </summary>
    public DiscreteGaussianMechanism ShareMechanism => _shareMechanism;

    /// <summary>
    /// One hospital's contribution: its update clipped as a whole to <see cref="ContributionClipNorm"/>
    /// (user-level clipping), rounded to the grid, plus its noise share — in the update's units, ready to
    /// encrypt. Alone it is NOT private at σ; only the sum of at least n − d shares is.
    /// </summary>
    /// <param name="update">The hospital's model update (for example the trained minus the global parameters).</param>
    /// <param name="randomness">The secure source (<see cref="NoiseRandomness.CreateSecure"/>) outside tests.</param>
    /// <exception cref="ArgumentException">The length is not <see cref="Dimension"/>, or a value is not finite.</exception>
    public double[] PrivatizeShare(ReadOnlySpan<double> update, NoiseRandomness randomness)
    {
        var clipped = update.ToArray();
        if (clipped.Any(value => !double.IsFinite(value)))
        {
            throw new ArgumentException("The update holds NaN or infinity.", nameof(update));
        }
        DiscreteGaussianMechanism.ClipInPlace(clipped, ContributionClipNorm);
        return _shareMechanism.Privatize(clipped, randomness);
    }

    /// <summary>
    /// The decrypted sum of shares put back on the grid. CKKS decryption is approximate; as long as its
    /// error stays below half a grid step (choose the CKKS scale so), rounding restores the exact noisy
    /// integer sum, and in any case it is post-processing of the private sum.
    /// </summary>
    /// <exception cref="ArgumentException">The length is not <see cref="Dimension"/>, or a value is not finite or too large for the grid.</exception>
    public double[] RoundToGrid(ReadOnlySpan<double> decryptedSum) => _shareMechanism.FromGrid(_shareMechanism.ToGrid(decryptedSum));

    /// <summary>The noise variance in the sum, in grid units squared, when <paramref name="survivingHospitals"/> shares arrive.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The count is outside 1 … n.</exception>
    public UInt128 SumGridVariance(int survivingHospitals)
    {
        ValidateSurvivors(survivingHospitals);
        return ShareGridVariance * (uint)survivingHospitals;
    }

    /// <summary>
    /// The sum's actual noise multiplier: √(SumGridVariance)/2^gridBits. At least σ with n − d or more
    /// survivors; σ·√(s/(n − d)) (roughly) below that.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The count is outside 1 … n.</exception>
    public double EffectiveNoiseMultiplier(int survivingHospitals) =>
        Math.Sqrt((double)SumGridVariance(survivingHospitals)) / Math.ScaleB(1.0, _shareMechanism.GridBits);

    /// <summary>Whether fewer than n − d hospitals survived, so the sum holds less noise than calibrated.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The count is outside 1 … n.</exception>
    public bool IsWeakened(int survivingHospitals)
    {
        ValidateSurvivors(survivingHospitals);
        return survivingHospitals < HospitalCount - ToleratedDropouts;
    }

    /// <summary>
    /// τ = 10·Σ_{k=1}^{s−1} exp(−2π²σ²_share·k/(k + 1)), the bound of Kairouz, Liu and Steinke (ICML 2021,
    /// Proposition 14) on how far a sum of s discrete Gaussians is from one discrete Gaussian; the
    /// accountant adds τ·d to each order's RDP. Underflows to 0 for any share variance above ~40 grid units².
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The count is outside 1 … n.</exception>
    public double SumDeviationTau(int survivingHospitals)
    {
        ValidateSurvivors(survivingHospitals);
        var shareVariance = (double)ShareGridVariance;
        var tau = 0.0;
        for (var k = 1; k < survivingHospitals; k++)
        {
            tau += Math.Exp(-2 * Math.PI * Math.PI * shareVariance * k / (k + 1));
        }
        return 10 * tau;
    }

    private void ValidateSurvivors(int survivingHospitals)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(survivingHospitals, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(survivingHospitals, HospitalCount);
    }
}
