using System.Numerics;
using FederatedHe.Crypto.Ckks;
using FederatedHe.Crypto.Multiparty;
using FederatedHe.Crypto.Ring;
using FederatedHe.Crypto.Rlwe;
using Xunit.Abstractions;

namespace FederatedHe.Crypto.Tests.Multiparty;

/// <summary>
/// A malicious hospital adds a crafted ciphertext (0, p) to its update, so that the fused aggregate holds p·s and
/// hands it the collective secret s. These tests mount that attack on the library, show that it works, and show
/// that <see cref="DecryptionNoiseAudit"/> tells honest parties the key is exposed, while never flagging honest
/// aggregates (its false-alarm rate is 2^-κ = 2^-40 per check by the Laurent–Massart bound, so an honest run that
/// trips it would be a bug, not bad luck).
/// </summary>
public class CraftedCiphertextAuditTests(ITestOutputHelper output)
{
    private static readonly int[] Committee = [1, 2, 3];

    private static ThresholdFederation Federation => SharedFederations.ThreeOfFiveLogN13;

    [Fact]
    public void Honest_aggregates_pass_the_audit_and_their_statistic_averages_the_chi_square_mean_even_for_huge_values()
    {
        var federation = Federation;
        var audit = new DecryptionNoiseAudit(federation.Parameters);
        var random = new Random(7);
        var committees = ThresholdFederation.Subsets(5, 3).ToArray();
        var ratios = new List<double>();
        for (int trial = 0; trial < 12; trial++)
        {
            // Four hospitals' encryptions summed; every third trial has values like round 0's sums of squares (~1e9).
            double magnitude = trial % 3 == 0 ? 3.5e9 : 1000;
            var sum = SumOfFreshEncryptions(federation, random, 4, magnitude);
            var committee = committees[trial % committees.Length];
            var context = SharedFederations.Context($"round {trial}");
            var reading = Audit(federation, audit, sum, committee, context);
            ratios.Add(reading.Statistic / audit.DegreesOfFreedom);
            Assert.True(reading.Statistic < reading.Threshold);
        }

        // One statistic over N/2 = 4096 degrees of freedom has a relative spread of √(2/4096) ≈ 2.2%; the mean of 12, 0.64%.
        output.WriteLine($"honest S/k: mean {ratios.Average():F4}, min {ratios.Min():F4}, max {ratios.Max():F4}; threshold/k {audit.Threshold(audit.DegreesOfFreedom, 1, 3) / audit.DegreesOfFreedom:F4}");
        Assert.InRange(ratios.Average(), 0.95, 1.05);
        Assert.Equal(12, audit.AuditedDecryptions);
    }

    [Fact]
    public void A_hospital_that_adds_a_huge_constant_c1_reads_the_collective_secret_and_the_audit_flags_the_decryption()
    {
        var federation = Federation;
        var ring = federation.Parameters.Ckks.Ring;
        var honest = SumOfFreshEncryptions(federation, new Random(11), 3, 10);
        var crafted = CraftedC1(federation, BigInteger.Pow(2, 150), monomialDegree: 0);
        var aggregate = new Ciphertext(federation.Parameters.Ckks, honest.Level, honest.Scale);
        new Evaluator(federation.Parameters.Ckks).Add(honest, crafted, aggregate);

        // The attack works: the fused plaintext, which every party that fuses holds, is Δm + noise + 2^150·s.
        var context = SharedFederations.Context("round 1");
        var fused = federation.Combiner.Fuse(aggregate, federation.Shares(aggregate, Committee, context), context);
        var recovered = CenteredCoefficients(ring, fused.Value).Select(c => RoundedQuotient(c, BigInteger.Pow(2, 150))).ToArray();
        Assert.Equal(CollectiveSecret(federation), recovered);

        // ...and the audit tells the honest parties, before they decode or use the result.
        var audit = new DecryptionNoiseAudit(federation.Parameters);
        var flagged = Assert.Throws<SuspiciousDecryptionException>(() =>
            federation.Combiner.FuseValues(aggregate, federation.Shares(aggregate, Committee, context), context, audit));
        Assert.True(flagged.SingleDecryption);
        Assert.Contains("expose the collective secret key", flagged.Message);
        Assert.Equal(0, audit.AuditedDecryptions);
    }

    [Fact]
    public void A_crafted_term_just_large_enough_to_read_s_through_the_smudging_is_flagged()
    {
        // 2^89·X^5·s: each coefficient a multiple of 2^89 against smudging of 3 uniforms on ±2^85 (σ = 2^85): readable,
        // yet about 2^(89−117)·‖s‖_can ≈ 6e-7 in each slot, the size of the fused error: no range check on values sees it.
        var federation = Federation;
        var honest = SumOfFreshEncryptions(federation, new Random(13), 3, 10);
        var aggregate = new Ciphertext(federation.Parameters.Ckks, honest.Level, honest.Scale);
        new Evaluator(federation.Parameters.Ckks).Add(honest, CraftedC1(federation, BigInteger.Pow(2, 89), monomialDegree: 5), aggregate);
        var context = SharedFederations.Context("round 2");
        var audit = new DecryptionNoiseAudit(federation.Parameters);
        var flagged = Assert.Throws<SuspiciousDecryptionException>(() => Audit(federation, audit, aggregate, Committee, context));
        output.WriteLine(flagged.Message);
        Assert.True(flagged.Reading.Statistic > 4 * flagged.Reading.Threshold);
    }

    [Fact]
    public void A_small_crafted_term_repeated_over_many_decryptions_is_caught_by_the_running_total()
    {
        // 2^82·s adds about a twentieth of the honest noise energy: each decryption alone stays below its threshold
        // (N/2 + 17.8% at κ = 40), but the running total's margin shrinks like 1/√decryptions.
        var federation = Federation;
        var audit = new DecryptionNoiseAudit(federation.Parameters);
        var crafted = CraftedC1(federation, BigInteger.Pow(2, 82), monomialDegree: 0);
        var evaluator = new Evaluator(federation.Parameters.Ckks);
        var random = new Random(17);
        SuspiciousDecryptionException? caught = null;
        for (int round = 0; round < 40 && caught is null; round++)
        {
            var honest = SumOfFreshEncryptions(federation, random, 1, 10);
            var aggregate = new Ciphertext(federation.Parameters.Ckks, honest.Level, honest.Scale);
            evaluator.Add(honest, crafted, aggregate);
            try
            {
                var reading = Audit(federation, audit, aggregate, Committee, SharedFederations.Context($"round {round}"));
                Assert.True(reading.Statistic < reading.Threshold);
            }
            catch (SuspiciousDecryptionException e)
            {
                caught = e;
            }
        }

        Assert.NotNull(caught);
        output.WriteLine(caught!.Message);
        Assert.False(caught!.SingleDecryption);
        Assert.InRange(caught.Reading.Decryptions, 2, 40);
    }

    [Fact]
    public void The_honest_threshold_is_the_Laurent_Massart_bound_at_two_to_the_minus_kappa()
    {
        var audit = new DecryptionNoiseAudit(Federation.Parameters);
        double k = audit.DegreesOfFreedom;
        double x = 40 * Math.Log(2);
        Assert.Equal(4096, k);
        Assert.Equal(k + (2 * Math.Sqrt(k * x)) + (2 * x), audit.Threshold(k, 1, 3), 1e-6);
    }

    private static DecryptionNoiseReading Audit(ThresholdFederation federation, DecryptionNoiseAudit audit, Ciphertext ciphertext, int[] committee, byte[] context)
    {
        var fused = federation.Combiner.Fuse(ciphertext, federation.Shares(ciphertext, committee, context), context);
        return audit.Audit(fused, committee.Length);
    }

    private static Ciphertext SumOfFreshEncryptions(ThresholdFederation federation, Random random, int hospitals, double magnitude)
    {
        var evaluator = new Evaluator(federation.Parameters.Ckks);
        Ciphertext? sum = null;
        for (int h = 0; h < hospitals; h++)
        {
            var values = Enumerable.Range(0, federation.Parameters.Ckks.SlotCount).Select(_ => magnitude * ((2 * random.NextDouble()) - 1)).ToArray();
            var ciphertext = federation.Encrypt(values);
            if (sum is null)
                sum = ciphertext;
            else
                evaluator.AddInPlace(sum, ciphertext);
        }

        return sum!;
    }

    /// <summary>(0, value·X^degree) at the top level and default scale: what the malicious hospital adds to its update.</summary>
    private static Ciphertext CraftedC1(ThresholdFederation federation, BigInteger value, int monomialDegree)
    {
        var ckks = federation.Parameters.Ckks;
        var ring = ckks.Ring;
        var crafted = new Ciphertext(ckks, ckks.MaxLevel, ckks.DefaultScale);
        for (int l = 0; l <= ckks.MaxLevel; l++)
        {
            var q = ring.Moduli[l];
            var c1 = crafted.C1.Limb(l);
            c1.Clear();
            c1[monomialDegree] = (ulong)(value % q.Value);
            ring.Ntt(l).Forward(c1);
            crafted.C0.Limb(l).Clear();
        }

        crafted.C0.IsNttForm = true;
        crafted.C1.IsNttForm = true;
        return crafted;
    }

    /// <summary>The coefficients of s = Σ s_i, the secret no party holds.</summary>
    private static int[] CollectiveSecret(ThresholdFederation federation)
    {
        var ring = federation.Parameters.Ckks.Ring;
        var sum = new RnsPolynomial(ring.N, 1);
        var q = ring.Moduli[0];
        foreach (var share in federation.SecretShares)
        {
            var limb = share.Value.Limb(0);
            for (int j = 0; j < ring.N; j++)
                sum.Limb(0)[j] = q.Add(sum.Limb(0)[j], limb[j]);
        }

        ring.Ntt(0).Inverse(sum.Limb(0));
        return sum.Limb(0).ToArray().Select(c => c > q.Value / 2 ? -(int)(q.Value - c) : (int)c).ToArray();
    }

    private static int RoundedQuotient(BigInteger value, BigInteger divisor)
    {
        var quotient = BigInteger.DivRem(value + (divisor / 2), divisor, out var remainder);
        return (int)(remainder.Sign < 0 ? quotient - 1 : quotient);
    }

    private static BigInteger[] CenteredCoefficients(RingContext ring, RnsPolynomial nttValue)
    {
        int limbs = nttValue.LimbCount;
        var coefficients = new RnsPolynomial(ring.N, limbs);
        nttValue.Coefficients.CopyTo(coefficients.Coefficients);
        BigInteger modulus = BigInteger.One;
        for (int l = 0; l < limbs; l++)
        {
            ring.Ntt(l).Inverse(coefficients.Limb(l));
            modulus *= ring.Moduli[l].Value;
        }

        var result = new BigInteger[ring.N];
        for (int j = 0; j < ring.N; j++)
        {
            BigInteger x = BigInteger.Zero;
            for (int l = 0; l < limbs; l++)
            {
                var q = ring.Moduli[l];
                BigInteger others = modulus / q.Value;
                x += others * q.Inverse((ulong)(others % q.Value)) * coefficients.Limb(l)[j];
            }

            x %= modulus;
            result[j] = x > modulus / 2 ? x - modulus : x;
        }

        return result;
    }
}
