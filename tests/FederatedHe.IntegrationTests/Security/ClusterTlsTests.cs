using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Cluster;
using Akka.Event;
using Akka.Remote.Transport.DotNetty;
using FederatedHe.Actors.Nodes;
using FederatedHe.Host.Security;

namespace FederatedHe.IntegrationTests.Security;

/// <summary>
/// Real actor systems over TCP on 127.0.0.1: an aggregator with mutual TLS pinned to the cluster's CA
/// and roster, a legitimate hospital, and rogue nodes that try to join the cluster and to tell the
/// aggregator's actors something. A rogue must neither become a member nor have a message delivered.
/// </summary>
public sealed class ClusterTlsTests : IClassFixture<ClusterCertificates>, IAsyncLifetime
{
    /// <summary>How long a rogue keeps trying: several join retries and handshakes.</summary>
    private static readonly TimeSpan RogueAttempt = TimeSpan.FromSeconds(4);

    private readonly ClusterCertificates _certificates;
    private readonly ConcurrentQueue<(object Message, Address From)> _received = new();
    private readonly ConcurrentQueue<string> _warnings = new();
    private ActorSystem _aggregator = null!;
    private Address _address = null!;

    public ClusterTlsTests(ClusterCertificates certificates) => _certificates = certificates;

    public async Task InitializeAsync()
    {
        _aggregator = Nodes.Start(ClusterTls.Setup(Nodes.BaseConfig(FederationRoles.Aggregator),
            _certificates.Aggregator, _certificates.AuthorityCertificate, _certificates.Roster, "aggregator"));
        _aggregator.ActorOf(Props.Create(() => new Inbox(_received)), "inbox");
        _aggregator.EventStream.Subscribe(_aggregator.ActorOf(Props.Create(() => new WarningRecorder(_warnings))), typeof(Warning));
        var cluster = Cluster.Get(_aggregator);
        _address = cluster.SelfAddress;
        await cluster.JoinAsync(_address);
    }

    public async Task DisposeAsync() => await _aggregator.Terminate();

    [Fact]
    public async Task A_hospital_with_its_cluster_certificate_joins_and_its_messages_are_delivered()
    {
        Assert.Equal("akka.ssl.tcp", _address.Protocol);
        using var hospital = Nodes.Start(ClusterTls.Setup(Nodes.BaseConfig(FederationRoles.Hospital),
            _certificates.Hospital1, _certificates.AuthorityCertificate, _certificates.Roster, "hospital-1"));
        await Cluster.Get(hospital).JoinAsync(_address).WaitAsync(TimeSpan.FromSeconds(20));
        await Nodes.WaitUntilAsync(() => Nodes.UpMembers(_aggregator) == 2, TimeSpan.FromSeconds(20), "the aggregator sees hospital-1 up");

        var sender = hospital.ActorOf(Props.Create(() => new Inbox(new ConcurrentQueue<(object, Address)>())), "sender");
        hospital.ActorSelection(new RootActorPath(_address) / "user" / "inbox").Tell("hello from hospital-1", sender);
        await Nodes.WaitUntilAsync(() => _received.Any(r => Equals(r.Message, "hello from hospital-1")), TimeSpan.FromSeconds(10), "the message arrives");

        Assert.Equal(Cluster.Get(hospital).SelfAddress, _received.Single().From);
        await hospital.Terminate();
    }

    [Fact]
    public async Task A_node_without_TLS_cannot_join_and_its_messages_are_not_delivered()
    {
        using var rogue = Nodes.StartPlaintext(FederationRoles.Hospital);
        // The same host and port, over the plaintext transport: the aggregator's TLS listener sees garbage.
        var plaintext = new Address("akka.tcp", _address.System, _address.Host, _address.Port);

        await AttemptAsync(rogue, plaintext);

        AssertRogueRefused(rogue);
    }

    [Fact]
    public async Task A_node_that_presents_no_client_certificate_cannot_join_and_its_messages_are_not_delivered()
    {
        // TLS, trusting any server, but presenting no certificate of its own as a client.
        var setup = BootstrapSetup.Create().WithConfig(ClusterTls.TransportConfig.WithFallback(Nodes.BaseConfig(FederationRoles.Hospital)))
            .And(new DotNettySslSetup(_certificates.ForeignHospital1, suppressValidation: true, requireMutualAuthentication: false));
        using var rogue = Nodes.Start(setup);

        await AttemptAsync(rogue, _address);

        AssertRogueRefused(rogue);
        Assert.Contains(_warnings, line => line.Contains("did not provide a certificate", StringComparison.Ordinal) || line.Contains(nameof(PeerCertificateVerdict.NoCertificate), StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_node_whose_certificate_comes_from_another_CA_cannot_join_even_under_a_roster_id()
    {
        // The strongest rogue: mutual TLS, trusting anything, presenting a "hospital-1" certificate of its own making.
        using var rogue = Nodes.Start(RogueSetup(_certificates.ForeignHospital1));

        await AttemptAsync(rogue, _address);

        AssertRogueRefused(rogue);
        Assert.Contains(_warnings, line => line.Contains(nameof(PeerCertificateVerdict.UntrustedChain), StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_node_with_a_cluster_certificate_that_is_not_on_the_roster_cannot_join()
    {
        using var rogue = Nodes.Start(RogueSetup(_certificates.Unlisted));

        await AttemptAsync(rogue, _address);

        AssertRogueRefused(rogue);
        Assert.Contains(_warnings, line => line.Contains(nameof(PeerCertificateVerdict.NotOnRoster), StringComparison.Ordinal) && line.Contains("hospital-9", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_second_certificate_for_a_roster_id_is_refused()
    {
        using var rogue = Nodes.Start(RogueSetup(_certificates.SecondHospital1));

        await AttemptAsync(rogue, _address);

        AssertRogueRefused(rogue);
        Assert.Contains(_warnings, line => line.Contains(nameof(PeerCertificateVerdict.NotOnRoster), StringComparison.Ordinal) && line.Contains("another certificate", StringComparison.Ordinal));
    }

    private ActorSystemSetup RogueSetup(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate) =>
        BootstrapSetup.Create().WithConfig(ClusterTls.TransportConfig.WithFallback(Nodes.BaseConfig(FederationRoles.Hospital)))
            .And(new DotNettySslSetup(certificate, suppressValidation: true, requireMutualAuthentication: true));

    /// <summary>Asks to join and tells the aggregator's inbox, repeatedly, for <see cref="RogueAttempt"/>.</summary>
    private static async Task AttemptAsync(ActorSystem rogue, Address target)
    {
        Cluster.Get(rogue).Join(target);
        var inbox = rogue.ActorSelection(new RootActorPath(target) / "user" / "inbox");
        var deadline = DateTime.UtcNow + RogueAttempt;
        for (var i = 0; DateTime.UtcNow < deadline; i++)
        {
            inbox.Tell($"rogue message {i}");
            await Task.Delay(250);
        }
    }

    private void AssertRogueRefused(ActorSystem rogue)
    {
        Assert.Empty(_received);
        var members = Cluster.Get(_aggregator).State.Members;
        Assert.Equal([_address], members.Select(m => m.Address));
        Assert.DoesNotContain(Cluster.Get(rogue).State.Members, m => m.Address.Equals(_address));
        Assert.NotEqual(MemberStatus.Up, Cluster.Get(rogue).SelfMember.Status);
    }
}
