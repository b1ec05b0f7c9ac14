using FederatedHe.Training.Data;

namespace FederatedHe.Training.Tests;

public sealed class DatasetPartitionerTests
{
    private static readonly Dataset Train = DatasetSplits.StratifiedHoldout(CsvDatasetLoader.Load(TestData.WdbcPath), 0.2, seed: 42).Train;

    private static void AssertEverySampleIsUsedExactlyOnce(IReadOnlyList<Dataset> partitions)
    {
        Assert.Equal(Train.SampleCount, partitions.Sum(partition => partition.SampleCount));
        Assert.Equal(Train.PositiveCount, partitions.Sum(partition => partition.PositiveCount));
        var rows = partitions.SelectMany(partition => partition.Features.ToArray().Chunk(30)).Select(row => string.Join(",", row)).Order();
        Assert.Equal(Train.Features.ToArray().Chunk(30).Select(row => string.Join(",", row)).Order(), rows);
    }

    [Fact]
    public void Iid_partitioning_gives_four_hospitals_sizes_within_one_of_each_other()
    {
        var partitions = DatasetPartitioner.Iid(Train, 4, seed: 3);

        Assert.Equal(4, partitions.Count);
        Assert.True(partitions.Max(p => p.SampleCount) - partitions.Min(p => p.SampleCount) <= 1);
        AssertEverySampleIsUsedExactlyOnce(partitions);
    }

    [Fact]
    public void Dirichlet_partitioning_at_alpha_half_skews_labels_but_gives_every_hospital_the_minimum()
    {
        var partitions = DatasetPartitioner.Dirichlet(Train, 4, alpha: 0.5, seed: 3);

        Assert.All(partitions, partition => Assert.True(partition.SampleCount >= DatasetPartitioner.DefaultMinimumSamplesPerHospital));
        var malignantShares = partitions.Select(p => (double)p.PositiveCount / p.SampleCount).ToArray();
        Assert.True(malignantShares.Max() - malignantShares.Min() > 0.5, string.Join(", ", malignantShares));
        AssertEverySampleIsUsedExactlyOnce(partitions);
    }

    [Theory]
    [InlineData(0.01, 10)]
    [InlineData(0.05, 25)]
    public void Dirichlet_partitioning_never_leaves_a_hospital_short_even_at_tiny_alpha(double alpha, int minimum)
    {
        var partitions = DatasetPartitioner.Dirichlet(Train, 8, alpha, seed: 11, minimumSamplesPerHospital: minimum);

        Assert.All(partitions, partition => Assert.True(partition.SampleCount >= minimum, partition.ToString()));
        AssertEverySampleIsUsedExactlyOnce(partitions);
    }

    [Fact]
    public void Quantity_skewed_partitioning_gives_unequal_sizes_each_at_least_the_minimum()
    {
        var partitions = DatasetPartitioner.QuantitySkewed(Train, 5, alpha: 0.5, seed: 3, minimumSamplesPerHospital: 20);

        Assert.All(partitions, partition => Assert.True(partition.SampleCount >= 20));
        Assert.True(partitions.Max(p => p.SampleCount) > 2 * partitions.Min(p => p.SampleCount));
        AssertEverySampleIsUsedExactlyOnce(partitions);
    }

    [Fact]
    public void Partitioning_is_deterministic_by_seed()
    {
        var first = DatasetPartitioner.Dirichlet(Train, 4, 0.5, seed: 9);
        var again = DatasetPartitioner.Dirichlet(Train, 4, 0.5, seed: 9);
        var other = DatasetPartitioner.Dirichlet(Train, 4, 0.5, seed: 10);

        Assert.Equal(first.Select(p => p.Labels.ToArray()), again.Select(p => p.Labels.ToArray()));
        Assert.NotEqual(first.Select(p => p.SampleCount), other.Select(p => p.SampleCount));
    }

    [Fact]
    public void More_hospitals_than_the_data_can_supply_with_the_minimum_is_refused()
    {
        Assert.Throws<ArgumentException>(() => DatasetPartitioner.Dirichlet(Train, 50, 0.5, seed: 1));
        Assert.Throws<ArgumentException>(() => DatasetPartitioner.Iid(Train.Subset([0, 1], "tiny"), 3, seed: 1));
    }

    [Fact]
    public void One_file_per_hospital_gives_one_partition_per_file_in_order()
    {
        var first = TestData.WriteTemporaryCsv("diagnosis,radius\nM,1\nB,2\n");
        var second = TestData.WriteTemporaryCsv("id,radius,diagnosis\n7,3,benign\n8,4,malignant\n");
        try
        {
            var partitions = DatasetPartitioner.FromFiles([first, second]);

            Assert.Equal([2, 2], partitions.Select(p => p.SampleCount));
            Assert.Equal(second, partitions[1].Source);
        }
        finally
        {
            File.Delete(first);
            File.Delete(second);
        }
    }

    [Fact]
    public void Hospital_files_with_different_feature_columns_are_refused_naming_the_odd_file()
    {
        var first = TestData.WriteTemporaryCsv("diagnosis,radius,texture\nM,1,2\nB,3,4\n");
        var second = TestData.WriteTemporaryCsv("diagnosis,radius,area\nM,1,2\nB,3,4\n");
        try
        {
            var error = Assert.Throws<DatasetFormatException>(() => DatasetPartitioner.FromFiles([first, second]));

            Assert.Equal(second, error.FilePath);
            Assert.Equal("area", error.ColumnName);
        }
        finally
        {
            File.Delete(first);
            File.Delete(second);
        }
    }
}
