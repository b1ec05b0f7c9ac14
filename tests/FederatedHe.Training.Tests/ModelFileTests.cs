using System.Text;
using FederatedHe.Training.Data;
using FederatedHe.Training.Evaluation;
using FederatedHe.Training.Federation;
using FederatedHe.Training.Local;
using FederatedHe.Training.Models;

namespace FederatedHe.Training.Tests;

/// <summary>A logistic regression trained once on wdbc's training split, shared by the model file tests.</summary>
public sealed class TrainedWdbcModel
{
    public TrainedWdbcModel()
    {
        var split = DatasetSplits.StratifiedHoldout(CsvDatasetLoader.Load(TestData.WdbcPath), 0.2, seed: 42);
        Split = split;
        Statistics = FeatureStatistics.Compute(split.Train);
        Result = CentralizedBaseline.Run(split.Train, split.Test, ModelSpec.LogisticRegression,
            new TrainingOptions { Epochs = 10, BatchSize = 16, LearningRate = 0.05, Seed = 42 });
        Provenance = new ModelProvenance("run-20261201T000000Z", "Params128BitLogN13LogQ101", 10,
            new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero), Result.Test, "wdbc.csv#test (114 samples)");
    }

    public HoldoutSplit Split { get; }

    public FeatureStatistics Statistics { get; }

    public CentralizedResult Result { get; }

    public ModelProvenance Provenance { get; }

    public ModelFile Build() =>
        ModelFile.Create(ModelSpec.LogisticRegression, Split.Train.FeatureNames, Statistics, Result.Parameters, Provenance);
}

public sealed class ModelFileTests(TrainedWdbcModel trained) : IClassFixture<TrainedWdbcModel>, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("fedhe-model-file-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string PathOf(string name) => Path.Combine(_directory, name);

    private string WrittenModel()
    {
        var path = PathOf("model.json");
        trained.Build().Write(path);
        return path;
    }

    private static ModelFileException ReadFails(string path) => Assert.Throws<ModelFileException>(() => ModelFile.Read(path));

    [Fact]
    public void A_written_model_reads_back_with_every_part_exactly_equal()
    {
        var original = trained.Build();

        var read = ModelFile.Read(WrittenModel());

        Assert.Equal(original.Spec, read.Spec);
        Assert.Equal(original.FeatureNames, read.FeatureNames);
        Assert.Equal(original.Schema, read.Schema);
        Assert.Equal(trained.Split.Train.Schema.Digest, read.Schema.Digest);
        Assert.Equal(original.Standardizer.Means, read.Standardizer.Means);
        Assert.Equal(original.Standardizer.StandardDeviations, read.Standardizer.StandardDeviations);
        Assert.Equal(trained.Split.Train.SampleCount, read.StandardizationSampleCount);
        Assert.Equal(trained.Result.Parameters, read.Parameters);
        Assert.Equal(trained.Provenance, read.Provenance);
    }

    [Fact]
    public void A_read_model_scores_raw_rows_exactly_as_the_trained_model_scores_standardized_ones()
    {
        var read = ModelFile.Read(WrittenModel());

        var logits = read.PredictLogits(trained.Split.Test.Features);

        using var model = ModelFactory.Create(ModelSpec.LogisticRegression, 30, seed: 0);
        model.SetParameters(trained.Result.Parameters);
        // Equal up to float rounding: TorchSharp's matrix product may sum in another order from one call to the next.
        var expected = model.PredictLogits(trained.Result.Standardizer.Apply(trained.Split.Test));
        Assert.All(expected.Zip(logits), pair => Assert.Equal(pair.First, pair.Second, 1e-4f));
        var metrics = ModelEvaluator.FromLogits(trained.Split.Test.Labels, logits);
        Assert.Equal(trained.Result.Test.ConfusionMatrix, metrics.ConfusionMatrix);
        Assert.Equal(trained.Result.Test.RocAuc, metrics.RocAuc, 1e-9);
        Assert.Equal(trained.Result.Test.LogLoss, metrics.LogLoss, 1e-6);
    }

    [Fact]
    public void An_mlp_with_its_hidden_layers_round_trips()
    {
        var spec = ModelSpec.Mlp(16, 8);
        var parameters = ModelFactory.InitialParameters(spec, 30, seed: 7);
        var original = ModelFile.Create(spec, trained.Split.Train.FeatureNames, trained.Statistics, parameters,
            trained.Provenance with { CkksParameterSetId = null, FinalMetrics = null, FinalMetricsOn = null });
        var path = PathOf("mlp.json");

        original.Write(path);
        var read = ModelFile.Read(path);

        Assert.Equal(spec, read.Spec);
        Assert.Equal(parameters, read.Parameters);
        Assert.Null(read.Provenance.CkksParameterSetId);
        Assert.Null(read.Provenance.FinalMetrics);
    }

    [Fact]
    public void The_file_is_owner_only_and_no_temporary_file_is_left_behind()
    {
        var path = WrittenModel();
        trained.Build().Write(path); // overwriting goes through a temporary file too

        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
        Assert.Equal(["model.json"], Directory.GetFiles(_directory).Select(Path.GetFileName));
    }

    [Fact]
    public void The_file_is_self_describing_json_with_the_documented_members()
    {
        var text = File.ReadAllText(WrittenModel());

        foreach (var member in new[]
                 {
                     "\"format\": \"fedhe-model\"", "\"formatVersion\": 1", "\"contentSha256\"", "\"kind\": \"logistic-regression\"",
                     "\"radius_mean\"", "\"column\": \"diagnosis\"", "\"positiveCode\": \"M\"", "\"means\"", "\"standardDeviations\"",
                     "\"parameters\"", "\"ckksParameterSetId\": \"Params128BitLogN13LogQ101\"", "\"runId\": \"run-20261201T000000Z\"",
                     "\"rounds\": 10", "\"finalMetrics\"",
                 })
        {
            Assert.Contains(member, text, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(100)]
    [InlineData(2)] // halves
    [InlineData(-3)] // all but the closing brace
    public void A_truncated_file_is_refused_as_incomplete(int cut)
    {
        var path = WrittenModel();
        var bytes = File.ReadAllBytes(path);
        var keep = cut switch { 2 => bytes.Length / 2, < 0 => bytes.Length + cut, _ => cut };
        File.WriteAllBytes(path, bytes[..keep]);

        var error = ReadFails(path);

        Assert.Equal(path, error.FilePath);
        Assert.Contains("not a complete JSON document", error.Problem);
    }

    [Theory]
    [InlineData("\"rounds\": 10", "\"rounds\": 11")]
    [InlineData("\"kind\": \"logistic-regression\"", "\"kind\": \"logistic-regressioN\"")]
    [InlineData("\"radius_mean\"", "\"radius_Mean\"")]
    [InlineData("\"column\": \"diagnosis\"", "\"column\":  \"diagnosis\"")]
    public void An_edited_file_is_refused_by_its_checksum(string original, string edited)
    {
        var path = WrittenModel();
        var text = File.ReadAllText(path);
        Assert.Contains(original, text, StringComparison.Ordinal);
        File.WriteAllText(path, text.Replace(original, edited, StringComparison.Ordinal));

        var error = ReadFails(path);

        Assert.Contains("does not match its SHA-256 checksum", error.Problem);
    }

    [Fact]
    public void A_single_changed_weight_is_refused_by_the_checksum()
    {
        var path = WrittenModel();
        var bytes = File.ReadAllBytes(path);
        var parameters = Encoding.UTF8.GetString(bytes).IndexOf("\"parameters\"", StringComparison.Ordinal);
        var digit = Array.FindIndex(bytes, parameters, b => b is >= (byte)'1' and <= (byte)'8');
        bytes[digit]++;
        File.WriteAllBytes(path, bytes);

        Assert.Contains("checksum", ReadFails(path).Problem);
    }

    [Fact]
    public void Content_edited_with_a_recomputed_checksum_is_still_refused_when_it_contradicts_itself()
    {
        var path = WrittenModel();
        var text = File.ReadAllText(path);
        var start = text.IndexOf("\"content\": ", StringComparison.Ordinal) + "\"content\": ".Length;
        var content = text[start..text.LastIndexOf('}')].TrimEnd();
        var edited = content.Replace("\"parameterCount\": 31", "\"parameterCount\": 30", StringComparison.Ordinal);
        var checksum = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(edited)));
        var oldChecksum = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(content)));
        File.WriteAllText(path, text.Replace(content, edited, StringComparison.Ordinal).Replace(oldChecksum, checksum, StringComparison.Ordinal));

        var error = ReadFails(path);

        Assert.Contains("31", error.Problem);
        Assert.Contains("30", error.Problem);
    }

    [Fact]
    public void A_newer_format_version_is_refused_by_name()
    {
        var path = WrittenModel();
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"formatVersion\": 1", "\"formatVersion\": 2", StringComparison.Ordinal));

        Assert.Contains("format version 2 was written by a newer fedhe", ReadFails(path).Problem);
    }

    [Theory]
    [InlineData("{\"weights\": [1, 2]}")]
    [InlineData("[1, 2, 3]")]
    [InlineData("diagnosis,radius\nM,1\n")]
    public void Something_that_is_not_a_model_file_is_refused(string content)
    {
        var path = PathOf("other.json");
        File.WriteAllText(path, content);

        var error = ReadFails(path);

        Assert.Matches("not a FederatedHe model file|not a complete JSON document", error.Problem);
    }

    [Fact]
    public void A_missing_file_is_refused_naming_it()
    {
        var error = ReadFails(PathOf("absent.json"));

        Assert.Contains("does not exist", error.Message);
        Assert.Contains("absent.json", error.Message);
    }

    [Fact]
    public void Building_from_parts_that_do_not_fit_is_refused()
    {
        var names = trained.Split.Train.FeatureNames;

        Assert.Throws<ArgumentException>(() => ModelFile.Create(ModelSpec.LogisticRegression, names, trained.Statistics,
            trained.Result.Parameters.AsSpan(1), trained.Provenance));
        Assert.Throws<ArgumentException>(() => ModelFile.Create(ModelSpec.Mlp(4), names, trained.Statistics,
            trained.Result.Parameters, trained.Provenance));
        Assert.Throws<ArgumentException>(() => ModelFile.Create(ModelSpec.LogisticRegression, names.Skip(1).ToArray(), trained.Statistics,
            trained.Result.Parameters, trained.Provenance));
        var withNaN = trained.Result.Parameters.ToArray();
        withNaN[3] = float.NaN;
        Assert.Throws<ArgumentException>(() => ModelFile.Create(ModelSpec.LogisticRegression, names, trained.Statistics, withNaN, trained.Provenance));
        Assert.Throws<ArgumentException>(() => ModelFile.Create(ModelSpec.LogisticRegression, names, trained.Statistics,
            trained.Result.Parameters, trained.Provenance with { RunId = " " }));
    }

    [Fact]
    public void Columns_that_differ_from_the_models_are_named_at_the_first_difference()
    {
        var model = trained.Build();
        var names = model.FeatureNames.ToList();

        model.EnsureFeaturesMatch(names, "same.csv");
        var swapped = names.ToList();
        (swapped[2], swapped[3]) = (swapped[3], swapped[2]);
        var error = Assert.Throws<DatasetFormatException>(() => model.EnsureFeaturesMatch(swapped, "swapped.csv"));
        Assert.Equal(("swapped.csv", "area_mean"), (error.FilePath, error.ColumnName));
        Assert.Contains("feature 3 to be 'perimeter_mean'", error.Problem);

        var missing = Assert.Throws<DatasetFormatException>(() => model.EnsureFeaturesMatch(names.Take(29).ToList(), "short.csv"));
        Assert.Equal("fractal_dimension_worst", missing.ColumnName);
        var extra = Assert.Throws<DatasetFormatException>(() => model.EnsureFeaturesMatch([.. names, "site"], "long.csv"));
        Assert.Equal("site", extra.ColumnName);
    }

    [Fact]
    public void The_format_of_a_small_model_is_pinned()
    {
        var dataset = Dataset.Create([1f, 2f, 3f, 6f], [1, 0], ["radius", "texture"], "tiny");
        var file = ModelFile.Create(ModelSpec.LogisticRegression, dataset.FeatureNames, FeatureStatistics.Compute(dataset),
            [0.5f, -0.25f, 0.125f], new ModelProvenance("run-1", null, 3, new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero)));

        // The checksum was checked independently: Python's hashlib over the bytes of "content" as they stand here.
        const string Expected = """
        {
          "format": "fedhe-model",
          "formatVersion": 1,
          "contentSha256": "56c7fb6798f82bfa65ad12bd4149a63a844c2cd4fdca637438aaf073e31a30eb",
          "content": {
            "model": {
              "kind": "logistic-regression",
              "hiddenLayerSizes": [],
              "featureCount": 2,
              "parameterCount": 3
            },
            "features": [
              "radius",
              "texture"
            ],
            "labels": {
              "column": "diagnosis",
              "positiveClass": "malignant",
              "positiveCode": "M",
              "negativeClass": "benign",
              "negativeCode": "B"
            },
            "schemaDigest": "e1af3452264d47249c995bf92eb459027a897c4d2c855a5ab37e326cce5147f7",
            "standardization": {
              "sampleCount": 2,
              "means": [
                2,
                4
              ],
              "standardDeviations": [
                1,
                2
              ]
            },
            "parameters": [
              0.5,
              -0.25,
              0.125
            ],
            "training": {
              "runId": "run-1",
              "ckksParameterSetId": null,
              "rounds": 3,
              "createdUtc": "2026-12-01T00:00:00+00:00",
              "finalMetrics": null,
              "finalMetricsOn": null
            }
          }
        }

        """;
        Assert.Equal(Expected.ReplaceLineEndings("\n"), Encoding.UTF8.GetString(file.ToBytes()));
    }
}
