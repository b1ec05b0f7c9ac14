using System.CommandLine;
using System.Globalization;
using FederatedHe.Actors.Configuration;
using FederatedHe.Host.Simulation;
using FederatedHe.Training.Models;
using Spectre.Console;

namespace FederatedHe.Host.Cli;

/// <summary>`fedhe simulate`: a whole encrypted federation in one process over loopback TCP.</summary>
internal static class SimulateCommand
{
    public static Command Create()
    {
        var hospitals = new Option<int>("--hospitals") { Description = "Number of hospitals", DefaultValueFactory = _ => 4 };
        var rounds = new Option<int>("--rounds") { Description = "Training rounds", DefaultValueFactory = _ => 20 };
        var quorum = new Option<int?>("--quorum") { Description = "Fewest updates a round may aggregate (default: hospitals - 1)" };
        var mode = new Option<string>("--mode") { Description = "shared-key or threshold", DefaultValueFactory = _ => "shared-key" };
        mode.AcceptOnlyFromAmong("shared-key", "threshold");
        var partition = new Option<string>("--partition") { Description = "iid, dirichlet or quantity", DefaultValueFactory = _ => "iid" };
        partition.AcceptOnlyFromAmong("iid", "dirichlet", "quantity");
        var alpha = new Option<double>("--alpha") { Description = "Dirichlet concentration for skewed partitions", DefaultValueFactory = _ => 0.5 };
        var seed = new Option<int>("--seed") { Description = "Seed for split, partition, model and training", DefaultValueFactory = _ => 42 };
        var data = new Option<string>("--data") { Description = "CSV data set (default: data/wdbc.csv)", DefaultValueFactory = _ => string.Empty };
        var model = new Option<string>("--model") { Description = "logistic-regression or mlp:16,8", DefaultValueFactory = _ => "logistic-regression" };
        var epochs = new Option<int>("--epochs") { Description = "Local epochs per round", DefaultValueFactory = _ => 2 };
        var learningRate = new Option<double>("--learning-rate") { Description = "Local SGD learning rate", DefaultValueFactory = _ => 0.05 };
        var preset = new Option<string?>("--preset") { Description = "CKKS parameter preset (default: Params128BitLogN13LogQ101; threshold mode: Params128BitLogN13LogQ160Threshold)" };
        var threshold = new Option<int?>("--threshold") { Description = "Threshold mode: hospitals needed to decrypt (default: a majority)" };
        var noBaselines = new Option<bool>("--no-baselines") { Description = "Skip the centralised and plaintext FedAvg baselines" };
        var verbose = new Option<bool>("--verbose") { Description = "Show the nodes' Akka log (every coordinator decision) at INFO level" };

        var command = new Command("simulate", "Run the encrypted federation in one process: an aggregator and N hospitals as actor systems over loopback TCP")
        {
            hospitals, rounds, quorum, mode, threshold, partition, alpha, seed, data, model, epochs, learningRate, preset, noBaselines, verbose,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var options = new SimulationOptions
            {
                Hospitals = result.GetValue(hospitals),
                Rounds = result.GetValue(rounds),
                Quorum = result.GetValue(quorum),
                Mode = result.GetValue(mode) == "threshold" ? KeyMode.Threshold : KeyMode.SharedKey,
                Partition = result.GetValue(partition) switch
                {
                    "dirichlet" => PartitionScheme.Dirichlet,
                    "quantity" => PartitionScheme.QuantitySkewed,
                    _ => PartitionScheme.Iid,
                },
                Alpha = result.GetValue(alpha),
                Seed = result.GetValue(seed),
                DataPath = result.GetValue(data)!,
                Model = ParseModel(result.GetValue(model)!),
                Training = new() { Epochs = result.GetValue(epochs), BatchSize = 16, LearningRate = result.GetValue(learningRate) },
                CryptoPreset = result.GetValue(preset),
                Threshold = result.GetValue(threshold),
                ComputeBaselines = !result.GetValue(noBaselines),
                LogLevel = result.GetValue(verbose) ? "INFO" : "WARNING",
            };
            return await RunAsync(options, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>Runs a simulation with live progress; returns the process exit code.</summary>
    public static async Task<int> RunAsync(SimulationOptions options, CancellationToken cancellationToken)
    {
        AnsiConsole.MarkupLine($"[bold]FederatedHe[/] encrypted federation: {options.Hospitals} hospitals, {options.Rounds} rounds, " +
                               $"{options.Model}, CKKS {Markup.Escape(options.EffectiveCryptoPreset)}, {options.Mode}, {options.Partition} partition, seed {options.Seed}");
        AnsiConsole.MarkupLine("[grey]Each hospital and the aggregator is its own actor system; they form an Akka cluster over TCP on 127.0.0.1.[/]");

        var table = new Table().Border(TableBorder.Rounded)
            .AddColumns("round", "test acc", "log-loss", "AUC", "hospitals", "dropouts", "train ms", "encrypt ms", "aggregate ms", "decrypt ms", "bytes/param", "|enc - plain| model");
        SimulationResult result = null!;
        await AnsiConsole.Live(table).StartAsync(async context =>
        {
            result = await FederationSimulation.RunAsync(options, round =>
            {
                table.AddRow(
                    round.Round.ToString(CultureInfo.InvariantCulture),
                    Format(round.Test?.Accuracy, "P2"),
                    Format(round.Test?.LogLoss, "F4"),
                    Format(round.Test?.RocAuc, "F4"),
                    round.Contributors.Count.ToString(CultureInfo.InvariantCulture),
                    round.Dropouts.Count == 0 ? "-" : string.Join(",", round.Dropouts),
                    round.TrainingMs.ToString("F1", CultureInfo.InvariantCulture),
                    round.EncryptionMs.ToString("F1", CultureInfo.InvariantCulture),
                    round.AggregationMs.ToString("F1", CultureInfo.InvariantCulture),
                    round.DecryptionMs.ToString("F1", CultureInfo.InvariantCulture),
                    round.CiphertextBytesPerParameter.ToString("F0", CultureInfo.InvariantCulture),
                    Format(round.ModelErrorVersusPlaintextFedAvg, "E2"));
                context.Refresh();
            }, cancellationToken).ConfigureAwait(false);
        }).ConfigureAwait(false);

        PrintSummary(result);
        return result.Succeeded ? 0 : 1;
    }

    private static void PrintSummary(SimulationResult result)
    {
        var final = result.FinalTest;
        var worstError = result.Rounds.Select(r => r.ModelErrorVersusPlaintextFedAvg ?? double.NaN).DefaultIfEmpty(double.NaN).Max();
        AnsiConsole.MarkupLine(result.Succeeded
            ? $"[green]federation completed[/] in {result.FederationTime.TotalSeconds:F1} s: {Markup.Escape(result.Status)}"
            : $"[red]federation failed[/] after {result.FederationTime.TotalSeconds:F1} s: {Markup.Escape(result.Status)}");
        if (final is not null)
            AnsiConsole.MarkupLine($"encrypted federation test accuracy: [bold]{final.Accuracy:P2}[/] (AUC {final.RocAuc:F4}, log-loss {final.LogLoss:F4})");
        if (result.CentralizedBaseline is { } central)
            AnsiConsole.MarkupLine($"centralised baseline test accuracy: {central.Accuracy:P2}");
        if (result.PlaintextFedAvgBaseline is { } plain)
            AnsiConsole.MarkupLine($"plaintext FedAvg baseline test accuracy: {plain.Accuracy:P2}");
        AnsiConsole.MarkupLine($"largest |decrypted global model - plaintext FedAvg| over all rounds: {worstError:E2}");
        AnsiConsole.MarkupLine("[grey]original study: 98.25% centralised, 85.71% with its encrypted federation[/]");
    }

    internal static ModelSpec ParseModel(string text)
    {
        if (text is "logistic-regression" or "lr")
            return ModelSpec.LogisticRegression;
        if (text.StartsWith("mlp:", StringComparison.Ordinal))
        {
            var sizes = text[4..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(s => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var size) && size > 0
                    ? size
                    : throw new ArgumentException($"--model: '{s}' in '{text}' is not a positive layer size"))
                .ToArray();
            return ModelSpec.Mlp(sizes);
        }

        throw new ArgumentException($"--model: '{text}' is neither logistic-regression nor mlp:<sizes>");
    }

    private static string Format(double? value, string format) =>
        value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "-";
}
