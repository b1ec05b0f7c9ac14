using System.CommandLine;
using FederatedHe.Actors.Configuration;
using FederatedHe.Actors.Spec;
using FederatedHe.Host.ClusterLauncher;
using FederatedHe.Host.Reports;
using Spectre.Console;

namespace FederatedHe.Host.Cli;

/// <summary>`fedhe cluster up`: the federation as separate processes on this machine, one per node.</summary>
internal static class ClusterCommand
{
    public static Command Create()
    {
        var spec = new Option<string?>("--spec") { Description = "A federation spec (experiments/*.conf); default: reference.conf alone, the README's demo" };
        var specOptions = SpecOptions.Federation();
        var basePort = new Option<int>("--base-port") { Description = "The aggregator's port; hospital k listens on base-port + k", DefaultValueFactory = _ => 4053 };
        var logs = new Option<string?>("--logs") { Description = "Directory for one log per node (default: runs/<UTC time>-cluster-<name>/)" };
        var noTls = new Option<bool>("--no-tls") { Description = "Plain TCP between nodes instead of mutual TLS with throw-away certificates" };
        var timeout = new Option<int>("--timeout-minutes") { Description = "Stop every node and fail if the federation takes longer", DefaultValueFactory = _ => 30 };
        var monitorPort = new Option<int>("--monitor-port") { Description = "The dashboard's port on 127.0.0.1 (0: any free one); the launcher follows the rounds through this monitor member", DefaultValueFactory = _ => MonitorCommand.DefaultHttpPort };
        var insecurePlaintext = new Option<bool>("--insecure-plaintext")
        {
            Description = "Allow fedhe.crypto.mode = insecure-plaintext: INSECURE, model updates travel UNENCRYPTED (for measuring what encryption costs, never with real data); passed on to every node",
        };
        var observability = new ObservabilityOptions();
        var up = new Command("up", "Write the spec once and launch an aggregator and N hospitals as `fedhe node --spec` processes on 127.0.0.1, run the federation to its end and stop them all")
        {
            spec, basePort, logs, noTls, timeout, monitorPort, insecurePlaintext,
        };
        specOptions.AddTo(up);
        observability.AddTo(up);
        observability.MetricsPort.Description = "Serve each node's FederatedHe meter for Prometheus: the aggregator on http://localhost:PORT/metrics, hospital k on PORT + k, the monitor on PORT + N + 1";
        up.SetAction(async (result, cancellationToken) =>
        {
            var federation = FederationSpecBinder.Load(result.GetValue(spec), specOptions.Overrides(result)).Spec;
            // The collector's address is checked here, once, rather than by every node after it has started.
            _ = Hosting.NodeMetricsExport.Create(null, result.GetValue(observability.OtlpEndpoint));
            var options = federation.Federation;
            // The same refusal as each node's, said once before any process starts.
            if (federation.Crypto.Mode == KeyMode.InsecurePlaintext && !result.GetValue(insecurePlaintext))
                throw new ArgumentException(NodeCommand.InsecurePlaintextRefusal("cluster up"));
            // Every hospital's file is on this machine: load them all and compare their schemas before any process starts.
            if (federation.Data.HasHospitalFiles)
                _ = FederationData.Load(federation);
            if (federation.Faults.Schedule.Count > 0)
            {
                // The harness runs the fault schedule: where it is missing, that is said before anything is written or started.
                _ = Hosting.HarnessPlugin.Load("cluster up's fault schedule");
                AnsiConsole.MarkupLine($"[yellow]fault schedule ({federation.Faults.Schedule.Count}):[/] {Markup.Escape(string.Join("; ", federation.Faults.Schedule.Select(FaultNames.Describe)))}");
            }
            var name = federation.Experiment.Name.Length > 0 ? federation.Experiment.Name : "local";
            var logDirectory = result.GetValue(logs) ?? RunReport.CreateRunDirectory("runs", $"cluster-{name}", DateTime.UtcNow);
            var plan = new LocalClusterPlan
            {
                Spec = federation,
                LogDirectory = logDirectory,
                BasePort = result.GetValue(basePort),
                Timeout = TimeSpan.FromMinutes(result.GetValue(timeout)),
                UseTls = !result.GetValue(noTls),
                AllowInsecurePlaintext = result.GetValue(insecurePlaintext),
                MonitorHttpPort = result.GetValue(monitorPort),
                LogFormat = result.GetValue(observability.LogFormat)!,
                MetricsBasePort = result.GetValue(observability.MetricsPort),
                OtlpEndpoint = result.GetValue(observability.OtlpEndpoint),
            };

            AnsiConsole.MarkupLine($"[bold]fedhe cluster up[/]: an aggregator on 127.0.0.1:{plan.BasePort} and {options.Hospitals} hospitals on ports " +
                                   $"{plan.BasePort + 1}…{plan.BasePort + options.Hospitals}, {options.Rounds} rounds; logs in {Markup.Escape(Path.GetFullPath(logDirectory))}");
            var outcome = await LocalCluster.RunAsync(plan, line => AnsiConsole.MarkupLine(Markup.Escape(line)), cancellationToken).ConfigureAwait(false);

            var table = new Table().Border(TableBorder.Rounded).AddColumns("node", "pid", "exit", "peak RSS", "log");
            foreach (var node in outcome.Nodes)
            {
                table.AddRow(node.Name, node.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    node.KilledByFault ? "[yellow]killed by the fault schedule[/]"
                        : node.ExitCode is { } code ? (code == 0 ? "[green]0[/]" : $"[red]{code}[/]") : "[red]killed[/]",
                    Hosting.NodeMemory.Megabytes(node.PeakResidentBytes), Markup.Escape(node.LogPath));
            }

            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine($"report written to {Markup.Escape(Path.GetFullPath(logDirectory))} ({RunReport.SummaryFile}, {RunReport.RoundsCsv}, {RunReport.SitesCsv}, " +
                                   $"{ClusterNodesReport.NodesCsv}, plots)");
            AnsiConsole.MarkupLine(outcome.Succeeded
                ? $"[green]{Markup.Escape(outcome.Status)}[/]: {outcome.RoundsCompleted} rounds in {outcome.Elapsed.TotalSeconds:F1} s"
                : $"[red]{Markup.Escape(outcome.Status)}[/]; {outcome.Nodes.Count(n => !n.Succeeded)} node(s) failed");
            return outcome.Succeeded ? 0 : 1;
        });

        return new Command("cluster", "A local multi-process federation on loopback") { up };
    }
}
