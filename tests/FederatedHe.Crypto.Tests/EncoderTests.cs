using System.Numerics;
using FederatedHe.Crypto.Ckks;

namespace FederatedHe.Crypto.Tests;

public class EncoderTests
{
    [Fact]
    public void Slot_j_holds_the_plaintext_polynomial_evaluated_at_zeta_to_the_5_to_the_j()
    {
        // Canonical embedding, checked naively: decode(m)_j = m(ζ^(5^j mod 2N)) / Δ with ζ = e^(iπ/N).
        var ctx = SharedContexts.For(nameof(TestInsecureParameters.TestInsecureLogN6));
        var parameters = ctx.Parameters;
        int n = parameters.N;
        var values = CkksContext.RandomValues(new Random(2), parameters.SlotCount, 1);
        var plaintext = ctx.Encoder.EncodeNew(values);
        var coefficients = plaintext.Value.Clone();
        parameters.Ring.FromNtt(coefficients);
        ulong q0 = parameters.CiphertextPrimes[0];
        ulong q1 = parameters.CiphertextPrimes[1];
        var m = new double[n];
        for (int k = 0; k < n; k++)
        {
            // Both primes hold the same small integer; lift from q0 alone (|m_k| << q0/2).
            ulong c = coefficients.Limb(0)[k];
            m[k] = c > q0 / 2 ? -(double)(q0 - c) : c;
            ulong d = coefficients.Limb(1)[k];
            Assert.Equal(m[k], d > q1 / 2 ? -(double)(q1 - d) : d);
        }

        int power = 1;
        for (int j = 0; j < parameters.SlotCount; j++)
        {
            Complex sum = Complex.Zero;
            for (int k = 0; k < n; k++)
            {
                sum += m[k] * Complex.Exp(new Complex(0, Math.PI * ((long)power * k % (2 * n)) / n));
            }

            Assert.Equal(values[j], sum.Real / parameters.DefaultScale, 6);
            Assert.Equal(0, sum.Imaginary / parameters.DefaultScale, 6);
            power = power * 5 % (2 * n);
        }
    }

    [Theory]
    [MemberData(nameof(SharedContexts.Presets), MemberType = typeof(SharedContexts))]
    public void Decoding_an_encoding_returns_the_values_within_1e_9(string preset)
    {
        var ctx = SharedContexts.For(preset);
        var values = CkksContext.RandomValues(new Random(3), ctx.Parameters.SlotCount, 100);
        var decoded = ctx.Encoder.DecodeNew(ctx.Encoder.EncodeNew(values));
        Assert.True(CkksContext.MaxError(values, decoded) < 1e-9);
    }

    [Fact]
    public void Short_vectors_are_padded_with_zeros_and_floats_are_supported()
    {
        var ctx = SharedContexts.For(nameof(CkksPresets.Params128BitLogN13LogQ101));
        float[] values = [1.5f, -2.25f, 3.125f];
        var plaintext = new FederatedHe.Crypto.Rlwe.Plaintext(ctx.Parameters, 1, ctx.Parameters.DefaultScale);
        ctx.Encoder.Encode(values, plaintext);
        var all = ctx.Encoder.DecodeNew(plaintext);
        Assert.Equal(1.5, all[0], 9);
        Assert.Equal(-2.25, all[1], 9);
        Assert.Equal(3.125, all[2], 9);
        Assert.All(all.Skip(3), v => Assert.Equal(0, v, 9));
        var asFloat = new float[3];
        ctx.Encoder.Decode(plaintext, asFloat);
        Assert.Equal(values, asFloat);
    }

    [Fact]
    public void Values_beyond_64_bits_after_scaling_are_encoded_exactly()
    {
        var ctx = SharedContexts.For(nameof(CkksPresets.Params128BitLogN13LogQ101));
        double[] values = [3.0e9, -1.5e9, 42];
        var plaintext = ctx.Encoder.EncodeNew(values); // 3e9 · 2^40 ≈ 2^71.3
        var decoded = ctx.Encoder.DecodeNew(plaintext);
        Assert.Equal(values[0], decoded[0], 3);
        Assert.Equal(values[1], decoded[1], 3);
        Assert.Equal(values[2], decoded[2], 3);
    }

    [Fact]
    public void Three_prime_plaintexts_decode_through_the_general_CRT()
    {
        var ctx = SharedContexts.For(nameof(TestInsecureParameters.TestInsecureLogN10ThreePrimes));
        var values = CkksContext.RandomValues(new Random(4), ctx.Parameters.SlotCount, 100);
        Assert.True(CkksContext.MaxError(values, ctx.Encoder.DecodeNew(ctx.Encoder.EncodeNew(values))) < 1e-9);
    }

    [Fact]
    public void Too_many_values_or_non_finite_values_are_refused()
    {
        var ctx = SharedContexts.For(nameof(CkksPresets.Params128BitLogN13FedAvg));
        Assert.Throws<ArgumentException>(() => ctx.Encoder.EncodeNew(new double[ctx.Parameters.SlotCount + 1]));
        var nan = Assert.Throws<NonFiniteValueException>(() => ctx.Encoder.EncodeNew([1, double.NaN]));
        Assert.Equal(1, nan.Index);
        Assert.Equal(double.PositiveInfinity, Assert.Throws<NonFiniteValueException>(() => ctx.Encoder.EncodeNew([double.PositiveInfinity])).Value);
    }
}
