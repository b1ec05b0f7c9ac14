using System.CommandLine;
using FederatedHe.Host.Experiments;
using Spectre.Console;

namespace FederatedHe.Host.Cli;

/// <summary>`fedhe experiment run|check`: experiments described by HOCON specs (see experiments/), with run reports.</summary>
internal static class ExperimentCommand
{
    public static Command Create()
    {
        var runSpec = new Argument<string>("spec") { Description = "The experiment spec, e.g. experiments/wdbc-4-hospitals.conf" };
        var output = new Option<string>("--out") { Description = "Directory under which the run's report directory is created", DefaultValueFactory = _ => "runs" };
        var noBaselines = new Option<bool>("--no-baselines") { Description = "Skip the centralised and plaintext FedAvg baselines" };
        var verbose = new Option<bool>("--verbose") { Description = "Show the nodes' Akka log (every coordinator decision) at INFO level" };
        var run = new Command("run", "Run an experiment spec as an in-process encrypted federation and write its report to <out>/<UTC time>-<name>/")
        {
            runSpec, output, noBaselines, verbose,
        };
        run.SetAction(async (result, cancellationToken) =>
        {
            var specPath = result.GetValue(runSpec)!;
            var spec = ExperimentSpecParser.Load(specPath);
            var options = spec.ToSimulationOptions(!result.GetValue(noBaselines), result.GetValue(verbose) ? "INFO" : "WARNING");
            AnsiConsole.MarkupLine($"experiment [bold]{Markup.Escape(spec.Name)}[/] from {Markup.Escape(spec.FilePath)}" +
                                   (spec.Description.Length > 0 ? $": {Markup.Escape(spec.Description)}" : string.Empty));
            if (spec.Faults.Count > 0)
                AnsiConsole.MarkupLine($"[yellow]fault schedule ({spec.Faults.Count}):[/] " +
                                       Markup.Escape(string.Join("; ", spec.Faults.Select(FaultNames.Describe))));

            var started = DateTime.UtcNow;
            var outcome = await SimulationProgress.RunAsync(options, cancellationToken).ConfigureAwait(false);
            SimulationProgress.WriteReport(result.GetValue(output)!, spec.Name, File.ReadAllText(spec.FilePath), options, outcome, started);
            return outcome.Succeeded ? 0 : 1;
        });

        var checkSpec = new Argument<string[]>("specs") { Description = "Experiment specs to validate", Arity = ArgumentArity.OneOrMore };
        var check = new Command("check", "Validate experiment specs without running them") { checkSpec };
        check.SetAction(result =>
        {
            foreach (var path in result.GetValue(checkSpec)!)
            {
                var spec = ExperimentSpecParser.Load(path);
                AnsiConsole.MarkupLine($"[green]ok[/] {Markup.Escape(path)}: {Markup.Escape(spec.Name)}, {spec.Hospitals} hospitals, {spec.Rounds} rounds, " +
                                       $"{spec.Model}, {spec.Partition} partition, {spec.Faults.Count} faults");
            }

            return 0;
        });

        return new Command("experiment", "Experiments described by HOCON specs (see experiments/)") { run, check };
    }
}
