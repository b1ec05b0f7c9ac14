using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using FederatedHe.Actors.Configuration;
using FederatedHe.Actors.Coordination;
using FederatedHe.Actors.CryptoPool;
using FederatedHe.Actors.Security;
using FederatedHe.Crypto.Ckks;
using static FederatedHe.Actors.Protocol.FederationEvents;
using static FederatedHe.Actors.Protocol.FederationProtocol;

namespace FederatedHe.Actors.Tests;

/// <summary>
/// With a roster and the federation's CA, the coordinator admits only the hospitals the roster lists, and each
/// only by proving, with its certificate's key, the id it claims. Test probes play the hospitals; every message
/// is serialized as on the wire.
/// </summary>
public sealed class RoundCoordinatorRosterTests : TestKit, IClassFixture<TestCertificates>
{
    private static readonly CkksParameters Parameters = CkksPresets.Params128BitLogN13LogQ101;
    private static readonly string ParameterSet = Parameters.Id.ToString();

    private readonly TestCertificates _certificates;
    private readonly TestProbe _decisions;

    // The roster in the configuration lists made-up fingerprints; a coordinator given trust uses the trust's roster.
    public RoundCoordinatorRosterTests(TestCertificates certificates) : base(ConfigurationFactory.ParseString($$"""
        akka.actor.provider = cluster
        akka.actor.serialize-messages = on
        akka.remote.dot-netty.tcp.hostname = "127.0.0.1"
        akka.remote.dot-netty.tcp.port = 0
        akka.loglevel = WARNING
        fedhe.roster = [
          { id = hospital-1, certificate-sha256 = "{{new string('a', 64)}}" }
          { id = aggregator, certificate-sha256 = "{{new string('b', 64)}}", role = aggregator }
        ]
        """).WithFallback(FederationConfig.Default))
    {
        _certificates = certificates;
        _decisions = CreateTestProbe();
        Sys.EventStream.Subscribe(_decisions, typeof(CoordinatorDecision));
    }

    private IActorRef StartCoordinator(RegistrationTrust? trust)
    {
        var pool = Sys.ActorOf(CryptoWorker.PoolProps(CkksKeyMaterial.ParametersOnly(Parameters), 1));
        return Sys.ActorOf(RoundCoordinator.Props(FederationSettings.Create(Sys), ParameterSet, pool, Parameters.SlotCount, trust: trust));
    }

    /// <summary>The coordinator's address as a hospital on its node sees it.</summary>
    private string CoordinatorAddress => ((ExtendedActorSystem)Sys).Provider.DefaultAddress.ToString();

    /// <summary>Asks to register as <paramref name="claimedId"/> and answers the challenge with <paramref name="identity"/>'s key.</summary>
    private RegisterHospitalResponse Register(IActorRef coordinator, TestProbe hospital, string claimedId, NodeIdentity identity)
    {
        coordinator.Tell(new RegisterHospital(claimedId, ParameterSet), hospital);
        var challenge = hospital.ExpectMsg<ProveHospitalIdentity>();
        Assert.Equal(claimedId, challenge.HospitalId);
        var signature = RegistrationProof.Sign(identity, challenge.Nonce, claimedId, ParameterSet, CoordinatorAddress);
        var proof = new ProveHospitalIdentityResponse(claimedId, ParameterSet, challenge.Nonce, identity.Certificate.RawData, signature);
        coordinator.Tell(proof, hospital);
        return hospital.ExpectMsg<RegisterHospitalResponse>();
    }

    [Fact]
    public void Coordinator_admits_roster_hospitals_with_their_certificates_and_refuses_everyone_else()
    {
        var coordinator = StartCoordinator(_certificates.Trust);
        var hospital = CreateTestProbe();

        var accepted = Register(coordinator, hospital, "hospital-1", NodeIdentity.FromCertificate(_certificates.Hospital1));
        coordinator.Tell(new RegisterHospital("hospital-9", ParameterSet), hospital);
        var unlisted = hospital.ExpectMsg<RegisterHospitalResponse>();
        coordinator.Tell(new RegisterHospital("aggregator", ParameterSet), hospital);
        var aggregator = hospital.ExpectMsg<RegisterHospitalResponse>();

        Assert.True(accepted.Accepted);
        Assert.False(unlisted.Accepted);
        Assert.Contains("roster", unlisted.Reason);
        Assert.False(aggregator.Accepted);
    }

    [Fact]
    public void Hospital_2_cannot_register_as_hospital_1_with_its_own_valid_certificate_and_hospital_1_still_can()
    {
        var coordinator = StartCoordinator(_certificates.Trust);
        var impostor = CreateTestProbe();
        var genuine = CreateTestProbe();

        var refused = Register(coordinator, impostor, "hospital-1", NodeIdentity.FromCertificate(_certificates.Hospital2));
        var decision = _decisions.FishForMessage<CoordinatorDecision>(d => d.Decision.StartsWith("refused", StringComparison.Ordinal));
        var accepted = Register(coordinator, genuine, "hospital-1", NodeIdentity.FromCertificate(_certificates.Hospital1));

        Assert.False(refused.Accepted);
        Assert.Contains(nameof(RegistrationProofVerdict.WrongNodeId), refused.Reason);
        Assert.Contains("issued to hospital-2", refused.Reason);
        Assert.Contains("issued to hospital-2", decision.Decision);
        Assert.True(accepted.Accepted);
    }

    [Fact]
    public void A_replayed_proof_does_not_register_anyone()
    {
        var coordinator = StartCoordinator(_certificates.Trust);
        var genuine = CreateTestProbe();
        var replayer = CreateTestProbe();
        var identity = NodeIdentity.FromCertificate(_certificates.Hospital1);
        coordinator.Tell(new RegisterHospital("hospital-1", ParameterSet), genuine);
        var challenge = genuine.ExpectMsg<ProveHospitalIdentity>();
        var proof = new ProveHospitalIdentityResponse("hospital-1", ParameterSet, challenge.Nonce, identity.Certificate.RawData,
            RegistrationProof.Sign(identity, challenge.Nonce, "hospital-1", ParameterSet, CoordinatorAddress));

        coordinator.Tell(proof, genuine);
        var first = genuine.ExpectMsg<RegisterHospitalResponse>();
        coordinator.Tell(proof, replayer);
        var replay = replayer.ExpectMsg<RegisterHospitalResponse>();

        Assert.True(first.Accepted);
        Assert.False(replay.Accepted);
        Assert.Contains(nameof(RegistrationProofVerdict.UnknownChallenge), replay.Reason);
    }

    [Fact]
    public void A_hospital_without_a_certificate_is_refused_with_the_reason()
    {
        var coordinator = StartCoordinator(_certificates.Trust);
        var hospital = CreateTestProbe();
        coordinator.Tell(new RegisterHospital("hospital-1", ParameterSet), hospital);
        var challenge = hospital.ExpectMsg<ProveHospitalIdentity>();

        // What a hospital started without an identity answers.
        coordinator.Tell(new ProveHospitalIdentityResponse("hospital-1", ParameterSet, challenge.Nonce, [], []), hospital);
        var refused = hospital.ExpectMsg<RegisterHospitalResponse>();

        Assert.False(refused.Accepted);
        Assert.Contains(nameof(RegistrationProofVerdict.NoCertificate), refused.Reason);
        Assert.Contains("presented no certificate", refused.Reason);
    }

    [Fact]
    public void A_roster_without_the_CA_to_check_certificates_against_refuses_every_registration()
    {
        var coordinator = StartCoordinator(trust: null);

        coordinator.Tell(new RegisterHospital("hospital-1", ParameterSet));
        var refused = ExpectMsg<RegisterHospitalResponse>();

        Assert.False(refused.Accepted);
        Assert.Contains("no CA certificate", refused.Reason);
    }

    [Fact]
    public void An_unsolicited_proof_registers_no_one()
    {
        var coordinator = StartCoordinator(_certificates.Trust);
        var identity = NodeIdentity.FromCertificate(_certificates.Hospital1);
        var invented = new byte[RegistrationProof.NonceLength];

        coordinator.Tell(new ProveHospitalIdentityResponse("hospital-1", ParameterSet, invented, identity.Certificate.RawData,
            RegistrationProof.Sign(identity, invented, "hospital-1", ParameterSet, CoordinatorAddress)));
        var refused = ExpectMsg<RegisterHospitalResponse>();

        Assert.False(refused.Accepted);
        Assert.Contains(nameof(RegistrationProofVerdict.UnknownChallenge), refused.Reason);
    }
}
