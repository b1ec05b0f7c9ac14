namespace FederatedHe.Crypto.Ckks;

/// <summary>
/// Named, 128-bit-secure parameter sets. Each is created once, on first use.
/// </summary>
/// <remarks>Thread-safe.</remarks>
public static class CkksPresets
{
    /// <summary>
    /// FedAvg by additions only: N = 8192 (4096 slots), one 58-bit prime, Δ = 2^42. The smallest chain
    /// that keeps the sum of up to 300 vectors with |x| ≤ 100 within 1e-6: the sum must stay below
    /// q/(2Δ) = 2^15 and the encryption noise (about 2^15 per slot) must be far below Δ·1e-6.
    /// log2 Q·P = 58 ≤ 218.
    /// </summary>
    public static CkksParametersLiteral LiteralLogN13FedAvg { get; } = new()
    {
        LogN = 13,       // 4096 slots; N = 4096 would allow the same Q but halves the slots per ciphertext
        LogQ = [58],     // level 0 only: additions need no rescaling
        LogScale = 42,   // noise/Δ ≈ 1e-8 per fresh ciphertext; headroom 2^15 for the sum
    };

    /// <summary>
    /// One rescaling level (e.g. multiply by a weight, then rescale), N = 8192: Q = 60 + 41 bits,
    /// Δ = 2^40, the chain of OpenFHE's FIXEDMANUAL benchmark set P1. log2 Q·P = 101 ≤ 218.
    /// </summary>
    public static CkksParametersLiteral LiteralLogN13LogQ101 { get; } = new()
    {
        LogN = 13,         // 4096 slots
        LogQ = [60, 41],   // q0 holds the result after rescaling (headroom 2^19 over Δ); q1 is dropped by Rescale
        LogScale = 40,     // precision about 1e-7 per fresh ciphertext
    };

    /// <summary>
    /// As <see cref="LiteralLogN13LogQ101"/> with N = 16384 (8192 slots), the chain of OpenFHE's set
    /// P2. log2 Q·P = 101 ≤ 438.
    /// </summary>
    public static CkksParametersLiteral LiteralLogN14LogQ101 { get; } = new()
    {
        LogN = 14,         // 8192 slots
        LogQ = [60, 41],   // as for N = 8192
        LogScale = 40,
    };

    /// <summary>
    /// Shared-key FedAvg at model scale, for <see cref="AggregationEncryptor"/> and its companions only:
    /// N = 4096 with complex slot packing (4096 real values per ciphertext), one 60-bit prime, Δ = 2^40.
    /// One modulus because FedAvg only adds; N = 4096 because it is the smallest ring dimension this
    /// library (and SEAL) accepts, and log2 Q·P = 60 ≤ 109, the 128-bit bound of the HomomorphicEncryption.org
    /// table for it. (The table's N = 2048 row allows 54 bits, which would leave 4 bits less headroom for the
    /// same bytes per value.) Sums stay exact modulo q0 while every value of the sum is below
    /// q0/(2·√2·Δ) ≈ 3.7e5 in magnitude (the runtime normalises FedAvg's weights to a total of 3.7e5/(4·64) ≈ 1448, so
    /// sums hold parameters up to 64 whatever the hospitals' record counts: SampleWeightedEncoding); with
    /// <see cref="AggregationEncryptor.DefaultDroppedBits"/> = 10 a chunk of 4096 values takes
    /// 50 bits per value plus one 32-byte seed per contributor: about 6.3 bytes per value for an update and
    /// for the sum of 4. Complex slots are not conjugation-invariant, which threshold decryption's noise audit
    /// relies on, so collective-key threshold sets refuse this packing (the seeded threshold scheme allows it).
    /// </summary>
    public static CkksParametersLiteral LiteralLogN12LogQ60Aggregation { get; } = new()
    {
        LogN = 12,                          // 2048 complex slots = 4096 real values; the smallest N supported
        LogQ = [60],                        // level 0 only: additions need no rescaling; ≤ 109 bits for 128-bit security
        LogScale = 40,                      // fresh noise/Δ ≈ 1e-10 per value; headroom 2^19 over Δ for the sum
        Packing = SlotPacking.ComplexSlots, // real and imaginary parts: twice the values per ciphertext
    };

    private static readonly Lazy<CkksParameters> LogN12LogQ60Aggregation = new(() => CkksParameters.Create(CkksPresets.LiteralLogN12LogQ60Aggregation));
    private static readonly Lazy<CkksParameters> LogN13FedAvg = new(() => CkksParameters.Create(CkksPresets.LiteralLogN13FedAvg));
    private static readonly Lazy<CkksParameters> LogN13LogQ101 = new(() => CkksParameters.Create(CkksPresets.LiteralLogN13LogQ101));
    private static readonly Lazy<CkksParameters> LogN14LogQ101 = new(() => CkksParameters.Create(CkksPresets.LiteralLogN14LogQ101));

    /// <summary>The validated set of <see cref="LiteralLogN13FedAvg"/>.</summary>
    public static CkksParameters Params128BitLogN13FedAvg => LogN13FedAvg.Value;

    /// <summary>The validated set of <see cref="LiteralLogN13LogQ101"/>.</summary>
    public static CkksParameters Params128BitLogN13LogQ101 => LogN13LogQ101.Value;

    /// <summary>The validated set of <see cref="LiteralLogN14LogQ101"/>.</summary>
    public static CkksParameters Params128BitLogN14LogQ101 => LogN14LogQ101.Value;

    /// <summary>The validated set of <see cref="LiteralLogN12LogQ60Aggregation"/> (complex slots: shared-key aggregation only).</summary>
    public static CkksParameters Params128BitLogN12LogQ60Aggregation => LogN12LogQ60Aggregation.Value;

    /// <summary>Every preset, by name.</summary>
    public static IReadOnlyDictionary<string, CkksParameters> All => new Dictionary<string, CkksParameters>
    {
        [nameof(Params128BitLogN13FedAvg)] = Params128BitLogN13FedAvg,
        [nameof(Params128BitLogN13LogQ101)] = Params128BitLogN13LogQ101,
        [nameof(Params128BitLogN14LogQ101)] = Params128BitLogN14LogQ101,
        [nameof(Params128BitLogN12LogQ60Aggregation)] = Params128BitLogN12LogQ60Aggregation,
    };
}
