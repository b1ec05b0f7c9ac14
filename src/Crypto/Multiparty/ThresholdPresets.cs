using FederatedHe.Crypto.Ckks;

namespace FederatedHe.Crypto.Multiparty;

/// <summary>
/// Named threshold parameter sets: 128-bit secure (HomomorphicEncryption.org table), κ = 40, up to 16
/// parties, and a fused precision of 1e-6 or better for any committee of up to 16 parties. Each is
/// created once, on first use.
/// </summary>
/// <remarks>
/// <para>Sizing: B_ct = 2^32 covers sums of hundreds of fresh encryptions
/// (<see cref="ThresholdParameters.MaxAggregatedCiphertexts"/>), so B_sm = 2^(40 + log2 N + 32).
/// The fused error is about B_sm·√(N·t)/Δ, so Δ ≈ B_sm·2^32 keeps it near 2^-21 ≈ 5e-7, and Q must
/// hold Δ·|x| for the values plus the noise: two 60-bit primes are too few, three (60 + 60 + 40 bits)
/// leave |x| up to about 2^41. These sets are for additive aggregation decrypted at the top level: a
/// Rescale would divide Δ by a prime and leave the smudging noise as large as the values.</para>
/// <para>Thread-safe.</para>
/// </remarks>
public static class ThresholdPresets
{
    /// <summary>
    /// N = 8192 (4096 slots), Q = 60 + 60 + 40 bits, Δ = 2^117, B_ct = 2^32, B_sm = 2^85. log2 Q·P = 160
    /// ≤ 218. Fused error ≤ 6.4e-7 for t ≤ 16; values up to about 4e12. Same ring dimension and the
    /// same log2 Q·P (160 bits) as OpenFHE's threshold benchmark set P1.
    /// </summary>
    public static ThresholdParametersLiteral LiteralLogN13LogQ160Threshold { get; } = new()
    {
        Ckks = new CkksParametersLiteral
        {
            LogN = 13,              // the smallest N whose 128-bit bound (218 bits) holds three limbs
            LogQ = [60, 60, 40],    // Δ·|x| + t·B_sm < Q/2 needs more than 2 × 61 bits
            LogScale = 117,         // B_sm · 2^32: fused error near 2^-21
        },
        MaxParties = 16,                // B_ct covers 862 fresh 16-party encryptions at N = 8192
        StatisticalSecurity = 40,       // each share within 2^-40 of a simulated one
        LogCiphertextNoiseBound = 32,   // sums of hundreds of hospitals' ciphertexts
    };

    /// <summary>
    /// N = 16384 (8192 slots), Q = 60 + 60 + 40 bits, Δ = 2^118, B_ct = 2^32, B_sm = 2^86. log2 Q·P = 160
    /// ≤ 438 (a wide security margin). Fused error ≤ 9.0e-7 for t ≤ 16; values up to about 2e12.
    /// </summary>
    public static ThresholdParametersLiteral LiteralLogN14LogQ160Threshold { get; } = new()
    {
        Ckks = new CkksParametersLiteral
        {
            LogN = 14,              // twice the slots per ciphertext of N = 8192, the same work per value
            LogQ = [60, 60, 40],
            LogScale = 118,         // one bit more than N = 8192: B_sm doubles with N
        },
        MaxParties = 16,                // B_ct covers 431 fresh 16-party encryptions at N = 16384
        StatisticalSecurity = 40,
        LogCiphertextNoiseBound = 32,
    };

    /// <summary>
    /// The seeded threshold scheme (<see cref="ThresholdScheme.SeededSecretKey"/>) at model scale: N = 8192 with
    /// complex slots (8192 values per ciphertext), Q = 54 + 54 bits, Δ = 2^88, B_ct = 2^9, B_sm = 2^62.
    /// log2 Q·P = 108 ≤ 218. An update travels as c0 alone (two 54-bit limbs per coefficient, one coefficient
    /// per value) plus a seed: 13.5 bytes per value. Fused error ≤ 4.1e-5 (2^−14.6) for any committee of up to
    /// 16 parties, failure probability 2^−40 per value; values of a sum up to |x| ≈ 1.85e5 (2^17.5).
    /// Derivation in docs/THRESHOLD.md ("Seeded threshold aggregation").
    /// </summary>
    public static ThresholdParametersLiteral LiteralLogN13LogQ108SeededThreshold { get; } = new()
    {
        Ckks = new CkksParametersLiteral
        {
            LogN = 13,                          // 128-bit bound 218 bits: a wide margin over 108; N = 4096 (bound 109) would fit with none
            LogQ = [54, 54],                    // Q/2 > √2·Δ·2^17 + 16·B_sm needs log2 Q ≥ 106.5; two limbs keep decoding on the exact 128-bit path
            LogScale = 88,                      // Hoeffding over 16·N smudging terms: 2^62·2^11.4/Δ ≤ 2^−14 needs Δ ≥ 2^87.4
            Packing = SlotPacking.ComplexSlots, // two values per slot: allowed because no party chooses what multiplies another's secret
        },
        MaxParties = 16,                        // a sum holds one update per party: noise ≤ 16·19 = 304 < B_ct
        StatisticalSecurity = 40,               // each share within 2^−40 of a simulated one
        LogCiphertextNoiseBound = 9,            // fresh noise only (no public-key term, no dropped bits): 2^9 = 512 ≥ 16·19
        Scheme = ThresholdScheme.SeededSecretKey,
    };

    private static readonly Lazy<ThresholdParameters> LogN13Seeded = new(() => ThresholdParameters.Create(LiteralLogN13LogQ108SeededThreshold));
    private static readonly Lazy<ThresholdParameters> LogN13 = new(() => ThresholdParameters.Create(LiteralLogN13LogQ160Threshold));
    private static readonly Lazy<ThresholdParameters> LogN14 = new(() => ThresholdParameters.Create(LiteralLogN14LogQ160Threshold));

    /// <summary>The validated set of <see cref="LiteralLogN13LogQ160Threshold"/>.</summary>
    public static ThresholdParameters Params128BitLogN13LogQ160Threshold => LogN13.Value;

    /// <summary>The validated set of <see cref="LiteralLogN14LogQ160Threshold"/>.</summary>
    public static ThresholdParameters Params128BitLogN14LogQ160Threshold => LogN14.Value;

    /// <summary>The validated set of <see cref="LiteralLogN13LogQ108SeededThreshold"/> (seeded scheme only).</summary>
    public static ThresholdParameters Params128BitLogN13LogQ108SeededThreshold => LogN13Seeded.Value;

    /// <summary>Every threshold preset the runtime's threshold mode can run, by name: the collective-key sets and the seeded set.</summary>
    public static IReadOnlyDictionary<string, ThresholdParameters> All => new Dictionary<string, ThresholdParameters>
    {
        [nameof(Params128BitLogN13LogQ160Threshold)] = Params128BitLogN13LogQ160Threshold,
        [nameof(Params128BitLogN14LogQ160Threshold)] = Params128BitLogN14LogQ160Threshold,
        [nameof(Params128BitLogN13LogQ108SeededThreshold)] = Params128BitLogN13LogQ108SeededThreshold,
    };
}
