using FederatedHe.Training.Data;

namespace FederatedHe.Training.Tests;

public sealed class DatasetSchemaTests
{
    [Fact]
    public void The_digest_of_the_shipped_wdbc_schema_is_pinned()
    {
        // Pins the canonical text of DatasetSchema (value recomputed independently with Python hashlib): a change
        // here means hospitals on different versions stop matching.
        var schema = CsvDatasetLoader.Load(TestData.WdbcPath).Schema;

        Assert.Equal(30, schema.FeatureNames.Count);
        Assert.Equal("diagnosis", schema.LabelColumn);
        Assert.Equal(LabelEncoding.MalignantBenign, schema.LabelEncoding);
        Assert.Equal("1e650e49503eced7bc45d26ba8a3bdaec03a7ec6698b87284d23966da0e91840", schema.Digest);
    }

    [Fact]
    public void The_digest_is_sha256_of_the_documented_canonical_text()
    {
        var schema = new DatasetSchema(["radius", "texture"], "diagnosis");

        Assert.Equal(
            "fedhe-dataset-schema/1\nlabel-column:9:diagnosis\nlabel-encoding:1=malignant(M);0=benign(B)\nfeature:6:radius\nfeature:7:texture\n",
            schema.CanonicalText());
        Assert.Equal(
            Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(schema.CanonicalText()))),
            schema.Digest);
    }

    [Fact]
    public void Files_with_the_same_columns_have_the_same_digest_whatever_their_values()
    {
        var first = Dataset.Create([1f, 2f, 3f, 4f], [1, 0], ["radius", "texture"], "a");
        var second = Dataset.Create([9f, 8f], [0], ["radius", "texture"], "b");

        Assert.Equal(first.Schema.Digest, second.Schema.Digest);
        Assert.Null(first.Schema.FirstDifference(second.Schema));
    }

    [Fact]
    public void Reordered_renamed_or_missing_features_change_the_digest_and_the_first_difference_is_named()
    {
        var reference = new DatasetSchema(["radius", "texture", "area"], "diagnosis");

        var reordered = new DatasetSchema(["radius", "area", "texture"], "diagnosis");
        var renamed = new DatasetSchema(["radius", "Texture", "area"], "diagnosis");
        var shorter = new DatasetSchema(["radius", "texture"], "diagnosis");
        var otherLabel = new DatasetSchema(["radius", "texture", "area"], "diagnostic");

        Assert.All(new[] { reordered, renamed, shorter, otherLabel }, other => Assert.NotEqual(reference.Digest, other.Digest));
        Assert.Equal("feature 2 is 'texture' here but 'area' there", reference.FirstDifference(reordered));
        Assert.Equal("feature 2 is 'texture' here but 'Texture' there", reference.FirstDifference(renamed));
        Assert.Equal("feature 3 is 'area' here but missing there", reference.FirstDifference(shorter));
        Assert.Equal("the label column is 'diagnosis' here but 'diagnostic' there", reference.FirstDifference(otherLabel));
    }

    [Fact]
    public void Names_that_would_run_together_in_plain_concatenation_give_different_digests()
    {
        var split = new DatasetSchema(["a\nfeature:1:b", "c"], "diagnosis");
        var joined = new DatasetSchema(["a", "b", "c"], "diagnosis");

        Assert.NotEqual(split.Digest, joined.Digest);
    }

    [Fact]
    public void A_subset_or_standardized_copy_keeps_the_schema()
    {
        var dataset = CsvDatasetLoader.Load(TestData.WdbcPath);

        Assert.Equal(dataset.Schema, dataset.Subset([0, 1, 2], "three").Schema);
        Assert.Equal(dataset.Schema, Standardizer.Fit(dataset).Apply(dataset).Schema);
    }
}
