using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akka.Event;
using Akka.Remote.Transport.DotNetty;
using FederatedHe.Actors.Security;

namespace FederatedHe.Host.Security;

/// <summary>Why a peer's certificate was accepted or refused.</summary>
public enum PeerCertificateVerdict
{
    /// <summary>Issued by the cluster's CA to a node id (and, with a roster, the roster's certificate for that id).</summary>
    Accepted,

    /// <summary>The peer presented no certificate.</summary>
    NoCertificate,

    /// <summary>The certificate does not chain to the cluster's CA, or is expired, or is not valid for TLS.</summary>
    UntrustedChain,

    /// <summary>The certificate is a CA's, not a node's.</summary>
    NotANodeCertificate,

    /// <summary>The certificate's subject names no valid node id.</summary>
    NoNodeId,

    /// <summary>A roster is configured and the node id is not on it, or is on it with another certificate.</summary>
    NotOnRoster,
}

/// <summary>The outcome of checking a peer's certificate.</summary>
/// <param name="Verdict">Accepted, or why not.</param>
/// <param name="NodeId">The node id the certificate names, when it names one.</param>
/// <param name="Detail">A line for the log.</param>
public sealed record PeerCertificateCheck(PeerCertificateVerdict Verdict, string? NodeId, string Detail)
{
    /// <summary>Whether the peer may connect.</summary>
    public bool IsAccepted => Verdict == PeerCertificateVerdict.Accepted;
}

/// <summary>
/// Decides, during every TLS handshake of Akka.Remote (inbound and outbound), whether the peer is a member
/// of this federation: its certificate must chain to the cluster's own CA (pinned: the operating
/// system's trust store plays no part), be a node certificate valid for TLS client and server
/// authentication, name a node id in its CN, and, when a roster is configured, be exactly the
/// certificate the roster lists for that id.
/// </summary>
/// <remarks>
/// Akka.Remote 1.5.73 calls <see cref="Callback"/> from DotNetty's I/O threads; the validator holds only
/// immutable state and builds a new chain per call, so it is thread-safe. Revocation is not checked
/// (a local CA publishes no CRL); remove a node by re-issuing the roster without it.
/// </remarks>
public sealed class ClusterPeerValidator
{
    private readonly X509Certificate2 _authority;
    private readonly MembershipRoster? _roster;

    /// <summary>Creates a validator that trusts one CA and, optionally, admits only the roster's certificates.</summary>
    /// <exception cref="ArgumentException">The authority is not a CA certificate.</exception>
    public ClusterPeerValidator(X509Certificate2 authority, MembershipRoster? roster)
    {
        ArgumentNullException.ThrowIfNull(authority);
        if (!NodeCertificateChain.IsAuthority(authority))
            throw new ArgumentException($"{authority.Subject} is not a CA certificate", nameof(authority));
        _authority = authority;
        _roster = roster;
    }

    /// <summary>Told of every refused peer (its address as the transport names it), e.g. so that a node can stop when its seed is untrusted.</summary>
    public Action<string, PeerCertificateCheck>? Refused { get; init; }

    /// <summary>The callback to hand to <see cref="DotNettySslSetup"/>.</summary>
    public CertificateValidationCallback Callback => (certificate, _, peer, errors, log) =>
    {
        // SslStream's own chain verdict (errors) is ignored on purpose: it is against the OS trust store,
        // which does not hold our CA. Only "no certificate" is taken from it.
        var check = (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0 ? Check(null) : Check(certificate);
        if (check.IsAccepted)
            log.Debug("TLS peer {0} is {1}", peer, check.NodeId);
        else
        {
            log.Warning("TLS peer {0} refused ({1}): {2}", peer, check.Verdict, check.Detail);
            Refused?.Invoke(peer?.ToString() ?? string.Empty, check);
        }
        return check.IsAccepted;
    };

    /// <summary>Checks a peer's certificate; pure apart from reading the clock.</summary>
    public PeerCertificateCheck Check(X509Certificate2? certificate)
    {
        if (certificate is null)
            return new PeerCertificateCheck(PeerCertificateVerdict.NoCertificate, null, "no certificate presented");

        if (NodeCertificateChain.IsAuthority(certificate))
            return new PeerCertificateCheck(PeerCertificateVerdict.NotANodeCertificate, null, $"{certificate.Subject} is a CA certificate");

        if (!NodeCertificateChain.IsIssuedBy(certificate, _authority, out var problem))
            return new PeerCertificateCheck(PeerCertificateVerdict.UntrustedChain, null, problem);

        var nodeId = NodeCertificateChain.NodeId(certificate);
        if (nodeId is null)
            return new PeerCertificateCheck(PeerCertificateVerdict.NoNodeId, null, $"{certificate.Subject} names no node id");

        if (_roster is not null && !_roster.IsAllowed(nodeId, certificate))
        {
            var why = _roster.Contains(nodeId) ? "the roster lists another certificate for it" : "it is not on the roster";
            return new PeerCertificateCheck(PeerCertificateVerdict.NotOnRoster, nodeId,
                $"{nodeId} (sha256 {MembershipRoster.Fingerprint(certificate)}): {why}");
        }

        return new PeerCertificateCheck(PeerCertificateVerdict.Accepted, nodeId, $"{nodeId} (sha256 {MembershipRoster.Fingerprint(certificate)})");
    }
}
