using System.CommandLine;
using FederatedHe.Host.Hosting;
using FederatedHe.Training.Data;
using FederatedHe.Training.Federation;
using FederatedHe.Training.Local;
using Spectre.Console;

namespace FederatedHe.Host.Cli;

/// <summary>`fedhe baseline`: the plaintext baselines the encrypted federation is judged against.</summary>
internal static class BaselineCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "CSV data set (default: data/wdbc.csv)", DefaultValueFactory = _ => string.Empty };
        var hospitals = new Option<int>("--hospitals") { Description = "Hospitals for plaintext FedAvg", DefaultValueFactory = _ => 4 };
        var rounds = new Option<int>("--rounds") { Description = "FedAvg rounds", DefaultValueFactory = _ => 20 };
        var epochs = new Option<int>("--epochs") { Description = "Local epochs per round", DefaultValueFactory = _ => 2 };
        var seed = new Option<int>("--seed") { Description = "Seed for split, partition, model and training", DefaultValueFactory = _ => 42 };
        var model = new Option<string>("--model") { Description = "logistic-regression or mlp:16,8", DefaultValueFactory = _ => "logistic-regression" };
        var command = new Command("baseline", "Train centrally and with plaintext FedAvg (IID and Dirichlet 0.5), printing test metrics")
        {
            data, hospitals, rounds, epochs, seed, model,
        };
        command.SetAction(result =>
        {
            var path = result.GetValue(data) is { Length: > 0 } given ? given : ProjectFiles.DefaultDataPath;
            var dataset = CsvDatasetLoader.Load(path);
            var seedValue = result.GetValue(seed);
            var split = DatasetSplits.StratifiedHoldout(dataset, 0.2, seedValue);
            var spec = SimulateCommand.ParseModel(result.GetValue(model)!);
            var roundCount = result.GetValue(rounds);
            var training = new TrainingOptions { Epochs = result.GetValue(epochs), BatchSize = 16, LearningRate = 0.05, Seed = seedValue };
            var hospitalCount = result.GetValue(hospitals);

            AnsiConsole.MarkupLine($"{Markup.Escape(dataset.ToString())}; hold-out: {split.Train.SampleCount} train / {split.Test.SampleCount} test (seed {seedValue})");
            var table = new Table().Border(TableBorder.Rounded).AddColumns("run", "accuracy", "precision", "recall", "F1", "AUC", "log-loss");
            void Row(string name, FederatedHe.Training.Evaluation.EvaluationMetrics m) => table.AddRow(name,
                $"{m.Accuracy:P2}", $"{m.Precision:F4}", $"{m.Recall:F4}", $"{m.F1:F4}", $"{m.RocAuc:F4}", $"{m.LogLoss:F4}");

            Row("centralised", CentralizedBaseline.Run(split.Train, split.Test, spec, training with { Epochs = training.Epochs * roundCount }).Test);
            var iid = DatasetPartitioner.Iid(split.Train, hospitalCount, seedValue);
            Row($"FedAvg, {hospitalCount} IID hospitals", PlaintextFedAvg.Run(iid, split.Test, spec, training, roundCount, seedValue, cancellationToken: CancellationToken.None).FinalTest);
            var skewed = DatasetPartitioner.Dirichlet(split.Train, hospitalCount, 0.5, seedValue);
            Row($"FedAvg, {hospitalCount} Dirichlet(0.5) hospitals", PlaintextFedAvg.Run(skewed, split.Test, spec, training, roundCount, seedValue, cancellationToken: CancellationToken.None).FinalTest);
            AnsiConsole.Write(table);
            return 0;
        });
        return command;
    }
}
