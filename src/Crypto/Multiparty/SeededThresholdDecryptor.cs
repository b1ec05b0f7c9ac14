using FederatedHe.Crypto.Ring;
using FederatedHe.Crypto.Rlwe;

namespace FederatedHe.Crypto.Multiparty;

/// <summary>
/// A committee member's side of decryption in the seeded threshold scheme: for a sum of updates it computes
/// d_j = λ_j·Σ_{(i, seed) in the sum} a_i(seed)·f_i(j) + e_j + r_j, where f_i(j) is its dealt share of contributor
/// i's secret, e_j the smudging noise (exactly uniform in [−B_sm, B_sm)) and r_j the zero-sum pairwise mask bound
/// to the sum's fingerprint (see <see cref="DecryptionMaskSeeds"/>). Since Σ_{j∈C} λ_j·f_i(j) = s_i, the shares of
/// a committee add up to Σ_i a_i·s_i + Σ e_j, which cancels the −a_i·s_i in Σ c0.
/// </summary>
/// <remarks>
/// <para><b>What a member refuses</b> (typed <see cref="ThresholdProtocolException"/>s): a sum with fewer
/// contributions than the caller's minimum (<see cref="ThresholdProtocolFailure.TooFewContributors"/>: a sum of one
/// update would decrypt that update), a contributor whose dealt share it does not hold
/// (<see cref="ThresholdProtocolFailure.UnknownDealer"/>), a sum encrypted for another context, a committee that
/// is malformed, too small or without it, mask seeds that do not fit, and — remembered for the lifetime of the
/// instance — a second sum of the same chunk and context, or the same sum for the same committee twice
/// (<see cref="ThresholdProtocolFailure.ConflictingDecryption"/>): two sums that differ by one contributor would
/// reveal that contributor's update, and two shares with the same mask but different noise the noise. The runtime
/// must persist that memory across restarts (docs/THRESHOLD.md).</para>
/// <para>A replayed (party, seed) entry expands to a new a, because a binds the party, chunk, vector length, key
/// set and context: it cannot cancel the c0 it was first sent with.</para>
/// <para>Thread-safe: each share draws a fresh seed from the system CSPRNG; the memory of decryptions is locked.</para>
/// </remarks>
public sealed class SeededThresholdDecryptor
{
    private readonly ThresholdParameters _parameters;
    private readonly DealtSecretShares _key;
    private readonly Dictionary<(Sha256Digest Context, int Chunk, int Length), (Sha256Digest Sum, HashSet<string> Committees)> _decrypted = [];

    /// <summary>Creates the decryptor of the party that holds <paramref name="key"/>.</summary>
    /// <exception cref="ArgumentException">The parameter set is not a seeded-threshold set.</exception>
    /// <exception cref="ParameterSetMismatchException">The key belongs to another parameter set.</exception>
    public SeededThresholdDecryptor(ThresholdParameters parameters, DealtSecretShares key)
    {
        SeededChecks.RequireSeeded(parameters);
        ArgumentNullException.ThrowIfNull(key);
        parameters.Ckks.EnsureSameSet(key.ParameterSetId, "dealt secret shares");
        _parameters = parameters;
        _key = key;
    }

    /// <summary>
    /// Creates the decryptor of the party that holds <paramref name="key"/>, remembering the decryptions it made before
    /// (<paramref name="earlier"/>, from the runtime's persistent record), so a restarted party refuses what it refused before it stopped.
    /// </summary>
    /// <exception cref="ArgumentException">The parameter set is not a seeded-threshold set.</exception>
    /// <exception cref="ParameterSetMismatchException">The key belongs to another parameter set.</exception>
    /// <exception cref="ThresholdProtocolException">The records name two different sums of one chunk and context.</exception>
    public SeededThresholdDecryptor(ThresholdParameters parameters, DealtSecretShares key, IEnumerable<SeededDecryptionRecord> earlier)
        : this(parameters, key)
    {
        ArgumentNullException.ThrowIfNull(earlier);
        foreach (var record in earlier)
        {
            Remember(record, earlierRecord: true);
        }
    }

    /// <summary>The party this decryptor acts for.</summary>
    public int PartyId => _key.PartyId;

    /// <summary>
    /// This party's masked share of the decryption of <paramref name="sum"/> by <paramref name="committee"/>, bound to
    /// <paramref name="context"/> (the context the updates were encrypted for).
    /// </summary>
    /// <param name="sum">The aggregate chunk to decrypt.</param>
    /// <param name="committee">The committee, of at least t parties, this party among them.</param>
    /// <param name="context">The round's context, as given to <see cref="SeededThresholdEncryptor"/>.</param>
    /// <param name="masks">This party's pairwise mask seeds.</param>
    /// <param name="minimumContributors">The fewest contributions a sum may have to be decrypted (at least 1; the runtime's policy, e.g. 2 or more).</param>
    /// <exception cref="ArgumentOutOfRangeException">The minimum is below 1.</exception>
    /// <exception cref="ParameterSetMismatchException">The sum belongs to another parameter set.</exception>
    /// <exception cref="ObjectDisposedException">The mask seeds were disposed.</exception>
    /// <exception cref="ThresholdProtocolException">The context is too long or is not the sum's; the sum is of another n; the committee is malformed, smaller than t or does not include this party; the mask seeds do not fit; the sum has too few contributions or names a dealer this party holds no share of; or the decryption conflicts with an earlier one.</exception>
    public DecryptionShare GenShare(SeededAggregateChunk sum, IEnumerable<int> committee, ReadOnlySpan<byte> context, DecryptionMaskSeeds masks, int minimumContributors)
    {
        ArgumentNullException.ThrowIfNull(sum);
        ArgumentNullException.ThrowIfNull(masks);
        ArgumentOutOfRangeException.ThrowIfLessThan(minimumContributors, 1);
        if (context.Length > DecryptionShare.MaxContextLength)
        {
            throw new ThresholdProtocolException(ThresholdProtocolFailure.ContextTooLong, PartyId, $"context of {context.Length} bytes; at most {DecryptionShare.MaxContextLength}.");
        }

        int[] members = MultipartyMath.NormalizeCommittee(committee, _key.Threshold, _key.PartyCount);
        if (Array.BinarySearch(members, PartyId) < 0)
        {
            throw new ThresholdProtocolException(ThresholdProtocolFailure.PartyOutsideCommittee, PartyId, "this party is not in the committee it was asked to decrypt for.");
        }

        masks.CheckFor(PartyId, _key.PartyCount, members);
        _parameters.Ckks.EnsureSameSet(sum.Parameters.Ckks.Id, "seeded aggregate chunk");
        if (sum.PartyCount != _key.PartyCount)
        {
            throw new ThresholdProtocolException(ThresholdProtocolFailure.ThresholdMismatch, null, $"the sum is of a {sum.PartyCount}-party key set, not {_key.PartyCount}.");
        }

        if (sum.ContextDigest != SeededExpansion.ContextDigest(context))
        {
            throw new ThresholdProtocolException(ThresholdProtocolFailure.ContextMismatch, null, "the sum's updates were encrypted for another context.");
        }

        if (sum.ContributorCount < minimumContributors)
        {
            throw new ThresholdProtocolException(ThresholdProtocolFailure.TooFewContributors, null, $"the sum has {sum.ContributorCount} contributions; at least {minimumContributors} are required.");
        }

        foreach (var (dealer, _) in sum.ContributorEntries)
        {
            if (!_key.Holds(dealer))
            {
                throw new ThresholdProtocolException(ThresholdProtocolFailure.UnknownDealer, dealer, "the sum names a contributor whose dealt share this party does not hold.");
            }
        }

        Remember(SeededDecryptionRecord.Of(sum, members), earlierRecord: false);
        return GenShareUnchecked(sum, members, context, masks);
    }

    /// <summary>
    /// The share for an arbitrary committee without any check and without the memory of earlier decryptions,
    /// masked when <paramref name="masks"/> is given (tests show what observers of unmasked shares obtain).
    /// </summary>
    internal DecryptionShare GenShareUnchecked(SeededAggregateChunk sum, int[] committee, ReadOnlySpan<byte> context, DecryptionMaskSeeds? masks = null)
    {
        var ckks = _parameters.Ckks;
        var ring = ckks.Ring;
        int limbs = ckks.MaxLevel + 1;
        var value = new RnsPolynomial(ckks.N, limbs) { IsNttForm = true };
        var scratch = RnsPolynomial.Rent(ckks.N, limbs);
        try
        {
            foreach (var (dealer, seed) in sum.ContributorEntries)
            {
                var share = _key.ShareOf(dealer) ?? throw new ThresholdProtocolException(ThresholdProtocolFailure.UnknownDealer, dealer, "no dealt share of this contributor.");
                SeededExpansion.Expand(_parameters, _key.KeyId, seed, dealer, sum.ChunkIndex, sum.VectorLength, sum.ContextDigest, scratch);
                ring.MultiplyShoupAdd(scratch, share, _key.ShoupOf(dealer)!, value, value, limbs); // Σ a_i·f_i(j)
            }

            ring.MultiplyScalar(value, MultipartyMath.LagrangeAtZero(ring, committee, PartyId, limbs), value, limbs);
            using (var prng = AesCtrPrng.CreateRandom())
            {
                SmudgingNoise.Sample(prng, ring, _parameters.LogSmudgingBound, scratch, limbs);
            }

            ring.Add(value, scratch, value, limbs);
        }
        finally
        {
            scratch.Clear(); // held the public a_i, then the smudging noise, which must stay secret
            RnsPolynomial.ReturnRented(scratch);
        }

        if (masks is not null)
        {
            DecryptionMasks.AddMask(ring, masks, _key.KeyId, sum.Fingerprint, committee, context, ckks.MaxLevel, PartyId, value);
        }

        value.IsNttForm = true;
        return new DecryptionShare(_parameters, _key.KeyId, sum.Fingerprint, PartyId, _key.Threshold, _key.PartyCount, committee, context.ToArray(), value);
    }

    /// <summary>
    /// Records a share of <paramref name="record"/>'s sum; refuses a second sum of its chunk and context, and (unless it is an
    /// <paramref name="earlierRecord"/> being reloaded) a second share of one sum for one committee.
    /// </summary>
    private void Remember(SeededDecryptionRecord record, bool earlierRecord)
    {
        var key = (record.ContextDigest, record.ChunkIndex, record.VectorLength);
        lock (_decrypted)
        {
            if (!_decrypted.TryGetValue(key, out var earlier))
            {
                _decrypted[key] = (record.Sum, [record.Committee]);
                return;
            }

            if (earlier.Sum != record.Sum)
            {
                throw new ThresholdProtocolException(ThresholdProtocolFailure.ConflictingDecryption, null, $"chunk {record.ChunkIndex} of this context was already decrypted as another sum; two sums of one round would reveal their difference.");
            }

            if (!earlier.Committees.Add(record.Committee) && !earlierRecord)
            {
                throw new ThresholdProtocolException(ThresholdProtocolFailure.ConflictingDecryption, null, $"this party already made a share of this sum for committee {{{record.Committee}}}.");
            }
        }
    }
}

/// <summary>
/// One decryption share a party made in the seeded scheme: which sum (<paramref name="Sum"/>, its fingerprint) of which chunk
/// and context, for which committee. A runtime keeps these durably before the share leaves and hands them back to
/// <see cref="SeededThresholdDecryptor"/> after a restart: the decryptor refuses a second sum of a chunk and context, and
/// a second share of one sum for one committee, across restarts too.
/// </summary>
/// <param name="ContextDigest">The sum's context digest.</param>
/// <param name="ChunkIndex">The chunk.</param>
/// <param name="VectorLength">The vector's length.</param>
/// <param name="Sum">The sum's fingerprint.</param>
/// <param name="Committee">The committee's party ids, ascending, separated by commas.</param>
public sealed record SeededDecryptionRecord(Sha256Digest ContextDigest, int ChunkIndex, int VectorLength, Sha256Digest Sum, string Committee)
{
    /// <summary>The record of a share of <paramref name="sum"/> for <paramref name="committee"/>.</summary>
    public static SeededDecryptionRecord Of(SeededAggregateChunk sum, IEnumerable<int> committee)
    {
        ArgumentNullException.ThrowIfNull(sum);
        ArgumentNullException.ThrowIfNull(committee);
        return new SeededDecryptionRecord(sum.ContextDigest, sum.ChunkIndex, sum.VectorLength, sum.Fingerprint, string.Join(',', committee.Distinct().Order()));
    }
}
