using System.CommandLine;
using System.Globalization;
using FederatedHe.Host.Hosting;
using FederatedHe.Training.Data;
using FederatedHe.Training.Federation;
using FederatedHe.Training.Local;
using FederatedHe.Training.Models;
using Spectre.Console;
using FederatedHe.Actors.Configuration;

namespace FederatedHe.Host.Cli;

/// <summary>
/// `fedhe train`: trains one model centrally on a CSV file and writes it as a model file — a hospital's model
/// on its own data, or the pooled baseline. A federation's hospitals write the same kind of file.
/// </summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "Labelled training CSV (default: data/wdbc.csv)", DefaultValueFactory = _ => string.Empty };
        var output = new Option<string>("--out") { Description = "Model file to write", DefaultValueFactory = _ => "model.json" };
        var model = new Option<string>("--model") { Description = "logistic-regression or mlp:16,8", DefaultValueFactory = _ => "logistic-regression" };
        var epochs = new Option<int>("--epochs") { Description = "Passes over the training rows", DefaultValueFactory = _ => 40 };
        var learningRate = new Option<double>("--learning-rate") { Description = "SGD learning rate", DefaultValueFactory = _ => 0.05 };
        var testFraction = new Option<double>("--test-fraction") { Description = "Share of each class held out to measure the model", DefaultValueFactory = _ => 0.2 };
        var seed = new Option<int>("--seed") { Description = "Seed for the hold-out split, initial weights and batch order", DefaultValueFactory = _ => 42 };
        var command = new Command("train", "Train a model centrally on a CSV file and write a model file for fedhe predict and fedhe evaluate")
        {
            data, output, model, epochs, learningRate, testFraction, seed,
        };
        command.SetAction(result => ModelCommandSupport.Run(() =>
        {
            var path = result.GetValue(data) is { Length: > 0 } given ? given : ProjectFiles.DefaultDataPath;
            var options = new TrainingOptions
            {
                Epochs = result.GetValue(epochs), BatchSize = 16, LearningRate = result.GetValue(learningRate), Seed = result.GetValue(seed),
            };
            options.Validate();
            return Run(path, result.GetValue(output)!, SpecOptions.ParseModel(result.GetValue(model)!), options, result.GetValue(testFraction));
        }));
        return command;
    }

    private static int Run(string dataPath, string outputPath, ModelSpec spec, TrainingOptions options, double testFraction)
    {
        var dataset = CsvDatasetLoader.Load(dataPath);
        var split = DatasetSplits.StratifiedHoldout(dataset, testFraction, options.Seed);
        AnsiConsole.MarkupLine($"data: {Markup.Escape(dataset.ToString())}");
        AnsiConsole.MarkupLine($"hold-out: {split.Train.SampleCount} train / {split.Test.SampleCount} test (seed {options.Seed})");

        var result = CentralizedBaseline.Run(split.Train, split.Test, spec, options);
        var provenance = new ModelProvenance(
            $"train-{DateTime.UtcNow:yyyyMMdd'T'HHmmss'Z'}", CkksParameterSetId: null, options.Epochs, DateTimeOffset.UtcNow,
            result.Test, $"{Path.GetFileName(dataPath)}#test ({split.Test.SampleCount} samples, seed {options.Seed})");
        var file = ModelFile.Create(spec, split.Train.FeatureNames, FeatureStatistics.Compute(split.Train), result.Parameters, provenance,
            split.Train.LabelColumn);
        file.Write(outputPath);

        var test = result.Test;
        AnsiConsole.MarkupLine($"held-out test: accuracy [bold]{test.Accuracy.ToString("P2", CultureInfo.InvariantCulture)}[/], " +
                               $"AUC {test.RocAuc.ToString("F4", CultureInfo.InvariantCulture)}, log-loss {test.LogLoss.ToString("F4", CultureInfo.InvariantCulture)}");
        AnsiConsole.MarkupLine($"wrote [bold]{Markup.Escape(outputPath)}[/] (owner-only): {Markup.Escape(spec.ToString())}, {file.Parameters.Count} parameters");
        AnsiConsole.MarkupLine($"schema sha256 {file.Schema.Digest}");
        return 0;
    }
}
