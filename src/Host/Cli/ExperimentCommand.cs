using System.CommandLine;
using FederatedHe.Actors.Harness;
using FederatedHe.Actors.Spec;
using Spectre.Console;

namespace FederatedHe.Host.Cli;

/// <summary>`fedhe experiment run|check`: experiments described by federation specs (see experiments/), with run reports.</summary>
internal static class ExperimentCommand
{
    public static Command Create()
    {
        var runSpec = new Argument<string>("spec") { Description = "The experiment spec, e.g. experiments/wdbc-4-hospitals.conf" };
        var output = new Option<string>("--out") { Description = "Directory under which the run's report directory is created", DefaultValueFactory = _ => "runs" };
        var noBaselines = new Option<bool>("--no-baselines") { Description = "Skip the centralised and plaintext FedAvg baselines" };
        var verbose = new Option<bool>("--verbose") { Description = "Show the nodes' Akka log (every coordinator decision) at INFO level" };
        var specOptions = SpecOptions.Federation();
        var run = new Command("run", "Run an experiment spec as an in-process encrypted federation and write its report to <out>/<UTC time>-<name>/")
        {
            runSpec, output, noBaselines, verbose,
        };
        specOptions.AddTo(run);
        run.SetAction(async (result, cancellationToken) =>
        {
            var specPath = result.GetValue(runSpec)!;
            var spec = FederationSpecBinder.Load(specPath, specOptions.Overrides(result)).Spec;
            var options = new SimulationOptions
            {
                Spec = spec,
                ComputeBaselines = !result.GetValue(noBaselines),
                LogLevel = result.GetValue(verbose) ? "INFO" : "WARNING",
            };
            AnsiConsole.MarkupLine($"experiment [bold]{Markup.Escape(spec.Experiment.Name)}[/] from {Markup.Escape(Path.GetFullPath(specPath))}" +
                                   (spec.Experiment.Description.Length > 0 ? $": {Markup.Escape(spec.Experiment.Description)}" : string.Empty));
            if (spec.Privacy.Mode != PrivacyMode.None)
            {
                foreach (var line in PrivacyForecast.Lines(spec))
                    AnsiConsole.MarkupLine(Markup.Escape(line));
            }

            if (spec.Faults.Schedule.Count > 0)
                AnsiConsole.MarkupLine($"[yellow]fault schedule ({spec.Faults.Schedule.Count}):[/] " +
                                       Markup.Escape(string.Join("; ", spec.Faults.Schedule.Select(FaultNames.Describe))));

            var outputRoot = result.GetValue(output)!;
            SimulateCommand.RequireWritableDirectory(outputRoot, "--out");
            return await InProcessRun.StartAsync(outputRoot, spec.Experiment.Name, "experiment run", options, cancellationToken).ConfigureAwait(false);
        });

        var checkSpec = new Argument<string[]>("specs") { Description = "Experiment specs to validate", Arity = ArgumentArity.OneOrMore };
        var checkOptions = SpecOptions.Federation();
        var check = new Command("check", "Validate experiment specs without running them, and print the differential privacy (ε) each will spend") { checkSpec };
        checkOptions.AddTo(check);
        check.SetAction(result =>
        {
            // Every file is checked, so that one run names every bad spec, not only the first.
            var failed = 0;
            foreach (var path in result.GetValue(checkSpec)!)
            {
                try
                {
                    var spec = FederationSpecBinder.Load(path, checkOptions.Overrides(result)).Spec;
                    AnsiConsole.MarkupLine($"[green]ok[/] {Markup.Escape(path)}: {Markup.Escape(spec.Experiment.Name)}, {spec.Federation.Hospitals} hospitals, " +
                                           $"{spec.Federation.Rounds} rounds, {spec.Training.Model}, {spec.Data.Partition} partition, {spec.Faults.Schedule.Count} faults");
                    // The dry run of the privacy budget: what the spec will spend, before anything runs.
                    foreach (var line in PrivacyForecast.Lines(spec))
                        AnsiConsole.MarkupLine("  " + Markup.Escape(line));
                }
                catch (Exception exception) when (UserError.Describe(exception) is { } message)
                {
                    failed++;
                    Program.WriteError(message);
                }
            }

            return failed == 0 ? 0 : 2;
        });

        return new Command("experiment", "Experiments described by federation specs (see experiments/)") { run, check };
    }
}
