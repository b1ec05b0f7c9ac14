using System.Globalization;
using System.CommandLine;
using System.Runtime.CompilerServices;
using Akka.Actor;
using Akka.Configuration;
using FederatedHe.Actors.Configuration;
using FederatedHe.Actors.CryptoPool;
using FederatedHe.Actors.Harness;
using FederatedHe.Actors.Hospitals;
using FederatedHe.Actors.Nodes;
using FederatedHe.Actors.Spec;
using FederatedHe.Host.Hosting;
using FederatedHe.Host.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using static FederatedHe.Actors.Protocol.FederationEvents;
using static FederatedHe.Actors.Protocol.FederationProtocol;

namespace FederatedHe.Host.Cli;

/// <summary>`fedhe node`: one federation node as its own process.</summary>
internal static class NodeCommand
{
    /// <summary>How long a stopping node waits for its coordinated shutdown (leaving the cluster) before it exits anyway.</summary>
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(10);

    /// <param name="faultHooks">Loads the harness's fault injection for <c>--fault-control</c> (called only then), or null where the program offers none.</param>
    /// <param name="reportWriter">Writes the aggregator's run report for <c>--report</c>, or null where the program offers none.</param>
    /// <summary>Why a node (or the launcher) will not run the insecure plaintext comparison mode without being told to.</summary>
    /// <param name="who">The node's id, or the command.</param>
    internal static string InsecurePlaintextRefusal(string who) =>
        $"{who}: {FederationSpecKeys.Mode} = insecure-plaintext sends model updates UNENCRYPTED (a comparison mode, not for real data); " +
        "give --insecure-plaintext to run it anyway";

    public static Command Create(Func<NodeFaultHooks>? faultHooks, NodeRunReportWriter? reportWriter = null)
    {
        var role = new Option<string>("--role") { Description = "aggregator or hospital", Required = true };
        role.AcceptOnlyFromAmong(FederationRoles.Aggregator, FederationRoles.Hospital);
        var spec = new Option<string>("--spec", "--config")
        {
            Description = "The federation spec or node file (HOCON: fedhe.* spec keys over reference.conf, akka.* node settings; " +
                          "hocon/cluster.conf beside it, else the shipped one, is loaded underneath)",
            Required = true,
        };
        var hostname = new Option<string?>("--hostname") { Description = "Override akka.remote.dot-netty.tcp.hostname" };
        var port = new Option<int?>("--port") { Description = "Override the node's TCP port" };
        var seedNodes = new Option<string[]>("--seed-node") { Description = "Override the seed nodes (repeatable)", AllowMultipleArgumentsPerToken = false };
        var keys = new Option<string?>("--keys") { Description = "Key directory from `fedhe keygen` (hospitals: required; aggregator: parameters only)" };
        var hospitalId = new Option<string?>("--hospital-id") { Description = "This hospital's id (hospitals); hospital-k takes the k-th share of the spec's data" };
        var specOptions = new SpecOptions();
        specOptions.AddText("--data", FederationSpecKeys.HospitalData, "This hospital's own CSV instead of its share of the spec's data");
        specOptions.Add<int>("--hospital-index", FederationSpecKeys.HospitalIndex, "Which share of the spec's data, from 0");
        specOptions.AddText("--test-data", FederationSpecKeys.TestData, "Common evaluation CSV this hospital scores the global model on");
        var certificates = NodeTransport.CertificatesOption();
        var plaintext = NodeTransport.PlaintextOption();
        var insecurePlaintext = new Option<bool>("--insecure-plaintext")
        {
            Description = "Allow fedhe.crypto.mode = insecure-plaintext: INSECURE, model updates travel UNENCRYPTED and the aggregator reads " +
                          "them; for measuring what encryption costs only",
        };
        var faultControl = new Option<bool>("--fault-control")
        {
            Description = "Take fault-injection commands on standard input (drop, throttle, slow-training; `fedhe cluster up` sends them " +
                          "to run an experiment's fault schedule) and put Akka's failure-injector and throttler adapters into the transport",
        };

        var report = new Option<string?>("--report")
        {
            Description = "Aggregator: write the run report (summary.md, rounds.csv, sites.csv, plots; the hospitals' evaluations, never a model) " +
                          "into this directory when the node stops",
        };

        var observability = new ObservabilityOptions();

        var command = new Command("node", "Run one federation node (aggregator or hospital) of a spec in this process until the federation ends or Ctrl-C")
        {
            role, spec, hostname, port, seedNodes, keys, hospitalId, certificates, plaintext, faultControl, report, insecurePlaintext,
        };
        specOptions.AddTo(command);
        observability.AddTo(command);
        command.SetAction(async (result, cancellationToken) =>
        {
            var specPath = result.GetValue(spec)!;
            var bound = FederationSpecBinder.Load(specPath, specOptions.Overrides(result));
            var federation = bound.Spec;
            var nodeRole = result.GetValue(role)!;
            var nodeId = nodeRole == FederationRoles.Aggregator
                ? FederationRoles.Aggregator
                : result.GetValue(hospitalId) ?? throw new ArgumentException("--hospital-id is required for a hospital");
            if (federation.Crypto.Mode == KeyMode.InsecurePlaintext && !result.GetValue(insecurePlaintext))
                throw new ArgumentException(InsecurePlaintextRefusal(nodeId));
            var reportDirectory = result.GetValue(report);
            if (reportDirectory is not null && nodeRole != FederationRoles.Aggregator)
                throw new ArgumentException("--report: only the aggregator sees the rounds; give it to the aggregator's node");
            if (reportDirectory is not null && reportWriter is null)
                throw new ArgumentException("--report: this fedhe program writes no reports");
            if (reportDirectory is not null)
                RequireWritableDirectory(reportDirectory);

            // The node's own settings: the file's akka.* (and fedhe.tls) keys over TLS (hocon/tls.conf) over the shared cluster file.
            var clusterFile = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(specPath))!, "cluster.conf");
            var clusterPath = File.Exists(clusterFile) ? clusterFile : ProjectFiles.ClusterConfigPath;
            var transport = result.GetValue(plaintext) ? Config.Empty : NodeTransport.TlsConfig(clusterPath);
            var nodeSettings = bound.NodeConfig.WithFallback(transport).WithFallback(ProjectFiles.LoadHocon(clusterPath));
            // Fault injection comes from outside the node's code, and only with --fault-control.
            var faults = result.GetValue(faultControl)
                ? faultHooks?.Invoke() ?? throw new ArgumentException("--fault-control: this fedhe program has no fault injection")
                : null;
            if (faults is null && federation.Faults.TrainingDelay > TimeSpan.Zero)
                throw new ArgumentException($"{FederationSpecKeys.TrainingDelay} = {federation.Faults.TrainingDelay} makes this node a straggler, a fault: run it with --fault-control");
            if (faults is not null)
                nodeSettings = faults.TransportSettings.WithFallback(nodeSettings);
            var seeds = result.GetValue(seedNodes) is { Length: > 0 } given ? given : null;
            var effective = FederationNode.NodeConfig(federation, nodeRole,
                result.GetValue(hostname) ?? nodeSettings.GetString("akka.remote.dot-netty.tcp.hostname", "127.0.0.1"),
                result.GetValue(port) ?? nodeSettings.GetInt("akka.remote.dot-netty.tcp.port", 0),
                seeds, nodeSettings);

            var tls = NodeTransport.LoadTls(effective, nodeId, result.GetValue(plaintext), result.GetValue(certificates));
            var (parameters, threshold) = federation.ResolveCrypto();
            // Refused before Akka starts: threshold key generation is signed and verified with the nodes' certificates.
            if (threshold is not null && tls is null)
                throw new ArgumentException($"{nodeId}: threshold mode needs the node's certificates (run `fedhe certs`, drop --plaintext): "
                    + "hospitals sign their public-key shares and verify one another's against the federation's CA");
            // A key directory must hold the spec's parameters: a node never runs with others than its federation's.
            if (threshold is null && result.GetValue(keys) is { } givenKeys && KeyStore.ReadParameters(givenKeys).Id != parameters.Id)
                throw new ArgumentException($"--keys {givenKeys}: the keys are for other CKKS parameters than the spec's preset {federation.EffectivePreset}");

            // The hospital's data is computed before its node joins: a slow split must not hold up a registered hospital.
            HospitalData? hospitalData = nodeRole == FederationRoles.Hospital ? FederationData.ForHospital(federation, nodeId) : null;
            HospitalCrypto? crypto = null;
            if (nodeRole == FederationRoles.Hospital)
            {
                if (threshold is not null)
                {
                    crypto = HospitalCrypto.WithThreshold(threshold);
                }
                else if (federation.Crypto.Mode == KeyMode.InsecurePlaintext && result.GetValue(keys) is null)
                {
                    // Nothing is encrypted: a throw-away key stands where the pool expects one, and is never used.
                    var (secretKey, publicKey) = new FederatedHe.Crypto.Rlwe.KeyGenerator(parameters).GenerateKeyPair();
                    crypto = HospitalCrypto.WithSharedKeys(new CkksKeyMaterial(parameters, publicKey, secretKey));
                }
                else
                {
                    var keyDirectory = result.GetValue(keys) ?? throw new ArgumentException("--keys is required for a hospital in shared-key mode (run `fedhe keygen`)");
                    var (keyParameters, publicKey, secretKey) = KeyStore.ReadHospitalKeys(keyDirectory);
                    crypto = HospitalCrypto.WithSharedKeys(new CkksKeyMaterial(keyParameters, publicKey, secretKey));
                }
            }

            RequireFreePort(effective);
            var logFormat = observability.Format(result);
            using var metrics = observability.Metrics(result).Start(nodeId);
            using var memory = NodeMemoryMetrics.Register(nodeId, nodeRole);
            var finished = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            // A seed whose certificate this node refuses can never be joined: that is the node's error, not a warning to retry on forever.
            var seedEndpoints = effective.GetStringList("akka.cluster.seed-nodes", []).Select(Endpoint).ToHashSet(StringComparer.Ordinal);
            string? untrustedSeed = null;
            void OnRefused(string peer, PeerCertificateCheck check)
            {
                if (!seedEndpoints.Contains(Endpoint(peer)) || finished.Task.IsCompleted)
                    return;
                untrustedSeed = $"the seed node {peer} was refused ({check.Verdict}): {check.Detail}";
                finished.TrySetResult(false);
            }

            var (systemConfig, systemSetup) = NodeTransport.Prepare(effective, tls, OnRefused);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var seen = new List<(IFederationEvent Event, TimeSpan At)>();
            Action<IFederationEvent> onEvent = e =>
            {
                lock (seen)
                    seen.Add((e, clock.Elapsed));
            };
            var failure = new StrongBox<string?>();
            // The node's own lines (start, rounds, fault commands): plain text, or log entries when the log is JSON.
            Action<string> say = _ => { };
            OutboundTlsFailureHold? tlsHold = null;
            void StartNode(ActorSystem system, ILogger logger)
            {
                say = NodeOutput(logFormat, logger);
                tlsHold = OutboundTlsFailureHold.Install(system, line => logger.LogWarning("{NodeId}: {Line}", nodeId, line));
                system.ActorOf(Props.Create(() => new NodeProgress(finished, say, onEvent, failure)), "node-progress");
                if (nodeRole == FederationRoles.Aggregator)
                {
                    // Over TLS, hospitals register only by proving with their certificate's key the id the CA issued them.
                    FederationNode.StartAggregator(system, federation, tls?.Trust);
                    say($"aggregator up at {Akka.Cluster.Cluster.Get(system).SelfAddress}; waiting for {federation.Federation.Hospitals} hospitals");
                }
                else
                {
                    FederationNode.StartHospital(system, federation, crypto!, hospitalData!, faults?.DecorateTrainer(federation, nodeId),
                        tls?.Identity, tls?.Trust);
                    say($"{nodeId} up at {Akka.Cluster.Cluster.Get(system).SelfAddress} with {hospitalData!.Train.SampleCount} training samples");
                    if (hospitalData.Problem is { } problem)
                        say($"{nodeId} {problem}: it registers only to have the coordinator stop the federation");
                }
            }

            // The node runs on the Generic Host (Akka.Hosting); stopping the host runs the actor system's coordinated shutdown.
            IHost started;
            try
            {
                started = await FederationNodeHost.StartAsync(systemConfig, systemSetup, nodeId, nodeRole, logFormat, StartNode, cancellationToken)
                    .ConfigureAwait(false);
            }
            catch (NodeStoppedDuringStartupException stopped) when (untrustedSeed is not null || stopped.IsTlsHandshakeFailure)
            {
                throw TlsHandshakeFailed(nodeId, untrustedSeed, seedEndpoints);
            }
            catch (Exception exception) when (BindFailure(exception) is { } taken)
            {
                // Free when checked above, taken by the time Akka bound it (by a program, or by an outgoing connection's ephemeral port).
                throw PortTaken(effective, taken);
            }

            using var host = started;
            var system = host.Services.GetRequiredService<ActorSystem>();
            // An actor system that ends by itself (downed, or shut down from inside) stops the host: the node ends as a cancellation would.
            using var stopping = host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.Register(() => finished.TrySetResult(false));

            using var stopFaultControl = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var faultCommands = faults?.RunAsync(Console.In, system, say, stopFaultControl.Token) ?? Task.CompletedTask;
            using var registration = cancellationToken.Register(() => finished.TrySetResult(false));
            var succeeded = await finished.Task.ConfigureAwait(false);
            await stopFaultControl.CancelAsync().ConfigureAwait(false);
            await faultCommands.ConfigureAwait(false);
            // Leave the cluster in order (the others see the node leave, not fail), but never wait on it for long:
            // a signalled node must be gone within seconds even if its peers are unreachable. A held shutdown goes on from here.
            tlsHold?.Release();
            var shutdown = CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClusterLeavingReason.Instance);
            await Task.WhenAny(shutdown, Task.Delay(ShutdownTimeout, CancellationToken.None)).ConfigureAwait(false);
            using (var stopTimeout = new CancellationTokenSource(ShutdownTimeout))
                await host.StopAsync(stopTimeout.Token).ConfigureAwait(false);
            // The node's whole life is behind it: its high-water mark is its peak (`cluster up` samples it while it runs too).
            say($"{nodeId} memory: {NodeMemory.OfThisProcess().Describe()}");
            if (reportDirectory is not null)
            {
                lock (seen)
                    reportWriter!(reportDirectory, federation, [.. seen], clock.Elapsed, succeeded);
                Console.Out.WriteLine($"report written to {Path.GetFullPath(reportDirectory)}");
            }

            cancellationToken.ThrowIfCancellationRequested();
            if (untrustedSeed is not null || (!succeeded && failure.Value is null && tlsHold?.Held != true
                                              && NodeStoppedDuringStartupException.IsTlsHandshakeFailureReason(CoordinatedShutdown.Get(system).ShutdownReason)))
                throw TlsHandshakeFailed(nodeId, untrustedSeed, seedEndpoints);
            // Why the federation failed, in the one line every node prints (e.g. the preflight naming a hospital and column).
            if (!succeeded && failure.Value is { } why)
                Program.WriteError($"{nodeId}: the federation failed: {why}");
            return succeeded ? 0 : 1;
        });
        return command;
    }

    /// <summary>
    /// The one line for a node that Akka stopped because an outbound TLS handshake failed: the seed's refusal when this node
    /// checked the seed's certificate first; otherwise the seed closed the handshake before that check (TLS 1.3 lets either
    /// side judge first, so which one a refused pair sees varies run to run), most likely refusing this node's certificate.
    /// </summary>
    private static TlsConfigurationException TlsHandshakeFailed(string nodeId, string? untrustedSeed, IEnumerable<string> seeds) =>
        new(nodeId, untrustedSeed ?? $"a TLS handshake failed: the peer closed it before this node could check its certificate, most likely " +
            $"refusing this node's certificate (seed nodes: {string.Join(", ", seeds)}; were all certificates issued by the same `fedhe certs` CA?)");

    /// <summary>Refuses, before Akka starts, a report directory that cannot be written: a whole federation must not end in lost results.</summary>
    /// <exception cref="ArgumentException">The directory cannot be created or written.</exception>
    private static void RequireWritableDirectory(string directory)
    {
        try
        {
            Directory.CreateDirectory(directory);
            var probe = Path.Combine(directory, $".fedhe-write-check-{Environment.ProcessId}");
            File.WriteAllText(probe, string.Empty);
            File.Delete(probe);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"--report {directory}: the directory cannot be written ({exception.Message})", exception);
        }
    }

    /// <summary>"host:port" of an Akka address or a transport's peer address, whatever its scheme.</summary>
    private static string Endpoint(string address) =>
        address.Contains('@', StringComparison.Ordinal) ? address[(address.LastIndexOf('@') + 1)..].TrimEnd('/') : address;

    /// <summary>
    /// Refuses, before Akka starts, a port another program (or node) holds, before the node does any other work. A port taken
    /// between this check and Akka's bind is the same line (<see cref="BindFailure"/>).
    /// </summary>
    /// <exception cref="ArgumentException">The node's host and port cannot be bound.</exception>
    internal static void RequireFreePort(Config effective)
    {
        var hostname = effective.GetString("akka.remote.dot-netty.tcp.hostname", "127.0.0.1");
        var port = effective.GetInt("akka.remote.dot-netty.tcp.port", 0);
        if (port == 0)
            return;
        var addresses = System.Net.IPAddress.TryParse(hostname, out var literal) ? [literal] : System.Net.Dns.GetHostAddresses(hostname);
        foreach (var address in addresses)
        {
            var listener = new System.Net.Sockets.TcpListener(address, port);
            try
            {
                listener.Start();
            }
            catch (System.Net.Sockets.SocketException exception)
            {
                throw PortTaken(effective, exception);
            }
            finally
            {
                listener.Stop();
            }
        }
    }

    /// <summary>The one line for a node (or the monitor) whose TCP port cannot be bound.</summary>
    internal static ArgumentException PortTaken(Config effective, System.Net.Sockets.SocketException exception)
    {
        var hostname = effective.GetString("akka.remote.dot-netty.tcp.hostname", "127.0.0.1");
        var port = effective.GetInt("akka.remote.dot-netty.tcp.port", 0);
        return new ArgumentException($"--port {port}: {hostname}:{port} cannot be used ({exception.Message}); is another node or program on it?", exception);
    }

    /// <summary>
    /// The socket error under Akka's "failed to bind" (a <see cref="Akka.Remote.RemoteTransportException"/>, nested in the host's
    /// aggregate exceptions) if that is why the node's start failed; otherwise null.
    /// </summary>
    internal static System.Net.Sockets.SocketException? BindFailure(Exception exception) => exception switch
    {
        Akka.Remote.RemoteTransportException { InnerException: System.Net.Sockets.SocketException socket } => socket,
        AggregateException aggregate => aggregate.InnerExceptions.Select(BindFailure).FirstOrDefault(found => found is not null),
        { InnerException: { } inner } => BindFailure(inner),
        _ => null,
    };

    /// <summary>
    /// How the node says what it is doing (a line for people): in text mode on standard output as before; in JSON mode as a
    /// log entry, so that every line of the node's output is one JSON object.
    /// </summary>
    private static Action<string> NodeOutput(LogFormat format, ILogger logger) => format == LogFormat.Json
        ? text => logger.Log(LogLevel.Information, default, text, null, (line, _) => line)
        // Plain lines, never wrapped at a console width: operators' scripts read them whole.
        : text => Console.Out.WriteLine(text);

    /// <summary>Prints the coordinator's rounds (on the aggregator) and notices the federation's end (on every node).</summary>
    private sealed class NodeProgress : ReceiveActor
    {
        private readonly Action<string> _say;
        private readonly Action<IFederationEvent> _seen;

        public NodeProgress(TaskCompletionSource<bool> finished, Action<string> say, Action<IFederationEvent> seen, StrongBox<string?> failure)
        {
            _say = say;
            _seen = seen;
            // For people: `fedhe cluster up` follows rounds through the monitor member (ObserverNotices), not this output.
            Receive<RoundStarted>(r => Milestone(r,
                $"round {r.RoundId} started with {r.Participants.Count} participants (attempt {r.Attempt})"));
            Receive<AggregateDistributed>(a => Milestone(a,
                $"round {a.RoundId} aggregate distributed to {a.Recipients.Count} hospitals"));
            Receive<RoundCompleted>(r => Milestone(r,
                $"round {r.RoundId}: {r.Contributors.Count} updates, {r.Dropouts.Count} dropouts, {r.Attempts} attempts" +
                (r.Evaluation is { } e ? $", hospitals report accuracy {e.Accuracy:P2}" : string.Empty) +
                (r.Privacy is { } p ? string.Create(CultureInfo.InvariantCulture, $", privacy spent ε={p.Epsilon:0.###} of {p.TargetEpsilon:0.###}") : string.Empty)));
            Receive<KeyGenerationStarted>(k => Milestone(k, $"all {k.Hospitals} hospitals registered; key generation begins"));
            Receive<DeadlinePassed>(d => Milestone(d,
                $"round {d.RoundId}: the {(d.Evaluation ? "evaluation" : "collection")} deadline of attempt {d.Attempt} passed"));
            Receive<FederationCompleted>(c =>
            {
                _seen(c);
                _say(c.Succeeded ? $"federation finished at round {c.RoundId}: {c.Status}" : $"federation failed at round {c.RoundId}");
                Finish(c.Succeeded, c.Status);
            });
            Receive<FederationFinished>(f => Finish(f.Succeeded, f.Status));

            void Finish(bool succeeded, string status)
            {
                if (!succeeded && !finished.Task.IsCompleted)
                    failure.Value ??= status;
                finished.TrySetResult(succeeded);
            }
        }

        private void Milestone(IFederationEvent federationEvent, string text)
        {
            _seen(federationEvent);
            _say(text);
        }

        protected override void PreStart()
        {
            Context.System.EventStream.Subscribe(Self, typeof(RoundStarted));
            Context.System.EventStream.Subscribe(Self, typeof(AggregateDistributed));
            Context.System.EventStream.Subscribe(Self, typeof(RoundCompleted));
            Context.System.EventStream.Subscribe(Self, typeof(FederationCompleted));
            Context.System.EventStream.Subscribe(Self, typeof(KeyGenerationStarted));
            Context.System.EventStream.Subscribe(Self, typeof(DeadlinePassed));
            Context.System.EventStream.Subscribe(Self, typeof(FederationFinished));
        }
    }
}
