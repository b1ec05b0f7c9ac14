using System.CommandLine;
using Akka.Actor;
using Akka.Configuration;
using FederatedHe.Actors.Nodes;
using FederatedHe.Host.Hosting;

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
    /// Starts the node's actor system. With TLS, the node's certificate must be issued by the cluster CA
    /// to <paramref name="nodeId"/> (and be the roster's one for it), and plaintext seed addresses are
    /// rewritten to the TLS scheme.
    /// </summary>
    /// <exception cref="TlsConfigurationException">A TLS file is missing or does not fit this node.</exception>
    public static ActorSystem Start(Config effective, string nodeId, bool plaintext, string? certificates)
    {
        if (plaintext)
            return ActorSystem.Create(FederationNode.SystemName, effective);

        var seeds = effective.GetStringList("akka.cluster.seed-nodes", []);
        var secured = ConfigurationFactory.ParseString(
            $"akka.cluster.seed-nodes = [{string.Join(", ", seeds.Select(s => $"\"{ClusterTls.SecureSeed(s)}\""))}]");
        var config = secured.WithFallback(effective);
        return ActorSystem.Create(FederationNode.SystemName, ClusterTls.Setup(config, ClusterTlsSettings.Create(config, nodeId, certificates)));
    }
}
