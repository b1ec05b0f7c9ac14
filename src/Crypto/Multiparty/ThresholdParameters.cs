using FederatedHe.Crypto.Ckks;
using FederatedHe.Crypto.Ring;

namespace FederatedHe.Crypto.Multiparty;

/// <summary>
/// Unchecked description of a threshold parameter set (JSON-friendly): a CKKS set plus the bounds
/// the smudging noise of decryption shares is sized from. Validate it with <see cref="ThresholdParameters.Create"/>.
/// </summary>
/// <remarks>Immutable record; thread-safe.</remarks>
public sealed record ThresholdParametersLiteral
{
    /// <summary>The CKKS parameter set (ring dimension, chain, scale).</summary>
    public CkksParametersLiteral Ckks { get; init; } = new();

    /// <summary>Largest number of parties n a collective key may have (1 to 255).</summary>
    public int MaxParties { get; init; }

    /// <summary>κ: a decryption share is within statistical distance 2^-κ of one that depends only on the decrypted result.</summary>
    public int StatisticalSecurity { get; init; } = ThresholdParameters.MinStatisticalSecurity;

    /// <summary>log2 of B_ct, the bound on the infinity norm of the noise of any ciphertext that is threshold-decrypted.</summary>
    public int LogCiphertextNoiseBound { get; init; }

    /// <summary>Which threshold scheme the set is sized for; the collective-key scheme unless said otherwise.</summary>
    public ThresholdScheme Scheme { get; init; } = ThresholdScheme.CollectiveKey;
}

/// <summary>The two threshold schemes, whose ciphertext noise (and so B_ct) and slot packing differ.</summary>
public enum ThresholdScheme
{
    /// <summary>
    /// Updates are public-key ciphertexts under the collective key and decrypted with
    /// <see cref="ThresholdDecryptor"/>: fresh noise 19·(1 + 2·N·n), real slots only (the decryption audit
    /// needs conjugation-invariant plaintexts).
    /// </summary>
    CollectiveKey = 0,

    /// <summary>
    /// Updates are seeded symmetric ciphertexts under each party's own secret, threshold-shared by dealing
    /// (<see cref="SeededThresholdEncryptor"/>, <see cref="SeededThresholdDecryptor"/>): fresh noise at most
    /// 19 per update and one update per party in a sum, complex slots allowed (no party chooses the
    /// polynomial that multiplies another's secret, so no audit is needed; docs/THRESHOLD.md).
    /// </summary>
    SeededSecretKey = 1,
}

/// <summary>
/// A validated threshold CKKS parameter set: a <see cref="CkksParameters"/> set whose modulus leaves
/// room for the smudging (flooding) noise that hides each party's secret in its decryption share.
/// </summary>
/// <remarks>
/// <para><b>Smudging bound.</b> A decryption share adds noise uniform in [-B_sm, B_sm) with
/// B_sm = 2^(κ + log2 N + log2 B_ct). By the smudging lemma (Asharov, Jain, López-Alt, Tromer,
/// Vaikuntanathan, Wichs, EUROCRYPT 2012, Lemma 2.1) a coefficient e with |e| ≤ B_ct shifts a uniform
/// [-B_sm, B_sm) variable by statistical distance at most B_ct / (2·B_sm); over the N coefficients of
/// a share the distance is at most N·B_ct/(2·B_sm) = 2^-(κ+1). So every share is 2^-κ-close to one a
/// simulator computes from the decrypted result alone (the argument of Mouchet, Troncoso-Pastoriza,
/// Bossuat, Hubaux, PoPETs 2021, §4, and Boneh et al., CRYPTO 2018, §5, for Shamir-thresholdized keys).</para>
/// <para><b>What B_ct must cover.</b> A fresh public-key encryption under an n-party collective key
/// has noise e0 + u·e_pk + e1·s with e_pk = Σ e_i and s = Σ s_i, so its infinity norm is at most
/// 19·(1 + 2·N·n) (errors bounded by 19, ternary u, s_i); a sum of k ciphertexts at most k times that
/// (<see cref="MaxAggregatedCiphertexts"/>). The application must not threshold-decrypt a ciphertext
/// whose noise may exceed B_ct: the statistical guarantee would not hold.</para>
/// <para><b>Precision.</b> The fused plaintext carries Σ_j e_j over the t committee members. Each slot
/// of its decoding is a sum of t·N independent terms bounded by B_sm, so by Hoeffding's inequality
/// its error exceeds <see cref="FusedErrorBound"/> with probability below 2^-κ.</para>
/// <para>Immutable and thread-safe.</para>
/// </remarks>
public sealed class ThresholdParameters
{
    /// <summary>The smallest κ accepted for secure sets.</summary>
    public const int MinStatisticalSecurity = 40;

    /// <summary>Largest number of parties the wire format and validation support.</summary>
    public const int MaxSupportedParties = 255;

    private ThresholdParameters(CkksParameters ckks, int maxParties, int statisticalSecurity, int logCiphertextNoiseBound, ThresholdScheme scheme)
    {
        Ckks = ckks;
        Scheme = scheme;
        MaxParties = maxParties;
        StatisticalSecurity = statisticalSecurity;
        LogCiphertextNoiseBound = logCiphertextNoiseBound;
        LogSmudgingBound = statisticalSecurity + ckks.LogN + logCiphertextNoiseBound;
    }

    /// <summary>The CKKS parameter set; shares carry its identifier.</summary>
    public CkksParameters Ckks { get; }

    /// <summary>Largest number of parties n.</summary>
    public int MaxParties { get; }

    /// <summary>The threshold scheme the set is sized for.</summary>
    public ThresholdScheme Scheme { get; }

    /// <summary>κ, the statistical security parameter of decryption shares (distance ≤ 2^-κ).</summary>
    public int StatisticalSecurity { get; }

    /// <summary>log2 of the ciphertext-noise bound B_ct the smudging is sized for.</summary>
    public int LogCiphertextNoiseBound { get; }

    /// <summary>log2 of B_sm: smudging noise is uniform in [-2^LogSmudgingBound, 2^LogSmudgingBound).</summary>
    public int LogSmudgingBound { get; }

    /// <summary>
    /// Largest |x| of a decrypted value that fuses correctly: (Q/2 − n_max·B_sm − N·B_ct)/(Δ·p), with p = 1
    /// for real slots and √2 for complex slots (two values share a slot, whose modulus bounds every
    /// coefficient of the encoded polynomial). Beyond it the fused plaintext wraps modulo Q.
    /// </summary>
    public double ValueBound =>
        (Math.Pow(2, Ckks.LogQ - 1) - (MaxParties * Math.Pow(2, LogSmudgingBound)) - (Ckks.N * Math.Pow(2, LogCiphertextNoiseBound)))
        / (Ckks.DefaultScale * (Ckks.Packing == SlotPacking.ComplexSlots ? Math.Sqrt(2) : 1));

    /// <summary>
    /// Worst-case infinity norm of the noise of one fresh encryption: under a collective key of
    /// <paramref name="partyCount"/> parties (public-key encryption) 19·(1 + 2·N·n); in the seeded scheme
    /// (one party's symmetric encryption, the sampler's hard bound) 19 whatever n.
    /// </summary>
    public double FreshNoiseBound(int partyCount) =>
        Scheme == ThresholdScheme.SeededSecretKey ? Sampling.GaussianBound : Sampling.GaussianBound * (1.0 + (2.0 * Ckks.N * partyCount));

    /// <summary>How many fresh encryptions under an n-party key can be summed before the noise may exceed B_ct.</summary>
    public long MaxAggregatedCiphertexts(int partyCount) => (long)Math.Floor(Math.Pow(2, LogCiphertextNoiseBound) / FreshNoiseBound(partyCount));

    /// <summary>
    /// The absolute error per slot of a fused decryption by a committee of <paramref name="committeeSize"/>
    /// parties, at the default scale, exceeded with probability below 2^-κ per slot:
    /// (B_sm·√(2·N·t·(κ+1)·ln 2) + N·B_ct + N) / Δ (smudging by Hoeffding, ciphertext noise and rounding worst-case).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The committee size is outside [1, MaxParties].</exception>
    public double FusedErrorBound(int committeeSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(committeeSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(committeeSize, MaxParties);
        double n = Ckks.N;
        double smudging = Math.Pow(2, LogSmudgingBound) * Math.Sqrt(2 * n * committeeSize * (StatisticalSecurity + 1) * Math.Log(2));
        return (smudging + (n * Math.Pow(2, LogCiphertextNoiseBound)) + n) / Ckks.DefaultScale;
    }

    /// <summary>Validates a literal and builds the set.</summary>
    /// <param name="literal">The description.</param>
    /// <param name="allowInsecure">Accept an insecure CKKS set and κ below <see cref="MinStatisticalSecurity"/>; tests only.</param>
    /// <exception cref="CkksParameterException">A collective-key set packs complex slots; a field is malformed; B_ct does not cover one fresh encryption (collective key) or a sum of one update per party (seeded); or Q leaves no room for the smudging noise.</exception>
    /// <exception cref="InsecureParametersException">The CKKS set is below 128-bit security and <paramref name="allowInsecure"/> is false.</exception>
    public static ThresholdParameters Create(ThresholdParametersLiteral literal, bool allowInsecure = false)
    {
        ArgumentNullException.ThrowIfNull(literal);
        var ckks = CkksParameters.Create(literal.Ckks, allowInsecure);
        if (!Enum.IsDefined(literal.Scheme))
        {
            throw new CkksParameterException(nameof(literal.Scheme), $"unknown threshold scheme {literal.Scheme}.");
        }

        if (ckks.Packing != SlotPacking.RealSlots && literal.Scheme == ThresholdScheme.CollectiveKey)
        {
            // The decryption-share noise audit checks conjugation invariance, which only real-slot plaintexts have.
            throw new CkksParameterException("Ckks.Packing", "complex slot packing is for shared-key aggregation and the seeded threshold scheme only; collective-key threshold decryption audits real-slot plaintexts.");
        }

        if (literal.MaxParties < 1 || literal.MaxParties > MaxSupportedParties)
        {
            throw new CkksParameterException(nameof(literal.MaxParties), $"MaxParties = {literal.MaxParties} is outside [1, {MaxSupportedParties}].");
        }

        int minKappa = allowInsecure ? 1 : MinStatisticalSecurity;
        if (literal.StatisticalSecurity < minKappa || literal.StatisticalSecurity > 128)
        {
            throw new CkksParameterException(nameof(literal.StatisticalSecurity), $"κ = {literal.StatisticalSecurity} is outside [{minKappa}, 128].");
        }

        var parameters = new ThresholdParameters(ckks, literal.MaxParties, literal.StatisticalSecurity, literal.LogCiphertextNoiseBound, literal.Scheme);

        // A seeded sum holds at most one update per party, so B_ct must cover n_max fresh noises; a
        // collective-key ciphertext at least one fresh encryption (sums are the caller's to bound).
        bool seeded = literal.Scheme == ThresholdScheme.SeededSecretKey;
        double covered = seeded ? literal.MaxParties * parameters.FreshNoiseBound(literal.MaxParties) : parameters.FreshNoiseBound(literal.MaxParties);
        if (literal.LogCiphertextNoiseBound < Math.Log2(covered) || literal.LogCiphertextNoiseBound > 120)
        {
            string what = seeded ? $"the sum of one update from each of {literal.MaxParties} parties" : $"one fresh encryption under {literal.MaxParties} parties";
            throw new CkksParameterException(nameof(literal.LogCiphertextNoiseBound), $"log2 B_ct = {literal.LogCiphertextNoiseBound} must cover {what} ({Math.Log2(covered):F1} bits) and be at most 120.");
        }

        // The smudging sampler draws integers below 2^127.
        if (parameters.LogSmudgingBound > 126)
        {
            throw new CkksParameterException(nameof(literal.StatisticalSecurity), $"log2 B_sm = κ + log2 N + log2 B_ct = {parameters.LogSmudgingBound} exceeds 126.");
        }

        if (!(parameters.ValueBound >= 1))
        {
            throw new CkksParameterException(nameof(literal.Ckks), $"Q = 2^{ckks.LogQ:F1} leaves no room for values of magnitude 1 at Δ = 2^{ckks.LogScale} beside {literal.MaxParties} smudging terms of 2^{parameters.LogSmudgingBound}.");
        }

        return parameters;
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"Threshold{(Scheme == ThresholdScheme.SeededSecretKey ? " (seeded)" : "")} {Ckks}, n ≤ {MaxParties}, κ = {StatisticalSecurity}, B_ct = 2^{LogCiphertextNoiseBound}, B_sm = 2^{LogSmudgingBound}";
}
