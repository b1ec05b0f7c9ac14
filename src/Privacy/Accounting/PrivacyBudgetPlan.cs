using System.Collections.Immutable;
using FederatedHe.Privacy.Distributed;

namespace FederatedHe.Privacy.Accounting;

/// <summary>
/// What a federation spends, round by round: the ε after each training round for the protected unit, and how many rounds
/// a budget allows. Pure accounting for the runtime (the coordinator stops before a round that would exceed the budget,
/// the dry run prints the plan); no actor or spec knowledge.
/// </summary>
/// <remarks>
/// <para>Every round costs the same: in local mode each hospital runs the same number of DP-SGD steps at the same q and σ
/// (the accountant charges every patient as if their hospital took part in every round, an upper bound for a hospital
/// that sat a round out); in distributed mode every decrypted sum holds at least the calibrated noise, because the round
/// machine never aggregates fewer updates than the quorum and the noise is over-provisioned for exactly the dropouts the
/// quorum allows (see <see cref="DistributedNoiseCalibration"/>). So ε after r rounds is a function of r alone, and a
/// resumed federation's spending follows from its round number.</para>
/// <para>Immutable and thread-safe.</para>
/// </remarks>
public sealed class PrivacyBudgetPlan
{
    private readonly ImmutableArray<double> _orders;
    private readonly ImmutableArray<double> _rdpPerRound;

    private PrivacyBudgetPlan(string protectedUnit, string mechanism, ImmutableArray<double> orders, ImmutableArray<double> rdpPerRound,
        double noiseMultiplier, double delta, double targetEpsilon, int plannedRounds)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(plannedRounds, 1);
        if (!(targetEpsilon > 0) || double.IsInfinity(targetEpsilon))
        {
            throw new ArgumentOutOfRangeException(nameof(targetEpsilon), targetEpsilon, "The budget ε must be positive and finite.");
        }
        if (!(delta > 0 && delta < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(delta), delta, "δ must be in (0, 1).");
        }
        ProtectedUnit = protectedUnit;
        Mechanism = mechanism;
        _orders = orders;
        _rdpPerRound = rdpPerRound;
        NoiseMultiplier = noiseMultiplier;
        Delta = delta;
        TargetEpsilon = targetEpsilon;
        PlannedRounds = plannedRounds;
    }

    /// <summary>
    /// Local mode: each hospital trains with DP-SGD, <paramref name="stepsPerRound"/> Poisson-sampled steps at rate
    /// <paramref name="samplingRate"/> and noise multiplier <paramref name="noiseMultiplier"/> every round. Protects one patient record.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range.</exception>
    public static PrivacyBudgetPlan ForLocalTraining(double samplingRate, double noiseMultiplier, long stepsPerRound, int plannedRounds, double delta, double targetEpsilon)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stepsPerRound, 1);
        if (!(noiseMultiplier > 0) || double.IsInfinity(noiseMultiplier))
        {
            throw new ArgumentOutOfRangeException(nameof(noiseMultiplier), noiseMultiplier, "Must be positive and finite.");
        }
        var perStep = new RdpAccountant().Compose(samplingRate, noiseMultiplier, 1);
        return new PrivacyBudgetPlan("one patient record", $"DP-SGD at each hospital: {stepsPerRound} steps per round, q = {samplingRate:G4}, σ = {noiseMultiplier:G4}",
            [.. perStep.Orders], [.. perStep.Rdp.Select(rdp => rdp * stepsPerRound)], noiseMultiplier, delta, targetEpsilon, plannedRounds);
    }

    /// <summary>
    /// Distributed mode: every round releases one sum of clipped hospital updates carrying at least the noise of
    /// <paramref name="calibration"/> (its hospitals less its tolerated dropouts survive, or the round is not aggregated).
    /// Protects one whole hospital's contribution.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range, or the shares are too small for the sum to be a discrete Gaussian (τ &gt; 0).</exception>
    public static PrivacyBudgetPlan ForDistributedNoise(DistributedNoiseCalibration calibration, int plannedRounds, double delta, double targetEpsilon)
    {
        ArgumentNullException.ThrowIfNull(calibration);
        var fewestSurvivors = calibration.HospitalCount - calibration.ToleratedDropouts;
        if (calibration.SumDeviationTau(fewestSurvivors) > 0)
        {
            // τ is charged per coordinate; the plan does not know the model's size, so it refuses rather than undercharge.
            throw new ArgumentOutOfRangeException(nameof(calibration), "The noise shares are too small on this grid for their sum to count as one discrete Gaussian; raise the noise or the grid bits.");
        }
        var round = new RdpAccountant().ComposeDistributedRound(calibration, fewestSurvivors);
        return new PrivacyBudgetPlan("one hospital's whole contribution",
            $"distributed discrete Gaussian over the encrypted sum: σ = {calibration.NoiseMultiplier:G4} with {fewestSurvivors} of {calibration.HospitalCount} hospitals",
            [.. round.Orders], [.. round.Rdp], calibration.NoiseMultiplier, delta, targetEpsilon, plannedRounds);
    }

    /// <summary>The unit the guarantee protects (a patient record, or a hospital).</summary>
    public string ProtectedUnit { get; }

    /// <summary>The mechanism charged each round, in words.</summary>
    public string Mechanism { get; }

    /// <summary>σ: noise standard deviation over the clip norm.</summary>
    public double NoiseMultiplier { get; }

    /// <summary>δ of every (ε, δ) the plan reports.</summary>
    public double Delta { get; }

    /// <summary>The budget: no round starts that would take ε above it.</summary>
    public double TargetEpsilon { get; }

    /// <summary>The federation's configured training rounds.</summary>
    public int PlannedRounds { get; }

    /// <summary>ε (at <see cref="Delta"/>) once <paramref name="rounds"/> training rounds have been released; 0 for none.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rounds"/> is negative.</exception>
    public double EpsilonAfter(int rounds)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rounds);
        return rounds == 0 ? 0 : RdpAccountant.ToEpsilon(_orders, _rdpPerRound, rounds, Delta, RdpConversion.BalleEtAl2020).Epsilon;
    }

    /// <summary>Whether starting round <paramref name="round"/> (from 1) would take ε above the budget once it is released.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="round"/> is below 1.</exception>
    public bool WouldExceed(int round)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(round, 1);
        return EpsilonAfter(round) > TargetEpsilon;
    }

    /// <summary>The training rounds the budget allows, at most <see cref="PlannedRounds"/>: the last r with ε(r) ≤ the target.</summary>
    public int RoundsWithinBudget
    {
        get
        {
            // ε grows with the rounds, so the last affordable round is found by bisection.
            int low = 0, high = PlannedRounds;
            while (low < high)
            {
                var middle = low + (high - low + 1) / 2;
                if (WouldExceed(middle))
                    high = middle - 1;
                else
                    low = middle;
            }
            return low;
        }
    }
}
