using System.Numerics;
using FederatedHe.Crypto.Multiparty;
using FederatedHe.Crypto.Ring;
using FederatedHe.Crypto.Rlwe;
using Xunit.Abstractions;

namespace FederatedHe.Crypto.Tests.Multiparty;

/// <summary>
/// The observer attack of issue 12 on threshold decryption, mounted exactly: a coalition of parties,
/// some outside the committee C (observers), some perhaps inside it, combines the broadcast shares
/// d_j with its own Shamir values. An observer k has sk_k = Σ_{j∈C} L_j(k)·sk_j, so with
/// a_j = D·L_j(k)/λ_j integers (D the least common denominator, all from exact rationals)
/// Σ_j a_j·d_j − D·sk_k·c1 = Σ_j a_j·e_j + Σ_j a_j·r_j: without masks a small integer combination of
/// the smudging noises, known exactly. An integer combination of the observers' relations whose
/// coefficients on the honest members are all ≡ u (mod g), u invertible, gives their noise sum mod g,
/// and the fused value c0 + Σ d_j = x + Σ e_j then gives x = c0 + c1·s mod g in every coefficient.
/// Insiders know their own noise and mask and every mask term they share with an honest member.
/// </summary>
/// <remarks>
/// <para>Each scenario checks (a) that with the internal unmasked shares the attack predicts every
/// residue (the test has teeth) and (b) that with masked shares the number of correct predictions is
/// at chance: a one-sided binomial test at a false-alarm rate of 1e-9 per assertion, the critical count
/// computed from the binomial tail. Chance rate: with masks an honest pair's uniform mask stays in each
/// relation, so the relation is uniform modulo Q, and the residue mod g of its centred representative
/// is uniform up to 1/Q (each class has ⌊Q/g⌋ or ⌈Q/g⌉ members), so a prediction is right with
/// probability at most 1/g + 1/Q; 1/Q ≈ 2^-160 is below double precision, so the rate is 1/g. For
/// predictions combined by the Chinese remainder theorem over several decryptions, all must be right:
/// at most Π 1/g_i ≤ 1/lcm(g_i). For the collective secret s, a sum of n uniform ternary
/// coefficients, no guess independent of s beats the mode: P(s_i = 0), 51/243 for n = 5.</para>
/// <para>Runs at the N = 8192 threshold preset, on a 2-of-3 federation of its own and the shared 3-of-5 one.</para>
/// </remarks>
public class DecryptionShareObserverAttackTests
{
    private const double FalseAlarmRate = 1e-9;

    private static readonly Lazy<ThresholdFederation> TwoOfThreeFederation = new(() => new ThresholdFederation(ThresholdPresets.Params128BitLogN13LogQ160Threshold, 3, 2));

    private readonly ITestOutputHelper _output;

    public DecryptionShareObserverAttackTests(ITestOutputHelper output) => _output = output;

    private static ThresholdFederation ThreeOfFive => SharedFederations.ThreeOfFiveLogN13;

    [Fact]
    public void An_observer_of_a_two_of_three_committee_reads_every_coefficient_mod_3_from_unmasked_shares_and_only_chance_from_masked_ones()
    {
        var federation = TwoOfThreeFederation.Value;
        var ciphertext = HonestCiphertext(federation, 21);
        AssertAttackOnHonestCiphertext(federation, ciphertext, coalition: [3], committees: [[1, 2]], expectedModulus: 3);
    }

    [Fact]
    public void An_observer_of_a_three_of_five_committee_reads_every_coefficient_mod_2_from_unmasked_shares_and_only_chance_from_masked_ones()
    {
        var ciphertext = HonestCiphertext(ThreeOfFive, 22);
        AssertAttackOnHonestCiphertext(ThreeOfFive, ciphertext, coalition: [4], committees: [[1, 2, 3]], expectedModulus: 2);
    }

    [Fact]
    public void Two_colluding_observers_of_a_three_of_five_committee_read_every_coefficient_mod_10_from_unmasked_shares_and_only_chance_from_masked_ones()
    {
        var ciphertext = HonestCiphertext(ThreeOfFive, 23);
        AssertAttackOnHonestCiphertext(ThreeOfFive, ciphertext, coalition: [4, 5], committees: [[1, 2, 3]], expectedModulus: 10);
    }

    [Fact]
    public void Two_colluders_recover_the_collective_secret_from_a_crafted_ciphertext_without_masks_but_guess_no_better_than_blind_with_them()
    {
        var federation = ThreeOfFive;
        var ckks = federation.Parameters.Ckks;
        var ring = ckks.Ring;
        int n = ckks.N;

        // c0 = 0, c1 = 1, so c0 + c1·s = s: the coordinator asks the committee to decrypt the secret itself.
        var crafted = federation.Encrypt(new double[1]).Clone();
        crafted.ForgetSeed();
        crafted.C0.Clear();
        crafted.C1.Clear();
        crafted.C1.IsNttForm = false;
        for (int l = 0; l < crafted.C1.LimbCount; l++)
        {
            crafted.C1.Limb(l)[0] = 1;
        }

        ring.ToNtt(crafted.C1);
        var secret = Lift(ring, CollectiveSecretTimesC1(federation, crafted), crafted.Level + 1);
        var prior = CollectiveSecretDistribution(federation.PartyCount);
        double blindRate = prior.Values.Max();
        Assert.Equal(51.0 / 243, blindRate, 12);

        int[] coalition = [4, 5];
        int[][] committees = [[1, 2, 3]];
        var unmasked = Attack(federation, crafted, coalition, committees, masked: false);
        var masked = Attack(federation, crafted, coalition, committees, masked: true);
        Assert.Equal(10, (int)unmasked.Modulus);

        int recoveredUnmasked = CountRecovered(unmasked, secret, prior);
        int recoveredMasked = CountRecovered(masked, secret, prior);
        int critical = CriticalCount(n, blindRate, FalseAlarmRate);
        _output.WriteLine($"crafted ciphertext, colluders {{4,5}}: s mod {unmasked.Modulus}; coefficients of s recovered unmasked {recoveredUnmasked}/{n}, masked {recoveredMasked}/{n}; blind-guess rate {blindRate:F4}, critical count {critical}");
        Assert.True(recoveredUnmasked >= 0.98 * n, $"without masks the colluders recovered only {recoveredUnmasked} of {n} coefficients of s");
        Assert.True(recoveredMasked < critical, $"with masks the colluders recovered {recoveredMasked} of {n} coefficients of s; chance {blindRate:F4}, critical count {critical}");
    }

    [Fact]
    public void Colluders_who_see_one_ciphertext_decrypted_by_two_committees_combine_both_without_masks_but_stay_at_chance_with_them()
    {
        // {3, 4}: party 4 observes {1,2,3} beside insider 3 (mod 2), party 3 observes {1,2,4} beside
        // insider 4 (mod 3); together, mod 6: a re-decryption after a dropout hands them more.
        var ciphertext = HonestCiphertext(ThreeOfFive, 24);
        AssertAttackOnHonestCiphertext(ThreeOfFive, ciphertext, coalition: [3, 4], committees: [[1, 2, 3], [1, 2, 4]], expectedModulus: 6);
    }

    private static Ciphertext HonestCiphertext(ThresholdFederation federation, int seed) =>
        federation.Encrypt(CkksContext.RandomValues(new Random(seed), federation.Parameters.Ckks.SlotCount, 1000));

    private void AssertAttackOnHonestCiphertext(ThresholdFederation federation, Ciphertext ciphertext, int[] coalition, int[][] committees, int expectedModulus)
    {
        int n = federation.Parameters.Ckks.N;
        var truth = Lift(federation.Parameters.Ckks.Ring, DecryptedPolynomial(federation, ciphertext), ciphertext.Level + 1);
        var unmasked = Attack(federation, ciphertext, coalition, committees, masked: false);
        var masked = Attack(federation, ciphertext, coalition, committees, masked: true);
        Assert.Equal(expectedModulus, (int)unmasked.Modulus);
        Assert.Equal(unmasked.Modulus, masked.Modulus);

        int predictedUnmasked = CountPredicted(unmasked, truth);
        int predictedMasked = CountPredicted(masked, truth);
        int critical = CriticalCount(n, 1.0 / expectedModulus, FalseAlarmRate);
        _output.WriteLine($"coalition {{{string.Join(',', coalition)}}}, committees {string.Join(" then ", committees.Select(c => $"{{{string.Join(',', c)}}}"))}: residues mod {unmasked.Modulus} predicted unmasked {predictedUnmasked}/{n}, masked {predictedMasked}/{n}; critical count {critical}");
        Assert.Equal(n, predictedUnmasked);
        Assert.True(predictedMasked < critical, $"with masks {predictedMasked} of {n} residues mod {expectedModulus} predicted; chance {1.0 / expectedModulus:F4}, critical count {critical}");
    }

    /// <summary>The coalition's prediction of x = c0 + c1·s mod <see cref="Modulus"/>; a residue of −1 where the decryptions disagree.</summary>
    private sealed record Prediction(BigInteger Modulus, BigInteger[] Residues);

    /// <summary>Every committee decrypts the ciphertext (one context each); the coalition combines what it sees of all of them.</summary>
    private static Prediction Attack(ThresholdFederation federation, Ciphertext ciphertext, int[] coalition, int[][] committees, bool masked)
    {
        Prediction? combined = null;
        foreach (int[] committee in committees)
        {
            byte[] context = SharedFederations.Context($"attack {string.Join(',', committee)}");
            var shares = committee.Select(id => masked
                ? federation.Party(id).GenShare(ciphertext, committee, context, federation.Masks(id))
                : federation.Party(id).GenShareUnchecked(ciphertext, committee, context)).ToArray();
            var prediction = AttackOneDecryption(federation, ciphertext, committee, context, shares, coalition, masked);
            combined = combined is null ? prediction : CombineByRemainders(combined, prediction);
        }

        return combined!;
    }

    private static Prediction AttackOneDecryption(ThresholdFederation federation, Ciphertext ciphertext, int[] committee, byte[] context, DecryptionShare[] shares, int[] coalition, bool masked)
    {
        var ckks = federation.Parameters.Ckks;
        var ring = ckks.Ring;
        int level = ciphertext.Level;
        int limbs = level + 1;
        int[] insiders = committee.Intersect(coalition).ToArray();
        int[] observers = coalition.Except(committee).ToArray();
        int[] honest = committee.Except(coalition).ToArray();
        Assert.True(honest.Length >= 2 && observers.Length >= 1, "the attack needs observers and at least two honest members");

        // What the coalition can strip from each share: an insider's whole mask, and the terms of the
        // honest members' masks that pair them with an insider.
        var cleaned = shares.ToDictionary(s => s.PartyId, s => s.Value.Clone());
        if (masked)
        {
            var fingerprint = MultipartyMath.Fingerprint(ciphertext);
            byte[] info = DecryptionMasks.Info(federation.KeyId, fingerprint, committee, context, level);
            foreach (int insider in insiders)
            {
                var mask = ring.NewPolynomial(limbs);
                DecryptionMasks.AddMask(ring, federation.Masks(insider), federation.KeyId, fingerprint, committee, context, level, insider, mask);
                ring.Subtract(cleaned[insider], mask, cleaned[insider], limbs);
                foreach (int member in honest)
                {
                    var term = ring.NewPolynomial(limbs);
                    DecryptionMasks.AddPairMask(ring, federation.Masks(insider).SeedWith(member), info, level, member, insider, term);
                    ring.Subtract(cleaned[member], term, cleaned[member], limbs);
                }
            }
        }

        // An insider knows its own smudging noise e_a = d_a − r_a − λ_a·sk_a·c1.
        var insiderNoise = insiders.ToDictionary(a => a, a =>
        {
            var noise = KeyTimesC1(federation, a, ciphertext);
            ring.MultiplyScalar(noise, MultipartyMath.LagrangeAtZero(ring, committee, a, limbs), noise, limbs);
            ring.Subtract(cleaned[a], noise, noise, limbs);
            return noise;
        });

        // One relation per observer k: Σ_{h honest} a_h·e_h = Σ_j a_j·d_j − Σ_a a_a·e_a − D·sk_k·c1.
        var relations = new List<(BigInteger[] Coefficients, BigInteger[] Values)>();
        foreach (int observer in observers)
        {
            var a = IntegerRelation(committee, observer, out BigInteger denominator);
            var combination = KeyTimesC1(federation, observer, ciphertext);
            ring.MultiplyScalar(combination, Residues(ring, -denominator, limbs), combination, limbs);
            for (int i = 0; i < committee.Length; i++)
            {
                int member = committee[i];
                var term = cleaned[member].Clone();
                if (insiders.Contains(member))
                {
                    ring.Subtract(term, insiderNoise[member], term, limbs);
                }

                ring.MultiplyScalar(term, Residues(ring, a[i], limbs), term, limbs);
                ring.Add(combination, term, combination, limbs);
            }

            var honestCoefficients = honest.Select(h => a[Array.IndexOf(committee, h)]).ToArray();
            relations.Add((honestCoefficients, Lift(ring, combination, limbs)));
        }

        var (modulus, weights, unit) = BestCombination(relations.Select(r => r.Coefficients).ToList());
        Assert.True(modulus > 1, "the relations give no residue");

        // The fused value T = x + Σ_j e_j; x ≡ T − Σ_a e_a − u⁻¹·Σ_k w_k·K_k (mod g).
        var fused = Lift(ring, federation.Combiner.FuseUnchecked(ciphertext, shares).Value, limbs);
        var known = ring.NewPolynomial(limbs);
        foreach (var noise in insiderNoise.Values)
        {
            ring.Add(known, noise, known, limbs);
        }

        var knownSum = Lift(ring, known, limbs);
        BigInteger unitInverse = BigInteger.ModPow(Mod(unit, modulus), Totient(modulus) - 1, modulus);
        var residues = new BigInteger[ckks.N];
        for (int i = 0; i < residues.Length; i++)
        {
            BigInteger honestNoise = 0;
            for (int k = 0; k < relations.Count; k++)
            {
                honestNoise += weights[k] * relations[k].Values[i];
            }

            residues[i] = Mod(fused[i] - knownSum[i] - (unitInverse * honestNoise), modulus);
        }

        return new Prediction(modulus, residues);
    }

    /// <summary>a_j = D·L_j(k)/λ_j over the committee, integers, with D the least common denominator.</summary>
    private static BigInteger[] IntegerRelation(int[] committee, int observer, out BigInteger denominator)
    {
        var ratios = committee.Select(j => Fraction.Divide(LagrangeBasis(committee, j, observer), LagrangeBasis(committee, j, 0))).ToArray();
        BigInteger lcm = 1;
        foreach (var ratio in ratios)
        {
            lcm = lcm / BigInteger.GreatestCommonDivisor(lcm, ratio.Denominator) * ratio.Denominator;
        }

        denominator = lcm;
        return ratios.Select(r => r.Numerator * (lcm / r.Denominator)).ToArray();
    }

    /// <summary>L_j(x) = Π_{m∈C, m≠j} (x − m)/(j − m), exactly.</summary>
    private static Fraction LagrangeBasis(int[] committee, int j, int x)
    {
        var value = new Fraction(1, 1);
        foreach (int m in committee.Where(m => m != j))
        {
            value = Fraction.Multiply(value, new Fraction(x - m, j - m));
        }

        return value;
    }

    /// <summary>
    /// The integer combination w of the relations (|w_k| ≤ 12) whose honest coefficients are all
    /// congruent to a unit u modulo the largest g: g = gcd_h(v_h − v_1) with the factors it shares
    /// with v_1 removed.
    /// </summary>
    private static (BigInteger Modulus, int[] Weights, BigInteger Unit) BestCombination(List<BigInteger[]> relations)
    {
        const int Range = 12;
        var best = (Modulus: BigInteger.One, Weights: new int[relations.Count], Unit: BigInteger.One);
        var weights = new int[relations.Count];
        int combinations = (int)Math.Pow((2 * Range) + 1, relations.Count);
        for (int index = 0; index < combinations; index++)
        {
            int rest = index;
            for (int k = 0; k < weights.Length; k++)
            {
                weights[k] = (rest % ((2 * Range) + 1)) - Range;
                rest /= (2 * Range) + 1;
            }

            var combined = Enumerable.Range(0, relations[0].Length).Select(h => Enumerable.Range(0, relations.Count).Aggregate(BigInteger.Zero, (sum, k) => sum + (weights[k] * relations[k][h]))).ToArray();
            BigInteger g = 0;
            foreach (var coefficient in combined.Skip(1))
            {
                g = BigInteger.GreatestCommonDivisor(g, coefficient - combined[0]);
            }

            for (BigInteger shared = BigInteger.GreatestCommonDivisor(g, combined[0]); g > 1 && shared > 1; shared = BigInteger.GreatestCommonDivisor(g, combined[0]))
            {
                g /= shared;
            }

            if (g > best.Modulus)
            {
                best = (g, weights.ToArray(), combined[0]);
            }
        }

        return best;
    }

    private static Prediction CombineByRemainders(Prediction first, Prediction second)
    {
        BigInteger gcd = BigInteger.GreatestCommonDivisor(first.Modulus, second.Modulus);
        BigInteger lcm = first.Modulus / gcd * second.Modulus;
        var residues = new BigInteger[first.Residues.Length];
        for (int i = 0; i < residues.Length; i++)
        {
            BigInteger r1 = first.Residues[i];
            BigInteger r2 = second.Residues[i];
            if (r1 < 0 || r2 < 0 || (r2 - r1) % gcd != 0)
            {
                residues[i] = -1;
                continue;
            }

            // x = r1 + m1·t with m1·t ≡ r2 − r1 (mod m2): t = ((r2 − r1)/g)·(m1/g)⁻¹ mod (m2/g).
            BigInteger m2 = second.Modulus / gcd;
            BigInteger inverse = m2 == 1 ? 0 : BigInteger.ModPow(Mod(first.Modulus / gcd, m2), Totient(m2) - 1, m2);
            BigInteger t = Mod((r2 - r1) / gcd * inverse, m2 == 1 ? 1 : m2);
            residues[i] = Mod(r1 + (first.Modulus * t), lcm);
        }

        return new Prediction(lcm, residues);
    }

    private static int CountPredicted(Prediction prediction, BigInteger[] truth) =>
        Enumerable.Range(0, truth.Length).Count(i => prediction.Residues[i] == Mod(truth[i], prediction.Modulus));

    /// <summary>Coefficients of s guessed right: the likeliest value of s_i (by its prior) with the predicted residue.</summary>
    private static int CountRecovered(Prediction prediction, BigInteger[] secret, IReadOnlyDictionary<int, double> prior)
    {
        int recovered = 0;
        for (int i = 0; i < secret.Length; i++)
        {
            var candidates = prior.Where(p => Mod(p.Key, prediction.Modulus) == prediction.Residues[i]).ToList();
            if (candidates.Count > 0 && candidates.MaxBy(p => p.Value).Key == secret[i])
            {
                recovered++;
            }
        }

        return recovered;
    }

    /// <summary>The distribution of one coefficient of s = Σ_i s_i, each s_i uniform in {−1, 0, 1}.</summary>
    private static Dictionary<int, double> CollectiveSecretDistribution(int partyCount)
    {
        var distribution = new Dictionary<int, double> { [0] = 1.0 };
        for (int i = 0; i < partyCount; i++)
        {
            var next = new Dictionary<int, double>();
            foreach (var (value, probability) in distribution)
            {
                for (int step = -1; step <= 1; step++)
                {
                    next[value + step] = next.GetValueOrDefault(value + step) + (probability / 3);
                }
            }

            distribution = next;
        }

        return distribution;
    }

    /// <summary>The smallest c with P(X ≥ c) ≤ α for X ~ Binomial(n, p).</summary>
    internal static int CriticalCount(int n, double p, double alpha)
    {
        var logFactorial = new double[n + 1];
        for (int k = 1; k <= n; k++)
        {
            logFactorial[k] = logFactorial[k - 1] + Math.Log(k);
        }

        double tail = 0;
        for (int c = n; c >= 0; c--)
        {
            tail += Math.Exp(logFactorial[n] - logFactorial[c] - logFactorial[n - c] + (c * Math.Log(p)) + ((n - c) * Math.Log(1 - p)));
            if (tail > alpha)
            {
                return c + 1;
            }
        }

        return 0;
    }

    /// <summary>x = c0 + c1·s with s = Σ_i s_i the collective secret (NTT form).</summary>
    private static RnsPolynomial DecryptedPolynomial(ThresholdFederation federation, Ciphertext ciphertext)
    {
        var ring = federation.Parameters.Ckks.Ring;
        var value = CollectiveSecretTimesC1(federation, ciphertext);
        ring.Add(value, ciphertext.C0, value, ciphertext.Level + 1);
        return value;
    }

    private static RnsPolynomial CollectiveSecretTimesC1(ThresholdFederation federation, Ciphertext ciphertext)
    {
        var ring = federation.Parameters.Ckks.Ring;
        int limbs = ciphertext.Level + 1;
        var secret = ring.NewPolynomial(limbs);
        foreach (var share in federation.SecretShares)
        {
            ring.Add(secret, share.Value, secret, limbs);
        }

        ring.Multiply(secret, ciphertext.C1, secret, limbs);
        secret.IsNttForm = true;
        return secret;
    }

    /// <summary>sk_k·c1 for party k's Shamir value (NTT form).</summary>
    private static RnsPolynomial KeyTimesC1(ThresholdFederation federation, int party, Ciphertext ciphertext)
    {
        var ring = federation.Parameters.Ckks.Ring;
        int limbs = ciphertext.Level + 1;
        var product = ring.NewPolynomial(limbs);
        ring.Multiply(federation.Keys[party - 1].Value.Value, ciphertext.C1, product, limbs);
        product.IsNttForm = true;
        return product;
    }

    private static ulong[] Residues(RingContext ring, BigInteger value, int limbs) =>
        Enumerable.Range(0, limbs).Select(l => (ulong)Mod(value, ring.Moduli[l].Value)).ToArray();

    /// <summary>The centred integer coefficients of an NTT-form polynomial, by CRT over its limbs.</summary>
    private static BigInteger[] Lift(RingContext ring, RnsPolynomial ntt, int limbs)
    {
        var coefficients = ntt.Clone();
        coefficients.SetLimbCount(limbs);
        ring.FromNtt(coefficients);
        BigInteger q = Enumerable.Range(0, limbs).Aggregate(BigInteger.One, (product, l) => product * ring.Moduli[l].Value);
        var basis = Enumerable.Range(0, limbs).Select(l =>
        {
            BigInteger prime = ring.Moduli[l].Value;
            BigInteger cofactor = q / prime;
            return cofactor * BigInteger.ModPow(cofactor % prime, prime - 2, prime);
        }).ToArray();
        var lifted = new BigInteger[ring.N];
        for (int i = 0; i < lifted.Length; i++)
        {
            BigInteger value = 0;
            for (int l = 0; l < limbs; l++)
            {
                value += coefficients.Limb(l)[i] * basis[l];
            }

            value %= q;
            lifted[i] = value > q / 2 ? value - q : value;
        }

        return lifted;
    }

    private static BigInteger Mod(BigInteger value, BigInteger modulus) => ((value % modulus) + modulus) % modulus;

    /// <summary>Euler's φ by trial division (the moduli here are tiny), for inverses by Euler's theorem.</summary>
    private static BigInteger Totient(BigInteger m)
    {
        BigInteger result = m;
        BigInteger rest = m;
        for (BigInteger p = 2; p * p <= rest; p++)
        {
            if (rest % p == 0)
            {
                while (rest % p == 0)
                {
                    rest /= p;
                }

                result -= result / p;
            }
        }

        if (rest > 1)
        {
            result -= result / rest;
        }

        return result;
    }

    /// <summary>An exact rational in lowest terms with a positive denominator.</summary>
    private readonly record struct Fraction
    {
        public Fraction(BigInteger numerator, BigInteger denominator)
        {
            if (denominator.Sign < 0)
            {
                numerator = -numerator;
                denominator = -denominator;
            }

            BigInteger gcd = BigInteger.GreatestCommonDivisor(numerator, denominator);
            Numerator = numerator / gcd;
            Denominator = denominator / gcd;
        }

        public BigInteger Numerator { get; }

        public BigInteger Denominator { get; }

        public static Fraction Multiply(Fraction a, Fraction b) => new(a.Numerator * b.Numerator, a.Denominator * b.Denominator);

        public static Fraction Divide(Fraction a, Fraction b) => new(a.Numerator * b.Denominator, a.Denominator * b.Numerator);
    }
}
