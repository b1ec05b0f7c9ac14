using Akka.Actor;
using Akka.Cluster;
using Akka.TestKit;
using FederatedHe.Actors.Configuration;
using static FederatedHe.Actors.Protocol.FederationProtocol;

namespace FederatedHe.Actors.Tests;

/// <summary>
/// What the coordinator tests with probe hospitals share: a one-node cluster, a one-round federation of three hospitals
/// with a quorum of two, and round 0 played by the probes so that round 1 is waiting for their updates.
/// </summary>
internal static class ProbeHospitalRounds
{
    /// <summary>Joins the test's actor system to itself and waits until it is up.</summary>
    public static void JoinItself(TestKitBase kit)
    {
        Cluster.Get(kit.Sys).Join(Cluster.Get(kit.Sys).SelfAddress);
        kit.AwaitCondition(() => Cluster.Get(kit.Sys).SelfMember.Status == MemberStatus.Up, TimeSpan.FromSeconds(30));
    }

    /// <summary>One round, three hospitals, a quorum of two, generous collection and short evaluation deadlines.</summary>
    public static FederationSettings OneRoundOfThree(ActorSystem system) => FederationSettings.Create(system) with
    {
        Rounds = 1,
        MinHospitals = 3,
        Quorum = 2,
        CollectTimeout = TimeSpan.FromSeconds(30),
        EvaluateTimeout = TimeSpan.FromSeconds(3),
        MaxAttempts = 2,
    };

    /// <summary>
    /// Registers three probe hospitals (hospital-1 … hospital-3) and plays round 0 with <paramref name="statistics"/>'s chunk
    /// from each; each then waits for round 1's announcement.
    /// </summary>
    public static (TestProbe Probe, string Id)[] StartRoundOne(TestKitBase kit, IActorRef coordinator, string parameterSetId,
        Func<string, EncryptedChunk> statistics)
    {
        var hospitals = Enumerable.Range(1, 3).Select(i => (Probe: kit.CreateTestProbe(), Id: $"hospital-{i}")).ToArray();
        foreach (var (probe, id) in hospitals)
        {
            coordinator.Tell(new RegisterHospital(id, parameterSetId), probe);
            Assert.True(probe.ExpectMsg<RegisterHospitalResponse>().Accepted);
        }

        foreach (var (probe, id) in hospitals)
        {
            probe.ExpectMsg<CollectFeatureStatistics>();
            coordinator.Tell(statistics(id), probe);
        }

        foreach (var (probe, _) in hospitals)
            probe.FishForMessage(m => m is StartTraining { RoundId: 1 });
        return hospitals;
    }
}
