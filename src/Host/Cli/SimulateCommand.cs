using System.CommandLine;
using System.Globalization;
using FederatedHe.Actors.Configuration;
using FederatedHe.Host.Experiments;
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
        var output = new Option<string?>("--out") { Description = "Write a run report (CSV, JSONL, plots, summary.md) to a new directory under this one, e.g. runs/" };

        var command = new Command("simulate", "Run the encrypted federation in one process: an aggregator and N hospitals as actor systems over loopback TCP")
        {
            hospitals, rounds, quorum, mode, threshold, partition, alpha, seed, data, model, epochs, learningRate, preset, noBaselines, verbose, output,
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
            return await RunAsync(options, cancellationToken, result.GetValue(output)).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>Runs a simulation with live progress, and writes a run report under <paramref name="outputRoot"/> if given; returns the process exit code.</summary>
    public static async Task<int> RunAsync(SimulationOptions options, CancellationToken cancellationToken, string? outputRoot = null)
    {
        var started = DateTime.UtcNow;
        var result = await SimulationProgress.RunAsync(options, cancellationToken).ConfigureAwait(false);
        if (outputRoot is not null)
            SimulationProgress.WriteReport(outputRoot, "simulate", ExperimentSpecWriter.FromOptions(options, "simulate"), options, result, started);
        return result.Succeeded ? 0 : 1;
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
}
