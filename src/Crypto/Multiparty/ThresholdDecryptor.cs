using FederatedHe.Crypto.Ckks;
using FederatedHe.Crypto.Ring;
using FederatedHe.Crypto.Rlwe;

namespace FederatedHe.Crypto.Multiparty;

/// <summary>
/// A committee member's side of threshold decryption: computes its <see cref="DecryptionShare"/>
/// d_j = λ_j·sk_j·c1 + e_j + r_j of a ciphertext, where e_j is fresh smudging noise uniform in
/// [−B_sm, B_sm) (see <see cref="ThresholdParameters"/> for the bound and its literature) and r_j a
/// zero-sum pairwise mask (see <see cref="DecryptionMaskSeeds"/>) that hides the share from parties
/// outside the committee.
/// </summary>
/// <remarks>
/// <para>The committee is fixed before the shares are computed (each share uses its member's Lagrange
/// coefficient for exactly that committee), so the runtime announces it with the decryption request.
/// A share is worthless for any other committee, ciphertext or context.</para>
/// <para>Each share has fresh smudging noise, and masks fresh for its (ciphertext, committee, context),
/// so the same ciphertext may be decrypted again by another committee after a dropout; each decryption
/// costs one smudging-lemma term of the security budget (docs/THRESHOLD.md). Compute at most one share
/// per (ciphertext, committee, context), and never share a ciphertext whose noise may exceed B_ct.</para>
/// <para>Thread-safe: each share draws a fresh seed from the system CSPRNG; the mask seeds are only read.</para>
/// </remarks>
public sealed class ThresholdDecryptor
{
    private readonly ThresholdParameters _parameters;
    private readonly ThresholdSecretKey _key;
    private readonly Decryptor _decryptor;

    /// <summary>Creates the decryptor of the party that holds <paramref name="key"/>.</summary>
    /// <exception cref="ArgumentException">The parameter set is sized for the seeded scheme, whose smudging does not cover public-key ciphertexts.</exception>
    /// <exception cref="ParameterSetMismatchException">The key belongs to another parameter set.</exception>
    public ThresholdDecryptor(ThresholdParameters parameters, ThresholdSecretKey key)
    {
        SeededChecks.RequireCollectiveKey(parameters);
        ArgumentNullException.ThrowIfNull(key);
        parameters.Ckks.EnsureSameSet(key.ParameterSetId, "threshold secret key");
        _parameters = parameters;
        _key = key;
        _decryptor = new Decryptor(parameters.Ckks, key.Value);
    }

    /// <summary>The party this decryptor acts for.</summary>
    public int PartyId => _key.PartyId;

    /// <summary>
    /// This party's masked share of the decryption of <paramref name="ciphertext"/> by
    /// <paramref name="committee"/>, bound to <paramref name="context"/> (e.g. the round id and the
    /// purpose of the decryption): d_j = λ_j·sk_j·c1 + e_j + r_j, where r_j is this member's zero-sum
    /// pairwise mask (see <see cref="DecryptionMaskSeeds"/>), fresh for every ciphertext, committee and context.
    /// </summary>
    /// <remarks>
    /// The masks cancel in the sum, so the fused value is that of unmasked shares, but no party outside
    /// a pair can relate the shares it sees to its own Shamir value: without them, an observer combines
    /// the broadcast shares with its own key into a small integer combination of the smudging noises and
    /// learns the decrypted polynomial modulo a small integer in every coefficient.
    /// </remarks>
    /// <exception cref="ParameterSetMismatchException">The ciphertext belongs to another parameter set.</exception>
    /// <exception cref="LevelMismatchException">The ciphertext is not at the top level (the precision is only guaranteed there).</exception>
    /// <exception cref="ObjectDisposedException">The mask seeds were disposed.</exception>
    /// <exception cref="ThresholdProtocolException">The committee is malformed, smaller than t, does not include this party, or (n-of-n key) is not every party; the context is too long; or the mask seeds belong to another party, name a party outside 1..n, or lack a committee member's seed.</exception>
    public DecryptionShare GenShare(Ciphertext ciphertext, IEnumerable<int> committee, ReadOnlySpan<byte> context, DecryptionMaskSeeds masks)
    {
        ArgumentNullException.ThrowIfNull(ciphertext);
        ArgumentNullException.ThrowIfNull(masks);
        int[] members = CheckRequest(committee, context);
        masks.CheckFor(_key.PartyId, _key.PartyCount, members);
        CheckCiphertext(ciphertext);
        return GenShareUnchecked(ciphertext, members, context, masks);
    }

    /// <summary>
    /// This party's masked shares of every chunk of <paramref name="vector"/> (element k for chunk k), all
    /// bound to the same committee and context; each chunk gets its own masks (they are bound to its fingerprint).
    /// </summary>
    /// <exception cref="ParameterSetMismatchException">The vector belongs to another parameter set.</exception>
    /// <exception cref="LevelMismatchException">A chunk is not at the top level.</exception>
    /// <exception cref="ObjectDisposedException">The mask seeds were disposed.</exception>
    /// <exception cref="ThresholdProtocolException">The committee, context or mask seeds are invalid (see <see cref="GenShare(Ciphertext, IEnumerable{int}, ReadOnlySpan{byte}, DecryptionMaskSeeds)"/>).</exception>
    public DecryptionShare[] GenShares(EncryptedVector vector, IEnumerable<int> committee, ReadOnlySpan<byte> context, DecryptionMaskSeeds masks)
    {
        ArgumentNullException.ThrowIfNull(vector);
        ArgumentNullException.ThrowIfNull(masks);
        _parameters.Ckks.EnsureSameSet(vector.Parameters.Id, "encrypted vector");
        int[] members = CheckRequest(committee, context);
        masks.CheckFor(_key.PartyId, _key.PartyCount, members);
        var shares = new DecryptionShare[vector.ChunkCount];
        for (int k = 0; k < shares.Length; k++)
        {
            CheckCiphertext(vector[k]);
            shares[k] = GenShareUnchecked(vector[k], members, context, masks);
        }

        return shares;
    }

    /// <summary>
    /// <b>Unsafe when any party outside the committee sees the shares</b>: this party's share without the
    /// pairwise mask, d_j = λ_j·sk_j·c1 + e_j. A party k outside the committee combines the broadcast
    /// shares with its own Shamir value sk_k into Σ_j a_j·e_j for small integers a_j and so learns the
    /// decrypted polynomial modulo a small integer in every coefficient (two colluders of a 3-of-5 key
    /// recover the collective secret from a crafted ciphertext). Kept only while the runtime moves to
    /// <see cref="GenShare(Ciphertext, IEnumerable{int}, ReadOnlySpan{byte}, DecryptionMaskSeeds)"/>.
    /// </summary>
    /// <exception cref="ParameterSetMismatchException">The ciphertext belongs to another parameter set.</exception>
    /// <exception cref="LevelMismatchException">The ciphertext is not at the top level (the precision is only guaranteed there).</exception>
    /// <exception cref="ThresholdProtocolException">The committee is malformed, smaller than t, does not include this party, or (n-of-n key) is not every party; or the context is too long.</exception>
    public DecryptionShare GenShare(Ciphertext ciphertext, IEnumerable<int> committee, ReadOnlySpan<byte> context)
    {
        ArgumentNullException.ThrowIfNull(ciphertext);
        int[] members = CheckRequest(committee, context);
        CheckCiphertext(ciphertext);
        return GenShareUnchecked(ciphertext, members, context);
    }

    /// <summary>
    /// <b>Unsafe when any party outside the committee sees the shares</b> (see
    /// <see cref="GenShare(Ciphertext, IEnumerable{int}, ReadOnlySpan{byte})"/>): unmasked shares of every
    /// chunk of <paramref name="vector"/>. Kept only while the runtime moves to
    /// <see cref="GenShares(EncryptedVector, IEnumerable{int}, ReadOnlySpan{byte}, DecryptionMaskSeeds)"/>.
    /// </summary>
    /// <exception cref="ParameterSetMismatchException">The vector belongs to another parameter set.</exception>
    /// <exception cref="LevelMismatchException">A chunk is not at the top level.</exception>
    /// <exception cref="ThresholdProtocolException">The committee or context is invalid.</exception>
    public DecryptionShare[] GenShares(EncryptedVector vector, IEnumerable<int> committee, ReadOnlySpan<byte> context)
    {
        ArgumentNullException.ThrowIfNull(vector);
        _parameters.Ckks.EnsureSameSet(vector.Parameters.Id, "encrypted vector");
        int[] members = CheckRequest(committee, context);
        var shares = new DecryptionShare[vector.ChunkCount];
        for (int k = 0; k < shares.Length; k++)
        {
            CheckCiphertext(vector[k]);
            shares[k] = GenShareUnchecked(vector[k], members, context);
        }

        return shares;
    }

    /// <summary>
    /// The share for an arbitrary committee without any check, masked when <paramref name="masks"/> is
    /// given (tests show what too few parties, or observers of unmasked shares, obtain).
    /// </summary>
    internal DecryptionShare GenShareUnchecked(Ciphertext ciphertext, int[] committee, ReadOnlySpan<byte> context, DecryptionMaskSeeds? masks = null)
    {
        var ckks = _parameters.Ckks;
        var ring = ckks.Ring;
        int limbs = ciphertext.Level + 1;
        var value = new RnsPolynomial(ckks.N, limbs);
        _decryptor.MultiplyBySecret(ciphertext, value);
        if (!_key.IsAdditive)
        {
            ring.MultiplyScalar(value, MultipartyMath.LagrangeAtZero(ring, committee, _key.PartyId, limbs), value, limbs);
        }

        var noise = RnsPolynomial.Rent(ckks.N, limbs);
        try
        {
            using (var prng = AesCtrPrng.CreateRandom())
            {
                SmudgingNoise.Sample(prng, ring, _parameters.LogSmudgingBound, noise, limbs);
            }

            ring.Add(value, noise, value, limbs);
        }
        finally
        {
            noise.Clear();
            RnsPolynomial.ReturnRented(noise);
        }

        var fingerprint = MultipartyMath.Fingerprint(ciphertext);
        if (masks is not null)
        {
            DecryptionMasks.AddMask(ring, masks, _key.KeyId, fingerprint, committee, context, ciphertext.Level, _key.PartyId, value);
        }

        value.IsNttForm = true;
        return new DecryptionShare(_parameters, _key.KeyId, fingerprint, _key.PartyId, _key.Threshold, _key.PartyCount, committee, context.ToArray(), value);
    }

    private int[] CheckRequest(IEnumerable<int> committee, ReadOnlySpan<byte> context)
    {
        if (context.Length > DecryptionShare.MaxContextLength)
        {
            throw new ThresholdProtocolException(ThresholdProtocolFailure.ContextTooLong, _key.PartyId, $"context of {context.Length} bytes; at most {DecryptionShare.MaxContextLength}.");
        }

        int[] members = MultipartyMath.NormalizeCommittee(committee, _key.Threshold, _key.PartyCount);
        if (Array.BinarySearch(members, _key.PartyId) < 0)
        {
            throw new ThresholdProtocolException(ThresholdProtocolFailure.PartyOutsideCommittee, _key.PartyId, "this party is not in the committee it was asked to decrypt for.");
        }

        if (_key.IsAdditive && members.Length != _key.PartyCount)
        {
            throw new ThresholdProtocolException(ThresholdProtocolFailure.CommitteeTooSmall, null, $"an n-of-n key needs all {_key.PartyCount} parties; the committee has {members.Length}.");
        }

        return members;
    }

    private void CheckCiphertext(Ciphertext ciphertext)
    {
        _parameters.Ckks.EnsureSameSet(ciphertext.ParameterSetId, "ciphertext");
        if (ciphertext.Level != _parameters.Ckks.MaxLevel)
        {
            throw new LevelMismatchException($"Threshold decryption needs a ciphertext at the top level {_parameters.Ckks.MaxLevel}, not {ciphertext.Level}: below it the smudging noise is not small beside the scale.");
        }
    }
}
