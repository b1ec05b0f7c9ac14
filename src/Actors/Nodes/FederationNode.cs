using Akka.Actor;
using Akka.Cluster.Tools.Singleton;
using Akka.Configuration;
using FederatedHe.Actors.Configuration;
using FederatedHe.Actors.Coordination;
using FederatedHe.Actors.CryptoPool;
using FederatedHe.Actors.Hospitals;
using FederatedHe.Actors.Persistence;
using FederatedHe.Actors.Security;
using FederatedHe.Crypto.Multiparty;

namespace FederatedHe.Actors.Nodes;

/// <summary>Cluster roles of federation nodes.</summary>
public static class FederationRoles
{
    /// <summary>The node that runs the round coordinator and adds ciphertexts.</summary>
    public const string Aggregator = "aggregator";

    /// <summary>A node that owns a hospital's data and keys.</summary>
    public const string Hospital = "hospital";
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

    /// <summary>The hospital actor's name under /user on a hospital node.</summary>
    public const string HospitalActorName = "hospital";

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
        var pool = system.ActorOf(CryptoWorker.PoolProps(material, settings.EffectiveCryptoPoolSize), CryptoPoolName);
        var parameters = material.Parameters;
        var coordinator = RoundCoordinator.Props(settings, parameters, pool, threshold, trust);
        return system.ActorOf(ClusterSingletonManager.Props(
                coordinator,
                PoisonPill.Instance,
                ClusterSingletonManagerSettings.Create(system).WithRole(FederationRoles.Aggregator)),
            CoordinatorName);
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
    /// <param name="observer">Sees the hospital's plaintext side (simulations only), or null.</param>
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
        HospitalData data, HospitalTrainingPlan plan, IHospitalObserver? observer = null, NodeIdentity? identity = null, RegistrationTrust? trust = null)
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
        var coordinator = CoordinatorProxy(system);
        return system.ActorOf(HospitalActor.Props(data, plan, crypto, coordinator, settings, observer, identity, trust), HospitalActorName);
    }
}
