using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace FederatedHe.Actors.Security;

/// <summary>
/// A node's identity in the federation: its certificate from the federation's CA (the one it also presents in
/// TLS) together with that certificate's ECDSA private key, with which it proves it holds the certificate.
/// </summary>
/// <remarks>
/// The private key never leaves the node: only the certificate's DER bytes and signatures travel.
/// Thread-safe: each signature opens its own handle on the key.
/// </remarks>
public sealed class NodeIdentity
{
    private NodeIdentity(X509Certificate2 certificate, string nodeId)
    {
        Certificate = certificate;
        NodeId = nodeId;
    }

    /// <summary>The node's certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The node id the certificate names in its CN (e.g. <c>hospital-1</c>).</summary>
    public string NodeId { get; }

    /// <summary>Wraps a node certificate that holds its ECDSA private key.</summary>
    /// <param name="certificate">The certificate, e.g. loaded from the node's <c>ID.p12</c>.</param>
    /// <exception cref="ArgumentException">
    /// The certificate has no private key, its key is not ECDSA, or its CN is not a node id; the message names its subject.
    /// </exception>
    public static NodeIdentity FromCertificate(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        if (!certificate.HasPrivateKey)
            throw new ArgumentException($"{certificate.Subject}: the certificate holds no private key, so it cannot prove the node's identity", nameof(certificate));
        using (var key = certificate.GetECDsaPrivateKey())
        {
            if (key is null)
                throw new ArgumentException($"{certificate.Subject}: the certificate's key is not ECDSA (node certificates are ECDSA P-256)", nameof(certificate));
        }

        var nodeId = NodeCertificateChain.NodeId(certificate)
            ?? throw new ArgumentException($"{certificate.Subject}: the certificate's CN is not a node id", nameof(certificate));
        return new NodeIdentity(certificate, nodeId);
    }

    /// <summary>Signs bytes with the certificate's private key (ECDSA with SHA-256, IEEE P1363 r‖s).</summary>
    internal byte[] Sign(ReadOnlySpan<byte> data)
    {
        using var key = Certificate.GetECDsaPrivateKey()!;
        return key.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }
}
