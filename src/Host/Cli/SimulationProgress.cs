using System.Globalization;
using FederatedHe.Actors.Configuration;
using FederatedHe.Host.Reports;
using FederatedHe.Host.Simulation;
using Spectre.Console;

namespace FederatedHe.Host.Cli;

/// <summary>The console side of a simulated federation, shared by `simulate`, `demo` and `experiment run`: a live per-round table and a summary.</summary>
internal static class SimulationProgress
{
    /// <summary>Runs a simulation, showing each round in a live table as it completes, then a summary beside the baselines.</summary>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public static async Task<SimulationResult> RunAsync(SimulationOptions options, CancellationToken cancellationToken)
    {
        var spec = options.Spec;
        AnsiConsole.MarkupLine($"[bold]FederatedHe[/] encrypted federation: {spec.Federation.Hospitals} hospitals, {spec.Federation.Rounds} rounds, " +
                               $"{spec.Training.Model}, CKKS {Markup.Escape(spec.EffectivePreset)}, {spec.Crypto.Mode}" +
                               $"{(spec.Crypto.Mode == KeyMode.Threshold ? $" ({spec.EffectiveThreshold}-of-{spec.Federation.Hospitals})" : string.Empty)}, " +
                               $"{spec.Data.Partition} partition, seed {spec.Federation.Seed}");
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
        return result;
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

    /// <summary>Writes a run report into a new directory under <paramref name="outputRoot"/> and says where.</summary>
    public static string WriteReport(string outputRoot, string name, SimulationOptions options, SimulationResult result, DateTime startedUtc)
    {
        var directory = RunReport.CreateRunDirectory(outputRoot, name, startedUtc);
        RunReport.Write(directory, name, options, result);
        AnsiConsole.MarkupLine($"report written to [bold]{Markup.Escape(directory)}[/]");
        return directory;
    }

    private static string Format(double? value, string format) =>
        value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "-";
}
