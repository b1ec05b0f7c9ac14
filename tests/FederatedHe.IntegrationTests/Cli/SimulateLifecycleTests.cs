using FederatedHe.Testing;
using FederatedHe.IntegrationTests.Experiments;

namespace FederatedHe.IntegrationTests.Cli;

/// <summary>`fedhe simulate` under an operator's hand: Ctrl-C stops it and keeps what ran.</summary>
[Collection(FederationRunsCollection.Name)]
public sealed class SimulateLifecycleTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("fedhe-simulate-lifecycle-").FullName;

    [Fact]
    public async Task Ctrl_C_stops_a_simulation_promptly_with_exit_code_130_and_writes_the_partial_report()
    {
        var runs = Path.Combine(_directory, "runs");
        // Far more rounds than the test waits for: only Ctrl-C can end it.
        using var simulation = FedheChild.Start("simulate", "--rounds", "100000", "--no-baselines", "--out", runs);
        await simulation.WaitForLineAsync("Each hospital and the aggregator", TimeSpan.FromSeconds(60));
        await Task.Delay(TimeSpan.FromSeconds(8));

        simulation.Signal(2);

        var exitCode = await simulation.WaitForExitAsync(TimeSpan.FromSeconds(25));
        Assert.True(exitCode == 130, $"exit {exitCode}: {simulation.Output}");
        Assert.DoesNotContain("completed 100000 rounds", simulation.Output, StringComparison.Ordinal);
        var report = Assert.Single(Directory.GetDirectories(runs));
        Assert.True(File.Exists(Path.Combine(report, "rounds.csv")), simulation.Output);
        Assert.Contains("cancelled after", File.ReadAllText(Path.Combine(report, "summary.md")), StringComparison.Ordinal);
        // The run says it was interrupted, and how to continue it.
        Assert.Equal(Host.Reports.RunStatus.Interrupted, Host.Reports.RunState.Read(report)!.Effective);
        Assert.Contains($"`fedhe runs resume {Path.GetFileName(report)} --runs {runs}` continues it", simulation.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_run_that_ends_at_once_after_its_report_has_written_its_last_line_and_every_file_first()
    {
        // fedhe ends an in-process federation's process without the native libraries' teardown (NativeTeardown): nothing the
        // command wrote may be lost to it, with output to a pipe as here.
        var runs = Path.Combine(_directory, "runs");
        var run = await Models.FedheProcess.RunAsync("simulate", "--hospitals", "3", "--rounds", "2", "--no-baselines", "--out", runs);

        Assert.Equal(0, run.ExitCode);
        var report = Assert.Single(Directory.GetDirectories(runs));
        Assert.EndsWith($"report written to {report}", run.StandardOutput.TrimEnd(), StringComparison.Ordinal);
        Assert.Equal(Host.Reports.RunStatus.Completed, Host.Reports.RunState.Read(report)!.Effective);
        Assert.Equal(3, File.ReadAllLines(Path.Combine(report, "rounds.csv")).Length);
        Assert.Contains("| rounds completed | 2 of 2 |", File.ReadAllText(Path.Combine(report, "summary.md")), StringComparison.Ordinal);
        foreach (var plot in new[] { "accuracy.png", "loss.png" })
            Assert.True(new FileInfo(Path.Combine(report, plot)).Length > 1000, plot);
    }

    [Fact]
    public async Task A_simulation_ends_with_every_final_model_on_disk_and_no_warning_without_waiting_for_its_nodes_to_stop()
    {
        // fedhe leaves an in-process federation's nodes to end with its process (SimulationOptions.NodesEndWithProcess), once
        // every hospital has finished: each hospital's final model must be on disk, whole, when the process has ended. Nothing
        // failed, so nothing is reported (no Akka.Remote "Association … has failed" warnings, no exception traces).
        var models = Path.Combine(_directory, "models");
        var run = await Models.FedheProcess.RunAsync("simulate", "--hospitals", "4", "--rounds", "2", "--no-baselines",
            "--set", $"fedhe.hospital.model-directory={Actors.Spec.FederationSpecWriter.Quote(models)}");

        var output = run.StandardOutput + run.StandardError;
        Assert.True(run.ExitCode == 0, output);
        Assert.Contains(", finishing (final models; the nodes end with the process) ", run.StandardOutput, StringComparison.Ordinal);
        foreach (var hospital in Enumerable.Range(1, 4))
            Assert.Equal(2, Training.Models.ModelFile.Read(Path.Combine(models, Actors.Spec.FederationSpec.ModelFileName($"hospital-{hospital}"))).Provenance.Rounds);
        Assert.DoesNotContain("registering with its successor", output, StringComparison.Ordinal);
        Assert.DoesNotContain("[WARNING]", output, StringComparison.Ordinal);
        Assert.DoesNotContain("[ERROR]", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task As_many_hospitals_as_one_process_allows_here_up_to_fifty_complete_a_round()
    {
        // Before: a hundred nodes joining at once made heartbeats late, the split-brain resolver downed every node and the
        // harness died with an unhandled "Cannot create child while terminating" (exit 134) after megabytes of traces.
        var hospitals = Math.Min(50, FederationSimulation.HospitalsPerCore * Environment.ProcessorCount);
        var run = await Models.FedheProcess.RunAsync(TimeSpan.FromMinutes(8), "simulate", "--hospitals", $"{hospitals}", "--rounds", "1", "--no-baselines");

        var output = run.StandardOutput + run.StandardError;
        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {output[..Math.Min(output.Length, 2000)]} … {output[Math.Max(0, output.Length - 2000)..]}");
        Assert.Contains("completed 1 rounds", output, StringComparison.Ordinal);
        Assert.DoesNotContain("[ERROR]", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task More_hospitals_than_one_process_can_run_here_are_refused_in_one_line_before_anything_starts()
    {
        var hospitals = FederationSimulation.HospitalsPerCore * Environment.ProcessorCount + 1;
        if (hospitals > 1000)
            return; // a machine of more than 40 cores: the spec's own limit (1000 hospitals, tested elsewhere) refuses first

        var run = await Models.FedheProcess.RunAsync("simulate", "--hospitals", $"{hospitals}", "--rounds", "2");

        Assert.Equal(2, run.ExitCode);
        var output = (run.StandardOutput + run.StandardError).Trim();
        Assert.StartsWith($"error: --hospitals {hospitals}: one process runs at most {hospitals - 1} hospitals", output, StringComparison.Ordinal);
        Assert.Single(output.Split('\n'));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
