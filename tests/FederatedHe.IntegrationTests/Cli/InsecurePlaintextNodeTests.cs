using System.Globalization;
using FederatedHe.IntegrationTests.Experiments;

namespace FederatedHe.IntegrationTests.Cli;

/// <summary>
/// The insecure plaintext comparison mode is never run by accident: `fedhe node` refuses a spec that asks for it unless
/// given --insecure-plaintext, and every node that runs it says so in its log.
/// </summary>
[Collection(FederationRunsCollection.Name)]
public sealed class InsecurePlaintextNodeTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("fedhe-insecure-plaintext-").FullName;

    private async Task<string> WriteSpec()
    {
        var spec = Path.Combine(_directory, "plaintext.conf");
        await File.WriteAllTextAsync(spec, $$"""
            fedhe {
              federation { seed = 42, hospitals = 2, rounds = 2, quorum = 2 }
              crypto.mode = insecure-plaintext
              data.file = "{{RepositoryFiles.Path("data", "wdbc.csv")}}"
            }
            """);
        return spec;
    }

    [Theory]
    [InlineData("aggregator")]
    [InlineData("hospital")]
    public async Task A_node_whose_spec_asks_for_insecure_plaintext_is_refused_in_one_line_without_the_flag(string role)
    {
        var result = await Models.FedheProcess.RunAsync("node", "--role", role, "--hospital-id", "hospital-1", "--spec", await WriteSpec(), "--no-tls");

        Assert.NotEqual(0, result.ExitCode);
        var line = Assert.Single(result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.Contains("error:", StringComparison.Ordinal));
        Assert.Contains("fedhe.crypto.mode = insecure-plaintext sends model updates UNENCRYPTED", line, StringComparison.Ordinal);
        Assert.Contains("give --insecure-plaintext to run it anyway", line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.StandardOutput + result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Nodes_given_the_flag_run_the_federation_unencrypted_and_each_logs_the_insecure_banner()
    {
        var spec = await WriteSpec();
        var port = FreePorts.Block(3);
        var seed = $"akka.tcp://federation@127.0.0.1:{port}";

        using var aggregator = FedheChild.Start("node", "--role", "aggregator", "--spec", spec, "--no-tls", "--insecure-plaintext",
            "--port", Port(port), "--seed-node", seed);
        await aggregator.WaitForLineAsync("aggregator up at", TimeSpan.FromSeconds(60));
        using var first = FedheChild.Start("node", "--role", "hospital", "--hospital-id", "hospital-1", "--spec", spec, "--no-tls",
            "--insecure-plaintext", "--port", Port(port + 1), "--seed-node", seed);
        using var second = FedheChild.Start("node", "--role", "hospital", "--hospital-id", "hospital-2", "--spec", spec, "--no-tls",
            "--insecure-plaintext", "--port", Port(port + 2), "--seed-node", seed);

        Assert.Equal(0, await aggregator.WaitForExitAsync(TimeSpan.FromMinutes(4)));
        Assert.Equal(0, await first.WaitForExitAsync(TimeSpan.FromMinutes(1)));
        foreach (var node in new[] { aggregator, first })
            Assert.Contains("INSECURE PLAINTEXT MODE", node.Output, StringComparison.Ordinal);
        Assert.Contains("round 2", aggregator.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cluster_up_refuses_the_insecure_mode_in_one_line_without_the_flag_and_starts_no_node()
    {
        var logs = Path.Combine(_directory, "refused");
        var result = await Models.FedheProcess.RunAsync("cluster", "up", "--spec", await WriteSpec(), "--no-tls", "--logs", logs,
            "--base-port", Port(FreePorts.Block(4)), "--monitor-port", "0");

        Assert.NotEqual(0, result.ExitCode);
        var line = Assert.Single(result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.Contains("error:", StringComparison.Ordinal));
        Assert.Contains("cluster up: fedhe.crypto.mode = insecure-plaintext sends model updates UNENCRYPTED", line, StringComparison.Ordinal);
        Assert.Contains("give --insecure-plaintext to run it anyway", line, StringComparison.Ordinal);
        Assert.False(Directory.Exists(logs), "no node was started");
    }

    [Fact]
    public async Task Cluster_up_given_the_flag_passes_it_to_every_node_and_completes_the_federation()
    {
        var logs = Path.Combine(_directory, "cluster");
        var result = await Models.FedheProcess.RunAsync(TimeSpan.FromMinutes(4), "cluster", "up", "--spec", await WriteSpec(), "--no-tls",
            "--insecure-plaintext", "--logs", logs, "--base-port", Port(FreePorts.Block(4)), "--monitor-port", "0");

        Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
        foreach (var node in new[] { "aggregator", "hospital-1", "hospital-2" })
            Assert.Contains("INSECURE PLAINTEXT MODE", await File.ReadAllTextAsync(Path.Combine(logs, $"{node}.log")), StringComparison.Ordinal);
    }

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
