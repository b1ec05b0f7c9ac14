using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using FederatedHe.Actors.Configuration;
using FederatedHe.Actors.Harness;
using FederatedHe.Host.Hosting;
using FederatedHe.Host.Monitor;
using FederatedHe.Host.Reports;
using FederatedHe.Actors.Nodes;
using FederatedHe.Actors.Spec;

namespace FederatedHe.Host.ClusterLauncher;

/// <summary>How one node of a local cluster ended.</summary>
/// <param name="Name">aggregator, hospital-1, …</param>
/// <param name="ProcessId">Its process id.</param>
/// <param name="ExitCode">Its exit code, or null if it had to be killed.</param>
/// <param name="LogPath">Its log file.</param>
/// <param name="KilledByFault">Whether the fault schedule killed it (kill -9), as the experiment asked.</param>
/// <param name="PeakResidentBytes">Its process's peak resident memory (VmHWM, read while it ran), or null if it was never read.</param>
public sealed record NodeOutcome(string Name, int ProcessId, int? ExitCode, string LogPath, bool KilledByFault = false, long? PeakResidentBytes = null)
{
    /// <summary>Whether the node did its part: it finished by itself with exit code 0, or the fault schedule killed it.</summary>
    public bool Succeeded => ExitCode == 0 || KilledByFault;
}

/// <summary>How a local cluster run ended.</summary>
/// <param name="Succeeded">Every node exited by itself with code 0.</param>
/// <param name="Status">One line on how it ended.</param>
/// <param name="Nodes">Each node's outcome, the aggregator first.</param>
/// <param name="RoundsCompleted">Rounds the monitor saw completed (round 0, standardisation, excluded); 0 without a monitor.</param>
/// <param name="LogDirectory">Where the logs are.</param>
/// <param name="Elapsed">Wall time from the first node's start.</param>
/// <param name="DashboardUrl">The monitor's dashboard.</param>
public sealed record ClusterOutcome(bool Succeeded, string Status, IReadOnlyList<NodeOutcome> Nodes, int RoundsCompleted, string LogDirectory, TimeSpan Elapsed,
    string? DashboardUrl = null)
{
    /// <summary>The run report's figures, assembled from the coordinator's notices through the monitor; written into <see cref="LogDirectory"/>.</summary>
    public SimulationResult? Report { get; init; }
}

/// <summary>
/// Runs a federation as separate `fedhe node` processes on loopback: keys into a temporary directory, the
/// aggregator, a monitor (`fedhe monitor`, the dashboard), then N hospitals, each logging to its own file; follows the rounds
/// through the monitor's feed and strikes the experiment's fault schedule at them; waits for the federation to end and
/// tears every process down. Cancellation kills every node's process tree, so no node outlives
/// the launcher's run.
/// </summary>
public static partial class LocalCluster
{
    /// <summary>How long after the aggregator's exit the monitor's feed is still read for the federation's end.</summary>
    private static readonly TimeSpan FeedGrace = TimeSpan.FromSeconds(10);

    /// <summary>Runs the cluster to its end.</summary>
    /// <param name="plan">What to launch.</param>
    /// <param name="onStatus">Receives one line per milestone (a node up, the dashboard's address, a round completed, a node exited).</param>
    /// <param name="cancellationToken">Cancels the run: every node is killed before this method throws.</param>
    /// <exception cref="ClusterLaunchException">A port is taken, a node cannot be started, or the aggregator does not come up.</exception>
    /// <exception cref="HarnessMissingException">The spec has a fault schedule and the harness, which runs it, is missing.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; every node has been killed.</exception>
    public static async Task<ClusterOutcome> RunAsync(LocalClusterPlan plan, Action<string>? onStatus = null, CancellationToken cancellationToken = default)
    {
        plan.Validate();
        // The fault schedule is the harness's, loaded only when the spec has one, and before anything is written or started.
        var harness = plan.Spec.Faults.Schedule.Count > 0 ? HarnessPlugin.Load("cluster up's fault schedule") : null;
        var program = plan.Program ?? FedheCommandLine.Current();
        var logs = Path.GetFullPath(plan.LogDirectory);
        Directory.CreateDirectory(logs);
        EnsurePortsFree(plan);

        var status = onStatus ?? (_ => { });
        // One spec file for every node: each computes its own part (its data share, its keys' mode) from it.
        var specPath = plan.SpecPath;
        File.WriteAllText(specPath, plan.SpecText());
        var spec = plan.Spec;

        // The secret key lives only in a temporary directory readable by this user, deleted when the run ends.
        var keyRoot = Directory.CreateTempSubdirectory("fedhe-cluster-keys-").FullName;
        var processes = new ClusterProcesses(program, logs);
        var faults = harness?.ScheduleClusterFaults(spec.Faults.Schedule, new ClusterNodeControl(processes, plan), status);

        // SIGINT, SIGTERM or SIGHUP to the launcher cancel the run like the token does, so the nodes are killed first; and if
        // the process exits anyway, its exit handler kills whatever still runs: no node outlives the launcher.
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => Cancel(context, cancellation));
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => Cancel(context, cancellation));
        using var hangUp = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context => Cancel(context, cancellation));
        EventHandler killNodes = (_, _) => processes.KillAll();
        AppDomain.CurrentDomain.ProcessExit += killNodes;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var launchedAt = DateTime.UtcNow;
        var roundsCompleted = new HashSet<int>();
        string? dashboard = null;
        Task feed = Task.CompletedTask;
        var federationEnded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // The same report as `experiment run` writes, from the coordinator's notices as the monitor saw them: figures and
        // evaluations, never a model value.
        var recorder = new RunRecorder(spec);
        using var stopFaults = CancellationTokenSource.CreateLinkedTokenSource(cancellation.Token);
        var faultLoop = faults?.RunAsync(stopFaults.Token) ?? Task.CompletedTask;
        try
        {
            var hospitalKeys = Path.Combine(keyRoot, "hospitals");
            var aggregatorKeys = Path.Combine(keyRoot, "aggregator");
            if (spec.Crypto.Mode == KeyMode.SharedKey)
            {
                var (parameters, _) = spec.ResolveCrypto();
                KeyStore.Generate(parameters, hospitalKeys);
                // The aggregator is given the parameters alone, never a directory that holds the secret key.
                Directory.CreateDirectory(aggregatorKeys);
                File.Copy(Path.Combine(hospitalKeys, KeyStore.ParametersFile), Path.Combine(aggregatorKeys, KeyStore.ParametersFile));
                status($"keys for {spec.EffectivePreset} generated in a temporary directory");
            }

            // Mutual TLS, as `fedhe node` runs by default: a throw-away CA and one certificate per node, made by `fedhe certs`.
            var certificates = Path.Combine(keyRoot, "certs");
            var transport = new List<string>();
            if (plan.UseTls)
            {
                await RunToCompletion("certs", program,
                    ["certs", "--out", certificates, "--nodes", string.Join(',', ["aggregator", .. plan.HospitalIds, FederationRoles.Monitor])],
                    Path.Combine(logs, "certs.log"), processes, cancellation.Token).ConfigureAwait(false);
                transport.AddRange(["--certs", certificates]);
                status("a throw-away CA and node certificates generated for mutual TLS");
            }
            else
            {
                transport.Add("--no-tls");
            }

            // A spec-wide training delay is a fault too: a node applies it only with --fault-control.
            if (faults is not null || spec.Faults.TrainingDelay > TimeSpan.Zero)
                transport.Add("--fault-control");

            // Every node, the monitor too, logs in the plan's format and exports to the same collector; each has a scrape port of its own.
            // The federation's nodes (not the monitor, which sees no update) are told they may run the insecure comparison mode.
            string[] insecurePlaintext = plan.AllowInsecurePlaintext && spec.Crypto.Mode == KeyMode.InsecurePlaintext ? ["--insecure-plaintext"] : [];
            var observability = new List<string> { "--log-format", plan.LogFormat };
            if (plan.OtlpEndpoint is not null)
                observability.AddRange(["--otlp-endpoint", plan.OtlpEndpoint]);
            IEnumerable<string> MetricsPort(int node) =>
                plan.MetricsBasePort is { } metricsBase ? ["--metrics-port", (metricsBase + node).ToString(CultureInfo.InvariantCulture)] : [];

            var aggregatorUp = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var aggregatorArguments = new List<string>
            {
                "node", "--spec", specPath, "--role", "aggregator",
                "--port", plan.BasePort.ToString(CultureInfo.InvariantCulture),
            };
            aggregatorArguments.AddRange(transport);
            aggregatorArguments.AddRange(observability);
            aggregatorArguments.AddRange(insecurePlaintext);
            aggregatorArguments.AddRange(MetricsPort(0));
            if (spec.Crypto.Mode == KeyMode.SharedKey)
                aggregatorArguments.AddRange(["--keys", aggregatorKeys]);

            // A restarted aggregator joins the running cluster through the hospitals; the cluster then replaces its dead
            // incarnation (same address, new uid) with it, and the coordinator singleton resumes from the journal.
            var restartArguments = aggregatorArguments
                .Concat(plan.HospitalIds.SelectMany((_, i) => new[] { "--seed-node", plan.SeedNodeAt(plan.BasePort + i + 1) }))
                .Concat(["--seed-node", plan.SeedNode])
                .ToList();
            aggregatorArguments.AddRange(["--seed-node", plan.SeedNode]);
            var aggregator = processes.Start("aggregator", aggregatorArguments, (_, output) =>
            {
                // A node logging JSON says the same in each entry's message.
                var line = NodeOutputLine.Text(output);
                if (line.StartsWith("aggregator up", StringComparison.Ordinal))
                {
                    aggregatorUp.TrySetResult();
                    status(line);
                }
                else if (line.StartsWith(NodeFaultHooks.OutputPrefix, StringComparison.Ordinal))
                {
                    status($"aggregator: {line}");
                }
            }, keepInputOpen: faults is not null, restartArguments);
            await WaitUntilUp("the aggregator", aggregator, aggregatorUp.Task, plan.StartupTimeout, cancellation.Token).ConfigureAwait(false);

            {
                // The monitor joins before any hospital, so it sees every round from round 0; the launcher follows the
                // federation through its feed from then on: its progress, the fault schedule's moments and the run report.
                var monitorUp = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
                var monitorArguments = new List<string>
                {
                    "monitor", "--port", plan.MonitorPort.ToString(CultureInfo.InvariantCulture), "--seed-node", plan.SeedNode,
                    "--http-port", plan.MonitorHttpPort.ToString(CultureInfo.InvariantCulture), "--spec", specPath,
                    "--runs", Path.GetDirectoryName(logs)!, "--until-input-closes",
                };
                // With --fault-control the nodes' transport carries Akka's chaos adapters, which the monitor must share to join.
                monitorArguments.AddRange(transport);
                monitorArguments.AddRange(observability);
                monitorArguments.AddRange(MetricsPort(plan.Spec.Federation.Hospitals + 1));
                var monitor = processes.Start(FederationRoles.Monitor, monitorArguments, (_, line) =>
                {
                    if (DashboardLine().Match(NodeOutputLine.Text(line)) is { Success: true } match)
                        monitorUp.TrySetResult(match.Groups[1].Value);
                }, keepInputOpen: true);
                await WaitUntilUp("the monitor", monitor, monitorUp.Task, plan.StartupTimeout, cancellation.Token).ConfigureAwait(false);
                dashboard = await monitorUp.Task.ConfigureAwait(false);
                status($"dashboard at {dashboard}");
                feed = new MonitorFeedReader(new Uri(dashboard), entry =>
                {
                    if (entry.Notice is { } notice && ObservedEvents.ToFederationEvent(notice) is { } federationEvent)
                        recorder.Record(federationEvent, entry.At > launchedAt ? entry.At - launchedAt : TimeSpan.Zero);
                    switch (entry.Kind)
                    {
                        case MonitorFeedEntry.RoundStartedKind:
                            faults?.OnMoment(entry.Round, FaultMoment.RoundStarted);
                            break;
                        case MonitorFeedEntry.AggregateDistributedKind:
                            faults?.OnMoment(entry.Round, FaultMoment.AggregateDistributed);
                            break;
                        case MonitorFeedEntry.RoundCompletedKind:
                            lock (roundsCompleted)
                            {
                                if (entry.Round > 0)
                                    roundsCompleted.Add(entry.Round);
                            }

                            status(entry.Text);
                            break;
                        case MonitorFeedEntry.RoundFailedKind:
                            status(entry.Text);
                            break;
                        case MonitorFeedEntry.FederationCompletedKind:
                            status(entry.Text);
                            federationEnded.TrySetResult();
                            break;
                    }
                }).RunAsync(stopFaults.Token);
            }

            // A hospital that ends before it is up (its port taken meanwhile, its actor system stopped while joining) ends the run at once with its
            // error: the aggregator would otherwise wait out its registration timeout for a hospital that will never register.
            var startFailed = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            for (var i = 0; i < spec.Federation.Hospitals; i++)
            {
                var id = plan.HospitalIds[i];
                var arguments = new List<string>
                {
                    "node", "--spec", specPath, "--role", "hospital",
                    "--port", (plan.BasePort + i + 1).ToString(CultureInfo.InvariantCulture), "--seed-node", plan.SeedNode,
                    "--hospital-id", id,
                };
                arguments.AddRange(transport);
                arguments.AddRange(observability);
                arguments.AddRange(insecurePlaintext);
                arguments.AddRange(MetricsPort(i + 1));
                if (spec.Crypto.Mode == KeyMode.SharedKey)
                    arguments.AddRange(["--keys", hospitalKeys]);
                var start = new HospitalStart();
                var hospital = processes.Start(id, arguments, (node, output) =>
                {
                    var line = NodeOutputLine.Text(output);
                    if (line.StartsWith(node.Name + " up", StringComparison.Ordinal))
                    {
                        start.Up = true;
                        status(line);
                    }
                    else if (line.StartsWith(NodeFaultHooks.OutputPrefix, StringComparison.Ordinal))
                    {
                        status($"{node.Name}: {line}");
                    }
                    else if (line.StartsWith("error: ", StringComparison.Ordinal))
                    {
                        start.Error = line["error: ".Length..];
                    }
                }, keepInputOpen: faults is not null);
                _ = ReportStartFailureAsync(hospital, start, processes, startFailed);
            }

            status($"{spec.Federation.Hospitals} hospitals started; the aggregator starts round 0 once all have registered");

            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation.Token);
            deadline.CancelAfter(plan.Timeout);
            string ending;
            try
            {
                var aggregatorExit = AggregatorExitAsync(processes, deadline.Token);
                if (await Task.WhenAny(aggregatorExit, startFailed.Task).ConfigureAwait(false) == startFailed.Task)
                {
                    // The others are stopped below, every one of them killed.
                    ending = $"{await startFailed.Task.ConfigureAwait(false)}; every node was stopped";
                    status(ending);
                }
                else
                {
                    var code = await aggregatorExit.ConfigureAwait(false);
                    // The feed may trail the aggregator's exit by a moment: it is read to the federation's end (or briefly) first.
                    await Task.WhenAny(federationEnded.Task, Task.Delay(FeedGrace, deadline.Token)).ConfigureAwait(false);
                    await stopFaults.CancelAsync().ConfigureAwait(false);
                    await feed.ConfigureAwait(false);
                    ending = code == 0 ? "the federation completed" : $"the aggregator exited with code {code}";
                    status($"aggregator exited with code {code}; waiting for the hospitals");
                    using var grace = CancellationTokenSource.CreateLinkedTokenSource(cancellation.Token);
                    grace.CancelAfter(plan.ShutdownGrace);
                    try
                    {
                        await Task.WhenAll(processes.All().Where(n => n.Name != FederationRoles.Monitor).Select(n => n.Exited)).WaitAsync(grace.Token).ConfigureAwait(false);
                        // The federation's nodes are done: closing its input lets the monitor leave the cluster and exit.
                        processes.Live(FederationRoles.Monitor)?.CloseInput();
                        await Task.WhenAll(processes.All().Select(n => n.Exited)).WaitAsync(grace.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!cancellation.Token.IsCancellationRequested)
                    {
                        ending += $"; hospitals still running {plan.ShutdownGrace.TotalSeconds:F0} s later were killed";
                    }
                }
            }
            catch (OperationCanceledException) when (!cancellation.Token.IsCancellationRequested)
            {
                ending = $"timed out after {plan.Timeout.TotalMinutes:F0} min; every node was killed";
            }

            var outcomes = await StopAll(processes).ConfigureAwait(false);
            var succeeded = outcomes.All(o => o.Succeeded);
            var elapsed = clock.Elapsed;
            var report = recorder.Result(elapsed, succeeded, ending);
            RunReport.Write(logs, plan.Name, new SimulationOptions { Spec = spec }, report, writeSpec: false);
            ClusterNodesReport.Write(logs, outcomes);
            return new ClusterOutcome(succeeded, ending, outcomes, roundsCompleted.Count, logs, elapsed, dashboard) { Report = report };
        }
        catch
        {
            // Cancelled or failed to start: no node may outlive the run.
            await StopAll(processes).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            if (cancellation.IsCancellationRequested)
                throw new OperationCanceledException("the launcher was signalled to stop; every node was killed");
            throw;
        }
        finally
        {
            await stopFaults.CancelAsync().ConfigureAwait(false);
            await faultLoop.ConfigureAwait(false);
            await feed.ConfigureAwait(false);
            AppDomain.CurrentDomain.ProcessExit -= killNodes;
            foreach (var node in processes.All())
                node.Dispose();

            Directory.Delete(keyRoot, recursive: true);
        }
    }

    /// <summary>Waits for a node's "up" line.</summary>
    /// <exception cref="ClusterLaunchException">It exited or did not come up in time.</exception>
    private static async Task WaitUntilUp(string what, NodeProcess node, Task up, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var startup = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        startup.CancelAfter(timeout);
        var first = await Task.WhenAny(up, node.Exited, Task.Delay(Timeout.Infinite, startup.Token)).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        if (first != up)
        {
            var why = node.HasExited ? $"exited with code {await node.Exited.ConfigureAwait(false)}" : $"did not come up within {timeout.TotalSeconds:F0} s";
            throw new ClusterLaunchException($"{what} {why}; see {node.LogPath}");
        }
    }

    /// <summary>What the launcher knows of a hospital's start from its output.</summary>
    private sealed class HospitalStart
    {
        /// <summary>It printed its "up" line: its actors run, and a later exit is a dropout that the coordinator handles.</summary>
        public volatile bool Up;

        /// <summary>Its "error:" line, if it printed one.</summary>
        public volatile string? Error;
    }

    /// <summary>
    /// Completes <paramref name="failed"/> with one line naming the hospital if it exits before it is up and not by the fault
    /// schedule; the first such line ends the run.
    /// </summary>
    private static async Task ReportStartFailureAsync(NodeProcess hospital, HospitalStart start, ClusterProcesses processes, TaskCompletionSource<string> failed)
    {
        var code = await hospital.Exited.ConfigureAwait(false);
        if (!start.Up && !processes.KilledByFault(hospital))
            failed.TrySetResult($"{hospital.Name} exited with code {code} before it was up: {start.Error ?? $"see {hospital.LogPath}"}");
    }

    /// <summary>
    /// The aggregator's exit code: that of its last incarnation, since one the fault schedule killed is (or is about to be)
    /// started again.
    /// </summary>
    private static async Task<int> AggregatorExitAsync(ClusterProcesses processes, CancellationToken cancellationToken)
    {
        while (true)
        {
            var restart = processes.NextRestart();
            var aggregator = processes.Current("aggregator");
            var code = await aggregator.Exited.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (!processes.KilledByFault(aggregator))
                return code;
            if (processes.Current("aggregator") != aggregator)
                continue;
            try
            {
                await restart.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Killed by the schedule and never started again (its restart failed): the federation ends with it.
                return code;
            }
        }
    }

    private static void Cancel(PosixSignalContext context, CancellationTokenSource cancellation)
    {
        // Keep the runtime from exiting at once: the run's own cancellation path kills the nodes and returns.
        context.Cancel = true;
        cancellation.Cancel();
    }

    /// <summary>Runs a short-lived child (e.g. `fedhe certs`) to its end, tracked with the nodes so cancellation kills it too.</summary>
    /// <exception cref="ClusterLaunchException">It exits with a non-zero code.</exception>
    private static async Task RunToCompletion(string name, FedheCommandLine program, IReadOnlyList<string> arguments, string logPath,
        ClusterProcesses tracked, CancellationToken cancellationToken)
    {
        var child = NodeProcess.Start(name, program, arguments, logPath, null);
        tracked.Track(child);
        var code = await child.Exited.WaitAsync(cancellationToken).ConfigureAwait(false);
        tracked.Forget(child);
        child.Dispose();
        if (code != 0)
            throw new ClusterLaunchException($"`fedhe {arguments[0]}` exited with code {code}; see {logPath}");
    }

    /// <summary>Kills what still runs and collects every node's outcome once its process (and log) has closed.</summary>
    private static async Task<List<NodeOutcome>> StopAll(ClusterProcesses processes)
    {
        var nodes = processes.All();
        var killed = new HashSet<NodeProcess>();
        foreach (var node in nodes.Where(n => !n.HasExited))
        {
            killed.Add(node);
            node.KillTree();
        }

        var outcomes = new List<NodeOutcome>();
        foreach (var node in nodes)
        {
            int? code = null;
            try
            {
                code = await node.Exited.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Still not gone after a kill; reported as killed.
            }

            var byFault = processes.KilledByFault(node);
            outcomes.Add(new NodeOutcome(node.Name, node.Id, killed.Contains(node) || byFault ? null : code, node.LogPath, byFault, node.PeakResidentBytes));
        }

        return outcomes;
    }

    /// <summary>Refuses, before anything starts, a plan whose nodes' ports (and scrape ports) are not free.</summary>
    /// <exception cref="ClusterLaunchException">A port is taken.</exception>
    private static void EnsurePortsFree(LocalClusterPlan plan)
    {
        static void EnsureFree(int first, int last, string option)
        {
            for (var port = first; port <= last; port++)
            {
                try
                {
                    var listener = new TcpListener(IPAddress.Loopback, port);
                    listener.Start();
                    listener.Stop();
                }
                catch (SocketException exception)
                {
                    throw new ClusterLaunchException($"port {port} on 127.0.0.1 is not free ({exception.SocketErrorCode}); choose another {option}", exception);
                }
            }
        }

        EnsureFree(plan.BasePort, plan.LastPort, "--base-port");
        if (plan.MetricsBasePort is { } metrics)
            EnsureFree(metrics, metrics + plan.Spec.Federation.Hospitals + 1, "--metrics-port");
    }

    /// <summary>The monitor's "up" line, with the dashboard's URL.</summary>
    [GeneratedRegex(@"^monitor up at .*; dashboard at (\S+)")]
    private static partial Regex DashboardLine();
}
