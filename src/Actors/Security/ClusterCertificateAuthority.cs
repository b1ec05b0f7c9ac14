using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace FederatedHe.Actors.Security;

/// <summary>
/// A local certificate authority for one federation: a self-signed CA and one certificate per node,
/// each naming the node's id in its subject (CN) and subject alternative names, valid for both TLS
/// server and client authentication (every Akka node is both). ECDSA P-256 throughout.
/// </summary>
/// <remarks>
/// For a local or test cluster. A production federation would have its certificates issued by the
/// hospitals' own PKI and pin that CA instead; nothing else changes. Not thread-safe while issuing.
/// </remarks>
public sealed class ClusterCertificateAuthority : IDisposable
{
    /// <summary>The extended key usage OIDs every node certificate carries.</summary>
    public const string ServerAuthenticationOid = NodeCertificateChain.ServerAuthenticationOid;

    /// <summary>TLS client authentication.</summary>
    public const string ClientAuthenticationOid = NodeCertificateChain.ClientAuthenticationOid;

    private readonly X509Certificate2 _authority;

    private ClusterCertificateAuthority(X509Certificate2 authority) => _authority = authority;

    /// <summary>The CA certificate, with its private key.</summary>
    public X509Certificate2 Certificate => _authority;

    /// <summary>Creates a new CA with a random name, valid from five minutes ago for the given time.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The validity is not positive.</exception>
    public static ClusterCertificateAuthority Create(TimeSpan validity, string name = "FederatedHe cluster CA")
    {
        if (validity <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(validity), validity, "must be positive");
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        // A random suffix keeps two local federations' CAs apart in logs and trust stores.
        var subject = new X500DistinguishedName($"CN={name} {Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}, O=FederatedHe");
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        return new ClusterCertificateAuthority(request.CreateSelfSigned(now.AddMinutes(-5), now.Add(validity)));
    }

    /// <summary>
    /// Issues a node certificate: CN = the node id, SANs = the node id and the given host names and
    /// addresses, EKU = server and client authentication. Valid until the CA expires at the latest.
    /// </summary>
    /// <returns>The certificate with its private key.</returns>
    /// <exception cref="ArgumentException">The node id is not a valid node id, or a host name is empty.</exception>
    public X509Certificate2 Issue(string nodeId, IEnumerable<string> hosts, TimeSpan validity)
    {
        if (!MembershipRoster.IsValidNodeId(nodeId))
            throw new ArgumentException($"'{nodeId}' is not a node id (1-63 lowercase letters, digits and inner hyphens)", nameof(nodeId));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={nodeId}, O=FederatedHe"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid(ServerAuthenticationOid), new Oid(ClientAuthenticationOid)], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_authority, true, false));

        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(nodeId);
        foreach (var host in hosts)
        {
            if (string.IsNullOrWhiteSpace(host))
                throw new ArgumentException("a host name is empty", nameof(hosts));
            if (IPAddress.TryParse(host, out var address))
                names.AddIpAddress(address);
            else if (host != nodeId)
                names.AddDnsName(host);
        }

        request.CertificateExtensions.Add(names.Build());

        var now = DateTimeOffset.UtcNow;
        var notAfter = now.Add(validity) < _authority.NotAfter ? now.Add(validity) : new DateTimeOffset(_authority.NotAfter);
        using var issued = request.Create(_authority, now.AddMinutes(-5), notAfter, RandomNumberGenerator.GetBytes(16));
        return issued.CopyWithPrivateKey(key);
    }

    /// <inheritdoc />
    public void Dispose() => _authority.Dispose();
}
