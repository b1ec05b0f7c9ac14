using FederatedHe.Crypto.Ckks;
using FederatedHe.Crypto.Multiparty;
using FederatedHe.Crypto.Ring;
using FederatedHe.Crypto.Rlwe;

namespace FederatedHe.Crypto.Tests.Multiparty;

/// <summary>
/// The zero-sum pairwise masks on decryption shares at the N = 8192 preset (3-of-5): they cancel in
/// fusion, are fresh per committee, need the right seeds, and the seeds keep their shape at rest.
/// </summary>
public class DecryptionMaskTests
{
    private static ThresholdFederation Federation => SharedFederations.ThreeOfFiveLogN13;

    private static double[] Values(int seed) => CkksContext.RandomValues(new Random(seed), Federation.Parameters.Ckks.SlotCount, 1000);

    [Fact]
    public void Masked_shares_fuse_within_the_fused_error_bound()
    {
        var values = Values(31);
        var ciphertext = Federation.Encrypt(values);
        foreach (int[] committee in new[] { new[] { 1, 2, 3 }, new[] { 2, 4, 5 }, new[] { 1, 2, 3, 4, 5 } })
        {
            byte[] context = SharedFederations.Context($"masked {string.Join(',', committee)}");
            double error = CkksContext.MaxError(values, Federation.Decrypt(ciphertext, committee, context, values.Length));
            double bound = Federation.Parameters.FusedErrorBound(committee.Length);
            Assert.True(error <= bound, $"committee {{{string.Join(',', committee)}}}: error {error} > bound {bound}");
        }
    }

    [Fact]
    public void Masks_of_a_committee_sum_to_zero_and_differ_between_committees_and_contexts()
    {
        var ciphertext = Federation.Encrypt(Values(32));
        var ring = Federation.Parameters.Ckks.Ring;
        int level = ciphertext.Level;
        var fingerprint = MultipartyMath.Fingerprint(ciphertext);
        RnsPolynomial Mask(int party, int[] committee, string context)
        {
            var mask = ring.NewPolynomial(level + 1);
            DecryptionMasks.AddMask(ring, Federation.Masks(party), Federation.KeyId, fingerprint, committee, SharedFederations.Context(context), level, party, mask);
            return mask;
        }

        int[] first = [1, 2, 3];
        var sum = ring.NewPolynomial(level + 1);
        foreach (int party in first)
        {
            ring.Add(sum, Mask(party, first, "round 1"), sum, level + 1);
        }

        Assert.All(sum.Coefficients.ToArray(), c => Assert.Equal(0UL, c));
        var mask = Mask(1, first, "round 1");
        Assert.False(mask.Coefficients.SequenceEqual(Mask(1, [1, 2, 4], "round 1").Coefficients));
        Assert.False(mask.Coefficients.SequenceEqual(Mask(1, first, "round 2").Coefficients));
        Assert.True(mask.Coefficients.SequenceEqual(Mask(1, first, "round 1").Coefficients));
    }

    [Fact]
    public void A_share_masked_with_a_seed_its_partner_does_not_hold_does_not_fuse_to_the_values()
    {
        var values = Values(33);
        var ciphertext = Federation.Encrypt(values);
        int[] committee = [1, 2, 3];
        byte[] context = SharedFederations.Context("wrong seed");
        using var wrong = new DecryptionMaskSeeds(2, new Dictionary<int, byte[]>
        {
            [1] = AesCtrPrngSeed(),
            [3] = Federation.Masks(3).SeedWith(2).ToArray(),
            [4] = Federation.Masks(4).SeedWith(2).ToArray(),
            [5] = Federation.Masks(5).SeedWith(2).ToArray(),
        });
        var shares = committee.Select(id => Federation.Party(id).GenShare(ciphertext, committee, context, id == 2 ? wrong : Federation.Masks(id))).ToArray();
        double error = CkksContext.MaxError(values, Federation.Combiner.FuseValues(ciphertext, shares, context)[..values.Length]);
        Assert.True(error > 1e6, $"a share with a wrong seed fused within {error} of the values");
    }

    [Fact]
    public void A_member_without_the_seed_of_a_committee_member_or_with_another_partys_seeds_cannot_share()
    {
        var ciphertext = Federation.Encrypt(Values(34));
        byte[] context = SharedFederations.Context("missing seed");
        using var partial = new DecryptionMaskSeeds(1, new Dictionary<int, byte[]> { [2] = Federation.Masks(1).SeedWith(2).ToArray() });

        var missing = Assert.Throws<ThresholdProtocolException>(() => Federation.Party(1).GenShare(ciphertext, [1, 2, 3], context, partial));
        Assert.Equal(ThresholdProtocolFailure.MaskSeedMismatch, missing.Failure);
        Assert.Equal(3, missing.PartyId);
        var foreign = Assert.Throws<ThresholdProtocolException>(() => Federation.Party(1).GenShare(ciphertext, [1, 2, 3], context, Federation.Masks(2)));
        Assert.Equal(ThresholdProtocolFailure.MaskSeedMismatch, foreign.Failure);
        using var beyond = new DecryptionMaskSeeds(1, new Dictionary<int, byte[]> { [2] = AesCtrPrngSeed(), [3] = AesCtrPrngSeed(), [9] = AesCtrPrngSeed() });
        Assert.Equal(ThresholdProtocolFailure.PartyOutOfRange, Assert.Throws<ThresholdProtocolException>(() => Federation.Party(1).GenShare(ciphertext, [1, 2, 3], context, beyond)).Failure);
    }

    [Fact]
    public void Seeds_refuse_a_wrong_length_a_seed_with_the_party_itself_or_a_party_below_one_naming_the_party()
    {
        Assert.Contains("party 3", Assert.Throws<ArgumentException>(() => new DecryptionMaskSeeds(1, new Dictionary<int, byte[]> { [3] = new byte[31] })).Message);
        Assert.Contains("Party 2", Assert.Throws<ArgumentException>(() => new DecryptionMaskSeeds(2, new Dictionary<int, byte[]> { [2] = AesCtrPrngSeed() })).Message);
        Assert.Contains("party 0", Assert.Throws<ArgumentException>(() => new DecryptionMaskSeeds(2, new Dictionary<int, byte[]> { [0] = AesCtrPrngSeed() })).Message);
    }

    [Fact]
    public void Seeds_round_trip_through_bytes_and_a_damaged_file_is_refused()
    {
        var seeds = Federation.Masks(3);
        byte[] bytes = seeds.ToBytes();
        using var read = DecryptionMaskSeeds.FromBytes(bytes);
        Assert.Equal(3, read.PartyId);
        Assert.Equal([1, 2, 4, 5], read.OtherParties);
        Assert.Equal(bytes, read.ToBytes());

        Assert.Equal("magic", Assert.Throws<CkksFormatException>(() => DecryptionMaskSeeds.FromBytes([.. "XXXX"u8, .. bytes[4..]])).Field);
        byte[] newer = bytes.ToArray();
        newer[4] = 2;
        Assert.Equal("version", Assert.Throws<CkksFormatException>(() => DecryptionMaskSeeds.FromBytes(newer)).Field);
        Assert.Equal("count", Assert.Throws<CkksFormatException>(() => DecryptionMaskSeeds.FromBytes(bytes[..^1])).Field);
        byte[] self = bytes.ToArray();
        self[9] = 3; // the first other party becomes this party
        Assert.Equal("otherParty", Assert.Throws<CkksFormatException>(() => DecryptionMaskSeeds.FromBytes(self)).Field);
        Assert.Equal("header", Assert.Throws<CkksFormatException>(() => DecryptionMaskSeeds.FromBytes(bytes[..5])).Field);
    }

    [Fact]
    public void Disposed_seeds_are_zeroed_and_refuse_to_mask()
    {
        var seeds = new DecryptionMaskSeeds(1, new Dictionary<int, byte[]> { [2] = AesCtrPrngSeed() });
        var storage = seeds.SeedWith(2);
        seeds.Dispose();
        Assert.All(storage.ToArray(), b => Assert.Equal(0, b));
        Assert.Throws<ObjectDisposedException>(() => seeds.ToBytes());
    }

    private static byte[] AesCtrPrngSeed() => System.Security.Cryptography.RandomNumberGenerator.GetBytes(DecryptionMaskSeeds.SeedLength);
}
