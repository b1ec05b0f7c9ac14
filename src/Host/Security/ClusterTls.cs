using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Remote.Transport.DotNetty;
using FederatedHe.Actors.Security;

namespace FederatedHe.Host.Security;

/// <summary>Where a node finds its TLS material, read from <c>fedhe.tls</c> (see hocon/tls.conf).</summary>
/// <param name="NodeId">The node id the certificate must name (the hospital id, or <c>aggregator</c>).</param>
/// <param name="NodeCertificatePath">The node's PKCS#12 file.</param>
/// <param name="Password">The PKCS#12 password, or null for none.</param>
/// <param name="AuthorityPath">The cluster CA's certificate.</param>
/// <param name="Roster">The membership roster, or null when none is configured.</param>
public sealed record ClusterTlsSettings(string NodeId, string NodeCertificatePath, string? Password, string AuthorityPath, MembershipRoster? Roster)
{
    /// <summary>The environment variable that supplies the PKCS#12 password when the configuration has none.</summary>
    public const string PasswordVariable = "FEDHE_TLS_PASSWORD";

    /// <summary>Reads <c>fedhe.tls</c> and <c>fedhe.roster</c> for one node.</summary>
    /// <param name="config">The node's effective configuration.</param>
    /// <param name="nodeId">The node's id.</param>
    /// <param name="certificatesDirectory">Overrides <c>fedhe.tls.certificates</c> (e.g. from --certs).</param>
    /// <exception cref="TlsConfigurationException">The node id is invalid.</exception>
    /// <exception cref="RosterException">The roster is malformed.</exception>
    public static ClusterTlsSettings Create(Config config, string nodeId, string? certificatesDirectory = null)
    {
        if (!MembershipRoster.IsValidNodeId(nodeId))
            throw new TlsConfigurationException("fedhe.tls", $"'{nodeId}' is not a node id a certificate can name (lowercase letters, digits, inner hyphens)");
        var directory = certificatesDirectory ?? config.GetString("fedhe.tls.certificates", "certs");
        var node = config.GetString("fedhe.tls.node-certificate", string.Empty);
        var authority = config.GetString("fedhe.tls.ca-certificate", string.Empty);
        var password = config.GetString("fedhe.tls.password", string.Empty);
        if (password.Length == 0)
            password = Environment.GetEnvironmentVariable(PasswordVariable) ?? string.Empty;
        return new ClusterTlsSettings(
            nodeId,
            node.Length > 0 ? node : Path.Combine(directory, CertificateFiles.NodeKeyStoreFile(nodeId)),
            password.Length > 0 ? password : null,
            authority.Length > 0 ? authority : Path.Combine(directory, CertificateFiles.AuthorityCertificateFile),
            MembershipRoster.FromConfig(config) ?? RosterFromFile(config, directory));
    }

    /// <summary>The roster in <c>fedhe.tls.roster-file</c>, else in the certificates directory's roster.conf if there is one.</summary>
    private static MembershipRoster? RosterFromFile(Config config, string directory)
    {
        var configured = config.GetString("fedhe.tls.roster-file", string.Empty);
        var path = configured.Length > 0 ? configured : Path.Combine(directory, CertificateFiles.RosterFile);
        if (!File.Exists(path))
            return configured.Length > 0 ? throw new TlsConfigurationException(path, "the roster file does not exist (fedhe.tls.roster-file)") : null;
        Config file;
        try
        {
            file = ConfigurationFactory.ParseString(File.ReadAllText(path));
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            throw new TlsConfigurationException(path, $"not valid HOCON: {exception.Message}");
        }

        return MembershipRoster.FromConfig(file);
    }
}

/// <summary>
/// Turns Akka.Remote's DotNetty transport into mutually authenticated TLS pinned to the cluster's CA.
/// HOCON alone cannot pin a private CA in Akka.NET 1.5.73 (its default check trusts the operating
/// system's store), so the certificate and a <see cref="ClusterPeerValidator"/> are passed as a
/// <see cref="DotNettySslSetup"/> next to the configuration.
/// </summary>
public static class ClusterTls
{
    /// <summary>The transport keys TLS needs, whatever hocon/tls.conf says: TLS on, client certificates required.</summary>
    public static Config TransportConfig { get; } = ConfigurationFactory.ParseString("""
        akka.remote.dot-netty.tcp {
          enable-ssl = on
          ssl {
            suppress-validation = off
            require-mutual-authentication = on
            validate-certificate-hostname = off
          }
        }
        """);

    /// <summary>
    /// The actor-system setup for a TLS node: the configuration with TLS on, and the node's certificate
    /// with a validator that admits only peers holding certificates from the cluster's CA (and the roster).
    /// </summary>
    /// <exception cref="TlsConfigurationException">The node's own certificate would be refused by its peers.</exception>
    public static ActorSystemSetup Setup(Config config, X509Certificate2 nodeCertificate, X509Certificate2 authority, MembershipRoster? roster, string? expectedNodeId = null,
        Action<string, PeerCertificateCheck>? onRefused = null)
    {
        var validator = new ClusterPeerValidator(authority, roster) { Refused = onRefused };
        // Fail at start-up, not at the first handshake, if peers would refuse this node.
        var own = validator.Check(nodeCertificate);
        if (!own.IsAccepted)
            throw new TlsConfigurationException(nodeCertificate.Subject, $"this node's own certificate would be refused by its peers ({own.Verdict}): {own.Detail}");
        if (expectedNodeId is not null && own.NodeId != expectedNodeId)
            throw new TlsConfigurationException(nodeCertificate.Subject, $"the certificate names node '{own.NodeId}', not '{expectedNodeId}'");

        var ssl = new DotNettySslSetup(nodeCertificate, suppressValidation: false, requireMutualAuthentication: true,
            validateCertificateHostname: false, customValidator: validator.Callback);
        return BootstrapSetup.Create().WithConfig(TransportConfig.WithFallback(config)).And(ssl);
    }

    /// <summary>Rewrites a seed-node address to the TLS transport's scheme (<c>akka.ssl.tcp</c>).</summary>
    public static string SecureSeed(string address) =>
        address.StartsWith("akka.tcp://", StringComparison.Ordinal) ? "akka.ssl.tcp://" + address["akka.tcp://".Length..] : address;
}
