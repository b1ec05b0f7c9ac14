using System.Collections.Immutable;
using FederatedHe.Privacy.Distributed;

namespace FederatedHe.Privacy.Accounting;

/// <summary>
/// A Rényi differential privacy accountant for the Poisson-subsampled Gaussian mechanism: DP-SGD steps
/// at a hospital, or rounds of distributed noise over the hospitals' encrypted sum.
/// </summary>
/// <remarks>
/// <para>Holds the accumulated RDP at a fixed set of orders. RDP composes by addition, so
/// <see cref="Compose(double, double, long)"/> adds steps × the per-step RDP (Mironov, Talwar and Zhang
/// 2019, see <see cref="SampledGaussianRdp"/>); <see cref="Epsilon"/> converts the sum to (ε, δ) with
/// the conversion of Balle et al. 2020 unless told otherwise, minimising over the orders.</para>
/// <para>The neighbouring relation is add-or-remove-one: the protected unit is whatever one row of the
/// sampled set is — a patient record for DP-SGD, a whole hospital for distributed noise on clipped
/// updates. The noise multiplier is the noise standard deviation divided by the L2 clip norm.</para>
/// <para>Immutable and thread-safe: <c>Compose…</c> returns a new accountant.</para>
/// </remarks>
public sealed class RdpAccountant
{
    private readonly ImmutableArray<double> _orders;
    private readonly ImmutableArray<double> _rdp;

    /// <summary>
    /// The orders used unless others are given: 1.1 to 10.9 in steps of 0.1, every integer from 11 to
    /// 63 (together a superset of Opacus' and TF-Privacy's defaults), then 64 to 1024 sparsely so that
    /// very small ε, whose best order is large, is not overstated.
    /// </summary>
    public static ImmutableArray<double> DefaultOrders { get; } =
    [
        .. Enumerable.Range(11, 99).Select(tenths => tenths / 10.0),
        .. Enumerable.Range(11, 53).Select(order => (double)order),
        64, 80, 96, 128, 160, 192, 256, 384, 512, 1024,
    ];

    /// <summary>An accountant that has spent nothing, at the given orders.</summary>
    /// <param name="orders">Rényi orders, each above 1 and finite; null for <see cref="DefaultOrders"/>.</param>
    /// <exception cref="ArgumentException">No orders are given, or one is not above 1 or not finite.</exception>
    public RdpAccountant(IEnumerable<double>? orders = null)
    {
        _orders = orders is null ? DefaultOrders : [.. orders];
        if (_orders.IsEmpty || _orders.Any(order => !(order > 1) || double.IsInfinity(order)))
        {
            throw new ArgumentException("Rényi orders must be finite and above 1, and at least one is needed.", nameof(orders));
        }
        _rdp = [.. new double[_orders.Length]];
    }

    private RdpAccountant(ImmutableArray<double> orders, ImmutableArray<double> rdp, int weakenedRounds, long steps)
    {
        _orders = orders;
        _rdp = rdp;
        WeakenedRounds = weakenedRounds;
        Steps = steps;
    }

    /// <summary>The Rényi orders tracked.</summary>
    public IReadOnlyList<double> Orders => _orders;

    /// <summary>The accumulated RDP at each of <see cref="Orders"/>.</summary>
    public IReadOnlyList<double> Rdp => _rdp;

    /// <summary>Mechanism invocations (DP-SGD steps or distributed rounds) composed so far.</summary>
    public long Steps { get; }

    /// <summary>Distributed rounds whose noise fell short of the calibration because too many hospitals dropped out.</summary>
    public int WeakenedRounds { get; }

    /// <summary>
    /// The RDP of one step of the Poisson-subsampled Gaussian mechanism at one order. q = 1 gives the
    /// plain Gaussian mechanism's α/(2σ²).
    /// </summary>
    /// <param name="samplingRate">Probability q that each record is in the step's sample, in [0, 1].</param>
    /// <param name="noiseMultiplier">Noise standard deviation over the L2 sensitivity, σ ≥ 0.</param>
    /// <param name="order">Rényi order α &gt; 1 (integer or fractional).</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range.</exception>
    public static double SampledGaussianRdp(double samplingRate, double noiseMultiplier, double order) =>
        Accounting.SampledGaussianRdp.Compute(samplingRate, noiseMultiplier, order);

    /// <summary>This accountant after <paramref name="steps"/> more steps of the subsampled Gaussian mechanism.</summary>
    /// <param name="samplingRate">Poisson sampling rate q in [0, 1].</param>
    /// <param name="noiseMultiplier">Noise multiplier σ ≥ 0.</param>
    /// <param name="steps">Number of steps, at least 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range.</exception>
    public RdpAccountant Compose(double samplingRate, double noiseMultiplier, long steps = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        var perStep = PerStepRdp(samplingRate, noiseMultiplier, _orders);
        return Add(perStep, steps, weakened: 0);
    }

    /// <summary>
    /// This accountant after one round of distributed noise in which <paramref name="survivingHospitals"/>
    /// hospitals' noisy updates reached the sum. When more hospitals dropped out than the calibration
    /// tolerates, the round is charged at the smaller noise that actually arrived and counted in
    /// <see cref="WeakenedRounds"/>, so the weakening shows in every later <see cref="Epsilon"/>.
    /// </summary>
    /// <param name="calibration">The calibration every hospital used this round.</param>
    /// <param name="survivingHospitals">Hospitals whose update reached the sum, 1 to the calibration's hospital count.</param>
    /// <param name="samplingRate">Probability that a hospital was asked to take part (1 in cross-silo rounds).</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range.</exception>
    public RdpAccountant ComposeDistributedRound(DistributedNoiseCalibration calibration, int survivingHospitals, double samplingRate = 1)
    {
        ArgumentNullException.ThrowIfNull(calibration);
        var noiseMultiplier = calibration.EffectiveNoiseMultiplier(survivingHospitals);
        var perStep = PerStepRdp(samplingRate, noiseMultiplier, _orders);
        // The sum of discrete Gaussians is not exactly a discrete Gaussian; Kairouz, Liu and Steinke
        // (ICML 2021, Proposition 14) bound the difference by τ·d per order, added here. At our noise
        // scales τ underflows to 0, but it is charged rather than assumed away.
        var excess = calibration.SumDeviationTau(survivingHospitals) * calibration.Dimension;
        if (excess > 0)
        {
            perStep = [.. perStep.Select(rdp => rdp + excess)];
        }
        return Add(perStep, 1, calibration.IsWeakened(survivingHospitals) ? 1 : 0);
    }

    /// <summary>The (ε, δ) guarantee of everything composed so far, minimised over the orders.</summary>
    /// <param name="delta">δ in (0, 1).</param>
    /// <param name="conversion">The RDP-to-(ε, δ) conversion; <see cref="RdpConversion.BalleEtAl2020"/> unless a reference demands another.</param>
    /// <exception cref="ArgumentOutOfRangeException">δ is not in (0, 1), or the conversion is unknown.</exception>
    public PrivacyGuarantee Epsilon(double delta, RdpConversion conversion = RdpConversion.BalleEtAl2020)
    {
        var (epsilon, order) = ToEpsilon(_orders, _rdp, 1, delta, conversion);
        return new PrivacyGuarantee(epsilon, delta, order, conversion, WeakenedRounds);
    }

    /// <summary>
    /// The most steps of the subsampled Gaussian mechanism that stay within a budget: the largest T with
    /// ε(T) ≤ <paramref name="targetEpsilon"/>; 0 when even one step exceeds it.
    /// </summary>
    /// <param name="samplingRate">Poisson sampling rate q in [0, 1].</param>
    /// <param name="noiseMultiplier">Noise multiplier σ ≥ 0.</param>
    /// <param name="targetEpsilon">The budget ε, positive.</param>
    /// <param name="delta">δ in (0, 1).</param>
    /// <param name="orders">Orders to use; null for <see cref="DefaultOrders"/>.</param>
    /// <returns>The step count, at most <see cref="long.MaxValue"/> / 2 (returned when the budget is never reached, e.g. q = 0).</returns>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range.</exception>
    public static long MaxSteps(double samplingRate, double noiseMultiplier, double targetEpsilon, double delta, IEnumerable<double>? orders = null)
    {
        if (!(targetEpsilon > 0) || double.IsInfinity(targetEpsilon))
        {
            throw new ArgumentOutOfRangeException(nameof(targetEpsilon), targetEpsilon, "The budget must be positive and finite.");
        }
        ValidateDelta(delta);
        var orderList = orders is null ? DefaultOrders : [.. orders];
        var perStep = PerStepRdp(samplingRate, noiseMultiplier, orderList);
        bool Fits(long steps) => ToEpsilon(orderList, perStep, steps, delta, RdpConversion.BalleEtAl2020).Epsilon <= targetEpsilon;

        const long Unbounded = long.MaxValue / 2;
        if (!Fits(1))
        {
            return 0;
        }
        long low = 1, high = 2;
        while (Fits(high))
        {
            low = high;
            if (high >= Unbounded / 2)
            {
                return Unbounded;
            }
            high *= 2;
        }
        while (high - low > 1)
        {
            var middle = low + (high - low) / 2;
            if (Fits(middle))
            {
                low = middle;
            }
            else
            {
                high = middle;
            }
        }
        return low;
    }

    /// <summary>
    /// The smallest noise multiplier (to 1e-4 relative) for which <paramref name="steps"/> steps at rate q
    /// stay within ε = <paramref name="targetEpsilon"/>: how to calibrate DP-SGD for a budget.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range.</exception>
    public static double NoiseMultiplierFor(double samplingRate, long steps, double targetEpsilon, double delta, IEnumerable<double>? orders = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        if (!(targetEpsilon > 0) || double.IsInfinity(targetEpsilon))
        {
            throw new ArgumentOutOfRangeException(nameof(targetEpsilon), targetEpsilon, "The budget must be positive and finite.");
        }
        ValidateDelta(delta);
        var orderList = orders is null ? DefaultOrders : [.. orders];
        double EpsilonAt(double sigma) => ToEpsilon(orderList, PerStepRdp(samplingRate, sigma, orderList), steps, delta, RdpConversion.BalleEtAl2020).Epsilon;

        double low = 0, high = 1;
        while (EpsilonAt(high) > targetEpsilon)
        {
            low = high;
            high *= 2;
            if (high > 1e6)
            {
                throw new ArgumentOutOfRangeException(nameof(targetEpsilon), targetEpsilon, "No noise multiplier up to 1e6 reaches this budget.");
            }
        }
        while (high - low > 1e-4 * high)
        {
            var middle = (low + high) / 2;
            if (EpsilonAt(middle) > targetEpsilon)
            {
                low = middle;
            }
            else
            {
                high = middle;
            }
        }
        return high;
    }

    /// <summary>
    /// The cumulative ε after each of <paramref name="rounds"/> federation rounds in which a hospital runs
    /// <paramref name="stepsPerRound"/> DP-SGD steps: what a round report shows, and where a budget stop falls.
    /// </summary>
    /// <returns>Element r − 1 is ε after round r.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range.</exception>
    public static IReadOnlyList<double> EpsilonPerRound(double samplingRate, double noiseMultiplier, long stepsPerRound, int rounds, double delta, IEnumerable<double>? orders = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(stepsPerRound);
        ArgumentOutOfRangeException.ThrowIfLessThan(rounds, 1);
        ValidateDelta(delta);
        var orderList = orders is null ? DefaultOrders : [.. orders];
        var perStep = PerStepRdp(samplingRate, noiseMultiplier, orderList);
        return [.. Enumerable.Range(1, rounds).Select(round => ToEpsilon(orderList, perStep, stepsPerRound * round, delta, RdpConversion.BalleEtAl2020).Epsilon)];
    }

    private RdpAccountant Add(double[] perStep, long steps, int weakened)
    {
        var rdp = new double[_orders.Length];
        for (var i = 0; i < rdp.Length; i++)
        {
            // 0 × ∞ (no steps of a zero-noise mechanism) costs nothing.
            rdp[i] = _rdp[i] + (steps == 0 ? 0 : perStep[i] * steps);
        }
        return new RdpAccountant(_orders, [.. rdp], WeakenedRounds + weakened, Steps + steps);
    }

    private static double[] PerStepRdp(double samplingRate, double noiseMultiplier, IReadOnlyList<double> orders) =>
        [.. orders.Select(order => Accounting.SampledGaussianRdp.Compute(samplingRate, noiseMultiplier, order))];

    internal static (double Epsilon, double Order) ToEpsilon(IReadOnlyList<double> orders, IReadOnlyList<double> rdp, long multiplier, double delta, RdpConversion conversion)
    {
        ValidateDelta(delta);
        if (!Enum.IsDefined(conversion))
        {
            throw new ArgumentOutOfRangeException(nameof(conversion), conversion, "Unknown conversion.");
        }
        if (rdp.All(value => value == 0))
        {
            // A mechanism with zero Rényi divergence at every order reveals nothing (q = 0, or no steps).
            return (0, orders[0]);
        }
        var logDelta = Math.Log(delta);
        var best = double.PositiveInfinity;
        var bestOrder = orders[0];
        for (var i = 0; i < orders.Count; i++)
        {
            var alpha = orders[i];
            var total = rdp[i] == 0 ? 0 : rdp[i] * multiplier;
            var epsilon = conversion switch
            {
                RdpConversion.BalleEtAl2020 => total + Math.Log((alpha - 1) / alpha) - (logDelta + Math.Log(alpha)) / (alpha - 1),
                _ => total - logDelta / (alpha - 1),
            };
            if (epsilon < best)
            {
                best = epsilon;
                bestOrder = alpha;
            }
        }
        return (Math.Max(best, 0), bestOrder);
    }

    private static void ValidateDelta(double delta)
    {
        if (!(delta > 0 && delta < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(delta), delta, "δ must be in (0, 1).");
        }
    }
}
