using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using FederatedHe.Host.Reports;
using FederatedHe.Training.Data;
using FederatedHe.Training.Evaluation;
using FederatedHe.Training.Models;
using Spectre.Console;

namespace FederatedHe.Host.Cli;

/// <summary>`fedhe evaluate`: how well a model file does on a labelled CSV, with calibration and plots.</summary>
internal static class EvaluateCommand
{
    /// <summary>Files written into the --out directory.</summary>
    public const string MetricsFile = "metrics.json", ReliabilityPng = "reliability.png", RocPng = "roc.png";

    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Model file to evaluate", Required = true };
        var data = new Option<string>("--data") { Description = "Labelled CSV with the model's feature columns (one class is allowed)", Required = true };
        var output = new Option<string?>("--out") { Description = $"Directory for {MetricsFile}, {ReliabilityPng} and {RocPng}" };
        var command = new Command("evaluate",
            "Evaluate a model file on labelled data: accuracy, precision, recall, F1, ROC AUC, log-loss, Brier score, calibration error, confusion matrix")
        {
            model, data, output,
        };
        command.SetAction(result => ModelCommandSupport.Run(() => Run(result.GetValue(model)!, result.GetValue(data)!, result.GetValue(output))));
        return command;
    }

    private static int Run(string modelPath, string dataPath, string? outputDirectory)
    {
        var model = ModelFile.Read(modelPath);
        var dataset = CsvDatasetLoader.Load(dataPath, ModelCommandSupport.DataOptionsFor(model));
        model.EnsureFeaturesMatch(dataset.FeatureNames, dataPath);
        var logits = model.PredictLogits(dataset.Features);
        var metrics = ModelEvaluator.FromLogits(dataset.Labels, logits);
        var calibration = Calibration.FromLogits(dataset.Labels, logits);
        var encoding = model.Schema.LabelEncoding;

        AnsiConsole.MarkupLine($"model: {Markup.Escape(model.Spec.ToString())}, run {Markup.Escape(model.Provenance.RunId)}, schema {model.Schema.Digest[..16]}…");
        AnsiConsole.MarkupLine($"data: {Markup.Escape(dataset.ToString())}");
        var table = new Table().Border(TableBorder.Rounded).AddColumns("metric", "value");
        table.AddRow("accuracy", Format(metrics.Accuracy, "P2"));
        table.AddRow($"precision ({encoding.PositiveClass})", Format(metrics.Precision, "F4"));
        table.AddRow($"recall ({encoding.PositiveClass})", Format(metrics.Recall, "F4"));
        table.AddRow("F1", Format(metrics.F1, "F4"));
        table.AddRow("ROC AUC", double.IsNaN(metrics.RocAuc) ? "n/a (one class)" : Format(metrics.RocAuc, "F4"));
        table.AddRow("log-loss", Format(metrics.LogLoss, "F4"));
        table.AddRow("Brier score", Format(calibration.BrierScore, "F4"));
        table.AddRow($"ECE ({calibration.Bins.Count} equal-width bins)", Format(calibration.ExpectedCalibrationError, "F4"));
        AnsiConsole.Write(table);

        var matrix = metrics.ConfusionMatrix;
        var confusion = new Table().Border(TableBorder.Rounded).Title("confusion matrix (threshold 0.5)")
            .AddColumns("", $"predicted {encoding.PositiveCode}", $"predicted {encoding.NegativeCode}");
        confusion.AddRow($"actual {encoding.PositiveCode}", Count(matrix.TruePositives), Count(matrix.FalseNegatives));
        confusion.AddRow($"actual {encoding.NegativeCode}", Count(matrix.FalsePositives), Count(matrix.TrueNegatives));
        AnsiConsole.Write(confusion);

        if (outputDirectory is null)
        {
            AnsiConsole.MarkupLine($"[grey]--out DIR also writes {MetricsFile}, a reliability diagram and a ROC curve[/]");
            return 0;
        }
        Directory.CreateDirectory(outputDirectory);
        var title = $"{Path.GetFileName(modelPath)} on {Path.GetFileName(dataPath)}";
        ModelCommandSupport.WriteAtomically(Path.Combine(outputDirectory, MetricsFile), MetricsJson(metrics, calibration, modelPath, dataPath));
        EvaluationPlots.Reliability(Path.Combine(outputDirectory, ReliabilityPng), $"{title}: reliability", calibration);
        var written = $"{MetricsFile}, {ReliabilityPng}";
        if (double.IsNaN(metrics.RocAuc))
        {
            AnsiConsole.MarkupLine($"[yellow]no ROC curve: {Markup.Escape(dataPath)} holds one class only[/]");
        }
        else
        {
            var probabilities = logits.Select(logit => Calibration.Probability(logit)).ToArray();
            EvaluationPlots.Roc(Path.Combine(outputDirectory, RocPng), $"{title}: ROC", RocCurve.Compute(dataset.Labels, probabilities), metrics.RocAuc);
            written += $" and {RocPng}";
        }
        AnsiConsole.MarkupLine($"wrote {written}");
        AnsiConsole.MarkupLine($"to [bold]{Markup.Escape(Path.GetFullPath(outputDirectory))}[/]");
        return 0;
    }

    private static string MetricsJson(EvaluationMetrics metrics, CalibrationMetrics calibration, string modelPath, string dataPath)
    {
        static double? Finite(double value) => double.IsFinite(value) ? value : null;
        var document = new
        {
            model = modelPath,
            data = dataPath,
            samples = metrics.SampleCount,
            threshold = 0.5,
            accuracy = metrics.Accuracy,
            precision = metrics.Precision,
            recall = metrics.Recall,
            f1 = metrics.F1,
            rocAuc = Finite(metrics.RocAuc),
            logLoss = metrics.LogLoss,
            brierScore = calibration.BrierScore,
            expectedCalibrationError = calibration.ExpectedCalibrationError,
            calibrationBinning = $"{calibration.Bins.Count} equal-width bins over [0, 1]",
            confusionMatrix = new
            {
                truePositives = metrics.ConfusionMatrix.TruePositives,
                falsePositives = metrics.ConfusionMatrix.FalsePositives,
                trueNegatives = metrics.ConfusionMatrix.TrueNegatives,
                falseNegatives = metrics.ConfusionMatrix.FalseNegatives,
            },
            reliabilityBins = calibration.Bins.Select(bin => new
            {
                lower = bin.Lower,
                upper = bin.Upper,
                count = bin.Count,
                meanPredicted = Finite(bin.MeanPredicted),
                observedFrequency = Finite(bin.ObservedFrequency),
            }),
        };
        return JsonSerializer.Serialize(document, new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    private static string Format(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    private static string Count(int value) => value.ToString(CultureInfo.InvariantCulture);
}
