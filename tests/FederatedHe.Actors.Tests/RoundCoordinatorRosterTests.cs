using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using FederatedHe.Actors.Configuration;
using FederatedHe.Actors.Coordination;
using FederatedHe.Actors.CryptoPool;
using FederatedHe.Crypto.Ckks;
using static FederatedHe.Actors.Protocol.FederationProtocol;

namespace FederatedHe.Actors.Tests;

/// <summary>With a roster configured, the coordinator admits only the hospitals it lists.</summary>
public sealed class RoundCoordinatorRosterTests() : TestKit(ConfigurationFactory.ParseString($$"""
    akka.actor.provider = cluster
    akka.remote.dot-netty.tcp.hostname = "127.0.0.1"
    akka.remote.dot-netty.tcp.port = 0
    akka.loglevel = WARNING
    fedhe.roster = [
      { id = hospital-1, certificate-sha256 = "{{new string('a', 64)}}" }
      { id = aggregator, certificate-sha256 = "{{new string('b', 64)}}", role = aggregator }
    ]
    """).WithFallback(FederationConfig.Default))
{
    [Fact]
    public void Coordinator_admits_roster_hospitals_and_refuses_everyone_else()
    {
        var parameters = CkksPresets.Params128BitLogN13LogQ101;
        var pool = Sys.ActorOf(CryptoWorker.PoolProps(CkksKeyMaterial.ParametersOnly(parameters), 1));
        var coordinator = Sys.ActorOf(RoundCoordinator.Props(FederationSettings.Create(Sys), parameters.Id.ToString(), pool, parameters.SlotCount));

        coordinator.Tell(new RegisterHospital("hospital-1", parameters.Id.ToString()));
        Assert.True(ExpectMsg<RegisterHospitalResponse>().Accepted);
        coordinator.Tell(new RegisterHospital("hospital-9", parameters.Id.ToString()));
        var refused = ExpectMsg<RegisterHospitalResponse>();
        Assert.False(refused.Accepted);
        Assert.Contains("roster", refused.Reason);
        coordinator.Tell(new RegisterHospital("aggregator", parameters.Id.ToString()));
        Assert.False(ExpectMsg<RegisterHospitalResponse>().Accepted);
    }
}
