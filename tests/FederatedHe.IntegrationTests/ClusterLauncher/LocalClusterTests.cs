using FederatedHe.Actors.Persistence;
using FederatedHe.Actors.Spec;
using FederatedHe.Crypto.Ckks;
using FederatedHe.Host.ClusterLauncher;
using FederatedHe.Host.Reports;
using FederatedHe.Testing;
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
            Spec = FederationSpec.Default.WithHospitals(2).WithRounds(2).WithQuorum(2),
            LogDirectory = _logs,
            BasePort = FreePorts.Block(8),
            Timeout = TimeSpan.FromMinutes(2),
        };

        var outcome = await LocalCluster.RunAsync(plan);

        Assert.True(outcome.Succeeded, outcome.Describe());
        Assert.Equal(2, outcome.RoundsCompleted);
        // The monitor joins right after the aggregator, before any hospital: the launcher follows the rounds through it.
        Assert.Equal(["aggregator", "monitor", "hospital-1", "hospital-2"], outcome.Nodes.Select(n => n.Name));
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
    public async Task A_hospital_that_ends_before_it_is_up_ends_the_run_at_once_with_its_error_line()
    {
        var basePort = FreePorts.Block(8);
        var plan = new LocalClusterPlan
        {
            Spec = FederationSpec.Default.WithHospitals(2).WithRounds(2).WithQuorum(2),
            LogDirectory = _logs,
            BasePort = basePort,
            Timeout = TimeSpan.FromMinutes(4),
            UseTls = false,
        };
        // hospital-2's port is taken after the launcher checked it and before hospital-2 starts (the aggregator and the monitor
        // are up by then), as another program or an outgoing connection can take it.
        var hospital2Port = basePort + 2;
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, hospital2Port);
        void OnStatus(string line)
        {
            if (line.StartsWith("dashboard at", StringComparison.Ordinal))
                taken.Start();
        }

        var outcome = await LocalCluster.RunAsync(plan, OnStatus);

        Assert.False(outcome.Succeeded);
        Assert.StartsWith($"hospital-2 exited with code 2 before it was up: --port {hospital2Port}: 127.0.0.1:{hospital2Port} cannot be used", outcome.Status, StringComparison.Ordinal);
        // The launcher stopped the others rather than wait out the aggregator's registration timeout (which would end it with code 1).
        var aggregator = outcome.Nodes.Single(n => n.Name == "aggregator");
        Assert.True(aggregator.ExitCode is null, outcome.Describe());
        Assert.Empty(ProcessesMentioning(_logs + "/"));
    }

    [Fact]
    public async Task A_hospital_killed_as_round_2_starts_contributes_to_no_round_from_2_on_and_cluster_up_writes_the_same_report_as_experiment_run()
    {
        const int rounds = 4;
        var plan = new LocalClusterPlan
        {
            Spec = FederationSpec.Default.WithHospitals(3).WithRounds(rounds).WithQuorum(2).WithTimeouts(collect: TimeSpan.FromSeconds(20)).WithFaults(
            [
                new SimulatedFault(2, FaultMoment.RoundStarted, FaultKind.KillHospital, "hospital-2"),
            ]),
            LogDirectory = _logs,
            BasePort = FreePorts.Block(8),
            Timeout = TimeSpan.FromMinutes(4),
            UseTls = false,
        };

        var outcome = await LocalCluster.RunAsync(plan);

        Assert.True(outcome.Succeeded, outcome.Describe());
        foreach (var file in new[] { RunReport.RoundsCsv, RunReport.RoundsJsonl, RunReport.SitesCsv, RunReport.SummaryFile, RunReport.AccuracyPng, RunReport.LossPng, RunReport.SpecFile })
            Assert.True(File.Exists(Path.Combine(_logs, file)), $"{file} is missing from {_logs}");
        var csv = File.ReadAllLines(Path.Combine(_logs, RunReport.RoundsCsv));
        var columns = csv[0].Split(',');
        var rows = csv.Skip(1).Select(l => l.Split(',')).ToList();
        string Cell(string[] row, string column) => row[Array.IndexOf(columns, column)];
        Assert.Equal(["1", "2", "3", "4"], rows.Select(r => Cell(r, "round")));
        // The fault strikes at the moment the spec names: hospital-2 is in round 1 and in no round after.
        Assert.Equal(["3", "2", "2", "2"], rows.Select(r => Cell(r, "contributors")));
        Assert.Equal(["", "hospital-2", "hospital-2", "hospital-2"], rows.Select(r => Cell(r, "absent_ids")));
        Assert.All(rows, r => Assert.InRange(double.Parse(Cell(r, "federated_accuracy"), System.Globalization.CultureInfo.InvariantCulture), 0.5, 1.0));
        Assert.All(rows, r => Assert.Equal(string.Empty, Cell(r, "accuracy"))); // no node holds the test set's view of the model

        var sites = File.ReadAllLines(Path.Combine(_logs, RunReport.SitesCsv)).Skip(1).Select(l => l.Split(',')[..2]).ToList();
        Assert.Equal(3 + 2 * (rounds - 1), sites.Count);
        Assert.DoesNotContain(sites, s => s[1] == "hospital-2" && s[0] != "1");

        var summary = File.ReadAllText(Path.Combine(_logs, RunReport.SummaryFile));
        Assert.Contains($"\nCompleted {rounds} rounds.\n", summary, StringComparison.Ordinal);
        Assert.Contains($"| dropouts (hospital-rounds) | {rounds - 1} |", summary, StringComparison.Ordinal);
        Assert.Contains("## Where the federation time went", summary, StringComparison.Ordinal);
        Assert.Contains("| worst hospital (final round): ", summary, StringComparison.Ordinal);
        Assert.Equal(outcome.Elapsed.TotalSeconds, outcome.Report!.TimeBreakdown!.Total.TotalSeconds, 6);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(Path.Combine(_logs, RunReport.AccuracyPng))[..4]);
        Assert.Empty(ProcessesMentioning(_logs + "/"));
    }

    [Fact]
    public async Task Cancelling_a_running_cluster_kills_every_node()
    {
        using var cancellation = new CancellationTokenSource();
        var plan = new LocalClusterPlan
        {
            // Far more rounds than the test waits for: only cancellation can end it.
            Spec = FederationSpec.Default.WithHospitals(2).WithRounds(10_000).WithQuorum(2),
            LogDirectory = _logs,
            BasePort = FreePorts.Block(8),
            Timeout = TimeSpan.FromMinutes(2),
        };

        var run = LocalCluster.RunAsync(plan, line =>
        {
            if (line.StartsWith("round 1:", StringComparison.Ordinal))
                cancellation.Cancel();
        }, cancellation.Token);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(TimeSpan.FromMinutes(2)));
        Assert.Empty(ProcessesMentioning(_logs + "/"));
        Assert.All(["aggregator", "monitor", "hospital-1", "hospital-2"], node => Assert.True(File.Exists(Path.Combine(_logs, $"{node}.log"))));
    }

    [Fact]
    public async Task A_terminated_cluster_up_command_kills_every_node_and_exits_143()
    {
        var program = FedheCommandLine.Current();
        var info = new System.Diagnostics.ProcessStartInfo(program.FileName) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in program.LeadingArguments.Concat(
                     ["cluster", "up", "--hospitals", "2", "--rounds", "10000", "--base-port", FreePorts.Block(8).ToString(System.Globalization.CultureInfo.InvariantCulture), "--monitor-port", "0", "--logs", _logs]))
            info.ArgumentList.Add(argument);
        using var launcher = System.Diagnostics.Process.Start(info)!;
        var roundOne = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        launcher.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.StartsWith("round 1:", StringComparison.Ordinal) == true)
                roundOne.TrySetResult();
        };
        launcher.BeginOutputReadLine();
        launcher.BeginErrorReadLine();

        try
        {
            await roundOne.Task.WaitAsync(TimeSpan.FromMinutes(1));
            Assert.Equal(4, ProcessesMentioning(_logs + "/").Count); // the aggregator, the monitor and two hospitals
            using (var terminate = System.Diagnostics.Process.Start("kill", ["-TERM", launcher.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
                await terminate.WaitForExitAsync();
            await launcher.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));

            Assert.Equal(143, launcher.ExitCode);
            Assert.Empty(ProcessesMentioning(_logs + "/"));
        }
        finally
        {
            if (!launcher.HasExited)
                launcher.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public async Task The_aggregator_process_killed_with_kill_9_mid_round_is_restarted_resumes_from_its_journal_and_ends_with_the_uninterrupted_runs_model()
    {
        // Quorum 3 of 3: every round has every hospital's update, so both runs must reach the same global model.
        var federation = FederationSpec.Default.WithHospitals(3).WithRounds(4).WithQuorum(3).WithTimeouts(collect: TimeSpan.FromSeconds(20));
        var uninterruptedLogs = Path.Combine(_logs, "uninterrupted");
        var restartedLogs = Path.Combine(_logs, "restarted");
        var uninterrupted = await LocalCluster.RunAsync(new LocalClusterPlan
        {
            Spec = federation, LogDirectory = uninterruptedLogs, BasePort = FreePorts.Block(8), Timeout = TimeSpan.FromMinutes(3), UseTls = false,
        });
        var restarted = await LocalCluster.RunAsync(new LocalClusterPlan
        {
            // hospital-1 straggles from round 1 on, so round 2 lasts seconds and the kill lands inside it however late the launcher strikes.
            Spec = federation.WithFaults(
                [
                    new SimulatedFault(1, FaultMoment.RoundStarted, FaultKind.SlowHospital, "hospital-1") { Delay = TimeSpan.FromSeconds(3) },
                    new SimulatedFault(2, FaultMoment.RoundStarted, FaultKind.RestartAggregator, SimulatedFault.Aggregator),
                ]),
            LogDirectory = restartedLogs,
            BasePort = FreePorts.Block(8),
            Timeout = TimeSpan.FromMinutes(3),
        });

        Assert.True(uninterrupted.Succeeded, uninterrupted.Describe());
        Assert.True(restarted.Succeeded, restarted.Describe());
        var aggregators = restarted.Nodes.Where(n => n.Name == "aggregator").ToList();
        Assert.Equal([true, false], aggregators.Select(n => n.KilledByFault));
        Assert.Equal(0, aggregators[1].ExitCode);
        var resumedLog = File.ReadAllText(aggregators[1].LogPath);
        Assert.True(resumedLog.Contains("the federation resumes at round 2", StringComparison.Ordinal), resumedLog);
        Assert.DoesNotContain("round 1: 3 updates", resumedLog, StringComparison.Ordinal);
        Assert.Contains("round 4: 3 updates", resumedLog, StringComparison.Ordinal);

        foreach (var id in new[] { "hospital-1", "hospital-2", "hospital-3" })
        {
            var expected = FinalModel(uninterruptedLogs, id);
            var actual = FinalModel(restartedLogs, id);
            Assert.Equal((4, 4), (expected.Round, actual.Round));
            Assert.InRange(expected.Parameters.Zip(actual.Parameters, (a, b) => Math.Abs(a - b)).Max(), 0, 1e-5);
        }

        Assert.Empty(ProcessesMentioning(_logs + "/"));
    }

    [Fact]
    public async Task A_spec_fault_schedule_runs_on_the_processes_a_hospital_killed_with_kill_9_restarts_and_rejoins_while_links_lose_frames_and_a_straggler_slows()
    {
        var basePort = FreePorts.Block(8);
        var plan = new LocalClusterPlan
        {
            Spec = FederationSpec.Default.WithHospitals(3).WithRounds(5).WithQuorum(3).WithTimeouts(collect: TimeSpan.FromSeconds(10)).WithFaults(
                [
                    new SimulatedFault(1, FaultMoment.RoundStarted, FaultKind.DropMessages, "hospital-1")
                        { Peer = SimulatedFault.Aggregator, Fraction = 0.2, Duration = TimeSpan.FromSeconds(3) },
                    new SimulatedFault(2, FaultMoment.AggregateDistributed, FaultKind.RestartHospital, "hospital-3"),
                    new SimulatedFault(3, FaultMoment.RoundStarted, FaultKind.SlowHospital, "hospital-2") { Delay = TimeSpan.FromSeconds(1) },
                ]),
            LogDirectory = _logs,
            BasePort = basePort,
            Timeout = TimeSpan.FromMinutes(3),
        };
        var lines = new List<string>();

        var outcome = await LocalCluster.RunAsync(plan, line => { lock (lines) lines.Add(line); });

        Assert.True(outcome.Succeeded, outcome.Describe());
        Assert.Equal(5, outcome.RoundsCompleted);
        var hospital3 = outcome.Nodes.Where(n => n.Name == "hospital-3").ToList();
        Assert.Equal([true, false], hospital3.Select(n => n.KilledByFault));
        Assert.Contains("resumed with the global model of round", File.ReadAllText(hospital3[1].LogPath), StringComparison.Ordinal);
        Assert.Contains("round 5: 3 updates", File.ReadAllText(Path.Combine(_logs, "aggregator.log")), StringComparison.Ordinal);
        var hospital1Log = File.ReadAllText(Path.Combine(_logs, "hospital-1.log"));
        Assert.Contains($"fault-control: losing 20 % of frames sent to akka.tcp://federation@127.0.0.1:{basePort} and 20 % of those received from it", hospital1Log, StringComparison.Ordinal);
        Assert.Contains($"fault-control: losing 0 % of frames sent to akka.tcp://federation@127.0.0.1:{basePort} and 0 % of those received from it", hospital1Log, StringComparison.Ordinal);
        string FaultLines()
        {
            lock (lines)
                return string.Join(Environment.NewLine, lines.Where(l => l.StartsWith("fault", StringComparison.Ordinal)));
        }

        Assert.True(File.ReadAllText(Path.Combine(_logs, "hospital-2.log")).Contains("fault-control: each local training now takes 1000 ms longer", StringComparison.Ordinal),
            $"hospital-2 was never slowed; the launcher's fault lines:{Environment.NewLine}{FaultLines()}");
        Assert.Contains(lines, line => line.StartsWith("fault: round 2 (aggregate-distributed): restart-hospital hospital-3", StringComparison.Ordinal));
        Assert.Empty(ProcessesMentioning(_logs + "/"));
    }

    public void Dispose() => Directory.Delete(_logs, recursive: true);

    private static HospitalModelFile.SavedModel FinalModel(string logs, string hospitalId) =>
        new HospitalModelFile(Path.Combine(logs, "state", "hospitals"), hospitalId).Load(CkksPresets.Params128BitLogN12LogQ60Aggregation.Id.ToString(), 31)
        ?? throw new InvalidOperationException($"{hospitalId} saved no model under {logs}");

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
