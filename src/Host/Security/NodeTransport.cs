using System.CommandLine;
using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using FederatedHe.Actors.Nodes;
using FederatedHe.Actors.Security;
using FederatedHe.Host.Hosting;
using FederatedHe.Actors.Configuration;

namespace FederatedHe.Host.Security;

/// <summary>
/// How <c>fedhe node</c> starts its actor system: over mutual TLS by default (hocon/tls.conf and the
/// certificates from <c>fedhe certs</c>), or over plaintext TCP only when asked with --no-tls.
/// </summary>
internal static class NodeTransport
{
    /// <summary>The certificates directory option (overrides fedhe.tls.certificates).</summary>
    public static Option<string?> CertificatesOption() =>
        new("--certs") { Description = "Directory from `fedhe certs` with ca.crt, this node's <id>.p12 and roster.conf (default: fedhe.tls.certificates, \"certs\")" };

    /// <summary>The opt-out of TLS.</summary>
    public static Option<bool> PlaintextOption() =>
        new("--no-tls") { Description = "Run Akka.Remote over plaintext TCP: anyone who can reach the port can join (tests and single-machine experiments only)" };

    /// <summary>hocon/tls.conf: beside the given cluster.conf if there is one there, else the shipped one.</summary>
    public static Config TlsConfig(string clusterConfigPath)
    {
        var beside = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(clusterConfigPath))!, "tls.conf");
        return ProjectFiles.LoadHocon(File.Exists(beside) ? beside : ProjectFiles.Locate(Path.Combine("hocon", "tls.conf")));
    }

    /// <summary>
    /// Loads the node's TLS material (its certificate and key, the cluster CA and the roster), or returns null
    /// for a plaintext node. The same material secures the transport and proves the node's id at registration.
    /// </summary>
    /// <exception cref="TlsConfigurationException">A TLS file is missing or invalid, or the node id is invalid.</exception>
    /// <exception cref="RosterException">The roster is malformed.</exception>
    public static NodeTlsMaterial? LoadTls(Config effective, string nodeId, bool plaintext, string? certificates)
    {
        if (plaintext)
            return null;
        var settings = ClusterTlsSettings.Create(effective, nodeId, certificates);
        var authority = CertificateFiles.LoadAuthority(settings.AuthorityPath);
        var certificate = CertificateFiles.LoadNodeCertificate(settings.NodeCertificatePath, settings.Password);
        return new NodeTlsMaterial(nodeId, certificate, authority, settings.Roster);
    }

    /// <summary>
    /// The node's actor-system configuration and, for a TLS node, the setup carrying its certificate and peer validator (null
    /// for plain TCP). With TLS, the node's certificate must be issued by the cluster CA to the node's id (and be the roster's
    /// one for it), and plaintext seed addresses are rewritten to the TLS scheme.
    /// </summary>
    /// <param name="effective">The node's configuration.</param>
    /// <param name="tls">The node's TLS material, or null for plain TCP.</param>
    /// <param name="onRefused">Told of every peer whose certificate the node refuses (address, check).</param>
    /// <exception cref="TlsConfigurationException">The certificate does not fit this node.</exception>
    public static (Config Config, ActorSystemSetup? Setup) Prepare(Config effective, NodeTlsMaterial? tls, Action<string, PeerCertificateCheck>? onRefused = null)
    {
        // Seeds are given as akka.tcp addresses; the node's transport decides the scheme they really listen on.
        var seeds = effective.GetStringList("akka.cluster.seed-nodes", [])
            .Select(s => tls is null ? s : ClusterTls.SecureSeed(s))
            .Select(s => ThroughAppliedAdapters(s, effective));
        var config = ConfigurationFactory.ParseString($"akka.cluster.seed-nodes = [{string.Join(", ", seeds.Select(s => $"\"{s}\""))}]")
            .WithFallback(effective);
        if (tls is null)
            return (config, null);

        var setup = ClusterTls.Setup(config, tls.Certificate, tls.Authority, tls.Roster, tls.NodeId, onRefused);
        return (setup.Get<BootstrapSetup>().Value.Config.Value, setup);
    }

    /// <summary>
    /// A seed's address as the node's transport names it: each adapter applied to the TCP transport (Akka's throttler and
    /// failure injector under <c>--fault-control</c>) adds its scheme, <c>akka.tcp</c> becoming <c>akka.trttl.gremlin.tcp</c>.
    /// Akka's own adapters are named by their schemes.
    /// </summary>
    private static string ThroughAppliedAdapters(string seed, Config effective)
    {
        var adapters = effective.GetStringList("akka.remote.dot-netty.tcp.applied-adapters", []);
        if (adapters.Count == 0 || !seed.StartsWith("akka.", StringComparison.Ordinal))
            return seed;
        var prefix = "akka." + string.Join('.', adapters) + ".";
        return seed.StartsWith(prefix, StringComparison.Ordinal) ? seed : prefix + seed["akka.".Length..];
    }
}

/// <summary>A TLS node's material, loaded once from <c>fedhe.tls</c> and --certs.</summary>
/// <param name="NodeId">The node's id, which its certificate must name.</param>
/// <param name="Certificate">The node's certificate with its private key.</param>
/// <param name="Authority">The cluster CA's certificate.</param>
/// <param name="Roster">The membership roster, or null when none is configured.</param>
internal sealed record NodeTlsMaterial(string NodeId, X509Certificate2 Certificate, X509Certificate2 Authority, MembershipRoster? Roster)
{
    /// <summary>What the coordinator checks hospitals' registration proofs against.</summary>
    public RegistrationTrust Trust => new(Authority, Roster);

    /// <summary>The identity a hospital proves its id with.</summary>
    /// <exception cref="ArgumentException">The certificate cannot sign.</exception>
    public NodeIdentity Identity => NodeIdentity.FromCertificate(Certificate);
}
