using FederatedHe.Crypto.Ckks;
using FederatedHe.Crypto.Multiparty;
using FederatedHe.Crypto.Rlwe;

namespace FederatedHe.Crypto.Tests.Multiparty;

/// <summary>
/// A decryption share is bound to one key, ciphertext, context, committee and parameter set: fusing
/// refuses it anywhere else, with a typed exception that names the failure and the party.
/// </summary>
public class MismatchedShareTests
{
    private static readonly int[] Committee = [1, 2, 3];

    private static ThresholdFederation Federation => SharedFederations.ThreeOfFiveLogN13;

    private static (Ciphertext Ciphertext, DecryptionShare[] Shares, byte[] Context) Decryption(string round)
    {
        var federation = Federation;
        var ciphertext = federation.Encrypt(CkksContext.RandomValues(new Random(round.Length), 64, 1000));
        byte[] context = SharedFederations.Context(round);
        return (ciphertext, federation.Shares(ciphertext, Committee, context), context);
    }

    private static ThresholdProtocolFailure Refusal(Ciphertext ciphertext, IEnumerable<DecryptionShare> shares, byte[] context, int? blamed = null)
    {
        var refused = Assert.Throws<ThresholdProtocolException>(() => Federation.Combiner.Fuse(ciphertext, shares, context));
        if (blamed is not null)
        {
            Assert.Equal(blamed, refused.PartyId);
        }

        return refused.Failure;
    }

    [Fact]
    public void A_share_computed_for_another_ciphertext_is_refused()
    {
        var (ciphertext, shares, context) = Decryption("round 1");
        var other = Federation.Encrypt([1, 2, 3]);
        var stray = Federation.Party(2).GenShare(other, Committee, context, Federation.Masks(2));
        Assert.Equal(ThresholdProtocolFailure.CiphertextMismatch, Refusal(ciphertext, [shares[0], stray, shares[2]], context, blamed: 2));
        Assert.Equal(ThresholdProtocolFailure.CiphertextMismatch, Refusal(other, shares, context));
    }

    [Fact]
    public void A_share_computed_for_another_round_is_refused()
    {
        var (ciphertext, shares, context) = Decryption("round 2");
        var stray = Federation.Party(3).GenShare(ciphertext, Committee, SharedFederations.Context("round 3"), Federation.Masks(3));
        Assert.Equal(ThresholdProtocolFailure.ContextMismatch, Refusal(ciphertext, [shares[0], shares[1], stray], context, blamed: 3));
        Assert.Equal(ThresholdProtocolFailure.ContextMismatch, Refusal(ciphertext, shares, SharedFederations.Context("round 3")));
    }

    [Fact]
    public void A_share_made_under_another_collective_key_is_refused()
    {
        var (ciphertext, shares, context) = Decryption("round 4");
        var otherFederation = new ThresholdFederation(Federation.Parameters, 5, 3);
        var stray = otherFederation.Party(1).GenShare(ciphertext, Committee, context, otherFederation.Masks(1));
        Assert.NotEqual(Federation.KeyId, otherFederation.KeyId);
        Assert.Equal(ThresholdProtocolFailure.KeyMismatch, Refusal(ciphertext, [stray, shares[1], shares[2]], context, blamed: 1));
    }

    [Fact]
    public void A_share_of_another_parameter_set_is_refused_when_read_and_when_fused()
    {
        var (ciphertext, shares, context) = Decryption("round 5");
        var small = SharedFederations.ThreeOfFiveSmall;
        var smallCiphertext = small.Encrypt([1, 2, 3]);
        var foreign = small.Party(1).GenShare(smallCiphertext, Committee, context, small.Masks(1));
        Assert.Throws<ParameterSetMismatchException>(() => DecryptionShare.FromBytes(Federation.Parameters, foreign.ToBytes()));
        Assert.Throws<ParameterSetMismatchException>(() => Federation.Combiner.Fuse(ciphertext, [foreign, shares[1], shares[2]], context));
        Assert.Throws<ParameterSetMismatchException>(() => Federation.Combiner.Fuse(smallCiphertext, shares, context));
    }

    [Fact]
    public void A_share_from_a_party_outside_the_committee_is_refused()
    {
        var (ciphertext, shares, context) = Decryption("round 6");
        var outsider = shares[2];
        var forged = new DecryptionShare(outsider.Parameters, outsider.KeyId, outsider.CiphertextFingerprint, 4, 3, 5, [.. Committee], context, outsider.Value);
        Assert.Equal(ThresholdProtocolFailure.PartyOutsideCommittee, Refusal(ciphertext, [shares[0], shares[1], forged], context, blamed: 4));

        var forOtherCommittee = Federation.Party(4).GenShare(ciphertext, [1, 2, 4], context, Federation.Masks(4));
        Assert.Equal(ThresholdProtocolFailure.CommitteeMismatch, Refusal(ciphertext, [shares[0], shares[1], forOtherCommittee], context, blamed: 4));
    }

    [Fact]
    public void Two_shares_from_one_party_are_refused()
    {
        var (ciphertext, shares, context) = Decryption("round 7");
        var again = Federation.Party(1).GenShare(ciphertext, Committee, context, Federation.Masks(1));
        Assert.Equal(ThresholdProtocolFailure.DuplicateParty, Refusal(ciphertext, [shares[0], again, shares[2]], context, blamed: 1));
    }

    [Fact]
    public void A_combiner_expecting_another_threshold_refuses_the_shares()
    {
        var (ciphertext, shares, context) = Decryption("round 8");
        var combiner = new ThresholdCombiner(Federation.Parameters, Federation.KeyId, 2, 5);
        var refused = Assert.Throws<ThresholdProtocolException>(() => combiner.Fuse(ciphertext, shares, context));
        Assert.Equal(ThresholdProtocolFailure.ThresholdMismatch, refused.Failure);
    }

    [Fact]
    public void The_right_shares_in_any_order_and_after_a_round_trip_through_bytes_fuse()
    {
        var (ciphertext, shares, context) = Decryption("round 9");
        var values = CkksContext.RandomValues(new Random("round 9".Length), 64, 1000);
        var received = shares.Reverse().Select(s => DecryptionShare.FromBytes(Federation.Parameters, s.ToBytes())).ToArray();
        var copy = Ciphertext.FromBytes(Federation.Parameters.Ckks, ciphertext.ToBytes());
        double error = CkksContext.MaxError(values, Federation.Combiner.FuseValues(copy, received, context)[..64]);
        Assert.True(error <= Federation.Parameters.FusedErrorBound(3), $"error {error}");
    }
}
