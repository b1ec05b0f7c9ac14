using FederatedHe.Host.ClusterLauncher;
using FederatedHe.Host.Simulation;
using FederatedHe.IntegrationTests.Experiments;

namespace FederatedHe.IntegrationTests.ClusterLauncher;

/// <summary>`fedhe cluster up`: an aggregator and hospitals as separate `fedhe node` processes on loopback.</summary>
[Collection(FederationRunsCollection.Name)]
public sealed class LocalClusterTests : IDisposable
{
    private readonly string _logs = Directory.CreateTempSubdirectory("fedhe-cluster-test-").FullName;

    [Fact]
    public async Task Two_hospitals_run_two_rounds_as_separate_processes_over_mutual_TLS_with_one_log_per_node_and_leave_no_process_behind()
    {
        var plan = new LocalClusterPlan
        {
            Options = new SimulationOptions { Hospitals = 2, Rounds = 2, Quorum = 2, LogLevel = "INFO" },
            LogDirectory = _logs,
            BasePort = 47153,
            Timeout = TimeSpan.FromMinutes(2),
        };

        var outcome = await LocalCluster.RunAsync(plan);

        Assert.True(outcome.Succeeded, $"{outcome.Status}: {string.Join(", ", outcome.Nodes)}");
        Assert.Equal(2, outcome.RoundsCompleted);
        Assert.Equal(["aggregator", "hospital-1", "hospital-2"], outcome.Nodes.Select(n => n.Name));
        Assert.All(outcome.Nodes, node =>
        {
            Assert.Equal(Path.Combine(_logs, $"{node.Name}.log"), node.LogPath);
            var log = File.ReadAllText(node.LogPath);
            Assert.Contains($"{node.Name} up at akka.ssl.tcp://federation@127.0.0.1:", log, StringComparison.Ordinal);
            Assert.EndsWith("# exited with code 0\n", log, StringComparison.Ordinal);
        });
        Assert.Contains("round 2: 2 updates", File.ReadAllText(Path.Combine(_logs, "aggregator.log")), StringComparison.Ordinal);
        Assert.Empty(ProcessesMentioning(_logs + "/"));
    }

    [Fact]
    public async Task Cancelling_a_running_cluster_kills_every_node()
    {
        using var cancellation = new CancellationTokenSource();
        var plan = new LocalClusterPlan
        {
            // Far more rounds than the test waits for: only cancellation can end it.
            Options = new SimulationOptions { Hospitals = 2, Rounds = 10_000, Quorum = 2, LogLevel = "INFO" },
            LogDirectory = _logs,
            BasePort = 47253,
            Timeout = TimeSpan.FromMinutes(2),
        };

        var run = LocalCluster.RunAsync(plan, line =>
        {
            if (line.StartsWith("aggregator: round 1:", StringComparison.Ordinal))
                cancellation.Cancel();
        }, cancellation.Token);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(TimeSpan.FromMinutes(2)));
        Assert.Empty(ProcessesMentioning(_logs + "/"));
        Assert.All(["aggregator", "hospital-1", "hospital-2"], node => Assert.True(File.Exists(Path.Combine(_logs, $"{node}.log"))));
    }

    [Fact]
    public async Task A_terminated_cluster_up_command_kills_every_node_and_exits_130()
    {
        var program = FedheCommandLine.Current();
        var info = new System.Diagnostics.ProcessStartInfo(program.FileName) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in program.LeadingArguments.Concat(
                     ["cluster", "up", "--hospitals", "2", "--rounds", "10000", "--base-port", "47353", "--logs", _logs]))
            info.ArgumentList.Add(argument);
        using var launcher = System.Diagnostics.Process.Start(info)!;
        var roundOne = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        launcher.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.StartsWith("aggregator: round 1:", StringComparison.Ordinal) == true)
                roundOne.TrySetResult();
        };
        launcher.BeginOutputReadLine();
        launcher.BeginErrorReadLine();

        try
        {
            await roundOne.Task.WaitAsync(TimeSpan.FromMinutes(1));
            Assert.Equal(3, ProcessesMentioning(_logs + "/").Count);
            using (var terminate = System.Diagnostics.Process.Start("kill", ["-TERM", launcher.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
                await terminate.WaitForExitAsync();
            await launcher.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));

            Assert.Equal(130, launcher.ExitCode);
            Assert.Empty(ProcessesMentioning(_logs + "/"));
        }
        finally
        {
            if (!launcher.HasExited)
                launcher.Kill(entireProcessTree: true);
        }
    }

    public void Dispose() => Directory.Delete(_logs, recursive: true);

    /// <summary>Live processes whose command line names <paramref name="text"/>: with the log directory and a slash, the nodes (each is given its config from there).</summary>
    private static List<string> ProcessesMentioning(string text)
    {
        var found = new List<string>();
        foreach (var directory in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out _))
                continue;
            try
            {
                var commandLine = File.ReadAllText(Path.Combine(directory, "cmdline")).Replace('\0', ' ');
                if (commandLine.Contains(text, StringComparison.Ordinal))
                    found.Add($"{Path.GetFileName(directory)}: {commandLine}");
            }
            catch (IOException)
            {
                // The process ended while being read.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return found;
    }
}
