using FederatedHe.Crypto.Ckks;
using FederatedHe.Crypto.Multiparty;
using FederatedHe.Crypto.Rlwe;

namespace FederatedHe.Actors.CryptoPool;

/// <summary>
/// How a parameter set's vectors are cut into chunks on the wire. A single-modulus set (such as
/// <see cref="CkksPresets.Params128BitLogN12LogQ60Aggregation"/>) travels as <see cref="AggregationChunk"/>s: addition-only
/// FedAvg needs no rescaling level, so updates are seeded, low bits of c0 are dropped and complex-packed sets carry two
/// values per slot. A seeded threshold set (<see cref="ThresholdScheme.SeededSecretKey"/>) travels as
/// <see cref="SeededUpdateChunk"/>s and <see cref="SeededAggregateChunk"/>s. Any other set travels as one
/// <see cref="Ciphertext"/> per <see cref="CkksParameters.SlotCount"/> values.
/// </summary>
public sealed record UpdateChunking
{
    private UpdateChunking(CkksParameters parameters, bool insecurePlaintext, ThresholdParameters? threshold)
    {
        Parameters = parameters;
        IsInsecurePlaintext = insecurePlaintext;
        SeededThreshold = !insecurePlaintext && threshold?.Scheme == ThresholdScheme.SeededSecretKey ? threshold : null;
        IsAggregationFormat = !insecurePlaintext && SeededThreshold is null && parameters.MaxLevel == 0;
        ValuesPerChunk = IsAggregationFormat || IsSeededThresholdFormat || insecurePlaintext ? parameters.ValuesPerCiphertext : parameters.SlotCount;
        DroppedBits = IsAggregationFormat ? AggregationEncryptor.DefaultDroppedBits(parameters) : 0;
    }

    /// <summary>
    /// INSECURE comparison mode: chunks are the values themselves, little-endian doubles, as many per chunk as the parameter
    /// set's ciphertexts would carry, so rounds, chunk counts and transport are those of the encrypted run.
    /// </summary>
    public bool IsInsecurePlaintext { get; }

    /// <summary>The parameter set the chunks belong to.</summary>
    public CkksParameters Parameters { get; }

    /// <summary>True if chunks are <see cref="AggregationChunk"/>s, false if they are <see cref="Ciphertext"/>s.</summary>
    public bool IsAggregationFormat { get; }

    /// <summary>The seeded threshold set the chunks belong to, or null when they are not in the seeded threshold format.</summary>
    public ThresholdParameters? SeededThreshold { get; }

    /// <summary>True if updates are <see cref="SeededUpdateChunk"/>s and sums <see cref="SeededAggregateChunk"/>s.</summary>
    public bool IsSeededThresholdFormat => SeededThreshold is not null;

    /// <summary>
    /// True if a sum holds only a narrow range (<see cref="SumRange"/>): wide values (feature statistics) travel split into
    /// narrow limbs (<c>WideValueSplitting</c>) and FedAvg's weights are normalised to the range.
    /// </summary>
    public bool HasNarrowRange => double.IsFinite(SumRange);

    /// <summary>Values one chunk carries.</summary>
    public int ValuesPerChunk { get; }

    /// <summary>Low bits of c0 an aggregation chunk leaves out (0 for ciphertexts).</summary>
    public int DroppedBits { get; }

    /// <summary>
    /// The chunking of <paramref name="parameters"/> (in plaintext when <paramref name="insecurePlaintext"/>; in the seeded
    /// threshold format when <paramref name="threshold"/> is a seeded set).
    /// </summary>
    public static UpdateChunking For(CkksParameters parameters, bool insecurePlaintext = false, ThresholdParameters? threshold = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return new UpdateChunking(parameters, insecurePlaintext, threshold);
    }

    /// <summary>
    /// The longest chunk an honest node sends that sums <paramref name="contributors"/> updates (1 for an update): the
    /// reassembly budget of a node, so a hostile peer cannot make it buffer more.
    /// </summary>
    public long MaxChunkBytes(int contributors) =>
        IsInsecurePlaintext ? (long)ValuesPerChunk * sizeof(double)
        : SeededThreshold is { } seeded
            ? Math.Max(SeededUpdateChunk.SerializedSizeFor(seeded), SeededAggregateChunk.SerializedSizeFor(seeded, Math.Clamp(contributors, 1, seeded.MaxParties)))
        : IsAggregationFormat
            ? AggregationChunk.SerializedSizeFor(Parameters, DroppedBits, Math.Clamp(contributors, 1, AggregationChunk.MaxContributors))
            : Ciphertext.MaxSerializedSize(Parameters);

    /// <summary>
    /// The largest magnitude a value of a decrypted sum may have: q0/(2·√2·Δ), about 3.7e5 at the default set, beyond which a
    /// single-modulus sum wraps modulo q0; the seeded threshold set's <see cref="ThresholdParameters.ValueBound"/> (also about
    /// 3.7e5); ∞ where the set has room for any model.
    /// </summary>
    public double SumRange =>
        SeededThreshold is { } seeded ? seeded.ValueBound
        : IsAggregationFormat
            ? (double)Parameters.Ring.Moduli[0].Value / (2 * Math.Sqrt(2) * Parameters.DefaultScale)
            : double.PositiveInfinity;

    /// <summary>
    /// The largest magnitude one value of an update may have so that a sum of <paramref name="contributors"/> updates
    /// still decrypts correctly: an equal share of <see cref="SumRange"/>.
    /// </summary>
    public double MaxUpdateMagnitude(int contributors) => SumRange / Math.Max(1, contributors);
}
