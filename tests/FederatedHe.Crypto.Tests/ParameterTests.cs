using FederatedHe.Crypto.Ckks;

namespace FederatedHe.Crypto.Tests;

public class ParameterTests
{
    [Fact]
    public void Every_preset_is_128_bit_secure_with_the_documented_chain()
    {
        foreach (var (name, parameters) in CkksPresets.All)
        {
            Assert.True(parameters.IsSecure, name);
            Assert.True(parameters.LogQP <= HomomorphicEncryptionStandard.MaxLogQP(parameters.LogN), name);
            Assert.All(parameters.CiphertextPrimes, q => Assert.Equal(1UL, q % (2UL * (ulong)parameters.N)));
        }

        var p1 = CkksPresets.Params128BitLogN13LogQ101;
        Assert.Equal(8192, p1.N);
        Assert.Equal(4096, p1.SlotCount);
        Assert.Equal(new[] { 60, 41 }, p1.CiphertextPrimes.Select(q => (int)Math.Ceiling(Math.Log2(q))));
        Assert.Equal(Math.ScaleB(1.0, 40), p1.DefaultScale);
        Assert.Equal(16384, CkksPresets.Params128BitLogN14LogQ101.N);
        Assert.Equal(0, CkksPresets.Params128BitLogN13FedAvg.MaxLevel);
    }

    [Theory]
    [InlineData(12, 109)]
    [InlineData(13, 218)]
    [InlineData(14, 438)]
    [InlineData(15, 881)]
    [InlineData(16, 1761)]
    public void The_security_table_is_the_HomomorphicEncryption_org_standard_for_128_bit_ternary_secrets(int logN, int maxLogQP) =>
        Assert.Equal(maxLogQP, HomomorphicEncryptionStandard.MaxLogQP(logN));

    [Fact]
    public void A_set_over_the_security_bound_is_refused_with_the_bound_in_the_exception()
    {
        // N = 8192 with log2 QP just above 218: 4 × 55-bit primes (≈ 220 bits) minus a little still exceeds 218.
        var literal = new CkksParametersLiteral { LogN = 13, LogQ = [60, 60, 50, 49], LogScale = 40 };
        var exception = Assert.Throws<InsecureParametersException>(() => CkksParameters.Create(literal));
        Assert.Equal(218, exception.MaxLogQP);
        Assert.True(exception.LogQP > 218);

        var withP = new CkksParametersLiteral { LogN = 12, LogQ = [60], LogP = [50], LogScale = 40 };
        Assert.Throws<InsecureParametersException>(() => CkksParameters.Create(withP));
    }

    [Fact]
    public void A_set_at_the_security_bound_is_accepted()
    {
        var literal = new CkksParametersLiteral { LogN = 13, LogQ = [60, 60, 50, 48], LogScale = 40 };
        var parameters = CkksParameters.Create(literal);
        Assert.True(parameters.LogQP <= 218);
        Assert.True(parameters.IsSecure);
    }

    [Fact]
    public void An_insecure_set_is_accepted_only_when_explicitly_allowed_and_is_marked_insecure()
    {
        var literal = new CkksParametersLiteral { LogN = 12, LogQ = [60, 50], LogScale = 40 };
        Assert.Throws<InsecureParametersException>(() => CkksParameters.Create(literal));
        var parameters = CkksParameters.Create(literal, allowInsecure: true);
        Assert.False(parameters.IsSecure);
        Assert.False(TestInsecureParameters.TestInsecureLogN6.IsSecure);
    }

    [Theory]
    [InlineData(11)]
    [InlineData(17)]
    public void Ring_dimensions_outside_2_to_the_12_to_2_to_the_16_are_refused(int logN)
    {
        var literal = new CkksParametersLiteral { LogN = logN, LogQ = [40], LogScale = 30 };
        var exception = Assert.ThrowsAny<CkksParameterException>(() => CkksParameters.Create(literal));
        Assert.Equal("LogN", exception.Field);
    }

    [Fact]
    public void Malformed_chains_and_scales_are_refused_with_the_field_named()
    {
        Assert.Equal("Q", Assert.Throws<CkksParameterException>(() => CkksParameters.Create(new CkksParametersLiteral { LogN = 13, LogScale = 40 })).Field);
        Assert.Equal("LogQ", Assert.Throws<CkksParameterException>(() => CkksParameters.Create(new CkksParametersLiteral { LogN = 13, LogQ = [62], LogScale = 40 })).Field);
        ulong notNttFriendly = 1152921504606846883; // prime, but not 1 mod 2^14
        Assert.Equal("Q", Assert.Throws<CkksParameterException>(() => CkksParameters.Create(new CkksParametersLiteral { LogN = 13, Q = [notNttFriendly], LogScale = 40 })).Field);
        ulong composite = (1UL << 45) + 1; // ≡ 1 mod 2^14, divisible by 3
        Assert.Equal("Q", Assert.Throws<CkksParameterException>(() => CkksParameters.Create(new CkksParametersLiteral { LogN = 13, Q = [composite], LogScale = 40 })).Field);
        ulong q = CkksPresets.Params128BitLogN13LogQ101.CiphertextPrimes[0];
        Assert.Equal("Q", Assert.Throws<CkksParameterException>(() => CkksParameters.Create(new CkksParametersLiteral { LogN = 13, Q = [q, q], LogScale = 40 })).Field);
        Assert.Equal("LogScale", Assert.Throws<CkksParameterException>(() => CkksParameters.Create(new CkksParametersLiteral { LogN = 13, LogQ = [40], LogScale = 40 })).Field);
    }

    [Fact]
    public void The_identifier_is_a_stable_hash_of_the_canonical_encoding()
    {
        var a = CkksParameters.Create(CkksPresets.LiteralLogN13LogQ101);
        var b = CkksParameters.Create(a.ToLiteral());
        Assert.Equal(a.Id, b.Id);
        Assert.Equal(CkksPresets.Params128BitLogN13LogQ101.Id, a.Id);
        var otherScale = CkksParameters.Create(CkksPresets.LiteralLogN13LogQ101 with { LogScale = 39 });
        Assert.NotEqual(a.Id, otherScale.Id);
        Assert.Equal(CkksPresets.All.Count, CkksPresets.All.Values.Select(p => p.Id).Distinct().Count());
        Assert.Equal(64, a.Id.ToString().Length);
    }

    [Fact]
    public void Primes_are_generated_deterministically_from_bit_sizes()
    {
        var p = CkksPresets.Params128BitLogN13LogQ101;
        // The largest primes ≡ 1 mod 2^14 below 2^60 and 2^41 (checked independently).
        Assert.Equal(1152921504606830593UL, p.CiphertextPrimes[0]);
        Assert.Equal(2199023190017UL, p.CiphertextPrimes[1]);
        Assert.Equal(p.CiphertextPrimes, CkksParameters.Create(CkksPresets.LiteralLogN13LogQ101).CiphertextPrimes);
    }
}
