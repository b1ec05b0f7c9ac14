using Akka.Actor;
using Akka.Cluster.Tools.Singleton;
using Akka.Configuration;
using FederatedHe.Actors.Configuration;
using FederatedHe.Actors.Coordination;
using FederatedHe.Actors.CryptoPool;
using FederatedHe.Actors.Hospitals;

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
        return node.WithFallback(configuration ?? Config.Empty).WithFallback(FederationConfig.Default);
    }

    /// <summary>
    /// Starts the aggregator's crypto pool and the round coordinator (as a cluster singleton on the
    /// aggregator role). Only CKKS parameters are given: the aggregator never holds a key.
    /// </summary>
    /// <returns>The singleton manager.</returns>
    public static IActorRef StartAggregator(ActorSystem system, FederationSettings settings, CkksKeyMaterial material)
    {
        if (material.SecretKey is not null)
            throw new ArgumentException("the aggregator must not be given a secret key", nameof(material));
        var pool = system.ActorOf(CryptoWorker.PoolProps(material, settings.EffectiveCryptoPoolSize), CryptoPoolName);
        var parameters = material.Parameters;
        var coordinator = RoundCoordinator.Props(settings, parameters.Id.ToString(), pool, parameters.SlotCount);
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

    /// <summary>Starts a hospital: its crypto pool (holding its keys) and the hospital actor.</summary>
    public static IActorRef StartHospital(ActorSystem system, FederationSettings settings, CkksKeyMaterial keys,
        HospitalData data, HospitalTrainingPlan plan, IHospitalObserver? observer = null)
    {
        if (!keys.CanDecrypt)
            throw new ArgumentException($"hospital {data.HospitalId} needs a key to decrypt with", nameof(keys));
        var pool = system.ActorOf(CryptoWorker.PoolProps(keys, settings.EffectiveCryptoPoolSize), CryptoPoolName);
        var coordinator = CoordinatorProxy(system);
        return system.ActorOf(
            HospitalActor.Props(data, plan, keys.Parameters.Id.ToString(), coordinator, pool, keys.Parameters.SlotCount, settings, observer),
            "hospital");
    }
}
