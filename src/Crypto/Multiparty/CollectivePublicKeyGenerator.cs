using System.Security.Cryptography;
using FederatedHe.Crypto.Ring;
using FederatedHe.Crypto.Rlwe;

namespace FederatedHe.Crypto.Multiparty;

/// <summary>
/// Collective public-key generation (the first protocol of Mouchet et al., PoPETs 2021): every party
/// samples its own ternary secret share s_i, publishes b_i = −a·s_i + e_i over a common random
/// polynomial a that all parties expand from one public seed, and anyone sums the shares into the
/// collective public key (Σ b_i, a), whose secret is s = Σ s_i. No secret share leaves its party.
/// </summary>
/// <remarks>
/// <para>Round: each party calls <see cref="GenSecretShare"/> once, then <see cref="GenShare"/> and
/// broadcasts the share; any party (or the coordinator) calls <see cref="AggregateShares"/> on all n
/// shares. Every party must take part: the key is all-or-nothing.</para>
/// <para>Thread-safe: every call draws fresh seeds from the system CSPRNG.</para>
/// </remarks>
public sealed class CollectivePublicKeyGenerator
{
    private readonly ThresholdParameters _parameters;
    private readonly KeyGenerator _keyGenerator;

    /// <summary>Creates the protocol for <paramref name="parameters"/>.</summary>
    public CollectivePublicKeyGenerator(ThresholdParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _parameters = parameters;
        _keyGenerator = new KeyGenerator(parameters.Ckks);
    }

    /// <summary>A fresh 32-byte common seed from the system CSPRNG (one party draws it and publishes it).</summary>
    public static byte[] NewCommonSeed() => AesCtrPrng.NewSeed();

    /// <summary>
    /// The common seed derived from a public session identifier (e.g. the federation id and key-generation
    /// epoch): SHA-256 of a domain label and the identifier, so every party derives the same a without a message.
    /// </summary>
    public static byte[] DeriveCommonSeed(ReadOnlySpan<byte> sessionId)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData("FederatedHe collective key common seed v1"u8);
        hash.AppendData(sessionId);
        return hash.GetHashAndReset();
    }

    /// <summary>The identifier of a collective key: SHA-256 of its serialized form. Shares carry it.</summary>
    public static Sha256Digest KeyIdOf(PublicKey collectivePublicKey)
    {
        ArgumentNullException.ThrowIfNull(collectivePublicKey);
        return Sha256Digest.Of(collectivePublicKey.ToBytes());
    }

    /// <summary>This party's secret share s_i: ternary, from the system CSPRNG. It never leaves the party.</summary>
    public SecretKey GenSecretShare() => _keyGenerator.GenerateSecretKey();

    /// <summary>This party's public-key share b_i = −a·s_i + e_i, with a expanded from <paramref name="commonSeed"/>.</summary>
    /// <exception cref="ArgumentException">The seed is not 32 bytes.</exception>
    /// <exception cref="ParameterSetMismatchException">The secret share belongs to another parameter set.</exception>
    /// <exception cref="ThresholdProtocolException">The party index or count is out of range.</exception>
    public PublicKeyShare GenShare(SecretKey secretShare, ReadOnlySpan<byte> commonSeed, int partyId, int partyCount)
    {
        ArgumentNullException.ThrowIfNull(secretShare);
        if (commonSeed.Length != AesCtrPrng.SeedLength)
        {
            throw new ArgumentException($"The common seed must be {AesCtrPrng.SeedLength} bytes.", nameof(commonSeed));
        }

        _parameters.Ckks.EnsureSameSet(secretShare.ParameterSetId, "secret share");
        MultipartyMath.CheckPartyCount(_parameters, 1, partyCount);
        MultipartyMath.CheckParty(partyId, partyCount, "party");
        var ckks = _parameters.Ckks;
        int limbs = ckks.MaxLevel + 1;
        var a = KeyGenerator.ExpandCommonPolynomial(ckks, commonSeed);
        var b = _keyGenerator.SampleErrorPolynomial();
        ckks.Ring.Multiply(a, secretShare.Value, a, limbs);
        ckks.Ring.Subtract(b, a, b, limbs); // b = e − a·s_i
        a.Clear(); // a·s_i gives s_i away to anyone who knows the public a
        return new PublicKeyShare(_parameters, commonSeed, partyId, partyCount, b);
    }

    /// <summary>The collective public key (Σ b_i, a) from the shares of all n parties.</summary>
    /// <exception cref="ParameterSetMismatchException">A share belongs to another parameter set.</exception>
    /// <exception cref="ThresholdProtocolException">The shares use different common seeds or party counts, a party is repeated, or one is missing.</exception>
    public PublicKey AggregateShares(IEnumerable<PublicKeyShare> shares)
    {
        ArgumentNullException.ThrowIfNull(shares);
        var list = shares.ToList();
        if (list.Count == 0)
        {
            throw new ThresholdProtocolException(ThresholdProtocolFailure.MissingShare, null, "no public-key shares.");
        }

        var first = list[0];
        var seen = new bool[first.PartyCount + 1];
        var ckks = _parameters.Ckks;
        int limbs = ckks.MaxLevel + 1;
        var sum = new RnsPolynomial(ckks.N, limbs) { IsNttForm = true };
        foreach (var share in list)
        {
            ArgumentNullException.ThrowIfNull(share, nameof(shares));
            ckks.EnsureSameSet(share.ParameterSetId, "public-key share");
            if (!share.CommonSeed.SequenceEqual(first.CommonSeed))
            {
                throw new ThresholdProtocolException(ThresholdProtocolFailure.CommonSeedMismatch, share.PartyId, "the share was made over another common polynomial.");
            }

            if (share.PartyCount != first.PartyCount)
            {
                throw new ThresholdProtocolException(ThresholdProtocolFailure.ThresholdMismatch, share.PartyId, $"the share is for {share.PartyCount} parties, another for {first.PartyCount}.");
            }

            if (seen[share.PartyId])
            {
                throw new ThresholdProtocolException(ThresholdProtocolFailure.DuplicateParty, share.PartyId, "two public-key shares from the same party.");
            }

            seen[share.PartyId] = true;
            ckks.Ring.Add(sum, share.B, sum, limbs);
        }

        if (list.Count != first.PartyCount)
        {
            int missing = Array.IndexOf(seen, false, 1);
            throw new ThresholdProtocolException(ThresholdProtocolFailure.MissingShare, missing, $"{list.Count} of {first.PartyCount} public-key shares; every party must contribute.");
        }

        return PublicKey.FromPolynomial(ckks, sum, first.CommonSeed);
    }
}
