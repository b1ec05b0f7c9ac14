using FederatedHe.Training.Data;

namespace FederatedHe.Training.Tests;

public sealed class StandardizationTests
{
    private static readonly Dataset Train = DatasetSplits.StratifiedHoldout(CsvDatasetLoader.Load(TestData.WdbcPath), 0.2, seed: 42).Train;

    [Fact]
    public void Hospitals_combined_statistics_equal_the_statistics_of_the_pooled_data()
    {
        var hospitals = DatasetPartitioner.Dirichlet(Train, 4, 0.5, seed: 3);

        var combined = FeatureStatistics.Combine(hospitals.Select(FeatureStatistics.Compute));
        var pooled = FeatureStatistics.Compute(Train);

        Assert.Equal(pooled.SampleCount, combined.SampleCount);
        for (var j = 0; j < pooled.FeatureCount; j++)
        {
            Assert.Equal(pooled.Sums[j], combined.Sums[j], pooled.Sums[j] * 1e-12);
            Assert.Equal(pooled.SumsOfSquares[j], combined.SumsOfSquares[j], pooled.SumsOfSquares[j] * 1e-12);
        }
    }

    [Fact]
    public void Adding_statistics_vectors_element_wise_is_the_same_as_adding_the_statistics()
    {
        var hospitals = DatasetPartitioner.Iid(Train, 3, seed: 1);
        var vectors = hospitals.Select(h => FeatureStatistics.Compute(h).ToVector()).ToArray();
        var summed = new double[vectors[0].Length];
        foreach (var vector in vectors)
        {
            for (var i = 0; i < summed.Length; i++)
            {
                summed[i] += vector[i];
            }
        }

        var fromVector = FeatureStatistics.FromVector(summed, 30);

        Assert.Equal(FeatureStatistics.VectorLength(30), summed.Length);
        Assert.Equal(FeatureStatistics.Combine(hospitals.Select(FeatureStatistics.Compute)), fromVector);
    }

    [Fact]
    public void A_decrypted_count_carrying_approximation_noise_is_rounded_to_the_whole_count()
    {
        var vector = FeatureStatistics.Compute(Train).ToVector();
        vector[0] += 1e-6;

        Assert.Equal(455, FeatureStatistics.FromVector(vector, 30).SampleCount);
    }

    [Fact]
    public void A_statistics_vector_of_the_wrong_length_or_with_a_corrupt_count_is_refused()
    {
        var vector = FeatureStatistics.Compute(Train).ToVector();

        Assert.Throws<ArgumentException>(() => FeatureStatistics.FromVector(vector, 29));
        vector[0] = 455.5;
        Assert.Throws<ArgumentException>(() => FeatureStatistics.FromVector(vector, 30));
        vector[0] = double.NaN;
        Assert.Throws<ArgumentException>(() => FeatureStatistics.FromVector(vector, 30));
    }

    [Fact]
    public void Standardizing_with_federated_statistics_gives_every_feature_zero_mean_and_unit_population_variance_on_the_pooled_data()
    {
        var hospitals = DatasetPartitioner.Dirichlet(Train, 4, 0.5, seed: 3);
        var standardizer = Standardizer.FromStatistics(FeatureStatistics.Combine(hospitals.Select(FeatureStatistics.Compute)));

        var scaled = FeatureStatistics.Compute(standardizer.Apply(Train));

        for (var j = 0; j < 30; j++)
        {
            var mean = scaled.Sums[j] / scaled.SampleCount;
            Assert.Equal(0, mean, 1e-5);
            Assert.Equal(1, scaled.SumsOfSquares[j] / scaled.SampleCount - mean * mean, 1e-4);
        }
    }

    [Fact]
    public void Every_hospital_is_scaled_by_the_same_global_transform()
    {
        var hospitals = DatasetPartitioner.Iid(Train, 4, seed: 3);
        var standardizer = Standardizer.FromStatistics(FeatureStatistics.Combine(hospitals.Select(FeatureStatistics.Compute)));

        var scaledHospital = standardizer.Apply(hospitals[0]);

        var expected = (hospitals[0].Row(0)[0] - standardizer.Means[0]) / standardizer.StandardDeviations[0];
        Assert.Equal(expected, scaledHospital.Row(0)[0], 1e-5);
        Assert.Equal(Standardizer.Fit(Train).Means, standardizer.Means);
    }

    [Fact]
    public void A_constant_feature_is_centred_but_not_divided_by_zero()
    {
        var dataset = Dataset.Create([5f, 1f, 5f, 2f, 5f, 3f], [0, 1, 0], ["constant", "varying"], "constant");

        var scaled = Standardizer.Fit(dataset).Apply(dataset);

        Assert.Equal([0f, 0f, 0f], scaled.Features.ToArray().Where((_, i) => i % 2 == 0));
        Assert.All(scaled.Features.ToArray(), value => Assert.True(float.IsFinite(value)));
    }

    [Fact]
    public void A_standardizer_refuses_data_with_a_different_number_of_features()
    {
        var standardizer = Standardizer.Fit(Train);
        var narrow = Dataset.Create([1f], [1], ["radius"], "narrow");

        Assert.Throws<ArgumentException>(() => standardizer.Apply(narrow));
    }
}
