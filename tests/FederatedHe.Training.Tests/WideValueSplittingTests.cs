using FederatedHe.Training.Federation;

namespace FederatedHe.Training.Tests;

/// <summary>Wide values cross a narrow encrypted range exactly: split into limbs, summed limb by limb, joined.</summary>
public sealed class WideValueSplittingTests
{
    [Fact]
    public void The_join_of_summed_splits_is_the_sum_even_with_encryption_noise_on_every_limb()
    {
        var random = new Random(7);
        var hospitals = HospitalsValues(random, count: 512.0, total: 3.2e9);
        var limbs = new double[hospitals[0].Length * WideValueSplitting.Limbs];
        foreach (var values in hospitals)
        {
            var split = WideValueSplitting.Split(values);
            Assert.All(split, limb => Assert.InRange(Math.Abs(limb), 0, Math.ScaleB(1.0, WideValueSplitting.LimbBits - 1)));
            for (var i = 0; i < limbs.Length; i++)
                limbs[i] += split[i] + (1e-7 * (random.NextDouble() - 0.5)); // what a decrypted CKKS sum carries
        }

        var joined = WideValueSplitting.Join(limbs);

        for (var v = 0; v < joined.Length; v++)
        {
            var exact = hospitals.Sum(h => h[v]);
            Assert.InRange(Math.Abs(joined[v] - exact), 0, 1e-6 + (Math.Abs(exact) * 1e-15));
        }
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(1e15)]
    public void A_value_that_cannot_be_split_is_refused_by_position(double value)
    {
        var error = Assert.Throws<ArgumentException>(() => WideValueSplitting.Split([1, value]));
        Assert.Contains("value 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_limb_vector_that_is_not_whole_values_is_refused() =>
        Assert.Throws<ArgumentException>(() => WideValueSplitting.Join(new double[WideValueSplitting.Limbs + 1]));

    [Fact]
    public void The_fixed_point_join_of_summed_splits_is_the_same_sum_whatever_the_noise_below_a_half_on_every_limb()
    {
        var random = new Random(11);
        var hospitals = HospitalsValues(random, count: 455.0, total: 2.85e9);
        double[] NoisySum(double noise)
        {
            var limbs = new double[hospitals[0].Length * WideValueSplitting.FixedPointLimbs];
            foreach (var values in hospitals)
            {
                var split = WideValueSplitting.SplitFixedPoint(values);
                Assert.All(split, limb => Assert.Equal(Math.Round(limb), limb));
                Assert.All(split, limb => Assert.InRange(Math.Abs(limb), 0, Math.ScaleB(1.0, WideValueSplitting.LimbBits - 1)));
                for (var i = 0; i < limbs.Length; i++)
                    limbs[i] += split[i];
            }

            // What the decrypted sum carries (the seeded threshold set's error is up to 4e-5), anything below a half.
            for (var i = 0; i < limbs.Length; i++)
                limbs[i] += noise * 2 * (random.NextDouble() - 0.5);
            return WideValueSplitting.JoinFixedPoint(limbs);
        }

        var first = NoisySum(1e-4);
        var second = NoisySum(0.49);

        // Two decryptions with different noise give the very same values, each the sum of the values rounded to 2^-24.
        Assert.Equal(first, second);
        for (var v = 0; v < first.Length; v++)
        {
            var exact = hospitals.Sum(h => Math.Round(Math.ScaleB(h[v], 24)) / Math.ScaleB(1.0, 24));
            Assert.InRange(Math.Abs(first[v] - exact), 0, Math.Abs(exact) * 1e-15);
        }
    }

    // Sixteen hospitals' statistics-like values: a count, a large total, a negative, a tiny and a huge value.
    private static double[][] HospitalsValues(Random random, double count, double total) =>
        Enumerable.Range(0, 16)
            .Select(_ => new[] { count, total * random.NextDouble(), -1234.5678 * random.NextDouble(), 1e-3 * random.NextDouble(), 7e13 * random.NextDouble() })
            .ToArray();

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(2e14)]
    public void A_value_outside_the_fixed_point_range_is_refused_by_position(double value)
    {
        var error = Assert.Throws<ArgumentException>(() => WideValueSplitting.SplitFixedPoint([1, value]));
        Assert.Contains("value 1", error.Message, StringComparison.Ordinal);
    }
}
