using System.Numerics;
using FederatedHe.Crypto.Ring;
using FederatedHe.Crypto.Rlwe;

namespace FederatedHe.Crypto.Multiparty;

/// <summary>
/// Checks fused threshold decryptions for the trace of a crafted ciphertext: a sum that holds a term
/// p·s (a chosen c1 component times the collective secret) instead of only well-formed encryptions.
/// A hospital that adds (0, p) to its update reads p·s, and so s, from the fused aggregate; this audit
/// cannot stop that one decryption (whoever fuses has the result), but it tells every honest party that
/// the collective key must be considered exposed, so none encrypts under it again.
/// </summary>
/// <remarks>
/// <para><b>The statistic.</b> CKKS encodes real values as polynomials fixed by the conjugation
/// X ↦ X^-1, whose coefficients satisfy c_(N−j) = −c_j and c_(N/2) = 0; the encoder's rounding keeps
/// that symmetry exactly. So in an honest fused plaintext Δm + e_ct + Σ e_j, the antisymmetric
/// coordinates u_j = (c_j + c_(N−j))/√2 (0 &lt; j &lt; N/2) and u_(N/2) = c_(N/2) carry only noise: the
/// committee's smudging (each coefficient a sum of |C| independent uniforms on [−B_sm, B_sm), variance
/// v = |C|·B_sm²/3) and the ciphertext noise (at most B_ct per coefficient). They are computed exactly,
/// in modular arithmetic, so large values add no rounding. A term p·s lands about half its energy there
/// for any p, because s is not conjugation-symmetric and the attacker does not know it.</para>
/// <para><b>The test.</b> S = Σ u_j² / v over the N/2 coordinates. Each u_j/√v is a sum of independent
/// strictly sub-Gaussian terms (a uniform's variance proxy equals its variance), so S's moment generating
/// function is at most that of χ² with N/2 degrees of freedom, and Laurent and Massart's bound (Ann.
/// Statist. 28(5), 2000, Lemma 1) P(S ≥ k + 2√(k·x) + 2x) ≤ e^(−x) holds with k = N/2 and x = κ·ln 2:
/// an honest decryption is flagged with probability at most 2^-κ. The ciphertext noise is added as a worst
/// case. The same bound over the sum of every audited decryption's S (k·R degrees of freedom after R
/// decryptions, fresh smudging each time) catches an attacker who stays below the single-decryption
/// threshold and repeats; its false-alarm rate is also 2^-κ.</para>
/// <para><b>What it does not do.</b> It detects after the fact and names no culprit (the aggregate does not
/// say who sent what). An injected term below the thresholds is not covered by the smudging argument:
/// what such an attacker learns per decryption is small but not zero. docs/SECURITY.md states the
/// residual risk. The cumulative count lives in memory: a restarted party starts it afresh.</para>
/// <para>Thread-safe: audits are serialized by a lock.</para>
/// </remarks>
public sealed class DecryptionNoiseAudit
{
    private readonly ThresholdParameters _parameters;
    private readonly object _gate = new();
    private int _decryptions;
    private double _cumulativeStatistic;

    /// <summary>Creates an audit with no decryption seen yet.</summary>
    public DecryptionNoiseAudit(ThresholdParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _parameters = parameters;
    }

    /// <summary>Decryptions audited so far.</summary>
    public int AuditedDecryptions
    {
        get
        {
            lock (_gate)
            {
                return _decryptions;
            }
        }
    }

    /// <summary>Degrees of freedom of one decryption's statistic: N/2.</summary>
    public int DegreesOfFreedom => _parameters.Ckks.N / 2;

    /// <summary>
    /// The threshold a statistic with <paramref name="degreesOfFreedom"/> degrees of freedom exceeds with
    /// probability at most 2^-κ when only honest noise is present (Laurent–Massart, plus the worst-case
    /// ciphertext noise of <paramref name="decryptions"/> decryptions by committees of <paramref name="committeeSize"/>).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An argument is not positive.</exception>
    public double Threshold(double degreesOfFreedom, int decryptions, int committeeSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(degreesOfFreedom);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(decryptions);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(committeeSize);
        double x = _parameters.StatisticalSecurity * Math.Log(2);
        double chiSquare = degreesOfFreedom + (2 * Math.Sqrt(degreesOfFreedom * x)) + (2 * x);

        // ‖u‖ ≤ ‖noise‖ + ‖shift‖, with each u_j shifted by at most √2·B_ct by the ciphertext noise.
        double shift = decryptions * DegreesOfFreedom * 2 * Math.Pow(2, 2 * _parameters.LogCiphertextNoiseBound) / SmudgingVariance(committeeSize);
        double bound = Math.Sqrt(chiSquare) + Math.Sqrt(shift);
        return bound * bound;
    }

    /// <summary>
    /// Audits one fused plaintext (c0 + Σ d_j, as <see cref="ThresholdCombiner.Fuse"/> returns it) decrypted by a
    /// committee of <paramref name="committeeSize"/>, and adds it to the running total.
    /// </summary>
    /// <returns>The reading, when neither threshold is crossed.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The committee size is outside [1, MaxParties].</exception>
    /// <exception cref="ParameterSetMismatchException">The plaintext belongs to another parameter set.</exception>
    /// <exception cref="SuspiciousDecryptionException">The decryption, or the decryptions so far together, carry more than honest noise.</exception>
    public DecryptionNoiseReading Audit(Plaintext fused, int committeeSize)
    {
        ArgumentNullException.ThrowIfNull(fused);
        ArgumentOutOfRangeException.ThrowIfLessThan(committeeSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(committeeSize, _parameters.MaxParties);
        _parameters.Ckks.EnsureSameSet(fused.ParameterSetId, "fused plaintext");
        double statistic = AntisymmetricEnergy(fused) / SmudgingVariance(committeeSize);
        double threshold = Threshold(DegreesOfFreedom, 1, committeeSize);
        lock (_gate)
        {
            int decryptions = _decryptions + 1;
            double cumulative = _cumulativeStatistic + statistic;
            double cumulativeThreshold = Threshold((double)DegreesOfFreedom * decryptions, decryptions, committeeSize);
            var reading = new DecryptionNoiseReading(statistic, threshold, decryptions, cumulative, cumulativeThreshold);
            if (statistic > threshold || cumulative > cumulativeThreshold)
            {
                throw new SuspiciousDecryptionException(reading);
            }

            _decryptions = decryptions;
            _cumulativeStatistic = cumulative;
            return reading;
        }
    }

    /// <summary>Variance of one coefficient of the committee's summed smudging noise: |C|·B_sm²/3.</summary>
    private double SmudgingVariance(int committeeSize) => committeeSize * Math.Pow(2, 2 * _parameters.LogSmudgingBound) / 3;

    /// <summary>Σ u_j² over the antisymmetric coordinates, from exact centred residues modulo Q.</summary>
    private double AntisymmetricEnergy(Plaintext fused)
    {
        var ring = _parameters.Ckks.Ring;
        int n = ring.N;
        int limbs = fused.Level + 1;
        var coefficients = RnsPolynomial.Rent(n, limbs);
        try
        {
            fused.Value.Coefficients.CopyTo(coefficients.Coefficients);
            if (fused.Value.IsNttForm)
            {
                for (int l = 0; l < limbs; l++)
                {
                    ring.Ntt(l).Inverse(coefficients.Limb(l));
                }
            }

            var crt = new CenteredCrt(ring, limbs);
            Span<ulong> residues = stackalloc ulong[limbs];
            double energy = 0;
            for (int j = 1; j <= n / 2; j++)
            {
                for (int l = 0; l < limbs; l++)
                {
                    var q = ring.Moduli[l];
                    var limb = coefficients.Limb(l);
                    residues[l] = j == n / 2 ? limb[j] : q.Add(limb[j], limb[n - j]);
                }

                double value = crt.Lift(residues);
                energy += j == n / 2 ? value * value : value * value / 2;
            }

            return energy;
        }
        finally
        {
            RnsPolynomial.ReturnRented(coefficients);
        }
    }

    /// <summary>Lifts RNS residues to the centred integer modulo Q = Π q_l (as a double).</summary>
    private readonly struct CenteredCrt
    {
        private readonly BigInteger _modulus;
        private readonly BigInteger _half;
        private readonly BigInteger[] _basis;

        public CenteredCrt(RingContext ring, int limbs)
        {
            _modulus = BigInteger.One;
            for (int l = 0; l < limbs; l++)
            {
                _modulus *= ring.Moduli[l].Value;
            }

            _basis = new BigInteger[limbs];
            for (int l = 0; l < limbs; l++)
            {
                var q = ring.Moduli[l];
                BigInteger others = _modulus / q.Value;
                _basis[l] = others * q.Inverse((ulong)(others % q.Value));
            }

            _half = _modulus >> 1;
        }

        public double Lift(ReadOnlySpan<ulong> residues)
        {
            BigInteger x = BigInteger.Zero;
            for (int l = 0; l < residues.Length; l++)
            {
                x += _basis[l] * residues[l];
            }

            x %= _modulus;
            return (double)(x > _half ? x - _modulus : x);
        }
    }
}

/// <summary>One audited decryption: its statistic and threshold, and the running total over every decryption audited.</summary>
/// <param name="Statistic">S of this decryption (about N/2 when only honest noise is present).</param>
/// <param name="Threshold">What an honest S exceeds with probability at most 2^-κ.</param>
/// <param name="Decryptions">Decryptions audited, this one included.</param>
/// <param name="CumulativeStatistic">The sum of S over those decryptions.</param>
/// <param name="CumulativeThreshold">What an honest sum exceeds with probability at most 2^-κ.</param>
public sealed record DecryptionNoiseReading(double Statistic, double Threshold, int Decryptions, double CumulativeStatistic, double CumulativeThreshold)
{
    /// <summary>This decryption's statistic over what honest noise gives on average (about 1 when honest).</summary>
    public double ExcessRatio(int degreesOfFreedom) => Statistic / degreesOfFreedom;
}

/// <summary>
/// Thrown when a fused decryption carries more than the committee's honest noise where an encoding of real values has
/// none: the decrypted ciphertext was not a sum of well-formed encryptions, and its result may expose the collective key.
/// </summary>
public sealed class SuspiciousDecryptionException : InvalidOperationException
{
    /// <summary>Creates the exception from the reading that crossed a threshold.</summary>
    public SuspiciousDecryptionException(DecryptionNoiseReading reading)
        : base(Describe(reading))
    {
        Reading = reading;
    }

    /// <summary>The statistic and thresholds.</summary>
    public DecryptionNoiseReading Reading { get; }

    /// <summary>Whether this decryption alone crossed its threshold (otherwise the running total did).</summary>
    public bool SingleDecryption => Reading.Statistic > Reading.Threshold;

    private static string Describe(DecryptionNoiseReading r) => r.Statistic > r.Threshold
        ? $"the decryption carries {r.Statistic / r.Threshold:G3} times the largest honest noise energy (statistic {r.Statistic:G4}, threshold {r.Threshold:G4}): "
          + "the ciphertext was not a sum of well-formed encryptions and its result may expose the collective secret key"
        : $"{r.Decryptions} decryptions together carry more than honest noise (statistic {r.CumulativeStatistic:G6}, threshold {r.CumulativeThreshold:G6}): "
          + "a ciphertext term below the single-decryption threshold is being repeated, which may expose the collective secret key";
}
