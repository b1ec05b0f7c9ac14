using FederatedHe.Crypto.Ckks;
using FederatedHe.Crypto.Multiparty;
using FederatedHe.Crypto.Rlwe;

namespace FederatedHe.Crypto.Tests.Multiparty;

/// <summary>
/// Threshold decryption at the N = 8192 preset with n = 5 parties and t = 3: who can decrypt, with
/// which precision, and what fewer parties get.
/// </summary>
public class ThresholdDecryptionTests
{
    private static ThresholdFederation Federation => SharedFederations.ThreeOfFiveLogN13;

    private static double[] Values(int seed, int count, double bound = 1000) => CkksContext.RandomValues(new Random(seed), count, bound);

    [Fact]
    public void Every_committee_of_three_among_five_parties_decrypts_values_up_to_1000_within_1e_6()
    {
        var federation = Federation;
        var parameters = federation.Parameters;
        var values = Values(1, parameters.Ckks.SlotCount);
        var ciphertext = federation.Encrypt(values);
        var committees = ThresholdFederation.Subsets(5, 3).ToList();
        Assert.Equal(10, committees.Count);
        double bound = parameters.FusedErrorBound(3);
        Assert.True(bound <= 1e-6, $"stated bound {bound}");
        foreach (var committee in committees)
        {
            byte[] context = SharedFederations.Context($"round 7 committee {string.Join(',', committee)}");
            double error = CkksContext.MaxError(values, federation.Decrypt(ciphertext, committee, context, values.Length));
            Assert.True(error <= bound, $"committee {{{string.Join(',', committee)}}}: error {error} > bound {bound}");
        }
    }

    [Fact]
    public void Four_or_five_parties_decrypt_as_well_as_three()
    {
        var federation = Federation;
        var values = Values(2, 100);
        var ciphertext = federation.Encrypt(values);
        foreach (int[] committee in new[] { new[] { 1, 2, 4, 5 }, new[] { 1, 2, 3, 4, 5 } })
        {
            byte[] context = SharedFederations.Context("round 8");
            double error = CkksContext.MaxError(values, federation.Decrypt(ciphertext, committee, context, values.Length));
            Assert.True(error <= federation.Parameters.FusedErrorBound(committee.Length), $"error {error}");
        }
    }

    [Fact]
    public void Two_shares_of_a_three_party_committee_are_refused_and_their_unchecked_sum_is_garbage()
    {
        var federation = Federation;
        var values = Values(3, federation.Parameters.Ckks.SlotCount);
        var ciphertext = federation.Encrypt(values);
        byte[] context = SharedFederations.Context("round 9");
        int[] committee = [1, 3, 5];
        var shares = federation.Shares(ciphertext, committee, context);
        var two = shares.Take(2).ToArray();

        var refused = Assert.Throws<ThresholdProtocolException>(() => federation.Combiner.Fuse(ciphertext, two, context));
        Assert.Equal(ThresholdProtocolFailure.MissingShare, refused.Failure);
        Assert.Equal(5, refused.PartyId);

        double error = CkksContext.MaxError(values, federation.Combiner.Decode(federation.Combiner.FuseUnchecked(ciphertext, two)));
        Assert.True(error > 1e3 * 1000, $"two shares came within {error} of the values");
    }

    [Fact]
    public void Every_pair_of_parties_gets_garbage_even_when_it_bypasses_the_committee_checks()
    {
        var federation = Federation;
        var values = Values(4, federation.Parameters.Ckks.SlotCount);
        var ciphertext = federation.Encrypt(values);
        byte[] context = SharedFederations.Context("round 10");
        foreach (var pair in ThresholdFederation.Subsets(5, 2))
        {
            // Lagrange coefficients for two points interpolate a line, not the degree-2 sharing polynomial.
            var shares = pair.Select(id => federation.Party(id).GenShareUnchecked(ciphertext, pair, context)).ToArray();
            double error = CkksContext.MaxError(values, federation.Combiner.Decode(federation.Combiner.FuseUnchecked(ciphertext, shares)));
            Assert.True(error > 1e3 * 1000, $"pair {{{string.Join(',', pair)}}} came within {error} of the values");
        }
    }

    [Fact]
    public void A_party_refuses_to_share_for_a_committee_smaller_than_the_threshold_or_without_it()
    {
        var federation = Federation;
        var ciphertext = federation.Encrypt(Values(5, 10));
        byte[] context = SharedFederations.Context("round 11");
        Assert.Equal(ThresholdProtocolFailure.CommitteeTooSmall, Assert.Throws<ThresholdProtocolException>(() => federation.Party(1).GenShare(ciphertext, [1, 2], context, federation.Masks(1))).Failure);
        Assert.Equal(ThresholdProtocolFailure.PartyOutsideCommittee, Assert.Throws<ThresholdProtocolException>(() => federation.Party(4).GenShare(ciphertext, [1, 2, 3], context, federation.Masks(4))).Failure);
        Assert.Equal(ThresholdProtocolFailure.PartyOutOfRange, Assert.Throws<ThresholdProtocolException>(() => federation.Party(1).GenShare(ciphertext, [1, 2, 6], context, federation.Masks(1))).Failure);
        Assert.Equal(ThresholdProtocolFailure.CommitteeMismatch, Assert.Throws<ThresholdProtocolException>(() => federation.Party(1).GenShare(ciphertext, [1, 2, 2], context, federation.Masks(1))).Failure);
        Assert.Equal(ThresholdProtocolFailure.ContextTooLong, Assert.Throws<ThresholdProtocolException>(() => federation.Party(1).GenShare(ciphertext, [1, 2, 3], new byte[DecryptionShare.MaxContextLength + 1], federation.Masks(1))).Failure);
    }

    [Fact]
    public void A_ciphertext_below_the_top_level_is_refused_because_the_smudging_would_swamp_it()
    {
        var federation = Federation;
        var ciphertext = federation.Encrypt(Values(6, 10));
        var lower = new Evaluator(federation.Parameters.Ckks).RescaleNew(ciphertext);
        Assert.Throws<LevelMismatchException>(() => federation.Party(1).GenShare(lower, [1, 2, 3], SharedFederations.Context("round 12"), federation.Masks(1)));
    }

    [Fact]
    public void Hospitals_1_and_3_drop_out_and_the_other_three_decrypt_the_sum_of_five_encrypted_vectors()
    {
        var federation = Federation;
        var parameters = federation.Parameters.Ckks;
        const int length = 10_000; // three chunks of 4096 slots
        var encryptor = new VectorEncryptor(parameters, federation.PublicKey);
        var evaluator = new VectorEvaluator(parameters);
        var updates = Enumerable.Range(0, 5).Select(i => Values(20 + i, length, 200)).ToArray();
        var sum = encryptor.Encrypt(updates[0]);
        for (int i = 1; i < 5; i++)
        {
            evaluator.AddInPlace(sum, encryptor.Encrypt(updates[i]));
        }

        int[] committee = [2, 4, 5];
        byte[] context = SharedFederations.Context("round 13 aggregate");
        var sharesByParty = committee.Select(id => (IReadOnlyList<DecryptionShare>)federation.Party(id).GenShares(sum, committee, context, federation.Masks(id))).ToList();
        Assert.All(sharesByParty, list => Assert.Equal(3, list.Count));
        double[] decrypted = federation.Combiner.FuseVector(sum, sharesByParty, context);

        var expected = Enumerable.Range(0, length).Select(k => updates.Sum(u => u[k])).ToArray();
        double error = CkksContext.MaxError(expected, decrypted);
        Assert.True(error <= federation.Parameters.FusedErrorBound(3), $"error {error}");
        Assert.True(error <= 1e-6, $"error {error}");
    }

    [Fact]
    public void The_shares_of_one_chunk_cannot_fuse_another_chunk()
    {
        var federation = Federation;
        var vector = new VectorEncryptor(federation.Parameters.Ckks, federation.PublicKey).Encrypt(Values(30, 5000));
        int[] committee = [1, 2, 3];
        byte[] context = SharedFederations.Context("round 14");
        var sharesByParty = committee.Select(id => federation.Party(id).GenShares(vector, committee, context, federation.Masks(id))).ToArray();
        var swapped = sharesByParty.Select(list => (IReadOnlyList<DecryptionShare>)list.Reverse().ToArray()).ToList();
        var refused = Assert.Throws<ThresholdProtocolException>(() => federation.Combiner.FuseVector(vector, swapped, context));
        Assert.Equal(ThresholdProtocolFailure.CiphertextMismatch, refused.Failure);
    }

    [Fact]
    public void The_collective_public_key_belongs_to_the_sum_of_the_secret_shares()
    {
        var federation = Federation;
        var parameters = federation.Parameters.Ckks;
        var sum = parameters.Ring.NewPolynomial();
        sum.IsNttForm = true;
        foreach (var share in federation.SecretShares)
        {
            parameters.Ring.Add(sum, share.Value, sum, sum.LimbCount);
        }

        var values = Values(40, 50);
        var plaintext = new Decryptor(parameters, SecretKey.FromPolynomial(parameters, sum)).DecryptNew(federation.Encrypt(values));
        double error = CkksContext.MaxError(values, federation.Encoder.DecodeNew(plaintext)[..values.Length]);
        Assert.True(error < 1e-9, $"error {error}");
    }

    [Fact]
    public void No_single_threshold_key_decrypts_on_its_own()
    {
        var federation = Federation;
        var parameters = federation.Parameters.Ckks;
        var values = Values(41, parameters.SlotCount);
        var ciphertext = federation.Encrypt(values);
        foreach (var key in federation.Keys)
        {
            var plaintext = new Decryptor(parameters, key.Value).DecryptNew(ciphertext);
            Assert.True(CkksContext.MaxError(values, federation.Encoder.DecodeNew(plaintext)) > 1e6);
        }
    }

    [Fact]
    public void An_n_of_n_key_needs_every_party_and_then_decrypts_within_the_bound()
    {
        var federation = new ThresholdFederation(ThresholdPresets.Params128BitLogN13LogQ160Threshold, 3, 3, additive: true);
        Assert.All(federation.Keys, k => Assert.True(k.IsAdditive));
        var values = Values(50, 4096);
        var ciphertext = federation.Encrypt(values);
        byte[] context = SharedFederations.Context("round 1");
        double error = CkksContext.MaxError(values, federation.Decrypt(ciphertext, [1, 2, 3], context, values.Length));
        Assert.True(error <= federation.Parameters.FusedErrorBound(3), $"error {error}");
        Assert.Equal(ThresholdProtocolFailure.CommitteeTooSmall, Assert.Throws<ThresholdProtocolException>(() => federation.Party(1).GenShare(ciphertext, [1, 2], context, federation.Masks(1))).Failure);
    }

    [Fact]
    public void A_three_of_three_Shamir_key_decrypts_like_the_additive_one()
    {
        var federation = new ThresholdFederation(ThresholdPresets.Params128BitLogN13LogQ160Threshold, 3, 3);
        var values = Values(51, 4096);
        double error = CkksContext.MaxError(values, federation.Decrypt(federation.Encrypt(values), [1, 2, 3], SharedFederations.Context("r"), values.Length));
        Assert.True(error <= federation.Parameters.FusedErrorBound(3), $"error {error}");
    }

    [Fact]
    public void A_one_party_federation_is_single_key_CKKS_with_smudging()
    {
        var federation = new ThresholdFederation(TestInsecureThresholdParameters.TestInsecureLogN6Threshold, 1, 1);
        var values = Values(52, 32);
        double error = CkksContext.MaxError(values, federation.Decrypt(federation.Encrypt(values), [1], [], values.Length));
        Assert.True(error <= federation.Parameters.FusedErrorBound(1), $"error {error}");
    }
}
