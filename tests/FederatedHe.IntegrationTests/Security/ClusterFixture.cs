using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Cluster;
using Akka.Configuration;
using Akka.Event;
using FederatedHe.Actors.Nodes;
using FederatedHe.Actors.Security;
using FederatedHe.Host.Hosting;
using FederatedHe.Host.Security;
using FederatedHe.Actors.Configuration;

namespace FederatedHe.IntegrationTests.Security;

/// <summary>
/// Certificates for one federation (its CA, an aggregator and two hospitals on the roster) and, for the
/// attackers, a foreign CA with its own "hospital-1" and a certificate from the real CA that the roster
/// does not list. Shared per test class: issuing is cheap, but the TLS cluster below is not.
/// </summary>
public sealed class ClusterCertificates : IDisposable
{
    public ClusterCertificates()
    {
        var validity = TimeSpan.FromDays(1);
        Authority = ClusterCertificateAuthority.Create(validity);
        string[] hosts = ["127.0.0.1", "localhost"];
        Aggregator = RoundTrip(Authority.Issue("aggregator", hosts, validity));
        Hospital1 = RoundTrip(Authority.Issue("hospital-1", hosts, validity));
        Hospital2 = RoundTrip(Authority.Issue("hospital-2", hosts, validity));
        Unlisted = RoundTrip(Authority.Issue("hospital-9", hosts, validity));
        SecondHospital1 = RoundTrip(Authority.Issue("hospital-1", hosts, validity));
        ForeignAuthority = ClusterCertificateAuthority.Create(validity, "Rogue CA");
        ForeignHospital1 = RoundTrip(ForeignAuthority.Issue("hospital-1", hosts, validity));
        Roster = MembershipRoster.Create([
            new RosterEntry("aggregator", MembershipRoster.Fingerprint(Aggregator), MembershipRoster.AggregatorRole),
            new RosterEntry("hospital-1", MembershipRoster.Fingerprint(Hospital1), MembershipRoster.HospitalRole),
            new RosterEntry("hospital-2", MembershipRoster.Fingerprint(Hospital2), MembershipRoster.HospitalRole),
        ]);
    }

    public ClusterCertificateAuthority Authority { get; }
    public X509Certificate2 AuthorityCertificate => X509CertificateLoader.LoadCertificate(Authority.Certificate.RawData);
    public X509Certificate2 Aggregator { get; }
    public X509Certificate2 Hospital1 { get; }
    public X509Certificate2 Hospital2 { get; }
    public X509Certificate2 Unlisted { get; }
    public X509Certificate2 SecondHospital1 { get; }
    public ClusterCertificateAuthority ForeignAuthority { get; }
    public X509Certificate2 ForeignHospital1 { get; }
    public MembershipRoster Roster { get; }

    public void Dispose()
    {
        foreach (var certificate in new[] { Aggregator, Hospital1, Hospital2, Unlisted, SecondHospital1, ForeignHospital1 })
            certificate.Dispose();
        Authority.Dispose();
        ForeignAuthority.Dispose();
    }

    /// <summary>Through PKCS#12 and back, as a node loads its certificate from `fedhe certs` output.</summary>
    private static X509Certificate2 RoundTrip(X509Certificate2 issued)
    {
        using (issued)
            return X509CertificateLoader.LoadPkcs12(issued.Export(X509ContentType.Pkcs12, "test"), "test");
    }
}

/// <summary>Starts federation actor systems over TCP on 127.0.0.1 with random ports, with or without TLS.</summary>
internal static class Nodes
{
    /// <summary>hocon/cluster.conf with a random port, no seed nodes (tests join explicitly) and quiet logs.</summary>
    public static Config BaseConfig(string role) => ConfigurationFactory.ParseString($"""
            akka.loglevel = WARNING
            akka.stdout-loglevel = OFF
            akka.loggers = ["Akka.Event.DefaultLogger"]
            akka.remote.dot-netty.tcp.hostname = "127.0.0.1"
            akka.remote.dot-netty.tcp.port = 0
            akka.remote.retry-gate-closed-for = 500ms
            akka.cluster.roles = ["{role}"]
            akka.cluster.seed-nodes = []
            akka.cluster.retry-unsuccessful-join-after = 1s
            akka.cluster.gossip-interval = 200ms
            akka.cluster.leader-actions-interval = 200ms
            """)
        .WithFallback(ProjectFiles.LoadHocon(ProjectFiles.ClusterConfigPath));

    public static ActorSystem Start(ActorSystemSetup setup) => ActorSystem.Create(FederationNode.SystemName, setup);

    public static ActorSystem StartPlaintext(string role) =>
        ActorSystem.Create(FederationNode.SystemName, BaseConfig(role));

    public static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"timed out after {timeout.TotalSeconds:0} s waiting until {what}");
            await Task.Delay(100);
        }
    }

    public static int UpMembers(ActorSystem system) =>
        Cluster.Get(system).State.Members.Count(m => m.Status == MemberStatus.Up);
}

/// <summary>An actor that records every message it receives (with its sender's address).</summary>
internal sealed class Inbox : ReceiveActor
{
    public Inbox(ConcurrentQueue<(object Message, Address From)> received) =>
        ReceiveAny(message => received.Enqueue((message, Sender.Path.Address)));
}

/// <summary>Records a node's warnings, where the TLS validator reports whom it refused and why.</summary>
internal sealed class WarningRecorder : ReceiveActor
{
    public WarningRecorder(ConcurrentQueue<string> lines) =>
        Receive<Warning>(warning => lines.Enqueue(warning.Message?.ToString() ?? string.Empty));
}
