using System.Globalization;
using System.Text.Json;
using FederatedHe.Host;
using FederatedHe.IntegrationTests.Experiments;
using FederatedHe.Training.Data;
using FederatedHe.Training.Evaluation;
using FederatedHe.Training.Federation;
using FederatedHe.Training.Local;
using FederatedHe.Training.Models;

namespace FederatedHe.IntegrationTests.Models;

/// <summary>
/// A logistic regression trained in-process on every row of data/wdbc.csv, its in-process figures on those same rows,
/// and its model file — built with the pure <see cref="ModelFile.Create"/> as a hospital would at the end of a federation.
/// Then `fedhe predict` and `fedhe evaluate` run once each through the CLI's entry point.
/// </summary>
public sealed class TrainedModelFixture : IAsyncLifetime
{
    public string Root { get; } = Directory.CreateTempSubdirectory("fedhe-model-workflow-").FullName;

    public string DataPath { get; } = RepositoryFiles.Path("data", "wdbc.csv");

    public string ModelPath => Path.Combine(Root, "model.json");

    public string PredictionsPath => Path.Combine(Root, "predictions.csv");

    public string EvaluationDirectory => Path.Combine(Root, "evaluation");

    public Dataset Data { get; private set; } = null!;

    /// <summary>The figures CentralizedBaseline computed in-process on the rows it trained on.</summary>
    public EvaluationMetrics InProcess { get; private set; } = null!;

    public CalibrationMetrics InProcessCalibration { get; private set; } = null!;

    public int PredictExitCode { get; private set; }

    public int EvaluateExitCode { get; private set; }

    public async Task InitializeAsync()
    {
        Data = CsvDatasetLoader.Load(DataPath);
        var spec = ModelSpec.LogisticRegression;
        var result = CentralizedBaseline.Run(Data, Data, spec, new TrainingOptions { Epochs = 20, BatchSize = 16, LearningRate = 0.05, Seed = 42 });
        InProcess = result.Test;
        var provenance = new ModelProvenance("workflow-test", CkksParameterSetId: null, Rounds: 20, DateTimeOffset.UtcNow, result.Test, "wdbc.csv (all rows)");
        var file = ModelFile.Create(spec, Data.FeatureNames, FeatureStatistics.Compute(Data), result.Parameters, provenance);
        file.Write(ModelPath);
        using (var model = file.CreateClassifier())
            InProcessCalibration = Calibration.FromLogits(Data.Labels, model.PredictLogits(result.Standardizer.Apply(Data)));

        PredictExitCode = await Program.Main(["predict", "--model", ModelPath, "--data", DataPath, "--out", PredictionsPath]);
        EvaluateExitCode = await Program.Main(["evaluate", "--model", ModelPath, "--data", DataPath, "--out", EvaluationDirectory]);
    }

    public Task DisposeAsync()
    {
        Directory.Delete(Root, recursive: true);
        return Task.CompletedTask;
    }
}

/// <summary>A model file is used as a hospital would: `fedhe predict` on new rows, `fedhe evaluate` on labelled ones.</summary>
public sealed class ModelWorkflowTests(TrainedModelFixture run) : IClassFixture<TrainedModelFixture>
{
    private sealed record Prediction(string Key, double Probability, string Code);

    private List<Prediction> Predictions(string path)
    {
        var lines = File.ReadAllLines(path);
        return lines.Skip(1).Select(line => line.Split(','))
            .Select(cells => new Prediction(cells[0], double.Parse(cells[1], CultureInfo.InvariantCulture), cells[2]))
            .ToList();
    }

    [Fact]
    public void Predict_writes_one_row_per_patient_keyed_by_line_when_the_file_has_no_id_column()
    {
        Assert.Equal(0, run.PredictExitCode);
        var lines = File.ReadAllLines(run.PredictionsPath);

        Assert.Equal("line,probability_malignant,prediction", lines[0]);
        var predictions = Predictions(run.PredictionsPath);
        Assert.Equal(run.Data.SampleCount, predictions.Count);
        Assert.Equal(Enumerable.Range(2, run.Data.SampleCount).Select(line => line.ToString(CultureInfo.InvariantCulture)), predictions.Select(p => p.Key));
        Assert.All(predictions, p => Assert.InRange(p.Probability, 0, 1));
        Assert.All(predictions, p => Assert.Equal(p.Probability > 0.5 ? "M" : "B", p.Code));
    }

    [Fact]
    public void Predictions_on_the_training_rows_reproduce_the_in_process_evaluation_of_those_rows()
    {
        var predictions = Predictions(run.PredictionsPath);
        var labels = run.Data.Labels.ToArray();

        int truePositives = 0, falsePositives = 0, trueNegatives = 0, falseNegatives = 0;
        for (var i = 0; i < labels.Length; i++)
        {
            var predicted = predictions[i].Code == "M";
            if (labels[i] == 1) { if (predicted) truePositives++; else falseNegatives++; }
            else { if (predicted) falsePositives++; else trueNegatives++; }
        }
        Assert.Equal(run.InProcess.ConfusionMatrix, new ConfusionMatrix(truePositives, falsePositives, trueNegatives, falseNegatives));
        var probabilities = predictions.Select(p => p.Probability).ToArray();
        Assert.Equal(run.InProcess.RocAuc, RocCurve.Area(RocCurve.Compute(labels, probabilities)), 1e-6);
        var logLoss = labels.Select((label, i) => -Math.Log(label == 1 ? probabilities[i] : 1 - probabilities[i])).Average();
        Assert.Equal(run.InProcess.LogLoss, logLoss, 1e-5);
        var calibration = Calibration.FromProbabilities(labels, probabilities);
        Assert.Equal(run.InProcessCalibration.BrierScore, calibration.BrierScore, 1e-6);
        Assert.Equal(run.InProcessCalibration.ExpectedCalibrationError, calibration.ExpectedCalibrationError, 1e-6);
    }

    [Fact]
    public void Evaluate_reports_the_same_figures_as_the_in_process_evaluation()
    {
        Assert.Equal(0, run.EvaluateExitCode);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(run.EvaluationDirectory, "metrics.json")));
        var metrics = json.RootElement;

        Assert.Equal(run.Data.SampleCount, metrics.GetProperty("samples").GetInt32());
        Assert.Equal(run.InProcess.Accuracy, metrics.GetProperty("accuracy").GetDouble(), 12);
        Assert.Equal(run.InProcess.Precision, metrics.GetProperty("precision").GetDouble(), 12);
        Assert.Equal(run.InProcess.Recall, metrics.GetProperty("recall").GetDouble(), 12);
        Assert.Equal(run.InProcess.F1, metrics.GetProperty("f1").GetDouble(), 12);
        Assert.Equal(run.InProcess.RocAuc, metrics.GetProperty("rocAuc").GetDouble(), 6);
        Assert.Equal(run.InProcess.LogLoss, metrics.GetProperty("logLoss").GetDouble(), 5);
        Assert.Equal(run.InProcessCalibration.BrierScore, metrics.GetProperty("brierScore").GetDouble(), 6);
        Assert.Equal(run.InProcessCalibration.ExpectedCalibrationError, metrics.GetProperty("expectedCalibrationError").GetDouble(), 6);
        Assert.Equal("10 equal-width bins over [0, 1]", metrics.GetProperty("calibrationBinning").GetString());
        Assert.Equal(10, metrics.GetProperty("reliabilityBins").GetArrayLength());
        var confusion = metrics.GetProperty("confusionMatrix");
        Assert.Equal(run.InProcess.ConfusionMatrix, new ConfusionMatrix(
            confusion.GetProperty("truePositives").GetInt32(), confusion.GetProperty("falsePositives").GetInt32(),
            confusion.GetProperty("trueNegatives").GetInt32(), confusion.GetProperty("falseNegatives").GetInt32()));
    }

    [Theory]
    [InlineData("reliability.png")]
    [InlineData("roc.png")]
    public void Evaluate_draws_the_reliability_diagram_and_roc_curve_as_png(string file)
    {
        var bytes = File.ReadAllBytes(Path.Combine(run.EvaluationDirectory, file));

        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A], bytes[..8]);
        Assert.True(bytes.Length > 10_000, $"{file} is only {bytes.Length} bytes");
    }

    [Fact]
    public async Task Predict_copies_the_id_column_and_needs_no_label_column()
    {
        var source = File.ReadAllLines(run.DataPath);
        var unlabelled = Path.Combine(run.Root, "new-patients.csv");
        // Drop the label (first) column and put an id in front, as a hospital's export of undiagnosed patients might.
        File.WriteAllLines(unlabelled, source.Take(4).Select((line, i) =>
            (i == 0 ? "id" : $"P-{i:000}") + line[line.IndexOf(',', StringComparison.Ordinal)..]));
        var output = Path.Combine(run.Root, "new-predictions.csv");

        Assert.Equal(0, await Program.Main(["predict", "--model", run.ModelPath, "--data", unlabelled, "--out", output, "--threshold", "0.9"]));

        var predictions = Predictions(output);
        Assert.Equal(["P-001", "P-002", "P-003"], predictions.Select(p => p.Key));
        var reference = Predictions(run.PredictionsPath).Take(3).ToList();
        // The same rows, scored in a batch of 3 rather than 569: equal up to float rounding in the matrix product.
        Assert.All(reference.Zip(predictions, (expected, actual) => (expected.Probability, actual.Probability)), pair => Assert.Equal(pair.Item1, pair.Item2, 1e-6));
        Assert.All(predictions, p => Assert.Equal(p.Probability > 0.9 ? "M" : "B", p.Code));
    }

    [Fact]
    public async Task Predict_refuses_a_file_whose_columns_differ_with_one_line_naming_the_first_differing_column()
    {
        var swapped = Path.Combine(run.Root, "swapped.csv");
        File.WriteAllLines(swapped, File.ReadAllLines(run.DataPath).Select(line =>
        {
            var cells = line.Split(',');
            (cells[3], cells[4]) = (cells[4], cells[3]);
            return string.Join(',', cells);
        }));
        var output = Path.Combine(run.Root, "never-written.csv");

        var outcome = await FedheProcess.RunAsync("predict", "--model", run.ModelPath, "--data", swapped, "--out", output);

        Assert.Equal(2, outcome.ExitCode);
        var line = Assert.Single(outcome.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal($"error: {swapped}, column 'area_mean': the model expects feature 3 to be 'perimeter_mean', the file has 'area_mean' there.", line);
        Assert.False(File.Exists(output));
    }

    [Theory]
    [InlineData("missing-model")]
    [InlineData("truncated-model")]
    [InlineData("edited-model")]
    [InlineData("csv-as-model")]
    [InlineData("missing-data")]
    [InlineData("non-finite-data")]
    public async Task Bad_input_ends_with_one_line_and_a_non_zero_exit_never_a_stack_trace(string kind)
    {
        var model = run.ModelPath;
        var data = run.DataPath;
        var text = File.ReadAllText(run.ModelPath);
        switch (kind)
        {
            case "missing-model":
                model = Path.Combine(run.Root, "absent.json");
                break;
            case "truncated-model":
                model = Path.Combine(run.Root, "truncated.json");
                File.WriteAllText(model, text[..(text.Length / 2)]);
                break;
            case "edited-model":
                model = Path.Combine(run.Root, "edited.json");
                File.WriteAllText(model, text.Replace("\"rounds\": 20", "\"rounds\": 200", StringComparison.Ordinal));
                break;
            case "csv-as-model":
                model = run.DataPath;
                break;
            case "missing-data":
                data = Path.Combine(run.Root, "absent.csv");
                break;
            case "non-finite-data":
                data = Path.Combine(run.Root, "inf.csv");
                var lines = File.ReadAllLines(run.DataPath);
                lines[5] = lines[5][..lines[5].LastIndexOf(',')] + ",inf";
                File.WriteAllLines(data, lines);
                break;
        }

        var outcome = await FedheProcess.RunAsync("evaluate", "--model", model, "--data", data);

        Assert.Equal(2, outcome.ExitCode);
        var line = Assert.Single(outcome.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"error: {(kind.EndsWith("data", StringComparison.Ordinal) ? data : model)}", line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", outcome.StandardOutput + outcome.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Train_writes_a_model_file_that_predict_and_evaluate_accept()
    {
        var model = Path.Combine(run.Root, "trained.json");

        Assert.Equal(0, await Program.Main(["train", "--data", run.DataPath, "--out", model, "--epochs", "5"]));

        var file = ModelFile.Read(model);
        Assert.Equal(run.Data.Schema, file.Schema);
        Assert.Equal(455, file.StandardizationSampleCount);
        Assert.Equal(114, file.Provenance.FinalMetrics!.SampleCount);
        Assert.Null(file.Provenance.CkksParameterSetId);
        Assert.Equal(0, await Program.Main(["evaluate", "--model", model, "--data", run.DataPath]));
    }
}
