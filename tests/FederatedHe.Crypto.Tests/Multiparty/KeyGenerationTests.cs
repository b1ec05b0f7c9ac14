using FederatedHe.Crypto.Multiparty;
using FederatedHe.Crypto.Rlwe;

namespace FederatedHe.Crypto.Tests.Multiparty;

/// <summary>
/// Collective key generation and Shamir re-sharing: what each round needs from every party, and
/// what it refuses.
/// </summary>
public class KeyGenerationTests
{
    private static ThresholdFederation Small => SharedFederations.ThreeOfFiveSmall;

    [Fact]
    public void Parties_that_expand_the_same_seed_share_the_common_polynomial_and_the_key_uses_it()
    {
        var federation = Small;
        var a = KeyGenerator.ExpandCommonPolynomial(federation.Parameters.Ckks, federation.PublicKeyShares[0].CommonSeed);
        Assert.Equal(a.Coefficients.ToArray(), federation.PublicKey.A.Coefficients.ToArray());
        Assert.True(federation.PublicKey.Seed.SequenceEqual(federation.PublicKeyShares[4].CommonSeed));
    }

    [Fact]
    public void A_common_seed_derived_from_a_session_id_is_the_same_for_everyone_and_differs_between_sessions()
    {
        byte[] one = CollectivePublicKeyGenerator.DeriveCommonSeed("federation 42 / epoch 1"u8);
        Assert.Equal(32, one.Length);
        Assert.Equal(one, CollectivePublicKeyGenerator.DeriveCommonSeed("federation 42 / epoch 1"u8));
        Assert.NotEqual(one, CollectivePublicKeyGenerator.DeriveCommonSeed("federation 42 / epoch 2"u8));
    }

    [Fact]
    public void The_public_key_needs_a_share_from_every_party()
    {
        var federation = Small;
        var generator = new CollectivePublicKeyGenerator(federation.Parameters);
        var missing = Assert.Throws<ThresholdProtocolException>(() => generator.AggregateShares(federation.PublicKeyShares.Where(s => s.PartyId != 4)));
        Assert.Equal(ThresholdProtocolFailure.MissingShare, missing.Failure);
        Assert.Equal(4, missing.PartyId);
        var twice = Assert.Throws<ThresholdProtocolException>(() => generator.AggregateShares([.. federation.PublicKeyShares.Take(4), federation.PublicKeyShares[0]]));
        Assert.Equal(ThresholdProtocolFailure.DuplicateParty, twice.Failure);
    }

    [Fact]
    public void Public_key_shares_over_another_common_polynomial_are_refused()
    {
        var federation = Small;
        var generator = new CollectivePublicKeyGenerator(federation.Parameters);
        var stray = generator.GenShare(federation.SecretShares[2], CollectivePublicKeyGenerator.NewCommonSeed(), 3, 5);
        var shares = federation.PublicKeyShares.ToArray();
        shares[2] = stray;
        var refused = Assert.Throws<ThresholdProtocolException>(() => generator.AggregateShares(shares));
        Assert.Equal(ThresholdProtocolFailure.CommonSeedMismatch, refused.Failure);
        Assert.Equal(3, refused.PartyId);
    }

    [Fact]
    public void A_threshold_key_needs_the_Shamir_share_of_every_party_addressed_to_its_holder()
    {
        var federation = Small;
        var sharer = new ThresholdSecretSharer(federation.Parameters);
        var toParty2 = federation.ShamirShares!.Select(sent => sent[1]).ToArray();
        Assert.Equal(ThresholdProtocolFailure.MissingShare, Assert.Throws<ThresholdProtocolException>(() => sharer.Combine(toParty2.Take(4))).Failure);

        var misaddressed = toParty2.ToArray();
        misaddressed[3] = federation.ShamirShares![3][2];
        var refused = Assert.Throws<ThresholdProtocolException>(() => sharer.Combine(misaddressed));
        Assert.Equal(ThresholdProtocolFailure.RecipientMismatch, refused.Failure);
        Assert.Equal(4, refused.PartyId);

        var otherKey = sharer.GenShares(federation.SecretShares[0], 1, 3, 5, Sha256Digest.Of("another key"u8));
        var mixed = toParty2.ToArray();
        mixed[0] = otherKey[1];
        Assert.Equal(ThresholdProtocolFailure.KeyMismatch, Assert.Throws<ThresholdProtocolException>(() => sharer.Combine(mixed)).Failure);
    }

    [Fact]
    public void Threshold_and_party_count_are_checked_before_anything_is_shared()
    {
        var federation = Small;
        var sharer = new ThresholdSecretSharer(federation.Parameters);
        var secret = federation.SecretShares[0];
        Assert.Equal(ThresholdProtocolFailure.ThresholdMismatch, Assert.Throws<ThresholdProtocolException>(() => sharer.GenShares(secret, 1, 4, 3, federation.KeyId)).Failure);
        Assert.Equal(ThresholdProtocolFailure.ThresholdMismatch, Assert.Throws<ThresholdProtocolException>(() => sharer.GenShares(secret, 1, 2, federation.Parameters.MaxParties + 1, federation.KeyId)).Failure);
        Assert.Equal(ThresholdProtocolFailure.PartyOutOfRange, Assert.Throws<ThresholdProtocolException>(() => sharer.GenShares(secret, 0, 2, 3, federation.KeyId)).Failure);
    }

    [Fact]
    public void Any_t_threshold_keys_recombine_to_the_collective_secret_and_carry_the_key_id()
    {
        var federation = Small;
        var ckks = federation.Parameters.Ckks;
        var ring = ckks.Ring;
        int limbs = ckks.MaxLevel + 1;
        var secret = ring.NewPolynomial();
        foreach (var s in federation.SecretShares)
        {
            ring.Add(secret, s.Value, secret, limbs);
        }

        foreach (var committee in ThresholdFederation.Subsets(5, 3))
        {
            var combined = ring.NewPolynomial();
            foreach (int j in committee)
            {
                var term = ring.NewPolynomial();
                ring.MultiplyScalar(federation.Keys[j - 1].Value.Value, MultipartyMath.LagrangeAtZero(ring, committee, j, limbs), term, limbs);
                ring.Add(combined, term, combined, limbs);
            }

            Assert.Equal(secret.Coefficients.ToArray(), combined.Coefficients.ToArray());
        }

        Assert.All(federation.Keys, k => Assert.Equal(federation.KeyId, k.KeyId));
    }
}
