using System.CommandLine;
using FederatedHe.Actors.Harness;
using FederatedHe.Actors.Spec;
using FederatedHe.Host.Monitor;
using FederatedHe.Host.Hosting;

namespace FederatedHe.Host.Cli;

/// <summary>`fedhe simulate`: a whole encrypted federation in one process over loopback TCP.</summary>
internal static class SimulateCommand
{
    public static Command Create()
    {
        var spec = new Option<string?>("--spec") { Description = "A federation spec (e.g. experiments/*.conf); default: reference.conf alone, the README's demo" };
        var specOptions = SpecOptions.Federation();
        var noBaselines = new Option<bool>("--no-baselines") { Description = "Skip the centralised and plaintext FedAvg baselines" };
        var verbose = new Option<bool>("--verbose") { Description = "Show the nodes' Akka log (every coordinator decision) at INFO level" };
        var output = new Option<string?>("--out") { Description = "Write a run report (CSV, JSONL, plots, summary.md) to a new directory under this one, e.g. runs/" };
        var monitorPort = new Option<int?>("--monitor-port") { Description = "Also start a monitor node in this process, serving the live dashboard on 127.0.0.1 at this port (0: any free one)" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Check the spec and print the differential privacy (ε per round and in total) it will spend, without running" };

        var observability = new ObservabilityOptions();
        observability.LogFormat.Description = "Without this option the nodes' Akka log is printed as before; text or json puts it through ILogger on "
                                              + "standard error (json: one JSON object per line with nodeId, and roundId and attempt on coordinator decisions)";
        observability.LogFormat.DefaultValueFactory = null;
        observability.MetricsPort.Description = "Serve every in-process node's FederatedHe meter (labelled node_id, role) for Prometheus on http://localhost:PORT/metrics";

        var command = new Command("simulate", "Run the encrypted federation in one process: an aggregator and N hospitals as actor systems over loopback TCP")
        {
            spec, noBaselines, verbose, output, dryRun, monitorPort,
        };
        specOptions.AddTo(command);
        observability.AddTo(command);
        command.SetAction(async (result, cancellationToken) =>
        {
            var bound = FederationSpecBinder.Load(result.GetValue(spec), specOptions.Overrides(result));
            if (result.GetValue(dryRun))
            {
                foreach (var line in PrivacyForecast.Lines(bound.Spec))
                    Console.Out.WriteLine(line);
                return 0;
            }


            using var metrics = observability.Metrics(result).Start("fedhe-simulate");
            using var logging = result.GetValue(observability.LogFormat) is null ? null : new InProcessNodeLogging(observability.Format(result));
            var options = new SimulationOptions
            {
                Spec = bound.Spec,
                ComputeBaselines = !result.GetValue(noBaselines),
                LogLevel = result.GetValue(verbose) ? "INFO" : "WARNING",
                NodeSetup = logging is null ? null : logging.NodeSetup,
                ExtraConfig = logging is null ? null : InProcessNodeLogging.AkkaLoggers,
            };
            if (result.GetValue(monitorPort) is not { } dashboardPort)
                return await RunAsync(options, cancellationToken, result.GetValue(output)).ConfigureAwait(false);
            var networkFaults = bound.Spec.Faults.Schedule.Any(f => f.IsNetworkFault) ? HarnessPlugin.Load("simulate's network faults").NodeFaults : null;
            await using var monitor = new SimulationMonitor(bound.Spec, MonitorCommand.Binding("127.0.0.1", dashboardPort, null, null, result.GetValue(output) ?? "runs"), networkFaults);
            return await RunAsync(options with { OnAggregatorStarted = monitor.StartAsync }, cancellationToken, result.GetValue(output)).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>Runs a simulation with live progress, and writes a run report under <paramref name="outputRoot"/> if given; returns the process exit code.</summary>
    public static async Task<int> RunAsync(SimulationOptions options, CancellationToken cancellationToken, string? outputRoot = null)
    {
        if (outputRoot is not null)
        {
            RequireWritableDirectory(outputRoot, "--out");
            var name = options.Spec.Experiment.Name.Length > 0 ? options.Spec.Experiment.Name : "simulate";
            return await InProcessRun.StartAsync(outputRoot, name, "simulate", options, cancellationToken).ConfigureAwait(false);
        }

        var result = await SimulationProgress.RunAsync(options, cancellationToken).ConfigureAwait(false);
        return result.Succeeded ? 0 : 1;
    }

    /// <summary>Refuses, before anything runs, a report directory that cannot be created or written: the results must not be lost at the end.</summary>
    /// <exception cref="ArgumentException">The directory cannot be created or written to.</exception>
    public static void RequireWritableDirectory(string directory, string option)
    {
        try
        {
            Directory.CreateDirectory(directory);
            var probe = Path.Combine(directory, $".fedhe-write-test-{Environment.ProcessId}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new ArgumentException($"{option} {directory}: cannot write there ({exception.Message})", exception);
        }
    }
}
