using FederatedHe.Actors.Persistence;
using FederatedHe.Actors.Spec;

namespace FederatedHe.Host.ClusterLauncher;

/// <summary>What `fedhe cluster up` launches: a federation spec, ports and where logs go.</summary>
public sealed record LocalClusterPlan
{
    /// <summary>The federation; every node is given it, as one file, and computes its own part (e.g. its data share) from it.</summary>
    public required FederationSpec Spec { get; init; }

    /// <summary>Directory for one log per node, the spec file the nodes share and their checkpoints.</summary>
    public required string LogDirectory { get; init; }

    /// <summary>The aggregator's port; hospital k listens on <c>BasePort + k</c>.</summary>
    public int BasePort { get; init; } = 4053;

    /// <summary>How long the whole federation may take before every node is stopped and the run fails.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>How long the aggregator may take to come up.</summary>
    public TimeSpan StartupTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long hospitals may take to exit after the aggregator has finished, before they are killed.</summary>
    public TimeSpan ShutdownGrace { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How to start a node; null means this program (see <see cref="FedheCommandLine.Current"/>).</summary>
    public FedheCommandLine? Program { get; init; }

    /// <summary>Whether nodes talk over mutual TLS with throw-away certificates (as `fedhe node` does by default) or plain TCP.</summary>
    public bool UseTls { get; init; } = true;

    /// <summary>Whether the nodes may run the spec's insecure plaintext comparison mode (each is given --insecure-plaintext).</summary>
    public bool AllowInsecurePlaintext { get; init; }

    /// <summary>The dashboard's port on 127.0.0.1 (0: any free one); the monitor's own Akka port is <see cref="MonitorPort"/>.</summary>
    public int MonitorHttpPort { get; init; }

    /// <summary>The monitor's Akka port: the one after the last hospital's.</summary>
    public int MonitorPort => BasePort + Spec.Federation.Hospitals + 1;

    /// <summary>The highest Akka port the cluster takes.</summary>
    public int LastPort => MonitorPort;

    /// <summary>Akka's log level on the nodes; INFO shows every coordinator decision in their logs.</summary>
    public string LogLevel { get; init; } = "INFO";

    /// <summary>The run's name in its report: the spec's experiment name, else "local".</summary>
    public string Name => Spec.Experiment.Name.Length > 0 ? Spec.Experiment.Name : "local";

    /// <summary>The nodes' <c>--log-format</c>: text or json.</summary>
    public string LogFormat { get; init; } = "text";

    /// <summary>The aggregator's <c>--metrics-port</c>, hospital k's is this + k, the monitor's this + N + 1; null: no scrape endpoints.</summary>
    public int? MetricsBasePort { get; init; }

    /// <summary>The nodes' <c>--otlp-endpoint</c>, or null.</summary>
    public string? OtlpEndpoint { get; init; }

    /// <summary>The spec file every node is started with, beside the logs.</summary>
    public string SpecPath => Path.Combine(Path.GetFullPath(LogDirectory), "spec.conf");

    /// <summary>The aggregator's address, the cluster's only seed node.</summary>
    public string SeedNode => SeedNodeAt(BasePort);

    /// <summary>The address of the node listening on <paramref name="port"/> on loopback, as a seed node.</summary>
    public string SeedNodeAt(int port) => $"akka.tcp://federation@127.0.0.1:{port}";

    /// <summary>Hospital ids, hospital-1 … hospital-N.</summary>
    public IReadOnlyList<string> HospitalIds => Spec.HospitalIds;

    /// <summary>Checks the plan.</summary>
    /// <exception cref="FederationSpecException">The spec is invalid.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The ports are out of range.</exception>
    public LocalClusterPlan Validate()
    {
        Spec.Validate();
        var hospitals = Spec.Federation.Hospitals;
        if (BasePort is < 1024 || LastPort > 65535)
            throw new ArgumentOutOfRangeException(nameof(BasePort), BasePort, $"--base-port: ports {BasePort}…{LastPort} must lie within 1024…65535");
        if (MonitorHttpPort is < 0 or > 65535)
            throw new ArgumentOutOfRangeException(nameof(MonitorHttpPort), MonitorHttpPort, $"--monitor-port {MonitorHttpPort}: not a port (0…65535)");
        if (MetricsBasePort is { } metrics && (metrics < 1024 || metrics + hospitals + 1 > 65535))
            throw new ArgumentOutOfRangeException(nameof(MetricsBasePort), metrics, $"--metrics-port: ports {metrics}…{metrics + hospitals + 1} must lie within 1024…65535");
        return this;
    }

    /// <summary>
    /// The spec file the nodes share: the spec with checkpoints on, beside the logs (a node killed at any moment, by the fault
    /// schedule or otherwise, resumes when restarted), and the nodes' log level.
    /// </summary>
    public string SpecText()
    {
        var state = Path.Combine(Path.GetFullPath(LogDirectory), "state");
        var spec = Spec.WithPersistence(new PersistenceSettings(true, Path.Combine(state, "aggregator.db"), Path.Combine(state, "hospitals")));
        return FederationSpecWriter.Write(spec, "Written by `fedhe cluster up`; every node of the cluster runs `fedhe node --spec` on this file.")
               + $"akka.loglevel = {LogLevel}\n";
    }
}
