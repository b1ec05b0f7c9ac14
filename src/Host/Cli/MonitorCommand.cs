using FederatedHe.Actors.Harness;
using System.CommandLine;
using System.Net;
using Akka.Actor;
using Akka.Configuration;
using FederatedHe.Actors.Configuration;
using FederatedHe.Actors.Nodes;
using FederatedHe.Actors.Spec;
using FederatedHe.Host.Monitor;
using FederatedHe.Host.Hosting;
using FederatedHe.Host.Security;

namespace FederatedHe.Host.Cli;

/// <summary>`fedhe monitor`: a cluster member that watches the federation and serves the live dashboard.</summary>
internal static class MonitorCommand
{
    /// <summary>The dashboard's port unless told otherwise.</summary>
    public const int DefaultHttpPort = 4080;

    /// <summary>How long the monitor may take to join the cluster and subscribe to the coordinator's notices.</summary>
    private static readonly TimeSpan JoinTimeout = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(10);

    /// <param name="faultHooks">Loads (only under --fault-control) the harness's fault injection, whose transport a monitor of a cluster under <c>--fault-control</c> must share; or null.</param>
    public static Command Create(Func<NodeFaultHooks>? faultHooks)
    {
        var port = new Option<int>("--port") { Description = "The monitor's own Akka port (0: any free one)", DefaultValueFactory = _ => 0 };
        var hostname = new Option<string>("--hostname") { Description = "The monitor's Akka hostname", DefaultValueFactory = _ => "127.0.0.1" };
        var seedNodes = new Option<string[]>("--seed-node") { Description = "A seed node of the cluster to join (repeatable), e.g. akka.tcp://federation@127.0.0.1:4053", Required = true };
        var httpPort = new Option<int>("--http-port") { Description = "The dashboard's port (0: any free one)", DefaultValueFactory = _ => DefaultHttpPort };
        var bind = new Option<string>("--bind") { Description = "The dashboard's address; anything but loopback needs --https-certificate and --token-file", DefaultValueFactory = _ => "127.0.0.1" };
        var httpsCertificate = new Option<string?>("--https-certificate") { Description = "PKCS#12 file with the dashboard's TLS certificate and key (password, if any, in FEDHE_DASHBOARD_CERTIFICATE_PASSWORD)" };
        var tokenFile = new Option<string?>("--token-file") { Description = "File holding the bearer token every dashboard request must carry (?token=… or Authorization: Bearer …)" };
        var spec = new Option<string?>("--spec") { Description = "The federation's spec: the dashboard then shows its fault schedule and planned rounds" };
        var runs = new Option<string>("--runs") { Description = "The runs directory whose past runs the dashboard lists", DefaultValueFactory = _ => "runs" };
        var untilEnd = new Option<bool>("--until-federation-ends") { Description = "Exit (code 0) once the coordinator announces the federation's end, instead of at Ctrl-C" };
        var untilInputCloses = new Option<bool>("--until-input-closes") { Description = "Exit (code 0) once standard input closes (`fedhe cluster up` closes it when the federation's nodes are done)" };
        var certificates = NodeTransport.CertificatesOption();
        var plaintext = NodeTransport.PlaintextOption();
        var faultControl = new Option<bool>("--fault-control")
        {
            Description = "Join a cluster whose nodes run with --fault-control: the monitor takes the same (chaos) transport, and injects no fault itself",
        };

        var observability = new ObservabilityOptions();

        var command = new Command("monitor", "Join the cluster as a monitor (it never takes part in a round) and serve the live web dashboard")
        {
            port, hostname, seedNodes, httpPort, bind, httpsCertificate, tokenFile, spec, runs, untilEnd, untilInputCloses, certificates, plaintext, faultControl,
        };
        observability.AddTo(command);
        command.SetAction(async (result, cancellationToken) =>
        {
            var binding = Binding(result.GetValue(bind)!, result.GetValue(httpPort), result.GetValue(httpsCertificate), result.GetValue(tokenFile), result.GetValue(runs)!);
            var initial = result.GetValue(spec) is { } specPath
                ? Initial(FederationSpecBinder.Load(specPath, []).Spec)
                : MonitorState.Empty;

            var clusterPath = ProjectFiles.ClusterConfigPath;
            var transport = result.GetValue(plaintext) ? Config.Empty : NodeTransport.TlsConfig(clusterPath);
            if (result.GetValue(faultControl))
                transport = (faultHooks?.Invoke() ?? throw new ArgumentException("--fault-control: this fedhe program has no fault injection")).TransportSettings.WithFallback(transport);
            var effective = MonitorNode.NodeConfig(result.GetValue(hostname)!, result.GetValue(port), result.GetValue(seedNodes),
                transport.WithFallback(ProjectFiles.LoadHocon(clusterPath)));
            var tls = NodeTransport.LoadTls(effective, FederationRoles.Monitor, result.GetValue(plaintext), result.GetValue(certificates));
            NodeCommand.RequireFreePort(effective);

            var (systemConfig, systemSetup) = NodeTransport.Prepare(effective, tls);
            var logFormat = observability.Format(result);
            using var metrics = observability.Metrics(result).Start(FederationRoles.Monitor);
            using var memory = NodeMemoryMetrics.Register(FederationRoles.Monitor, FederationRoles.Monitor);
            // Akka's log goes through Microsoft.Extensions.Logging as a node's does, so --log-format json gives JSON lines here too.
            using var logging = new MonitorLogging(logFormat);
            ActorSystem CreateSystem()
            {
                try
                {
                    return FederationNode.CreateSystem(logging.Setup(systemConfig, systemSetup));
                }
                catch (Exception exception) when (NodeCommand.BindFailure(exception) is { } taken)
                {
                    // Free when checked above, taken by the time Akka bound it, as for a node.
                    throw NodeCommand.PortTaken(effective, taken);
                }
            }

            using var system = CreateSystem();
            logging.Attach(system);
            var tlsHold = OutboundTlsFailureHold.Install(system, line => logging.Say($"{FederationRoles.Monitor}: {line}"));
            MonitorNode monitor;
            try
            {
                monitor = await MonitorNode.StartAsync(system, initial, binding, JoinTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                throw new ArgumentException($"--seed-node: the monitor did not join the cluster through {string.Join(", ", result.GetValue(seedNodes)!)} within {JoinTimeout.TotalSeconds:F0} s");
            }

            await using (monitor.ConfigureAwait(false))
            {
                // `fedhe cluster up` reads this line (or, in JSON, this entry's message) for the dashboard's address: one line, never wrapped.
                logging.Say($"monitor up at {monitor.Address}; dashboard at {monitor.Url}");
                var ends = new List<Task> { Task.Delay(Timeout.Infinite, cancellationToken) };
                if (result.GetValue(untilEnd))
                    ends.Add(monitor.FederationEnded);
                if (result.GetValue(untilInputCloses))
                    ends.Add(Task.Run(() => { while (Console.In.ReadLine() is not null) { } }, CancellationToken.None));
                // A monitor the cluster downed or removed has nothing left to show.
                ends.Add(system.WhenTerminated);
                await Task.WhenAny(ends).ConfigureAwait(false);
            }

            tlsHold.Release();
            var shutdown = CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClusterLeavingReason.Instance);
            await Task.WhenAny(shutdown, Task.Delay(ShutdownTimeout, CancellationToken.None)).ConfigureAwait(false);
            logging.Say($"{FederationRoles.Monitor} memory: {NodeMemory.OfThisProcess().Describe()}");
            cancellationToken.ThrowIfCancellationRequested();
            return 0;
        });
        return command;
    }

    /// <summary>What the dashboard knows before anything happens: the spec's fault schedule and plan.</summary>
    public static MonitorState Initial(FederationSpec spec) => MonitorState.ForSpec(spec);

    /// <summary>The dashboard's binding from the command line: TLS and a token are required off loopback.</summary>
    /// <exception cref="ArgumentException">The address is malformed, a file is unreadable, or the binding is refused.</exception>
    public static DashboardBinding Binding(string address, int port, string? certificatePath, string? tokenPath, string runsDirectory)
    {
        if (!IPAddress.TryParse(address, out var parsed))
            throw new ArgumentException($"--bind {address}: not an IP address (e.g. 127.0.0.1, or 0.0.0.0 for every interface)");
        if (port is < 0 or > 65535)
            throw new ArgumentException($"--http-port {port}: not a port (0…65535)");
        string? token = null;
        if (tokenPath is not null)
        {
            try
            {
                token = File.ReadAllText(tokenPath).Trim();
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                throw new ArgumentException($"--token-file {tokenPath}: cannot be read ({exception.Message})", exception);
            }
        }

        // Refused before the certificate is even read: one line, whatever else is wrong.
        var binding = new DashboardBinding(parsed, port, null, token, runsDirectory);
        if (certificatePath is null)
            return binding.Validate();
        var certificate = CertificateFiles.LoadNodeCertificate(certificatePath, Environment.GetEnvironmentVariable("FEDHE_DASHBOARD_CERTIFICATE_PASSWORD"));
        return (binding with { Certificate = certificate }).Validate();
    }
}
