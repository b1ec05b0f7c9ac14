using FederatedHe.Crypto.Ckks;
using FederatedHe.Crypto.Ring;
using FederatedHe.Crypto.Rlwe;

namespace FederatedHe.Crypto.Multiparty;

/// <summary>
/// The fusion step of threshold decryption: checks that the committee's shares belong to the expected
/// collective key, to this ciphertext and context and to one committee, each from a distinct member
/// and none missing, then computes c0 + Σ_j d_j = Δ·m + e_ct + Σ_j e_j and decodes it. Holds no secret:
/// any party, or the coordinator, can fuse.
/// </summary>
/// <remarks>
/// <para>Precision: within <see cref="ThresholdParameters.FusedErrorBound"/> of the values, except with
/// probability 2^-κ per slot, for ciphertexts whose noise is within B_ct and values within
/// <see cref="ThresholdParameters.ValueBound"/>.</para>
/// <para>Thread-safe (the encoder is; nothing else is shared).</para>
/// </remarks>
public sealed class ThresholdCombiner
{
    private readonly ThresholdParameters _parameters;
    private readonly CkksEncoder _encoder;

    /// <summary>Creates the combiner for the t-of-n key identified by <paramref name="keyId"/>.</summary>
    /// <exception cref="ArgumentException">The parameter set is sized for the seeded scheme (use <see cref="SeededThresholdCombiner"/>).</exception>
    /// <exception cref="ThresholdProtocolException">t or n is out of range.</exception>
    public ThresholdCombiner(ThresholdParameters parameters, Sha256Digest keyId, int threshold, int partyCount)
    {
        SeededChecks.RequireCollectiveKey(parameters);
        MultipartyMath.CheckPartyCount(parameters, threshold, partyCount);
        _parameters = parameters;
        _encoder = new CkksEncoder(parameters.Ckks);
        KeyId = keyId;
        Threshold = threshold;
        PartyCount = partyCount;
    }

    /// <summary>Creates the combiner for the t-of-n collective key <paramref name="collectivePublicKey"/>.</summary>
    /// <exception cref="ParameterSetMismatchException">The key belongs to another parameter set.</exception>
    /// <exception cref="ThresholdProtocolException">t or n is out of range.</exception>
    public ThresholdCombiner(ThresholdParameters parameters, PublicKey collectivePublicKey, int threshold, int partyCount)
        : this(parameters, KeyIdFor(parameters, collectivePublicKey), threshold, partyCount)
    {
    }

    /// <summary>The identifier of the collective key whose shares are accepted.</summary>
    public Sha256Digest KeyId { get; }

    /// <summary>The threshold t.</summary>
    public int Threshold { get; }

    /// <summary>The number of parties n.</summary>
    public int PartyCount { get; }

    /// <summary>Fuses the committee's shares of <paramref name="ciphertext"/> into the plaintext (NTT form, at the ciphertext's level and scale).</summary>
    /// <exception cref="ParameterSetMismatchException">The ciphertext or a share belongs to another parameter set.</exception>
    /// <exception cref="ThresholdProtocolException">A share is for another key, ciphertext, context, committee or t-of-n; comes from outside the committee or twice; or a member's share is missing.</exception>
    public Plaintext Fuse(Ciphertext ciphertext, IEnumerable<DecryptionShare> shares, ReadOnlySpan<byte> context)
    {
        ArgumentNullException.ThrowIfNull(ciphertext);
        ArgumentNullException.ThrowIfNull(shares);
        var ckks = _parameters.Ckks;
        ckks.EnsureSameSet(ciphertext.ParameterSetId, "ciphertext");
        var list = shares.ToList();
        CheckShares(_parameters, KeyId, Threshold, PartyCount, MultipartyMath.Fingerprint(ciphertext), ciphertext.Level, list, context);
        return FuseUnchecked(ciphertext, list);
    }

    /// <summary>
    /// Fuses and decodes the first <paramref name="destination"/>.Length slots; with an <paramref name="audit"/>, the fused
    /// plaintext is checked for the trace of a crafted ciphertext before it is decoded.
    /// </summary>
    /// <exception cref="ArgumentException">The destination is longer than the slot count.</exception>
    /// <exception cref="ParameterSetMismatchException">The ciphertext or a share belongs to another parameter set.</exception>
    /// <exception cref="ThresholdProtocolException">The shares do not belong together (see <see cref="Fuse"/>).</exception>
    /// <exception cref="SuspiciousDecryptionException">The audit found more than honest noise: the result may expose the collective key.</exception>
    public void FuseValues(Ciphertext ciphertext, IEnumerable<DecryptionShare> shares, ReadOnlySpan<byte> context, Span<double> destination,
        DecryptionNoiseAudit? audit = null)
    {
        var list = shares?.ToList() ?? throw new ArgumentNullException(nameof(shares));
        var fused = Fuse(ciphertext, list, context);
        audit?.Audit(fused, list.Count);
        Decode(fused, destination);
    }

    /// <summary>Fuses and decodes every slot into a new array, audited when an <paramref name="audit"/> is given.</summary>
    /// <exception cref="ParameterSetMismatchException">The ciphertext or a share belongs to another parameter set.</exception>
    /// <exception cref="ThresholdProtocolException">The shares do not belong together (see <see cref="Fuse"/>).</exception>
    /// <exception cref="SuspiciousDecryptionException">The audit found more than honest noise: the result may expose the collective key.</exception>
    public double[] FuseValues(Ciphertext ciphertext, IEnumerable<DecryptionShare> shares, ReadOnlySpan<byte> context, DecryptionNoiseAudit? audit = null)
    {
        var values = new double[_parameters.Ckks.SlotCount];
        FuseValues(ciphertext, shares, context, values, audit);
        return values;
    }

    /// <summary>
    /// Fuses a whole vector: <paramref name="sharesByParty"/> holds, for each committee member, its
    /// shares of every chunk in order (as <see cref="ThresholdDecryptor.GenShares(EncryptedVector, IEnumerable{int}, ReadOnlySpan{byte}, DecryptionMaskSeeds)"/> returns them).
    /// </summary>
    /// <exception cref="ArgumentException">A member's share list does not have one share per chunk.</exception>
    /// <exception cref="ParameterSetMismatchException">The vector or a share belongs to another parameter set.</exception>
    /// <exception cref="ThresholdProtocolException">The shares of a chunk do not belong together (see <see cref="Fuse"/>).</exception>
    /// <exception cref="SuspiciousDecryptionException">The audit found more than honest noise in a chunk.</exception>
    public double[] FuseVector(EncryptedVector vector, IEnumerable<IReadOnlyList<DecryptionShare>> sharesByParty, ReadOnlySpan<byte> context,
        DecryptionNoiseAudit? audit = null)
    {
        ArgumentNullException.ThrowIfNull(vector);
        ArgumentNullException.ThrowIfNull(sharesByParty);
        _parameters.Ckks.EnsureSameSet(vector.Parameters.Id, "encrypted vector");
        var byParty = sharesByParty.ToList();
        foreach (var list in byParty)
        {
            ArgumentNullException.ThrowIfNull(list, nameof(sharesByParty));
            if (list.Count != vector.ChunkCount)
            {
                throw new ArgumentException($"A member sent {list.Count} shares for a vector of {vector.ChunkCount} chunks.", nameof(sharesByParty));
            }
        }

        var values = new double[vector.Length];
        for (int k = 0; k < vector.ChunkCount; k++)
        {
            var (offset, count) = EncryptedVector.ChunkRange(vector.Parameters, vector.Length, k);
            FuseValues(vector[k], byParty.Select(list => list[k]), context, values.AsSpan(offset, count), audit);
        }

        return values;
    }

    /// <summary>c0 + Σ d_j with no check at all (tests show what a wrong set of shares yields).</summary>
    internal Plaintext FuseUnchecked(Ciphertext ciphertext, IReadOnlyList<DecryptionShare> shares) =>
        AddShares(_parameters.Ckks, ciphertext.C0, ciphertext.Level, ciphertext.Scale, shares);

    /// <summary>c0 + Σ d_j at <paramref name="level"/> and <paramref name="scale"/> (NTT form), unchecked; shared with <see cref="SeededThresholdCombiner"/>.</summary>
    internal static Plaintext AddShares(CkksParameters ckks, RnsPolynomial c0, int level, double scale, IEnumerable<DecryptionShare> shares)
    {
        int limbs = level + 1;
        var plaintext = new Plaintext(ckks, level, scale);
        c0.CopyTo(plaintext.Value);
        foreach (var share in shares)
        {
            ckks.Ring.Add(plaintext.Value, share.Value, plaintext.Value, limbs);
        }

        plaintext.Value.IsNttForm = true;
        return plaintext;
    }

    /// <summary>Decodes a plaintext made by <see cref="FuseUnchecked"/>.</summary>
    internal double[] Decode(Plaintext plaintext)
    {
        var values = new double[_parameters.Ckks.SlotCount];
        Decode(plaintext, values);
        return values;
    }

    /// <summary>
    /// Decodes a fused plaintext. Above two limbs the encoder lifts coefficients with BigInteger CRT;
    /// dividing exactly by the last primes first (an RNS rescale of (m, 0)) brings the plaintext to two
    /// limbs and the exact 128-bit path, several times faster. The rounding this adds, N/Δ' at the
    /// reduced scale Δ', is done only while it stays a thousandth of the smallest fused error bound.
    /// </summary>
    private void Decode(Plaintext plaintext, Span<double> destination)
    {
        var ckks = _parameters.Ckks;
        double negligible = _parameters.FusedErrorBound(1) / 1000;
        if (plaintext.Level <= 1 || ckks.N / (plaintext.Scale / ckks.CiphertextPrimes[plaintext.Level]) > negligible)
        {
            _encoder.Decode(plaintext, destination);
            return;
        }

        var wrapped = new Ciphertext(ckks, plaintext.Level, plaintext.Scale);
        plaintext.Value.CopyTo(wrapped.C0);
        var evaluator = new Evaluator(ckks);
        while (wrapped.Level > 1 && ckks.N / (wrapped.Scale / ckks.CiphertextPrimes[wrapped.Level]) <= negligible)
        {
            evaluator.Rescale(wrapped, wrapped);
        }

        var reduced = new Plaintext(ckks, wrapped.Level, wrapped.Scale);
        wrapped.C0.CopyTo(reduced.Value);
        _encoder.Decode(reduced, destination);
    }

    private static Sha256Digest KeyIdFor(ThresholdParameters parameters, PublicKey collectivePublicKey)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(collectivePublicKey);
        parameters.Ckks.EnsureSameSet(collectivePublicKey.ParameterSetId, "collective public key");
        return CollectivePublicKeyGenerator.KeyIdOf(collectivePublicKey);
    }

    /// <summary>
    /// Throws unless the shares belong together: the expected key, t-of-n, ciphertext (by fingerprint and level),
    /// context and one committee, each from a distinct member and none missing (shared with <see cref="SeededThresholdCombiner"/>).
    /// </summary>
    internal static void CheckShares(ThresholdParameters parameters, Sha256Digest keyId, int threshold, int partyCount, Sha256Digest fingerprint, int level, List<DecryptionShare> shares, ReadOnlySpan<byte> context)
    {
        if (shares.Count == 0)
        {
            throw new ThresholdProtocolException(ThresholdProtocolFailure.MissingShare, null, "no decryption shares.");
        }

        var committee = shares[0].Committee;
        foreach (var share in shares)
        {
            ArgumentNullException.ThrowIfNull(share, nameof(shares));
            parameters.Ckks.EnsureSameSet(share.ParameterSetId, "decryption share");
            if (share.KeyId != keyId)
            {
                throw new ThresholdProtocolException(ThresholdProtocolFailure.KeyMismatch, share.PartyId, $"the share was made under key {share.KeyId.ToString()[..16]}…, not {keyId.ToString()[..16]}….");
            }

            if (share.Threshold != threshold || share.PartyCount != partyCount)
            {
                throw new ThresholdProtocolException(ThresholdProtocolFailure.ThresholdMismatch, share.PartyId, $"the share is for a {share.Threshold}-of-{share.PartyCount} key, not {threshold}-of-{partyCount}.");
            }

            if (share.CiphertextFingerprint != fingerprint || share.Level != level)
            {
                throw new ThresholdProtocolException(ThresholdProtocolFailure.CiphertextMismatch, share.PartyId, "the share was computed for another ciphertext.");
            }

            if (!share.Context.SequenceEqual(context))
            {
                throw new ThresholdProtocolException(ThresholdProtocolFailure.ContextMismatch, share.PartyId, "the share was computed for another context.");
            }

            if (!share.Committee.SequenceEqual(committee))
            {
                throw new ThresholdProtocolException(ThresholdProtocolFailure.CommitteeMismatch, share.PartyId, $"the share is for committee {{{string.Join(',', share.Committee)}}}, another for {{{string.Join(',', committee)}}}.");
            }

            if (!committee.Contains(share.PartyId))
            {
                throw new ThresholdProtocolException(ThresholdProtocolFailure.PartyOutsideCommittee, share.PartyId, $"the sender is not in committee {{{string.Join(',', committee)}}}.");
            }
        }

        if (committee.Count < threshold)
        {
            throw new ThresholdProtocolException(ThresholdProtocolFailure.CommitteeTooSmall, null, $"a committee of {committee.Count} parties cannot decrypt with threshold {threshold}.");
        }

        var senders = new HashSet<int>();
        foreach (var share in shares)
        {
            if (!senders.Add(share.PartyId))
            {
                throw new ThresholdProtocolException(ThresholdProtocolFailure.DuplicateParty, share.PartyId, "two shares from the same party.");
            }
        }

        foreach (int member in committee)
        {
            if (!senders.Contains(member))
            {
                throw new ThresholdProtocolException(ThresholdProtocolFailure.MissingShare, member, $"{shares.Count} of {committee.Count} committee members' shares; every member's share is needed.");
            }
        }
    }
}
