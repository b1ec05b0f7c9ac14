using FederatedHe.Crypto.Ckks;
using FederatedHe.Crypto.Rlwe;

namespace FederatedHe.Crypto.Multiparty;

/// <summary>
/// The fusion step of the seeded threshold scheme: checks the committee's shares as <see cref="ThresholdCombiner"/>
/// does (key set, t-of-n, sum by fingerprint, context, one committee, every member once), then computes
/// Σ c0 + Σ_j d_j = Δ·Σm + Σ e_i + Σ e_j and decodes it (complex slots). Holds no secret: anyone can fuse.
/// </summary>
/// <remarks>
/// <para>Precision: within <see cref="ThresholdParameters.FusedErrorBound"/> of the sum of the values, except with
/// probability 2^−κ per value, for sums of at most n honest updates and values within <see cref="ThresholdParameters.ValueBound"/>.</para>
/// <para>Thread-safe.</para>
/// </remarks>
public sealed class SeededThresholdCombiner
{
    private readonly ThresholdParameters _parameters;
    private readonly CkksEncoder _encoder;

    /// <summary>Creates the combiner for the t-of-n key set <paramref name="keyId"/>.</summary>
    /// <exception cref="ArgumentException">The parameter set is not a seeded-threshold set.</exception>
    /// <exception cref="ThresholdProtocolException">t or n is out of range.</exception>
    public SeededThresholdCombiner(ThresholdParameters parameters, Sha256Digest keyId, int threshold, int partyCount)
    {
        SeededChecks.RequireSeeded(parameters);
        MultipartyMath.CheckPartyCount(parameters, threshold, partyCount);
        _parameters = parameters;
        _encoder = new CkksEncoder(parameters.Ckks);
        KeyId = keyId;
        Threshold = threshold;
        PartyCount = partyCount;
    }

    /// <summary>The key set whose shares are accepted.</summary>
    public Sha256Digest KeyId { get; }

    /// <summary>The threshold t.</summary>
    public int Threshold { get; }

    /// <summary>The number of parties n.</summary>
    public int PartyCount { get; }

    /// <summary>Fuses the shares of <paramref name="sum"/> and decodes its <see cref="SeededAggregateChunk.ValueCount"/> values into <paramref name="destination"/>.</summary>
    /// <exception cref="ArgumentException">The destination length differs from the chunk's value count.</exception>
    /// <exception cref="ParameterSetMismatchException">The sum or a share belongs to another parameter set.</exception>
    /// <exception cref="ThresholdProtocolException">The sum is of another n or context; or a share is for another key set, sum, context, committee or t-of-n, comes from outside the committee or twice, or a member's share is missing.</exception>
    public void FuseValues(SeededAggregateChunk sum, IEnumerable<DecryptionShare> shares, ReadOnlySpan<byte> context, Span<double> destination)
    {
        ArgumentNullException.ThrowIfNull(sum);
        ArgumentNullException.ThrowIfNull(shares);
        _parameters.Ckks.EnsureSameSet(sum.Parameters.Ckks.Id, "seeded aggregate chunk");
        if (destination.Length != sum.ValueCount)
        {
            throw new ArgumentException($"The destination has {destination.Length} values; chunk {sum.ChunkIndex} holds {sum.ValueCount}.", nameof(destination));
        }

        if (sum.PartyCount != PartyCount)
        {
            throw new ThresholdProtocolException(ThresholdProtocolFailure.ThresholdMismatch, null, $"the sum is of a {sum.PartyCount}-party key set, not {PartyCount}.");
        }

        if (sum.ContextDigest != SeededExpansion.ContextDigest(context))
        {
            throw new ThresholdProtocolException(ThresholdProtocolFailure.ContextMismatch, null, "the sum's updates were encrypted for another context.");
        }

        var list = shares.ToList();
        ThresholdCombiner.CheckShares(_parameters, KeyId, Threshold, PartyCount, sum.Fingerprint, _parameters.Ckks.MaxLevel, list, context);
        _encoder.DecodePacked(FuseUnchecked(sum, list), _parameters.Ckks.Packing, destination);
    }

    /// <summary>Fuses and decodes the chunk's values into a new array.</summary>
    /// <exception cref="ParameterSetMismatchException">The sum or a share belongs to another parameter set.</exception>
    /// <exception cref="ThresholdProtocolException">The shares do not belong together (see <see cref="FuseValues(SeededAggregateChunk, IEnumerable{DecryptionShare}, ReadOnlySpan{byte}, Span{double})"/>).</exception>
    public double[] FuseValues(SeededAggregateChunk sum, IEnumerable<DecryptionShare> shares, ReadOnlySpan<byte> context)
    {
        ArgumentNullException.ThrowIfNull(sum);
        var values = new double[sum.ValueCount];
        FuseValues(sum, shares, context, values);
        return values;
    }

    /// <summary>Σ c0 + Σ d_j with no check at all (tests show what a wrong set of shares yields).</summary>
    internal Plaintext FuseUnchecked(SeededAggregateChunk sum, IReadOnlyList<DecryptionShare> shares) =>
        ThresholdCombiner.AddShares(_parameters.Ckks, sum.C0, _parameters.Ckks.MaxLevel, _parameters.Ckks.DefaultScale, shares);

    /// <summary>Decodes a plaintext made by <see cref="FuseUnchecked"/> (every value of a chunk).</summary>
    internal double[] Decode(Plaintext plaintext)
    {
        var values = new double[_parameters.Ckks.ValuesPerCiphertext];
        _encoder.DecodePacked(plaintext, _parameters.Ckks.Packing, values);
        return values;
    }
}
