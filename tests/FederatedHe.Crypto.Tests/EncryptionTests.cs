using FederatedHe.Crypto.Ckks;
using FederatedHe.Crypto.Rlwe;

namespace FederatedHe.Crypto.Tests;

public class EncryptionTests
{
    [Theory]
    [MemberData(nameof(SharedContexts.Presets), MemberType = typeof(SharedContexts))]
    public void Decrypting_a_fresh_public_key_encryption_returns_the_values_within_the_documented_bound(string preset)
    {
        var ctx = SharedContexts.For(preset);
        var random = new Random(preset.Length);
        for (int trial = 0; trial < 3; trial++)
        {
            var values = CkksContext.RandomValues(random, ctx.Parameters.SlotCount, 100);
            double error = CkksContext.MaxError(values, ctx.Decrypt(ctx.Encrypt(values), values.Length));
            Assert.True(error <= ctx.Parameters.FreshEncryptionErrorHeuristic, $"error {error} > bound {ctx.Parameters.FreshEncryptionErrorHeuristic}");
        }
    }

    [Theory]
    [MemberData(nameof(SharedContexts.Presets), MemberType = typeof(SharedContexts))]
    public void Decrypting_a_fresh_secret_key_encryption_returns_the_values_within_the_documented_bound(string preset)
    {
        var ctx = SharedContexts.For(preset);
        var values = CkksContext.RandomValues(new Random(9), ctx.Parameters.SlotCount, 100);
        var ciphertext = ctx.Encrypt(values, compact: true);
        Assert.True(ciphertext.IsCompact);
        double error = CkksContext.MaxError(values, ctx.Decrypt(ciphertext, values.Length));
        Assert.True(error <= ctx.Parameters.FreshEncryptionErrorHeuristic, $"error {error}");
    }

    [Fact]
    public void The_documented_bound_is_below_7e_7_for_N_8192_and_1_4e_6_for_N_16384_at_scale_2_to_the_40()
    {
        Assert.True(CkksPresets.Params128BitLogN13LogQ101.FreshEncryptionErrorHeuristic < 7e-7);
        Assert.True(CkksPresets.Params128BitLogN14LogQ101.FreshEncryptionErrorHeuristic < 1.4e-6);
        Assert.True(CkksPresets.Params128BitLogN13FedAvg.FreshEncryptionErrorHeuristic < 1.7e-7);
    }

    [Fact]
    public void Two_encryptions_of_the_same_values_differ()
    {
        var ctx = SharedContexts.For(nameof(CkksPresets.Params128BitLogN13FedAvg));
        var values = new double[] { 1, 2, 3 };
        Assert.NotEqual(ctx.Encrypt(values).C0.Coefficients.ToArray(), ctx.Encrypt(values).C0.Coefficients.ToArray());
        Assert.NotEqual(ctx.Encrypt(values, true).C1.Coefficients.ToArray(), ctx.Encrypt(values, true).C1.Coefficients.ToArray());
    }

    [Fact]
    public void A_public_key_is_b_equal_minus_a_s_plus_a_small_error()
    {
        var ctx = SharedContexts.For(nameof(CkksPresets.Params128BitLogN13LogQ101));
        var ring = ctx.Parameters.Ring;
        var e = ring.NewPolynomial();
        ring.Multiply(ctx.PublicKey.A, ctx.SecretKey.Value, e, 2);
        ring.Add(e, ctx.PublicKey.B, e, 2);
        ring.FromNtt(e);
        ulong q = ctx.Parameters.CiphertextPrimes[0];
        foreach (ulong c in e.Limb(0))
        {
            long centered = c > q / 2 ? -(long)(q - c) : (long)c;
            Assert.InRange(centered, -19, 19);
        }

        Assert.Equal(ctx.PublicKey.A.Coefficients.ToArray(), KeyGenerator.ExpandCommonPolynomial(ctx.Parameters, ctx.PublicKey.Seed).Coefficients.ToArray());
    }

    [Fact]
    public void Keys_and_ciphertexts_from_another_parameter_set_are_refused()
    {
        var p13 = SharedContexts.For(nameof(CkksPresets.Params128BitLogN13LogQ101));
        var fedAvg = SharedContexts.For(nameof(CkksPresets.Params128BitLogN13FedAvg));
        Assert.Throws<ParameterSetMismatchException>(() => new Encryptor(p13.Parameters, fedAvg.PublicKey));
        Assert.Throws<ParameterSetMismatchException>(() => new Decryptor(p13.Parameters, fedAvg.SecretKey));
        var foreign = fedAvg.Encrypt([1.0]);
        Assert.Throws<ParameterSetMismatchException>(() => p13.Decryptor.DecryptNew(foreign));
        Assert.Throws<ParameterSetMismatchException>(() => p13.Evaluator.AddNew(foreign, foreign));
        Assert.Throws<ParameterSetMismatchException>(() => Ciphertext.FromBytes(p13.Parameters, foreign.ToBytes()));
        Assert.Throws<ParameterSetMismatchException>(() => PublicKey.FromBytes(p13.Parameters, fedAvg.PublicKey.ToBytes()));
        Assert.Throws<ParameterSetMismatchException>(() => SecretKey.FromBytes(p13.Parameters, fedAvg.SecretKey.ToBytes()));
    }

    [Fact]
    public void The_threshold_building_block_c0_plus_c1_times_s_reproduces_decryption()
    {
        var ctx = SharedContexts.For(nameof(CkksPresets.Params128BitLogN13LogQ101));
        var values = new double[] { 0.5, -7, 3 };
        var ciphertext = ctx.Encrypt(values);
        var share = ctx.Parameters.Ring.NewPolynomial();
        ctx.Decryptor.MultiplyBySecret(ciphertext, share);
        var plaintext = new Plaintext(ctx.Parameters, ciphertext.Level, ciphertext.Scale);
        ctx.Parameters.Ring.Add(share, ciphertext.C0, plaintext.Value, 2);
        var decoded = new double[3];
        ctx.Encoder.Decode(plaintext, decoded);
        Assert.True(CkksContext.MaxError(values, decoded) < 1e-6);
    }
}
