using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Event;
using Akka.Cluster.Tools.Singleton;
using Akka.Configuration;
using FederatedHe.Actors.Configuration;
using FederatedHe.Actors.Coordination;
using FederatedHe.Actors.CryptoPool;
using FederatedHe.Actors.Diagnostics;
using FederatedHe.Actors.Hospitals;
using FederatedHe.Actors.Persistence;
using FederatedHe.Actors.Security;
using FederatedHe.Actors.Spec;
using FederatedHe.Training.Federation;
using FederatedHe.Crypto.Multiparty;

namespace FederatedHe.Actors.Nodes;

/// <summary>Cluster roles of federation nodes.</summary>
public static class FederationRoles
{
    /// <summary>The node that runs the round coordinator and adds ciphertexts.</summary>
    public const string Aggregator = "aggregator";

    /// <summary>A node that owns a hospital's data and keys.</summary>
    public const string Hospital = "hospital";

    /// <summary>
    /// A node that only watches: it joins the cluster, follows membership and the coordinator's notices
    /// (<see cref="Protocol.ObserverNotices"/>) and never takes part in a round (it never registers with the coordinator).
    /// </summary>
    public const string Monitor = "monitor";
}

/// <summary>
/// Starts the federation's actors on an actor system: the aggregator's coordinator singleton and crypto
/// pool, or a hospital with its own pool. The one place that knows actor names and paths.
/// </summary>
public static class FederationNode
{
    /// <summary>The actor system name every node of a federation shares.</summary>
    public const string SystemName = "federation";

    private const string CoordinatorName = "coordinator";
    private const string CryptoPoolName = "crypto";
    private const string MetricsObserverName = "metrics";

    /// <summary>The hospital actor's name under /user on a hospital node.</summary>
    public const string HospitalActorName = "hospital";

    /// <summary>The name of a hospital's local training child, or of the decorator its hosting process wraps around it.</summary>
    public const string HospitalTrainerName = "trainer";

    /// <summary>
    /// Starts a node's actor system from its configuration (and any setup, e.g. TLS), with Akka's reports of connections
    /// closed by peers that left in order kept out of its log (<see cref="OrderlyDepartureLogFilter"/>).
    /// </summary>
    public static ActorSystem CreateSystem(Config config) => CreateSystem(ActorSystemSetup.Create(BootstrapSetup.Create().WithConfig(config)));

    /// <inheritdoc cref="CreateSystem(Config)"/>
    public static ActorSystem CreateSystem(ActorSystemSetup setup)
    {
        var (filter, attach) = OrderlyDepartureFilter();
        var system = ActorSystem.Create(SystemName, setup.And(filter));
        attach(system);
        StartObserverTopic(system);
        return system;
    }

    /// <summary>
    /// Starts a cluster node's distributed publish-subscribe mediator with its actor system, before any actor of the
    /// federation: the coordinator's observer notices (<see cref="Protocol.ObserverNotices"/>) then reach a monitor that
    /// subscribed before the coordinator started, and peers' mediator gossip is always answered. A node that is no
    /// cluster member (a test's plain actor system) is left alone.
    /// </summary>
    public static void StartObserverTopic(ActorSystem system)
    {
        if (system.Settings.ProviderClass.Contains("Cluster", StringComparison.Ordinal))
            _ = Akka.Cluster.Tools.PublishSubscribe.DistributedPubSub.Get(system).Mediator;
    }

    /// <summary>
    /// For a host that creates the node's actor system itself (Akka.Hosting): the log filter <see cref="CreateSystem(ActorSystemSetup)"/>
    /// adds, and the step to run once the system exists.
    /// </summary>
    public static (Akka.Event.LogFilterSetup Setup, Action<ActorSystem> Attach) OrderlyDepartureFilter()
    {
        var filter = new OrderlyDepartureLogFilter();
        return (new LogFilterBuilder().Add(filter).Build(), filter.Attach);
    }

    /// <summary>
    /// The configuration of one node: its role, host and port, and seed nodes, over the given
    /// configuration (e.g. hocon/cluster.conf with a node file), over the actors' reference config.
    /// </summary>
    public static Config NodeConfig(string role, string hostname, int port, IEnumerable<string>? seedNodes, Config? configuration)
    {
        var seeds = seedNodes?.ToList();
        var seedLine = seeds is null ? string.Empty : $"akka.cluster.seed-nodes = [{string.Join(", ", seeds.Select(s => $"\"{s}\""))}]";
        var node = ConfigurationFactory.ParseString($"""
            akka.remote.dot-netty.tcp.hostname = "{hostname}"
            akka.remote.dot-netty.tcp.port = {port}
            akka.cluster.roles = ["{role}"]
            {seedLine}
            """);
        // With fedhe.persistence on, the SQL journal is pointed at the configured SQLite file.
        return PersistenceSettings.Resolve(node.WithFallback(configuration ?? Config.Empty).WithFallback(FederationConfig.Default));
    }

    /// <summary>
    /// The configuration of one node of the federation <paramref name="spec"/>: the spec (as its HOCON, so the actors that read
    /// their system's config see the same values) over the node's own settings (akka.*, fedhe.tls; e.g. a node file over
    /// hocon/cluster.conf), with its role, host, port and seed nodes on top.
    /// </summary>
    public static Config NodeConfig(FederationSpec spec, string role, string hostname, int port, IEnumerable<string>? seedNodes, Config? nodeSettings) =>
        NodeConfig(role, hostname, port, seedNodes,
            ConfigurationFactory.ParseString(FederationSpecWriter.Write(spec)).WithFallback(nodeSettings ?? Config.Empty));

    /// <summary>
    /// How every hospital of <paramref name="spec"/> trains: its model, FedAvg (FedProx when μ &gt; 0), the seed, and its
    /// differential privacy (DP-SGD in local mode, noise shares in distributed mode).
    /// </summary>
    public static HospitalTrainingPlan TrainingPlan(FederationSpec spec)
    {
        var training = spec.TrainingOptions;
        var options = new FedAvgOptions { LocalTraining = training };
        IFederatedStrategy strategy = training.ProximalMu > 0 ? new FedProxStrategy(options, training.ProximalMu) : new FedAvgStrategy(options);
        return new HospitalTrainingPlan(spec.Training.Model, strategy, spec.Federation.Seed)
        {
            DpSgd = spec.DpSgdOptions,
            DistributedNoise = spec.DistributedNoise,
        };
    }

    /// <summary>Starts the aggregator of <paramref name="spec"/>: its CKKS parameters come from the spec's preset.</summary>
    /// <param name="system">The aggregator's actor system.</param>
    /// <param name="spec">The federation.</param>
    /// <param name="trust">What hospitals' registration proofs are checked against, or null where ids are taken on trust.</param>
    /// <exception cref="FederationSpecException">The preset is unknown.</exception>
    /// <exception cref="ArgumentException">The trust's authority is not a CA certificate.</exception>
    public static IActorRef StartAggregator(ActorSystem system, FederationSpec spec, RegistrationTrust? trust = null)
    {
        var (parameters, threshold) = spec.ResolveCrypto();
        return StartAggregator(system, spec.ToFederationSettings(), CkksKeyMaterial.ParametersOnly(parameters), threshold, trust);
    }

    /// <summary>Starts hospital <paramref name="data"/>.HospitalId of <paramref name="spec"/> with its share of the data and its keys.</summary>
    /// <param name="system">The hospital's actor system.</param>
    /// <param name="spec">The federation.</param>
    /// <param name="crypto">The hospital's CKKS setup (shared keys, or threshold parameters).</param>
    /// <param name="data">Its data, from <see cref="FederationData.ForHospital(FederationSpec, string)"/>.</param>
    /// <param name="decorateTrainer">
    /// Wraps the props of the hospital's local training worker, or null: how a hosting process adds behaviour from outside
    /// the hospital (the harness's straggler delays <see cref="LocalTrainingProtocol.TrainLocally"/>). A production node passes none.
    /// </param>
    /// <param name="identity">The hospital's certificate and key, or null where ids are taken on trust.</param>
    /// <param name="trust">The federation's CA and roster, against which it verifies the other parties (threshold mode needs it).</param>
    /// <exception cref="ArgumentException">The keys are for the other mode, the identity names another id, or threshold mode lacks an identity or trust.</exception>
    public static IActorRef StartHospital(ActorSystem system, FederationSpec spec, HospitalCrypto crypto, HospitalData data,
        Func<Props, Props>? decorateTrainer = null, NodeIdentity? identity = null, RegistrationTrust? trust = null)
    {
        // One intra-op thread for local training, whichever way the federation runs: in one process several hospitals share
        // the cores, and a hospital on its own process must then sum in the same order to reach the same model bit for bit.
        TorchSharp.torch.set_num_threads(1);
        return StartHospital(system, spec.ToFederationSettings(), crypto, data, TrainingPlan(spec), decorateTrainer, identity, trust);
    }

    /// <summary>
    /// Starts the aggregator's crypto pool and the round coordinator (as a cluster singleton on the
    /// aggregator role). Only CKKS parameters are given: the aggregator never holds a key.
    /// </summary>
    /// <returns>The singleton manager.</returns>
    /// <param name="system">The aggregator's actor system.</param>
    /// <param name="settings">The round policy.</param>
    /// <param name="material">CKKS parameters only; a secret key is refused.</param>
    /// <param name="threshold">Threshold mode's parameters (to add public-key shares), or null in shared-key mode.</param>
    /// <param name="trust">
    /// The federation's CA certificate and roster: hospitals then register only by proving, with their certificate's
    /// key, the id the CA issued them. Null where ids are taken on trust (in-process simulations, plaintext test clusters).
    /// </param>
    /// <exception cref="ArgumentException">
    /// A secret key was given, the mode and parameters disagree, the trust's authority is not a CA certificate, or threshold
    /// mode is asked for without a trust (its key generation is only as strong as the parties' certificates).
    /// </exception>
    public static IActorRef StartAggregator(ActorSystem system, FederationSettings settings, CkksKeyMaterial material, ThresholdParameters? threshold = null,
        RegistrationTrust? trust = null)
    {
        if (material.SecretKey is not null)
            throw new ArgumentException("the aggregator must not be given a secret key", nameof(material));
        if ((settings.Mode == KeyMode.Threshold) != (threshold is not null))
            throw new ArgumentException($"the federation runs in {settings.Mode} mode; threshold parameters must be given exactly in threshold mode", nameof(threshold));
        if (settings.Mode == KeyMode.Threshold && trust is null)
            throw new ArgumentException("aggregator: threshold mode needs the federation's CA (and roster): hospitals register and sign their "
                + "key-generation messages with their certificates; start the node with its certificates (not --plaintext)", nameof(trust));
        // Checked here too, so a wrong file fails the node at start rather than the singleton at every restart.
        if (trust is not null && !NodeCertificateChain.IsAuthority(trust.Authority))
            throw new ArgumentException($"{trust.Authority.Subject} is not a CA certificate", nameof(trust));
        OpenCheckpointJournal(system);
        ObserveMetrics(system, FederationRoles.Aggregator, FederationRoles.Aggregator);
        WarnIfInsecurePlaintext(system, settings, FederationRoles.Aggregator);
        var seeded = threshold?.Scheme == ThresholdScheme.SeededSecretKey ? threshold : null;
        var pool = system.ActorOf(CryptoWorker.PoolProps(material with { InsecurePlaintext = settings.Mode == KeyMode.InsecurePlaintext, SeededThreshold = seeded },
            settings.EffectiveCryptoPoolSize), CryptoPoolName);
        var parameters = material.Parameters;
        var coordinator = RoundCoordinator.Props(settings, parameters, pool, threshold, trust);
        return system.ActorOf(ClusterSingletonManager.Props(
                coordinator,
                PoisonPill.Instance,
                ClusterSingletonManagerSettings.Create(system).WithRole(FederationRoles.Aggregator)),
            CoordinatorName);
    }

    /// <summary>
    /// Starts an aggregator node's checkpoint journal now if <c>fedhe.persistence</c> is on (else does nothing), and has it
    /// read the coordinator's highest sequence number, the first query of the coordinator's recovery. Akka.Persistence starts
    /// a plugin on first use, so the journal opened its database, created its table and prepared that query (Linq2Db
    /// compiles a query on its first use) only when the coordinator singleton asked for the last checkpoint, while every
    /// hospital, registered, waited (over a second of a simulation's start-up on 2 cores). Done with the node's start, that
    /// work overlaps the cluster's forming. The read changes nothing; its answer goes nowhere. Harmless if repeated.
    /// </summary>
    /// <param name="system">The aggregator's actor system.</param>
    public static void OpenCheckpointJournal(ActorSystem system)
    {
        if (!PersistenceSettings.Create(system.Settings.Config).Enabled)
            return;
        var journal = Akka.Persistence.Persistence.Instance.Apply(system).JournalFor(null);
        // To sequence number 0: the journal reads the highest sequence number and replays nothing.
        journal.Tell(new Akka.Persistence.ReplayMessages(1, 0, 0, CheckpointStore.CoordinatorPersistenceId, ActorRefs.Nobody));
    }

    /// <summary>
    /// Starts the node's metrics observer: it records the <see cref="FederationMetrics"/> meter from the notices the node's actors
    /// publish, tagged with <paramref name="nodeId"/> and <paramref name="role"/>. Started with every aggregator and hospital.
    /// </summary>
    private static void ObserveMetrics(ActorSystem system, string nodeId, string role) =>
        system.ActorOf(FederationMetricsObserver.Props(nodeId, role), MetricsObserverName);

    /// <summary>The banner of the insecure comparison mode: every node running it says so in its log, first.</summary>
    private static void WarnIfInsecurePlaintext(ActorSystem system, FederationSettings settings, string nodeId)
    {
        if (settings.Mode == KeyMode.InsecurePlaintext)
            system.Log.Warning("{0}: INSECURE PLAINTEXT MODE (fedhe.crypto.mode = insecure-plaintext): model updates and aggregates travel "
                + "UNENCRYPTED and the aggregator reads every hospital's update; for measuring what encryption costs only", nodeId);
    }

    /// <summary>A proxy to the coordinator singleton, wherever it runs.</summary>
    public static IActorRef CoordinatorProxy(ActorSystem system, string name = "coordinator-proxy") =>
        system.ActorOf(ClusterSingletonProxy.Props(
                $"/user/{CoordinatorName}",
                ClusterSingletonProxySettings.Create(system).WithRole(FederationRoles.Aggregator)),
            name);

    /// <summary>
    /// Starts a hospital. Its keys live only in its own children: the crypto pool (shared-key mode) or the
    /// threshold key holder and a pool with the collective public key (threshold mode).
    /// </summary>
    /// <param name="system">The hospital's actor system.</param>
    /// <param name="settings">The round policy.</param>
    /// <param name="crypto">The hospital's CKKS setup.</param>
    /// <param name="data">The hospital's id and data.</param>
    /// <param name="plan">How the hospital trains.</param>
    /// <param name="decorateTrainer">
    /// Wraps the props of the hospital's local training worker, or null: how a hosting process adds behaviour from outside
    /// the hospital (the harness's straggler delays <see cref="LocalTrainingProtocol.TrainLocally"/>). A production node passes none.
    /// </param>
    /// <param name="identity">
    /// The hospital's certificate and key, with which it proves its id when the coordinator challenges it;
    /// null where the federation takes ids on trust (shared-key mode only).
    /// </param>
    /// <param name="trust">
    /// The federation's CA certificate and roster, against which the hospital checks the other parties' signed
    /// key-generation messages; required in threshold mode.
    /// </param>
    /// <exception cref="ArgumentException">
    /// The keys are for the other mode, the identity's certificate names another id, or threshold mode is asked for
    /// without an identity and a trust.
    /// </exception>
    public static IActorRef StartHospital(ActorSystem system, FederationSettings settings, HospitalCrypto crypto,
        HospitalData data, HospitalTrainingPlan plan, Func<Props, Props>? decorateTrainer = null, NodeIdentity? identity = null, RegistrationTrust? trust = null)
    {
        if ((settings.Mode == KeyMode.Threshold) != (crypto.Threshold is not null))
            throw new ArgumentException($"hospital {data.HospitalId}: the federation runs in {settings.Mode} mode, the keys given are for the other mode", nameof(crypto));
        if (identity is not null && identity.NodeId != data.HospitalId)
            throw new ArgumentException($"hospital {data.HospitalId}: its certificate was issued to {identity.NodeId}", nameof(identity));
        if (settings.Mode == KeyMode.Threshold && (identity is null || trust is null))
            throw new ArgumentException($"hospital {data.HospitalId}: threshold mode needs the hospital's certificate and key and the federation's CA "
                + $"(and roster): it signs its public-key share and verifies the other parties'; missing: {(identity is null ? "its certificate" : "the CA")}",
                identity is null ? nameof(identity) : nameof(trust));
        if (trust is not null && !NodeCertificateChain.IsAuthority(trust.Authority))
            throw new ArgumentException($"hospital {data.HospitalId}: {trust.Authority.Subject} is not a CA certificate", nameof(trust));
        ObserveMetrics(system, data.HospitalId, FederationRoles.Hospital);
        WarnIfInsecurePlaintext(system, settings, data.HospitalId);
        var coordinator = CoordinatorProxy(system);
        return system.ActorOf(HospitalActor.Props(data, plan, crypto, coordinator, settings, decorateTrainer, identity, trust), HospitalActorName);
    }
}
