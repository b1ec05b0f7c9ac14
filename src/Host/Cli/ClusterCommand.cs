using System.CommandLine;
using FederatedHe.Host.ClusterLauncher;
using FederatedHe.Host.Experiments;
using FederatedHe.Host.Reports;
using FederatedHe.Host.Simulation;
using Spectre.Console;

namespace FederatedHe.Host.Cli;

/// <summary>`fedhe cluster up`: the federation as separate processes on this machine, one per node.</summary>
internal static class ClusterCommand
{
    public static Command Create()
    {
        var hospitals = new Option<int?>("--hospitals") { Description = "Number of hospital processes (default: the spec's, else 4)" };
        var spec = new Option<string?>("--spec") { Description = "An experiment spec (experiments/*.conf) describing data, model, training, CKKS and round policy" };
        var rounds = new Option<int?>("--rounds") { Description = "Training rounds (default: the spec's, else 20)" };
        var basePort = new Option<int>("--base-port") { Description = "The aggregator's port; hospital k listens on base-port + k", DefaultValueFactory = _ => 4053 };
        var logs = new Option<string?>("--logs") { Description = "Directory for one log per node (default: runs/<UTC time>-cluster-<name>/)" };
        var noTls = new Option<bool>("--no-tls") { Description = "Plain TCP between nodes instead of mutual TLS with throw-away certificates" };
        var timeout = new Option<int>("--timeout-minutes") { Description = "Stop every node and fail if the federation takes longer", DefaultValueFactory = _ => 30 };
        var up = new Command("up", "Launch an aggregator and N hospitals as `fedhe node` processes on 127.0.0.1, run the federation to its end and stop them all")
        {
            hospitals, spec, rounds, basePort, logs, noTls, timeout,
        };
        up.SetAction(async (result, cancellationToken) =>
        {
            var specPath = result.GetValue(spec);
            var experiment = specPath is null ? null : ExperimentSpecParser.Load(specPath);
            var options = experiment?.ToSimulationOptions(computeBaselines: false, logLevel: "INFO") ?? new SimulationOptions { LogLevel = "INFO" };
            if (result.GetValue(hospitals) is { } hospitalCount)
                options = options with { Hospitals = hospitalCount, Quorum = options.Quorum is { } q ? Math.Min(q, hospitalCount) : null };
            if (result.GetValue(rounds) is { } roundCount)
                options = options with { Rounds = roundCount };
            if (options.Faults.Count > 0)
                AnsiConsole.MarkupLine($"[yellow]fault schedule ({options.Faults.Count}):[/] {Markup.Escape(string.Join("; ", options.Faults.Select(FaultNames.Describe)))}");
            var name = experiment?.Name ?? "local";
            var logDirectory = result.GetValue(logs) ?? RunReport.CreateRunDirectory("runs", $"cluster-{name}", DateTime.UtcNow);
            var plan = new LocalClusterPlan
            {
                Options = options,
                LogDirectory = logDirectory,
                BasePort = result.GetValue(basePort),
                Timeout = TimeSpan.FromMinutes(result.GetValue(timeout)),
                UseTls = !result.GetValue(noTls),
                SpecText = experiment is null ? null : File.ReadAllText(experiment.FilePath),
            };

            AnsiConsole.MarkupLine($"[bold]fedhe cluster up[/]: an aggregator on 127.0.0.1:{plan.BasePort} and {options.Hospitals} hospitals on ports " +
                                   $"{plan.BasePort + 1}…{plan.BasePort + options.Hospitals}, {options.Rounds} rounds; logs in {Markup.Escape(Path.GetFullPath(logDirectory))}");
            var outcome = await LocalCluster.RunAsync(plan, line => AnsiConsole.MarkupLine(Markup.Escape(line)), cancellationToken).ConfigureAwait(false);

            var table = new Table().Border(TableBorder.Rounded).AddColumns("node", "pid", "exit", "log");
            foreach (var node in outcome.Nodes)
            {
                table.AddRow(node.Name, node.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    node.KilledByFault ? "[yellow]killed by the fault schedule[/]"
                        : node.ExitCode is { } code ? (code == 0 ? "[green]0[/]" : $"[red]{code}[/]") : "[red]killed[/]",
                    Markup.Escape(node.LogPath));
            }

            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine(outcome.Succeeded
                ? $"[green]{Markup.Escape(outcome.Status)}[/]: {outcome.RoundsCompleted} rounds in {outcome.Elapsed.TotalSeconds:F1} s"
                : $"[red]{Markup.Escape(outcome.Status)}[/]; {outcome.Nodes.Count(n => !n.Succeeded)} node(s) failed");
            return outcome.Succeeded ? 0 : 1;
        });

        return new Command("cluster", "A local multi-process federation on loopback") { up };
    }
}
