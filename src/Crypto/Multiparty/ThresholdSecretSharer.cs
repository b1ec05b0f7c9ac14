using FederatedHe.Crypto.Ring;
using FederatedHe.Crypto.Rlwe;

namespace FederatedHe.Crypto.Multiparty;

/// <summary>
/// Re-shares the parties' secret shares with Shamir's scheme over the ring, so that any t of the n
/// parties can decrypt (the thresholdizer and combiner of Lattigo's multiparty package; Boneh et al.,
/// CRYPTO 2018, §5). Party i picks f_i(X) = s_i + a_1·X + … + a_{t−1}·X^{t−1} with a_k uniform in R_Q
/// and sends f_i(j) to every party j; party j's threshold key is sk_j = Σ_i f_i(j) = F(j), where
/// F = Σ_i f_i has F(0) = s. Any t values of F determine s; t − 1 reveal nothing about it (each a_k is
/// uniform, so t − 1 evaluations are uniform and independent of F(0)).
/// </summary>
/// <remarks>
/// <para>Round (after the collective public key is known, so shares carry its id): each party calls
/// <see cref="GenShares"/> and sends share j to party j over an authenticated encrypted channel
/// (keeping its own); each party calls <see cref="Combine"/> on the n shares it received, then
/// disposes of them and of its secret share s_i. Every party must take part.</para>
/// <para>Party indices are the evaluation points 1..n: non-zero and pairwise distinct modulo every
/// prime, since the primes exceed 2^17 and n ≤ 255.</para>
/// <para>Thread-safe: every call draws a fresh seed from the system CSPRNG.</para>
/// </remarks>
public sealed class ThresholdSecretSharer
{
    private readonly ThresholdParameters _parameters;

    /// <summary>Creates the protocol for <paramref name="parameters"/>.</summary>
    public ThresholdSecretSharer(ThresholdParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _parameters = parameters;
    }

    /// <summary>
    /// Splits <paramref name="secretShare"/> s_i into n Shamir shares f_i(1), …, f_i(n); element j − 1
    /// is for party j. The shares are secret (see <see cref="ShamirShare"/>).
    /// </summary>
    /// <exception cref="ParameterSetMismatchException">The secret share belongs to another parameter set.</exception>
    /// <exception cref="ThresholdProtocolException">t, n or the sender index is out of range.</exception>
    public ShamirShare[] GenShares(SecretKey secretShare, int senderId, int threshold, int partyCount, Sha256Digest keyId)
    {
        ArgumentNullException.ThrowIfNull(secretShare);
        var ckks = _parameters.Ckks;
        ckks.EnsureSameSet(secretShare.ParameterSetId, "secret share");
        MultipartyMath.CheckPartyCount(_parameters, threshold, partyCount);
        MultipartyMath.CheckParty(senderId, partyCount, "sender");
        var ring = ckks.Ring;
        int limbs = ckks.MaxLevel + 1;

        // Coefficients a_1 … a_{t−1}, uniform: sampled directly in the NTT domain, a bijection of R_Q.
        var coefficients = new RnsPolynomial[threshold - 1];
        using (var prng = AesCtrPrng.CreateRandom())
        {
            for (int k = 0; k < coefficients.Length; k++)
            {
                coefficients[k] = new RnsPolynomial(ckks.N, limbs) { IsNttForm = true };
                Sampling.SampleUniform(prng, ring, coefficients[k], limbs);
            }
        }

        var shares = new ShamirShare[partyCount];
        var point = new ulong[limbs];
        try
        {
            for (int j = 1; j <= partyCount; j++)
            {
                // Horner: f(j) = (…(a_{t−1}·j + a_{t−2})·j + … + a_1)·j + s_i.
                for (int l = 0; l < limbs; l++)
                {
                    point[l] = (ulong)j;
                }

                var value = new RnsPolynomial(ckks.N, limbs) { IsNttForm = true };
                for (int k = coefficients.Length - 1; k >= 0; k--)
                {
                    ring.Add(value, coefficients[k], value, limbs);
                    ring.MultiplyScalar(value, point, value, limbs);
                }

                ring.Add(value, secretShare.Value, value, limbs);
                shares[j - 1] = new ShamirShare(_parameters, keyId, senderId, j, threshold, partyCount, value);
            }
        }
        finally
        {
            foreach (var c in coefficients)
            {
                c.Clear();
            }
        }

        return shares;
    }

    /// <summary>
    /// Party j's threshold key sk_j = Σ_i f_i(j) from the shares it received from all n parties (its own included).
    /// </summary>
    /// <exception cref="ParameterSetMismatchException">A share belongs to another parameter set.</exception>
    /// <exception cref="ThresholdProtocolException">The shares are for different keys, recipients, t or n; a sender is repeated or missing.</exception>
    public ThresholdSecretKey Combine(IEnumerable<ShamirShare> received)
    {
        ArgumentNullException.ThrowIfNull(received);
        var list = received.ToList();
        if (list.Count == 0)
        {
            throw new ThresholdProtocolException(ThresholdProtocolFailure.MissingShare, null, "no Shamir shares.");
        }

        var first = list[0];
        var ckks = _parameters.Ckks;
        int limbs = ckks.MaxLevel + 1;
        var seen = new bool[first.PartyCount + 1];
        var sum = new RnsPolynomial(ckks.N, limbs) { IsNttForm = true };
        foreach (var share in list)
        {
            ArgumentNullException.ThrowIfNull(share, nameof(received));
            ckks.EnsureSameSet(share.ParameterSetId, "Shamir share");
            if (share.KeyId != first.KeyId)
            {
                throw new ThresholdProtocolException(ThresholdProtocolFailure.KeyMismatch, share.SenderId, "the share re-shares the secret of another collective key.");
            }

            if (share.RecipientId != first.RecipientId)
            {
                throw new ThresholdProtocolException(ThresholdProtocolFailure.RecipientMismatch, share.SenderId, $"the share is for party {share.RecipientId}, not {first.RecipientId}.");
            }

            if (share.Threshold != first.Threshold || share.PartyCount != first.PartyCount)
            {
                throw new ThresholdProtocolException(ThresholdProtocolFailure.ThresholdMismatch, share.SenderId, $"the share is {share.Threshold}-of-{share.PartyCount}, another {first.Threshold}-of-{first.PartyCount}.");
            }

            if (seen[share.SenderId])
            {
                throw new ThresholdProtocolException(ThresholdProtocolFailure.DuplicateParty, share.SenderId, "two Shamir shares from the same sender.");
            }

            seen[share.SenderId] = true;
            ckks.Ring.Add(sum, share.Value, sum, limbs);
        }

        if (list.Count != first.PartyCount)
        {
            int missing = Array.IndexOf(seen, false, 1);
            throw new ThresholdProtocolException(ThresholdProtocolFailure.MissingShare, missing, $"{list.Count} of {first.PartyCount} Shamir shares; every party must re-share.");
        }

        var key = SecretKey.FromPolynomial(ckks, sum);
        sum.Clear();
        return new ThresholdSecretKey(_parameters, first.KeyId, first.RecipientId, first.Threshold, first.PartyCount, isAdditive: false, key);
    }
}
