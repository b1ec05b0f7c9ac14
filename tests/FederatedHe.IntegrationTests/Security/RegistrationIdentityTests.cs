using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Cluster;
using FederatedHe.Actors.Configuration;
using FederatedHe.Actors.CryptoPool;
using FederatedHe.Actors.Hospitals;
using FederatedHe.Actors.Nodes;
using FederatedHe.Actors.Security;
using FederatedHe.Crypto.Ckks;
using FederatedHe.Crypto.Rlwe;
using FederatedHe.Host.Security;
using FederatedHe.Training.Data;
using FederatedHe.Training.Federation;
using FederatedHe.Training.Models;
using static FederatedHe.Actors.Protocol.FederationEvents;

namespace FederatedHe.IntegrationTests.Security;

/// <summary>
/// Ids bound to certificates, over real mutual TLS on 127.0.0.1: a legitimate member of the federation
/// (hospital-2, with its own valid certificate) runs a hospital that claims to be hospital-1. TLS lets it in,
/// since it is a member; registration must not, and the genuine hospital-1 must still get its id.
/// </summary>
public sealed class RegistrationIdentityTests(ClusterCertificates certificates) : IClassFixture<ClusterCertificates>
{
    private static readonly CkksParameters Parameters = CkksPresets.Params128BitLogN13LogQ101;

    [Fact(Timeout = 180_000)]
    public async Task A_node_with_hospital_2s_certificate_cannot_register_as_hospital_1_and_the_genuine_hospital_1_can()
    {
        var decisions = new ConcurrentQueue<string>();
        using var aggregator = StartNode(FederationRoles.Aggregator, certificates.Aggregator, "aggregator");
        var settings = FederationSettings.Create(aggregator);
        aggregator.ActorOf(Props.Create(() => new DecisionRecorder(decisions)));
        var address = Cluster.Get(aggregator).SelfAddress;
        await Cluster.Get(aggregator).JoinAsync(address).WaitAsync(TimeSpan.FromSeconds(20));
        FederationNode.StartAggregator(aggregator, settings, CkksKeyMaterial.ParametersOnly(Parameters),
            trust: new RegistrationTrust(certificates.AuthorityCertificate, certificates.Roster));

        // hospital-2's node: a cluster member by its own certificate, running a hospital that claims hospital-1
        // and proves it with the only key it has, hospital-2's.
        using var impostorNode = StartNode(FederationRoles.Hospital, certificates.Hospital2, "hospital-2");
        await Cluster.Get(impostorNode).JoinAsync(address).WaitAsync(TimeSpan.FromSeconds(30));
        var impostorAddress = Cluster.Get(impostorNode).SelfAddress;
        impostorNode.ActorOf(HospitalActor.Props(HospitalData("hospital-1"), Plan, Crypto, FederationNode.CoordinatorProxy(impostorNode), settings,
            decorateTrainer: null, identity: NodeIdentity.FromCertificate(certificates.Hospital2)), "hospital");
        await Nodes.WaitUntilAsync(() => decisions.Any(d => d.StartsWith($"refused hospital-1 from {impostorAddress}", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(60), "the coordinator refuses the impostor");

        using var genuineNode = StartNode(FederationRoles.Hospital, certificates.Hospital1, "hospital-1");
        await Cluster.Get(genuineNode).JoinAsync(address).WaitAsync(TimeSpan.FromSeconds(30));
        var genuineAddress = Cluster.Get(genuineNode).SelfAddress;
        FederationNode.StartHospital(genuineNode, settings, Crypto, HospitalData("hospital-1"), Plan,
            identity: NodeIdentity.FromCertificate(certificates.Hospital1));
        await Nodes.WaitUntilAsync(() => decisions.Any(d => d.StartsWith($"registered hospital-1 from {genuineAddress}", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(60), "the coordinator registers the genuine hospital-1");

        var refusal = decisions.First(d => d.StartsWith($"refused hospital-1 from {impostorAddress}", StringComparison.Ordinal));
        Assert.Contains(nameof(RegistrationProofVerdict.WrongNodeId), refusal);
        Assert.Contains("issued to hospital-2", refusal);
        Assert.DoesNotContain(decisions, d => d.StartsWith($"registered hospital-1 from {impostorAddress}", StringComparison.Ordinal));
        Assert.Equal("akka.ssl.tcp", genuineAddress.Protocol);

        await Task.WhenAll(genuineNode.Terminate(), impostorNode.Terminate());
        await aggregator.Terminate();
    }

    private static readonly HospitalCrypto Crypto = SharedKeys();

    private static readonly HospitalTrainingPlan Plan =
        new(ModelSpec.LogisticRegression, new FedAvgStrategy(new FedAvgOptions()), InitialisationSeed: 1);

    private ActorSystem StartNode(string role, X509Certificate2 certificate, string nodeId) =>
        Nodes.Start(ClusterTls.Setup(Nodes.BaseConfig(role).WithFallback(FederationConfig.Default),
            certificate, certificates.AuthorityCertificate, certificates.Roster, nodeId));

    private static HospitalCrypto SharedKeys()
    {
        var (secretKey, publicKey) = new KeyGenerator(Parameters).GenerateKeyPair();
        return HospitalCrypto.WithSharedKeys(new CkksKeyMaterial(Parameters, publicKey, secretKey));
    }

    /// <summary>A few samples: registration never reaches training (the federation waits for more hospitals).</summary>
    private static HospitalData HospitalData(string id)
    {
        var dataset = Dataset.Create([0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f], [0, 1, 0, 1], ["a", "b"], "registration-test");
        return new HospitalData(id, dataset, dataset);
    }

    /// <summary>Records the coordinator's decisions, where it says whom it registered or refused, and why.</summary>
    private sealed class DecisionRecorder : ReceiveActor
    {
        public DecisionRecorder(ConcurrentQueue<string> decisions) => Receive<CoordinatorDecision>(d => decisions.Enqueue(d.Decision));

        protected override void PreStart() => Context.System.EventStream.Subscribe(Self, typeof(CoordinatorDecision));
    }
}
