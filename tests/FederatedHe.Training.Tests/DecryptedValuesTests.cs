using FederatedHe.Training.Federation;

namespace FederatedHe.Training.Tests;

/// <summary>Decrypted CKKS sums are settled on a grid, so runs with different noise reach the same model.</summary>
public sealed class DecryptedValuesTests
{
    [Fact]
    public void Sums_that_differ_by_CKKS_noise_settle_to_the_same_statistics_almost_always()
    {
        var random = new Random(5);
        var differing = 0;
        for (var i = 0; i < 10_000; i++)
        {
            // Sums over a few hundred samples: from about 1e-3 (the sum of squares of a feature in the thousandths) to 1e9.
            var value = (1 + random.NextDouble()) * Math.Pow(10, random.Next(-3, 9));
            var noisy = value + (random.NextDouble() - 0.5) * 2e-9;
            if (DecryptedValues.SettleRelative([value])[0] != DecryptedValues.SettleRelative([noisy])[0])
                differing++;
        }

        Assert.InRange(differing, 0, 5);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(-1234.5678)]
    [InlineData(0.000123)]
    [InlineData(1e9)]
    public void Settled_statistics_keep_twenty_significant_bits_or_the_floor_step(double value)
    {
        var settled = DecryptedValues.SettleRelative([value])[0];

        Assert.InRange(Math.Abs(settled - value), 0,
            Math.Max(Math.Abs(value) * Math.ScaleB(1.0, -DecryptedValues.StatisticsBits), DecryptedValues.StatisticsFloor / 2));
    }

    [Fact]
    public void The_settled_average_rounds_the_count_and_stays_within_half_a_step_of_the_exact_average()
    {
        var average = DecryptedValues.SettledAverage([45.5 + 3e-10, -91.0], 455.0000000007);

        Assert.InRange(Math.Abs(average[0] - 0.1), 0, DecryptedValues.ParameterStep / 2 + 1e-8);
        Assert.InRange(Math.Abs(average[1] + 0.2), 0, DecryptedValues.ParameterStep / 2 + 1e-8);
        Assert.Equal(average, DecryptedValues.SettledAverage([45.5 - 4e-10, -91.0 + 2e-10], 454.9999999993));
    }

    [Fact]
    public void A_count_that_rounds_to_zero_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => DecryptedValues.SettledAverage([1.0], 0.2));
    }

    [Fact]
    public void The_settled_mean_divides_by_a_weight_that_is_no_count_and_stays_within_half_a_step_of_the_exact_mean()
    {
        // Normalised FedAvg weights: Σν = 0.58 for a lone small hospital, Σ νᵢ·wᵢ carrying CKKS error of about 5e-8.
        var mean = DecryptedValues.SettledMean([0.58 * 0.1 + 5e-9, -0.58 * 0.2], 0.58);

        Assert.InRange(Math.Abs(mean[0] - 0.1), 0, DecryptedValues.ParameterStep / 2 + 1e-8);
        Assert.InRange(Math.Abs(mean[1] + 0.2), 0, DecryptedValues.ParameterStep / 2 + 1e-8);
        Assert.Throws<ArgumentOutOfRangeException>(() => DecryptedValues.SettledMean([1.0], 0));
    }
}
