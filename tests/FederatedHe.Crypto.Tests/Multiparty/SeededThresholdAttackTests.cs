using System.Numerics;
using FederatedHe.Crypto.Multiparty;
using FederatedHe.Crypto.Ring;
using FederatedHe.Crypto.Rlwe;
using Xunit.Abstractions;

namespace FederatedHe.Crypto.Tests.Multiparty;

/// <summary>
/// Attacks on the seeded threshold scheme, mounted at the model-scale preset.
/// (a) A hospital colluding with the aggregator crafts its c0 and replays another party's seed, or replays another
/// party's whole contribution into a later round: the fused result tells it nothing about that party's secret or
/// old update, whereas the same decoder reads the secret outright when it may choose the polynomial that multiplies
/// the secret (the crafted-ciphertext attack of the collective-key scheme).
/// (b) The observer attack of issue 12 on decryption shares: an observer outside a 2-of-3 committee reads every
/// coefficient of the decrypted sum modulo 3 from unmasked shares and only chance from masked ones.
/// </summary>
/// <remarks>
/// Chance: s_i is uniform ternary, so no guess independent of it is right with probability above 1/3 per
/// coefficient; a residue mod 3 of a value uniform modulo Q is right with probability 1/3 (+1/Q). Each assertion is a
/// one-sided binomial test at a false-alarm rate of 1e-9 (<see cref="DecryptionShareObserverAttackTests.CriticalCount"/>).
/// </remarks>
public class SeededThresholdAttackTests
{
    private const double FalseAlarmRate = 1e-9;

    private static readonly Lazy<SeededFederation> TwoOfThree = new(() => new SeededFederation(ThresholdPresets.Params128BitLogN13LogQ108SeededThreshold, 3, 2));

    private readonly ITestOutputHelper _output;

    public SeededThresholdAttackTests(ITestOutputHelper output) => _output = output;

    private static SeededFederation Federation => SharedSeededFederations.ThreeOfFiveLogN13;

    private static ThresholdParameters Preset => ThresholdPresets.Params128BitLogN13LogQ108SeededThreshold;

    [Fact]
    public void A_hospital_that_crafts_its_c0_and_replays_another_partys_seed_guesses_that_partys_secret_no_better_than_blind()
    {
        var federation = Federation;
        var ckks = Preset.Ckks;
        var ring = ckks.Ring;
        int n = ckks.N;
        int limbs = ckks.MaxLevel + 1;
        byte[] context = SharedFederations.Context("attack round 1");

        // Victim 1 sends an honest update whose values the attacker even knows; attacker 5, with the aggregator,
        // enters (5, seed of 1) with c0 = 2^70 and bypasses the aggregator's seed check by building the sum itself.
        var victim = federation.Encryptor(1).EncryptChunk(new double[n], 0, context);
        var crafted = ring.NewPolynomial(limbs);
        crafted.Limb(0)[0] = ring.Moduli[0].Pow(2, 70);
        crafted.Limb(1)[0] = ring.Moduli[1].Pow(2, 70);
        ring.ToNtt(crafted);
        var c0 = victim.C0.Clone();
        ring.Add(c0, crafted, c0, limbs);
        byte[] seed = victim.Seed.ToArray();
        var sum = new SeededAggregateChunk(Preset, victim.ContextDigest, 0, n, 5, [(1, seed), (5, seed)], c0);

        int[] committee = [1, 2, 3];
        var fused = federation.Combiner.FuseUnchecked(sum, federation.Shares(sum, committee, context, minimumContributors: 2)).Value.Clone();

        // F = Σ c0 + Σ d_j = e_1 + 2^70 + a'·s_5 + Σ e_j, a' the expansion of the replayed seed under index 5.
        // The attacker removes what it knows and adds back −c0_1 = a_1·s_1 − e_1: R = a_1·s_1 + Σ e_j.
        var residual = fused;
        ring.Subtract(residual, c0, residual, limbs);
        ring.Subtract(residual, MultiplierTimesSecret(federation, seed, 5, context, n), residual, limbs);
        int bestSeeded = BestGuess(federation, residual, seed, context, n);

        // The same attacker when it may choose the multiplier (p = 2^70, as a crafted c1 = p in the collective-key
        // scheme): the members' shares would carry λ_j·p·f_1(j) + e_j, and rounding R / p reads s_1.
        int bestChosen = ChosenMultiplierAttack(federation, committee);

        int critical = DecryptionShareObserverAttackTests.CriticalCount(n, 1.0 / 3, FalseAlarmRate);
        _output.WriteLine($"coefficients of s_1 guessed: seeded (replayed seed, crafted c0) {bestSeeded}/{n}; chosen multiplier {bestChosen}/{n}; critical count {critical}");
        Assert.Equal(n, bestChosen);
        Assert.True(bestSeeded < critical, $"{bestSeeded} of {n} coefficients of s_1 guessed; critical count {critical}");
    }

    [Fact]
    public void A_contribution_replayed_into_a_later_round_decrypts_to_noise_not_to_the_old_update()
    {
        var federation = Federation;
        int n = Preset.Ckks.ValuesPerCiphertext;
        var ring = Preset.Ckks.Ring;
        int limbs = Preset.Ckks.MaxLevel + 1;
        var old = CkksContext.RandomValues(new Random(31), n, 1);
        byte[] round1 = SharedFederations.Context("replay round 1");
        byte[] round2 = SharedFederations.Context("replay round 2");
        var victim = federation.Encryptor(2).EncryptChunk(old, 0, round1);

        // Round 2: the attacker (party 4, with the aggregator) sends a zero update and re-enters the victim's round-1 c0 and seed.
        var own = federation.Encryptor(4).EncryptChunk(new double[n], 0, round2);
        var c0 = own.C0.Clone();
        ring.Add(c0, victim.C0, c0, limbs);
        var replayed = new SeededAggregateChunk(Preset, own.ContextDigest, 0, n, 5, [(2, victim.Seed.ToArray()), (4, own.Seed.ToArray())], c0);
        int[] committee = [1, 3, 5];
        var read = federation.Combiner.FuseValues(replayed, federation.Shares(replayed, committee, round2, 2), round2);
        double replayError = Enumerable.Range(0, n).Max(i => Math.Abs(read[i] - old[i]));

        // The same entries in the round they were made for decrypt (teeth: the attacker's arithmetic is right).
        var original = new SeededAggregateChunk(Preset, victim.ContextDigest, 0, n, 5, [(2, victim.Seed.ToArray())], victim.C0.Clone());
        var shares = committee.Select(id => federation.Party(id).GenShareUnchecked(original, committee, round1)).ToArray();
        var honest = federation.Combiner.Decode(federation.Combiner.FuseUnchecked(original, shares));
        double originalError = Enumerable.Range(0, n).Max(i => Math.Abs(honest[i] - old[i]));
        _output.WriteLine($"old update read back: in its own round max error {originalError:E2}; replayed into round 2 {replayError:E2}");
        Assert.True(originalError < 1e-4);
        Assert.True(replayError > 1e3, $"the replayed update read back within {replayError:E2}");
    }

    [Fact]
    public void An_observer_of_a_two_of_three_committee_reads_the_sum_mod_3_from_unmasked_shares_and_only_chance_from_masked_ones()
    {
        var federation = TwoOfThree.Value;
        var ckks = Preset.Ckks;
        var ring = ckks.Ring;
        int n = ckks.N;
        int limbs = ckks.MaxLevel + 1;
        var values = Enumerable.Range(0, 3).Select(p => CkksContext.RandomValues(new Random(40 + p), n, 1000)).ToArray();
        byte[] context = SharedFederations.Context("observed round");
        var sum = federation.Sum([1, 2, 3], values, context);
        int[] committee = [1, 2];

        // x = Σ c0 + Σ_i a_i·s_i, the decrypted polynomial before smudging.
        var truth = ring.NewPolynomial(limbs);
        sum.C0.CopyTo(truth);
        foreach (var (party, seed) in sum.ContributorEntries)
        {
            ring.Add(truth, MultiplierTimes(federation, seed, party, context, n, federation.Secrets[party - 1].Value), truth, limbs);
        }

        var x = SeededFederation.Lift(ring, truth, limbs);
        var unmasked = committee.Select(id => federation.Party(id).GenShareUnchecked(sum, committee, context)).ToArray();
        var masked = federation.Shares(sum, committee, context, 3);
        int predictedUnmasked = PredictedMod3(federation, sum, context, unmasked, x);
        int predictedMasked = PredictedMod3(federation, sum, context, masked, x);
        int critical = DecryptionShareObserverAttackTests.CriticalCount(n, 1.0 / 3, FalseAlarmRate);
        _output.WriteLine($"observer 3 of committee {{1,2}}: residues mod 3 predicted unmasked {predictedUnmasked}/{n}, masked {predictedMasked}/{n}; critical count {critical}");
        Assert.Equal(n, predictedUnmasked);
        Assert.True(predictedMasked < critical, $"with masks {predictedMasked} of {n} residues predicted; critical count {critical}");
    }

    /// <summary>
    /// Observer 3: λ = (2, −1) for {1, 2} and f(3) = −f(1) + 2·f(2), so −d_1 − 4·d_2 − 2·K_3 = −e_1 − 4·e_2 with
    /// K_3 = Σ_i a_i·f_i(3) (its own dealt shares), and T + (−e_1 − 4·e_2) ≡ x (mod 3) for the fused T = x + e_1 + e_2.
    /// </summary>
    private static int PredictedMod3(SeededFederation federation, SeededAggregateChunk sum, byte[] context, DecryptionShare[] shares, BigInteger[] x)
    {
        var ring = Preset.Ckks.Ring;
        int n = Preset.Ckks.N;
        int limbs = Preset.Ckks.MaxLevel + 1;
        var relation = ring.NewPolynomial(limbs);
        relation.IsNttForm = true;
        foreach (var (party, seed) in sum.ContributorEntries)
        {
            ring.Add(relation, MultiplierTimes(federation, seed, party, context, n, federation.Keys[2].ShareOf(party)!), relation, limbs);
        }

        ring.MultiplyScalar(relation, [ring.Moduli[0].ReduceSigned(-2), ring.Moduli[1].ReduceSigned(-2)], relation, limbs);
        ring.Subtract(relation, shares[0].Value, relation, limbs);
        var four = shares[1].Value.Clone();
        ring.MultiplyScalar(four, [4, 4], four, limbs);
        ring.Subtract(relation, four, relation, limbs);
        var r = SeededFederation.Lift(ring, relation, limbs);
        var t = SeededFederation.Lift(ring, federation.Combiner.FuseUnchecked(sum, shares).Value, limbs);
        return Enumerable.Range(0, n).Count(i => BigInteger.Remainder(BigInteger.Remainder(t[i] + r[i] - x[i], 3) + 3, 3) == 0);
    }

    /// <summary>a(seed, party)·s_party for the party's own secret.</summary>
    private static RnsPolynomial MultiplierTimesSecret(SeededFederation federation, byte[] seed, int party, byte[] context, int length) =>
        MultiplierTimes(federation, seed, party, context, length, federation.Secrets[party - 1].Value);

    private static RnsPolynomial MultiplierTimes(SeededFederation federation, byte[] seed, int party, byte[] context, int length, RnsPolynomial factor)
    {
        var ring = federation.Parameters.Ckks.Ring;
        int limbs = federation.Parameters.Ckks.MaxLevel + 1;
        var a = ring.NewPolynomial(limbs);
        SeededExpansion.Expand(federation.Parameters, federation.KeyId, seed, party, 0, length, SeededExpansion.ContextDigest(context), a);
        ring.Multiply(a, factor, a, limbs);
        a.IsNttForm = true;
        return a;
    }

    /// <summary>
    /// The attacker's best per-coefficient guess of s_1 from R = a_1·s_1 + noise: either a_1⁻¹·R (exact were the noise
    /// absent) or R rounded at the scale of a small multiplier; each coefficient guessed as its value if ternary, else 0.
    /// Returns the better count of the two.
    /// </summary>
    private static int BestGuess(SeededFederation federation, RnsPolynomial residual, byte[] seed, byte[] context, int length)
    {
        var ring = Preset.Ckks.Ring;
        int limbs = Preset.Ckks.MaxLevel + 1;
        var secret = SeededFederation.Lift(ring, federation.Secrets[0].Value, limbs);
        var a = ring.NewPolynomial(limbs);
        SeededExpansion.Expand(Preset, federation.KeyId, seed, 1, 0, length, SeededExpansion.ContextDigest(context), a);
        var divided = residual.Clone();
        for (int l = 0; l < limbs; l++)
        {
            var q = ring.Moduli[l];
            var limb = divided.Limb(l);
            var multiplier = a.Limb(l);
            for (int j = 0; j < limb.Length; j++)
            {
                limb[j] = multiplier[j] == 0 ? 0 : q.Multiply(limb[j], q.Inverse(multiplier[j]));
            }
        }

        var byInverse = SeededFederation.Lift(ring, divided, limbs);
        var byRounding = SeededFederation.Lift(ring, residual, limbs).Select(v => RoundedQuotient(v, 70)).ToArray();
        return Math.Max(Count(byInverse, secret), Count(byRounding, secret));
    }

    private static int Count(BigInteger[] guesses, BigInteger[] secret) =>
        Enumerable.Range(0, secret.Length).Count(i => (BigInteger.Abs(guesses[i]) <= 1 ? guesses[i] : BigInteger.Zero) == secret[i]);

    /// <summary>What the committee would release if the attacker chose the multiplier p = 2^70 of s_1: Σ_j λ_j·p·f_1(j) + e_j.</summary>
    private static int ChosenMultiplierAttack(SeededFederation federation, int[] committee)
    {
        var ring = Preset.Ckks.Ring;
        int limbs = Preset.Ckks.MaxLevel + 1;
        var released = ring.NewPolynomial(limbs);
        released.IsNttForm = true;
        ulong[] p = [ring.Moduli[0].Pow(2, 70), ring.Moduli[1].Pow(2, 70)];
        foreach (int j in committee)
        {
            var term = federation.Keys[j - 1].ShareOf(1)!.Clone();
            ring.MultiplyScalar(term, p, term, limbs);
            ring.MultiplyScalar(term, MultipartyMath.LagrangeAtZero(ring, committee, j, limbs), term, limbs);
            var noise = ring.NewPolynomial(limbs);
            using (var prng = AesCtrPrng.CreateRandom())
            {
                SmudgingNoise.Sample(prng, ring, Preset.LogSmudgingBound, noise, limbs);
            }

            ring.Add(released, term, released, limbs);
            ring.Add(released, noise, released, limbs);
        }

        var secret = SeededFederation.Lift(ring, federation.Secrets[0].Value, limbs);
        var guesses = SeededFederation.Lift(ring, released, limbs).Select(v => RoundedQuotient(v, 70)).ToArray();
        return Count(guesses, secret);
    }

    /// <summary>round(v / 2^bits), halves away from zero.</summary>
    private static BigInteger RoundedQuotient(BigInteger v, int bits) =>
        BigInteger.Divide(v + (v.Sign >= 0 ? BigInteger.One << (bits - 1) : -(BigInteger.One << (bits - 1))), BigInteger.One << bits);
}
