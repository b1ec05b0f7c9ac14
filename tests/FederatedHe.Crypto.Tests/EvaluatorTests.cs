using FederatedHe.Crypto.Ckks;
using FederatedHe.Crypto.Rlwe;

namespace FederatedHe.Crypto.Tests;

public class EvaluatorTests
{
    private const double Guarantee = 1e-6;

    private static CkksContext P1 => SharedContexts.For(nameof(CkksPresets.Params128BitLogN13LogQ101));

    [Fact]
    public void Add_Sub_and_Negate_act_slot_wise_in_new_out_of_place_and_in_place_forms()
    {
        var ctx = P1;
        var random = new Random(21);
        var x = CkksContext.RandomValues(random, 4096, 100);
        var y = CkksContext.RandomValues(random, 4096, 100);
        var cx = ctx.Encrypt(x);
        var cy = ctx.Encrypt(y);
        var sum = ctx.Evaluator.AddNew(cx, cy);
        var difference = ctx.Evaluator.SubNew(cx, cy);
        var negation = ctx.Evaluator.NegateNew(cx);
        var destination = new Ciphertext(ctx.Parameters, 1, 1);
        ctx.Evaluator.Add(cx, cy, destination);
        var accumulator = cx.Clone();
        ctx.Evaluator.AddInPlace(accumulator, cy);
        Assert.True(CkksContext.MaxError(x.Zip(y, (a, b) => a + b).ToArray(), ctx.Decrypt(sum, 4096)) < Guarantee);
        Assert.True(CkksContext.MaxError(x.Zip(y, (a, b) => a + b).ToArray(), ctx.Decrypt(destination, 4096)) < Guarantee);
        Assert.True(CkksContext.MaxError(x.Zip(y, (a, b) => a + b).ToArray(), ctx.Decrypt(accumulator, 4096)) < Guarantee);
        Assert.True(CkksContext.MaxError(x.Zip(y, (a, b) => a - b).ToArray(), ctx.Decrypt(difference, 4096)) < Guarantee);
        Assert.True(CkksContext.MaxError(x.Select(a => -a).ToArray(), ctx.Decrypt(negation, 4096)) < Guarantee);
    }

    [Fact]
    public void Adding_and_multiplying_by_plaintexts_then_rescaling_act_slot_wise()
    {
        var ctx = P1;
        var random = new Random(22);
        var x = CkksContext.RandomValues(random, 4096, 10);
        var w = CkksContext.RandomValues(random, 4096, 1);
        var cx = ctx.Encrypt(x);
        var added = ctx.Evaluator.AddPlainNew(cx, ctx.Encoder.EncodeNew(w));
        Assert.True(CkksContext.MaxError(x.Zip(w, (a, b) => a + b).ToArray(), ctx.Decrypt(added, 4096)) < Guarantee);

        // Multiplying by a plaintext encoded at scale q1 lets Rescale restore Δ exactly.
        var weights = ctx.Encoder.EncodeNew(w, scale: ctx.Parameters.CiphertextPrimes[1]);
        var product = ctx.Evaluator.RescaleNew(ctx.Evaluator.MultiplyPlainNew(cx, weights));
        Assert.Equal(0, product.Level);
        Assert.Equal(ctx.Parameters.DefaultScale, product.Scale);
        Assert.True(CkksContext.MaxError(x.Zip(w, (a, b) => a * b).ToArray(), ctx.Decrypt(product, 4096)) < Guarantee);
    }

    [Fact]
    public void Multiplying_by_a_constant_and_rescaling_keeps_the_scale_and_the_precision()
    {
        var ctx = P1;
        var x = CkksContext.RandomValues(new Random(23), 4096, 100);
        var cx = ctx.Encrypt(x);
        var scaled = ctx.Evaluator.MultiplyConstNew(cx, 0.25);
        var rescaled = ctx.Evaluator.RescaleNew(scaled);
        Assert.Equal(ctx.Parameters.DefaultScale, rescaled.Scale);
        Assert.Equal(0, rescaled.Level);
        Assert.True(CkksContext.MaxError(x.Select(v => v * 0.25).ToArray(), ctx.Decrypt(scaled, 4096)) < Guarantee);
        Assert.True(CkksContext.MaxError(x.Select(v => v * 0.25).ToArray(), ctx.Decrypt(rescaled, 4096)) < Guarantee);
    }

    [Fact]
    public void Level_zero_ciphertexts_multiply_by_integers_but_refuse_fractions_and_rescaling()
    {
        var ctx = SharedContexts.For(nameof(CkksPresets.Params128BitLogN13FedAvg));
        var x = CkksContext.RandomValues(new Random(24), 4096, 100);
        var cx = ctx.Encrypt(x);
        var tripled = ctx.Evaluator.MultiplyConstNew(cx, -3);
        Assert.True(CkksContext.MaxError(x.Select(v => -3 * v).ToArray(), ctx.Decrypt(tripled, 4096)) < Guarantee);
        Assert.Throws<LevelMismatchException>(() => ctx.Evaluator.MultiplyConstNew(cx, 0.5));
        Assert.Throws<LevelMismatchException>(() => ctx.Evaluator.RescaleNew(cx));
    }

    [Fact]
    public void Operands_at_different_levels_combine_at_the_lower_level_and_different_scales_are_refused()
    {
        var ctx = P1;
        var x = CkksContext.RandomValues(new Random(25), 4096, 100);
        var top = ctx.Encrypt(x);
        var dropped = new Ciphertext(ctx.Parameters, 1, 1);
        ctx.Evaluator.DropLevel(top, 0, dropped);
        var sum = ctx.Evaluator.AddNew(top, dropped);
        Assert.Equal(0, sum.Level);
        Assert.True(CkksContext.MaxError(x.Select(v => 2 * v).ToArray(), ctx.Decrypt(sum, 4096)) < Guarantee);
        var rescaled = ctx.Evaluator.RescaleNew(ctx.Evaluator.MultiplyConstNew(top, 1.0));
        Assert.Equal(ctx.Parameters.DefaultScale, rescaled.Scale);
        var halfScale = ctx.Evaluator.RescaleNew(top); // scale Δ / q1
        Assert.Throws<ScaleMismatchException>(() => ctx.Evaluator.AddNew(halfScale, rescaled));
    }

    [Fact]
    public void Homomorphic_sum_of_eight_vectors_matches_plaintext_sum_within_1e_6_for_values_up_to_100()
    {
        var ctx = SharedContexts.For(nameof(CkksPresets.Params128BitLogN13FedAvg));
        var random = new Random(26);
        var vectors = Enumerable.Range(0, 8).Select(_ => CkksContext.RandomValues(random, 4096, 100)).ToArray();
        var sum = ctx.Encrypt(vectors[0]);
        for (int i = 1; i < vectors.Length; i++)
        {
            ctx.Evaluator.AddInPlace(sum, ctx.Encrypt(vectors[i]));
        }

        var expected = Enumerable.Range(0, 4096).Select(j => vectors.Sum(v => v[j])).ToArray();
        Assert.True(CkksContext.MaxError(expected, ctx.Decrypt(sum, 4096)) < Guarantee);
    }

    [Theory]
    [InlineData(nameof(CkksPresets.Params128BitLogN13LogQ101))]
    [InlineData(nameof(CkksPresets.Params128BitLogN14LogQ101))]
    public void Homomorphic_weighted_average_of_k_vectors_matches_plaintext_within_1e_6(string preset)
    {
        var ctx = SharedContexts.For(preset);
        int slots = ctx.Parameters.SlotCount;
        var random = new Random(27);
        var vectors = Enumerable.Range(0, 5).Select(_ => CkksContext.RandomValues(random, slots, 100)).ToArray();
        double[] counts = [120, 45, 300, 7, 80];
        var weights = counts.Select(c => c / counts.Sum()).ToArray();
        Ciphertext? mean = null;
        for (int i = 0; i < vectors.Length; i++)
        {
            var term = ctx.Evaluator.MultiplyConstNew(ctx.Encrypt(vectors[i]), weights[i]);
            if (mean is null)
            {
                mean = term;
            }
            else
            {
                ctx.Evaluator.AddInPlace(mean, term);
            }
        }

        ctx.Evaluator.Rescale(mean!, mean!);
        var expected = Enumerable.Range(0, slots).Select(j => Enumerable.Range(0, 5).Sum(i => weights[i] * vectors[i][j])).ToArray();
        Assert.True(CkksContext.MaxError(expected, ctx.Decrypt(mean!, slots)) < Guarantee);
    }

    [Fact]
    public void Homomorphic_addition_is_commutative_and_associative_on_random_inputs()
    {
        var ctx = SharedContexts.For(nameof(TestInsecureParameters.TestInsecureLogN6));
        var random = new Random(28);
        for (int trial = 0; trial < 50; trial++)
        {
            var a = ctx.Encrypt(CkksContext.RandomValues(random, 32, 100));
            var b = ctx.Encrypt(CkksContext.RandomValues(random, 32, 100));
            var c = ctx.Encrypt(CkksContext.RandomValues(random, 32, 100));
            var left = ctx.Evaluator.AddNew(ctx.Evaluator.AddNew(a, b), c);
            var right = ctx.Evaluator.AddNew(a, ctx.Evaluator.AddNew(c, b));
            Assert.Equal(left.C0.Coefficients.ToArray(), right.C0.Coefficients.ToArray());
            Assert.Equal(left.C1.Coefficients.ToArray(), right.C1.Coefficients.ToArray());
            var zero = ctx.Evaluator.SubNew(a, a);
            Assert.All(zero.C0.Coefficients.ToArray(), v => Assert.Equal(0UL, v));
        }
    }
}
