using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace FederatedHe.Actors.Security;

/// <summary>
/// Whether a certificate is a node certificate issued by the federation's own CA. One check shared by the
/// TLS handshake validator and the coordinator's registration proof, so both admit exactly the same certificates.
/// </summary>
/// <remarks>Stateless apart from reading the clock; builds a new chain per call, so it is thread-safe.</remarks>
public static class NodeCertificateChain
{
    /// <summary>The extended key usage for TLS server authentication, which every node certificate carries.</summary>
    public const string ServerAuthenticationOid = "1.3.6.1.5.5.7.3.1";

    /// <summary>The extended key usage for TLS client authentication, which every node certificate carries.</summary>
    public const string ClientAuthenticationOid = "1.3.6.1.5.5.7.3.2";

    /// <summary>Whether the certificate is a CA's (basic constraints with CA=true).</summary>
    public static bool IsAuthority(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return certificate.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault() is { CertificateAuthority: true };
    }

    /// <summary>
    /// Whether the certificate chains to exactly this CA (pinned: the operating system's trust store plays no part),
    /// is within its validity period and is valid for TLS server and client authentication.
    /// </summary>
    /// <param name="certificate">The certificate to check.</param>
    /// <param name="authority">The federation's CA certificate.</param>
    /// <param name="problem">Why not, for the log; empty when it does.</param>
    public static bool IsIssuedBy(X509Certificate2 certificate, X509Certificate2 authority, out string problem)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(authority);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        // A local CA publishes no revocation list; a node is removed by re-issuing the roster without it.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid(ServerAuthenticationOid));
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid(ClientAuthenticationOid));
        var built = chain.Build(certificate);
        var root = chain.ChainElements.Count > 0 ? chain.ChainElements[^1].Certificate : null;
        if (built && root is not null && root.RawDataMemory.Span.SequenceEqual(authority.RawDataMemory.Span))
        {
            problem = string.Empty;
            return true;
        }

        var status = string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0));
        problem = $"{certificate.Subject} (issuer {certificate.Issuer}) does not chain to the cluster CA {authority.Subject}{(status.Length > 0 ? $": {status}" : string.Empty)}";
        return false;
    }

    /// <summary>The node id a certificate names in its subject's CN, or null if the CN is not a valid node id.</summary>
    public static string? NodeId(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var name = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        return MembershipRoster.IsValidNodeId(name) ? name : null;
    }
}
