using System.Globalization;
using FederatedHe.Host.Reports;
using FederatedHe.IntegrationTests.Experiments;

namespace FederatedHe.IntegrationTests.Cli;

/// <summary>Nodes started by hand (`fedhe node`) write the same run report as `experiment run`, from the aggregator.</summary>
[Collection(FederationRunsCollection.Name)]
public sealed class NodeReportTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("fedhe-node-report-").FullName;

    [Fact]
    public async Task An_aggregator_started_with_report_writes_the_run_report_from_the_hospitals_evaluations()
    {
        var spec = Path.Combine(_directory, "two.conf");
        await File.WriteAllTextAsync(spec, $$"""
            fedhe {
              experiment.name = by-hand
              federation { seed = 42, hospitals = 2, rounds = 2, quorum = 2 }
              data.file = "{{RepositoryFiles.Path("data", "wdbc.csv")}}"
            }
            """);
        var keys = Path.Combine(_directory, "keys");
        Assert.Equal(0, (await Models.FedheProcess.RunAsync("keygen", "--out", keys)).ExitCode);
        var report = Path.Combine(_directory, "report");
        var port = FreePorts.Block(3);
        var seed = $"akka.tcp://federation@127.0.0.1:{port}";

        using var aggregator = FedheChild.Start("node", "--role", "aggregator", "--spec", spec, "--no-tls", "--port", Port(port), "--seed-node", seed,
            "--report", report);
        await aggregator.WaitForLineAsync("aggregator up at", TimeSpan.FromSeconds(60));
        using var first = FedheChild.Start("node", "--role", "hospital", "--hospital-id", "hospital-1", "--spec", spec, "--no-tls", "--keys", keys,
            "--port", Port(port + 1), "--seed-node", seed);
        using var second = FedheChild.Start("node", "--role", "hospital", "--hospital-id", "hospital-2", "--spec", spec, "--no-tls", "--keys", keys,
            "--port", Port(port + 2), "--seed-node", seed);

        Assert.Equal(0, await aggregator.WaitForExitAsync(TimeSpan.FromMinutes(4)));
        Assert.Contains($"report written to {report}", aggregator.Output, StringComparison.Ordinal);
        foreach (var file in new[] { RunReport.RoundsCsv, RunReport.RoundsJsonl, RunReport.SitesCsv, RunReport.SummaryFile, RunReport.AccuracyPng, RunReport.LossPng, RunReport.SpecFile })
            Assert.True(File.Exists(Path.Combine(report, file)), $"{file} is missing");
        Assert.Equal(3, File.ReadAllLines(Path.Combine(report, RunReport.RoundsCsv)).Length);
        Assert.Equal(5, File.ReadAllLines(Path.Combine(report, RunReport.SitesCsv)).Length);
        var summary = File.ReadAllText(Path.Combine(report, RunReport.SummaryFile));
        Assert.Contains("# Run report: by-hand", summary, StringComparison.Ordinal);
        Assert.Contains("\nCompleted 2 rounds.\n", summary, StringComparison.Ordinal);
        Assert.Contains("| hospitals' own held-out data (final round, pooled over 2) |", summary, StringComparison.Ordinal);
        Assert.Contains("## Where the federation time went", summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_hospital_given_report_is_refused_in_one_line()
    {
        var result = await Models.FedheProcess.RunAsync("node", "--role", "hospital", "--hospital-id", "hospital-1", "--spec",
            NodeLifecycleTests.SpecPath(), "--no-tls", "--report", Path.Combine(_directory, "r"));

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("error: --report: only the aggregator sees the rounds", result.StandardOutput, StringComparison.Ordinal);
    }

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
