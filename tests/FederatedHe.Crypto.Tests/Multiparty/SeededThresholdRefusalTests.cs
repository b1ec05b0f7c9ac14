using FederatedHe.Crypto.Multiparty;
using FederatedHe.Crypto.Rlwe;

namespace FederatedHe.Crypto.Tests.Multiparty;

/// <summary>
/// What members, the aggregator and fusion refuse in the seeded threshold scheme, each by type: sums too small to
/// hide an update, contributors without a dealt share, a second sum of one round, replays, foreign material.
/// </summary>
public class SeededThresholdRefusalTests
{
    private static SeededFederation Federation => SharedSeededFederations.ThreeOfFiveSmall;

    private static ThresholdParameters Small => TestInsecureSeededThresholdParameters.TestInsecureLogN6SeededThreshold;

    private static double[] Values(int seed) => CkksContext.RandomValues(new Random(seed), Small.Ckks.ValuesPerCiphertext, 10);

    private static ThresholdProtocolFailure FailureOf(Action action) => Assert.Throws<ThresholdProtocolException>(action).Failure;

    [Fact]
    public void A_member_refuses_a_sum_with_fewer_contributions_than_the_minimum()
    {
        byte[] context = SharedFederations.Context("refuse: one contributor");
        var single = Federation.Sum([2], [Values(1)], context);
        Assert.Equal(ThresholdProtocolFailure.TooFewContributors, FailureOf(() => Federation.Party(1).GenShare(single, [1, 2, 3], context, Federation.Masks(1), minimumContributors: 2)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Federation.Party(1).GenShare(single, [1, 2, 3], context, Federation.Masks(1), minimumContributors: 0));
    }

    [Fact]
    public void A_member_refuses_a_sum_naming_a_dealer_it_holds_no_share_of()
    {
        // Party 1 was never dealt party 5's share (party 5 joined after the deal, say).
        using var partial = DealtSecretShares.FromShares(Small, Federation.Dealt.Take(4).Select(sent => sent[0]));
        var member = new SeededThresholdDecryptor(Small, partial);
        byte[] context = SharedFederations.Context("refuse: unknown dealer");
        var sum = Federation.Sum([2, 5], [Values(2), Values(3)], context);
        var refusal = Assert.Throws<ThresholdProtocolException>(() => member.GenShare(sum, [1, 2, 3], context, Federation.Masks(1), 2));
        Assert.Equal(ThresholdProtocolFailure.UnknownDealer, refusal.Failure);
        Assert.Equal(5, refusal.PartyId);
        Assert.False(partial.Holds(5));
    }

    [Fact]
    public void A_member_decrypts_one_sum_per_chunk_and_context_and_each_committee_once()
    {
        var member = new SeededThresholdDecryptor(Small, Federation.Keys[0]);
        byte[] context = SharedFederations.Context("refuse: second sum");
        var values = new[] { Values(4), Values(5), Values(6) };
        var all = Federation.Sum([2, 3, 4], values, context);
        var withoutFour = Federation.Sum([2, 3], values[..2], context);
        member.GenShare(all, [1, 2, 3], context, Federation.Masks(1), 2);
        member.GenShare(all, [1, 2, 4], context, Federation.Masks(1), 2); // re-decryption after a dropout: another committee
        Assert.Equal(ThresholdProtocolFailure.ConflictingDecryption, FailureOf(() => member.GenShare(withoutFour, [1, 2, 3], context, Federation.Masks(1), 2)));
        Assert.Equal(ThresholdProtocolFailure.ConflictingDecryption, FailureOf(() => member.GenShare(all, [1, 2, 3], context, Federation.Masks(1), 2)));
    }

    [Fact]
    public void A_member_refuses_another_context_a_committee_without_it_and_mask_seeds_of_another_party()
    {
        byte[] context = SharedFederations.Context("refuse: context");
        var sum = Federation.Sum([2, 3], [Values(7), Values(8)], context);
        Assert.Equal(ThresholdProtocolFailure.ContextMismatch, FailureOf(() => Federation.Party(1).GenShare(sum, [1, 2, 3], "another round"u8, Federation.Masks(1), 2)));
        Assert.Equal(ThresholdProtocolFailure.PartyOutsideCommittee, FailureOf(() => Federation.Party(1).GenShare(sum, [2, 3, 4], context, Federation.Masks(1), 2)));
        Assert.Equal(ThresholdProtocolFailure.CommitteeTooSmall, FailureOf(() => Federation.Party(1).GenShare(sum, [1, 2], context, Federation.Masks(1), 2)));
        Assert.Equal(ThresholdProtocolFailure.MaskSeedMismatch, FailureOf(() => Federation.Party(1).GenShare(sum, [1, 2, 3], context, Federation.Masks(2), 2)));
    }

    [Fact]
    public void The_aggregator_refuses_a_repeated_party_a_replayed_seed_another_round_and_a_party_outside_the_key_set()
    {
        byte[] context = SharedFederations.Context("refuse: aggregator");
        int length = Small.Ckks.ValuesPerCiphertext;
        var update = Federation.Encryptor(2).EncryptChunk(Values(9), 0, context);
        var aggregator = new SeededAggregator(Small, length, 4);
        aggregator.Add(update);
        Assert.Equal(ThresholdProtocolFailure.DuplicateParty, FailureOf(() => aggregator.Add(Federation.Encryptor(2).EncryptChunk(Values(10), 0, context))));
        var sameSeed = new SeededUpdateChunk(Small, update.ContextDigest, 0, length, 3, update.Seed.ToArray(), update.C0.Clone());
        Assert.Throws<SeedReuseException>(() => aggregator.Add(sameSeed));
        Assert.Equal(ThresholdProtocolFailure.ContextMismatch, FailureOf(() => aggregator.Add(Federation.Encryptor(3).EncryptChunk(Values(11), 0, "next round"u8))));
        Assert.Equal(ThresholdProtocolFailure.PartyOutOfRange, FailureOf(() => aggregator.Add(Federation.Encryptor(5).EncryptChunk(Values(12), 0, context))));
        Assert.Throws<ArgumentException>(() => aggregator.Add(Federation.Encryptor(3).EncryptChunk(new double[length + 1], 0, context)));
        var foreign = SharedSeededFederations.ThreeOfFiveLogN13.Encryptor(3).EncryptChunk(new double[length], 0, context);
        Assert.Throws<ParameterSetMismatchException>(() => aggregator.Add(foreign));
        Assert.Equal(1, aggregator.ContributorCount(0));
    }

    [Fact]
    public void Fusion_refuses_shares_of_another_sum_or_context_and_a_missing_member()
    {
        byte[] context = SharedFederations.Context("refuse: fusion");
        var values = new[] { Values(13), Values(14) };
        var sum = Federation.Sum([1, 2], values, context);
        var other = Federation.Sum([1, 3], values, SharedFederations.Context("refuse: fusion, other"));
        int[] committee = [3, 4, 5];
        var shares = Federation.Shares(sum, committee, context, 2);
        var foreign = Federation.Shares(other, committee, SharedFederations.Context("refuse: fusion, other"), 2);
        Assert.Equal(ThresholdProtocolFailure.CiphertextMismatch, FailureOf(() => Federation.Combiner.FuseValues(sum, [shares[0], shares[1], foreign[2]], context)));
        Assert.Equal(ThresholdProtocolFailure.ContextMismatch, FailureOf(() => Federation.Combiner.FuseValues(sum, shares, "another"u8)));
        Assert.Equal(ThresholdProtocolFailure.MissingShare, FailureOf(() => Federation.Combiner.FuseValues(sum, shares[..2], context)));
        var fused = Federation.Combiner.FuseValues(sum, shares, context);
        Assert.True(fused.Select((v, i) => Math.Abs(v - (values[0][i] + values[1][i]))).Max() < 1e-3);
    }

    [Fact]
    public void Each_scheme_refuses_the_other_schemes_parameter_sets()
    {
        var seeded = ThresholdPresets.Params128BitLogN13LogQ108SeededThreshold;
        var collective = ThresholdPresets.Params128BitLogN13LogQ160Threshold;
        Assert.Throws<ArgumentException>(() => new ThresholdDecryptor(seeded, null!));
        Assert.Throws<ArgumentException>(() => new ThresholdCombiner(seeded, default(Sha256Digest), 3, 5));
        Assert.Throws<ArgumentException>(() => new SeededThresholdCombiner(collective, default, 3, 5));
        Assert.Throws<ArgumentException>(() => new SeededAggregator(collective, 10, 5));
        Assert.Throws<ArgumentException>(() => DealtSecretShares.FromShares(collective, []));

        // Complex slots stay refused for the collective-key scheme, whose decryption audit needs real slots.
        Assert.Throws<CkksParameterException>(() => ThresholdParameters.Create(ThresholdPresets.LiteralLogN13LogQ108SeededThreshold with { Scheme = ThresholdScheme.CollectiveKey }));

        // A seeded set must cover one fresh noise per party: 16·19 > 2^8.
        Assert.Throws<CkksParameterException>(() => ThresholdParameters.Create(ThresholdPresets.LiteralLogN13LogQ108SeededThreshold with { LogCiphertextNoiseBound = 8 }));
    }
}
