using System.Numerics;
using FederatedHe.Crypto.Ckks;
using FederatedHe.Crypto.Multiparty;
using FederatedHe.Crypto.Ring;
using FederatedHe.Crypto.Rlwe;

namespace FederatedHe.Crypto.Tests.Multiparty;

/// <summary>
/// The presets: 128-bit secure, with room for smudging noise of 2^(κ + log N + log B_ct) and a stated
/// fused precision of 1e-6 or better; and the smudging noise itself, as documented.
/// </summary>
public class ThresholdParameterTests
{
    /// <summary>The collective-key presets (the seeded set's sizing differs: see its own test).</summary>
    public static TheoryData<string> Presets => new(ThresholdPresets.All.Where(p => p.Value.Scheme == ThresholdScheme.CollectiveKey).Select(p => p.Key));

    [Fact]
    public void The_runtime_offers_both_collective_key_presets_and_the_seeded_preset()
    {
        Assert.Equal(
            [nameof(ThresholdPresets.Params128BitLogN13LogQ108SeededThreshold), nameof(ThresholdPresets.Params128BitLogN13LogQ160Threshold),
                nameof(ThresholdPresets.Params128BitLogN14LogQ160Threshold)],
            ThresholdPresets.All.Keys.Order());
        Assert.Equal(ThresholdScheme.SeededSecretKey, ThresholdPresets.All[nameof(ThresholdPresets.Params128BitLogN13LogQ108SeededThreshold)].Scheme);
    }

    [Theory]
    [MemberData(nameof(Presets))]
    public void Every_collective_key_preset_is_128_bit_secure_with_kappa_40_and_a_fused_precision_of_1e_6_for_up_to_16_parties(string name)
    {
        var preset = ThresholdPresets.All[name];
        Assert.True(preset.Ckks.IsSecure);
        Assert.True(preset.Ckks.LogQP <= HomomorphicEncryptionStandard.MaxLogQP(preset.Ckks.LogN));
        Assert.Equal(40, preset.StatisticalSecurity);
        Assert.Equal(16, preset.MaxParties);
        Assert.Equal(40 + preset.Ckks.LogN + 32, preset.LogSmudgingBound);
        Assert.True(preset.FusedErrorBound(16) <= 1e-6, $"{preset.FusedErrorBound(16)}");
        Assert.True(preset.ValueBound >= 1e12, $"{preset.ValueBound}");
        Assert.True(preset.MaxAggregatedCiphertexts(16) >= 400, $"{preset.MaxAggregatedCiphertexts(16)}");
        Assert.True(preset.MaxAggregatedCiphertexts(5) >= 1000, $"{preset.MaxAggregatedCiphertexts(5)}");
    }

    [Fact]
    public void The_stated_precisions_are_those_the_documentation_quotes()
    {
        var logN13 = ThresholdPresets.Params128BitLogN13LogQ160Threshold;
        var logN14 = ThresholdPresets.Params128BitLogN14LogQ160Threshold;
        Assert.InRange(logN13.FusedErrorBound(3), 2.7e-7, 2.8e-7);
        Assert.InRange(logN13.FusedErrorBound(16), 6.3e-7, 6.4e-7);
        Assert.InRange(logN14.FusedErrorBound(3), 3.8e-7, 3.95e-7);
        Assert.InRange(logN14.FusedErrorBound(16), 8.9e-7, 9.0e-7);
    }

    [Fact]
    public void A_chain_of_two_primes_at_N_8192_cannot_give_both_1e_6_precision_and_values_up_to_1000()
    {
        for (int logScale = 60; logScale < 121; logScale++)
        {
            var literal = ThresholdPresets.LiteralLogN13LogQ160Threshold with
            {
                Ckks = new CkksParametersLiteral { LogN = 13, LogQ = [61, 61], LogScale = logScale },
            };
            ThresholdParameters parameters;
            try
            {
                parameters = ThresholdParameters.Create(literal);
            }
            catch (CkksParameterException)
            {
                continue;
            }

            Assert.True(parameters.ValueBound < 1000 || parameters.FusedErrorBound(3) > 1e-6, $"Δ = 2^{logScale}");
        }
    }

    [Fact]
    public void A_modulus_without_room_for_the_smudging_noise_is_refused()
    {
        var literal = ThresholdPresets.LiteralLogN13LogQ160Threshold with
        {
            Ckks = new CkksParametersLiteral { LogN = 13, LogQ = [50, 40], LogScale = 80 },
        };
        Assert.Equal("Ckks", Assert.Throws<CkksParameterException>(() => ThresholdParameters.Create(literal)).Field);
    }

    [Fact]
    public void Kappa_below_40_and_a_noise_bound_below_one_fresh_encryption_are_refused()
    {
        var literal = ThresholdPresets.LiteralLogN13LogQ160Threshold;
        Assert.Equal("StatisticalSecurity", Assert.Throws<CkksParameterException>(() => ThresholdParameters.Create(literal with { StatisticalSecurity = 30 })).Field);
        Assert.Equal("LogCiphertextNoiseBound", Assert.Throws<CkksParameterException>(() => ThresholdParameters.Create(literal with { LogCiphertextNoiseBound = 20 })).Field);
        Assert.Equal("MaxParties", Assert.Throws<CkksParameterException>(() => ThresholdParameters.Create(literal with { MaxParties = 0 })).Field);
    }

    [Fact]
    public void Smudging_noise_is_fresh_for_every_share_and_uniform_on_the_documented_interval()
    {
        var federation = SharedFederations.ThreeOfFiveLogN13;
        var parameters = federation.Parameters;
        var ckks = parameters.Ckks;
        var ciphertext = federation.Encrypt([3.0]);
        int[] committee = [1, 2, 3];
        var first = federation.Party(2).GenShare(ciphertext, committee, "r"u8, federation.Masks(2));
        var second = federation.Party(2).GenShare(ciphertext, committee, "r"u8, federation.Masks(2));
        Assert.NotEqual(first.Value.Coefficients.ToArray(), second.Value.Coefficients.ToArray());

        // The difference of two shares is e − e', with e and e' uniform in [−B, B): |e − e'| < 2B, variance 2B²/3.
        var difference = ckks.Ring.NewPolynomial();
        ckks.Ring.Subtract(first.Value, second.Value, difference, difference.LimbCount);
        ckks.Ring.FromNtt(difference);
        BigInteger bound = BigInteger.Pow(2, parameters.LogSmudgingBound);
        double sumOfSquares = 0;
        BigInteger largest = 0;
        foreach (var value in Lift(ckks, difference))
        {
            Assert.True(BigInteger.Abs(value) < 2 * bound);
            largest = BigInteger.Max(largest, BigInteger.Abs(value));
            double scaled = (double)value / (double)bound;
            sumOfSquares += scaled * scaled;
        }

        double variance = sumOfSquares / ckks.N;
        Assert.InRange(variance, (2.0 / 3) * 0.95, (2.0 / 3) * 1.05);
        Assert.True(largest > bound, "the noise should reach beyond B in some coefficient of the difference");
    }

    private static IEnumerable<BigInteger> Lift(CkksParameters ckks, RnsPolynomial coefficients)
    {
        var moduli = ckks.Ring.Moduli;
        BigInteger q = moduli.Aggregate(BigInteger.One, (product, m) => product * m.Value);
        var basis = moduli.Select(m =>
        {
            BigInteger hat = q / m.Value;
            return hat * m.Inverse((ulong)(hat % m.Value));
        }).ToArray();
        for (int j = 0; j < ckks.N; j++)
        {
            BigInteger x = 0;
            for (int l = 0; l < moduli.Count; l++)
            {
                x += basis[l] * coefficients.Limb(l)[j];
            }

            x %= q;
            yield return x > q / 2 ? x - q : x;
        }
    }
}
