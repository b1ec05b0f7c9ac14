using FederatedHe.Training.Data;

namespace FederatedHe.Training.Tests;

public sealed class DatasetSplitsTests
{
    private static readonly Dataset Wdbc = CsvDatasetLoader.Load(TestData.WdbcPath);

    [Fact]
    public void A_stratified_holdout_of_20_percent_keeps_the_class_balance_in_both_sets()
    {
        var (train, test) = DatasetSplits.StratifiedHoldout(Wdbc, 0.2, seed: 42);

        Assert.Equal(114, test.SampleCount);
        Assert.Equal(455, train.SampleCount);
        Assert.Equal(42, test.PositiveCount);   // round(212 × 0.2)
        Assert.Equal(170, train.PositiveCount);
    }

    [Fact]
    public void The_holdout_uses_every_sample_exactly_once()
    {
        var (train, test) = DatasetSplits.StratifiedHoldout(Wdbc, 0.2, seed: 42);

        var rows = train.Features.ToArray().Chunk(30).Concat(test.Features.ToArray().Chunk(30))
            .Select(row => string.Join(",", row)).Order().ToArray();
        var original = Wdbc.Features.ToArray().Chunk(30).Select(row => string.Join(",", row)).Order().ToArray();
        Assert.Equal(original, rows);
    }

    [Fact]
    public void The_same_seed_gives_the_same_holdout_and_another_seed_a_different_one()
    {
        var first = DatasetSplits.StratifiedHoldout(Wdbc, 0.2, seed: 42);
        var again = DatasetSplits.StratifiedHoldout(Wdbc, 0.2, seed: 42);
        var other = DatasetSplits.StratifiedHoldout(Wdbc, 0.2, seed: 43);

        Assert.Equal(first.Test.Features.ToArray(), again.Test.Features.ToArray());
        Assert.NotEqual(first.Test.Features.ToArray(), other.Test.Features.ToArray());
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(double.NaN)]
    public void A_test_fraction_outside_zero_to_one_is_refused(double fraction)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => DatasetSplits.StratifiedHoldout(Wdbc, fraction, seed: 1));
    }
}
