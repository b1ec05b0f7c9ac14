using System.Security.Cryptography.X509Certificates;
using FederatedHe.Actors.Security;

namespace FederatedHe.Testing;

/// <summary>
/// Throw-away identities for an in-process federation: a CA made for the run, a certificate for every hospital, and a
/// roster listing them, so a simulation runs threshold key generation's signed and verified path exactly as a cluster
/// does. Every private key lives in this process's memory only and is gone when the run ends: no file is written.
/// </summary>
/// <remarks>Immutable after construction: thread-safe.</remarks>
internal sealed class SimulatedIdentities : IDisposable
{
    private readonly ClusterCertificateAuthority _authority;
    private readonly Dictionary<string, X509Certificate2> _certificates;

    private SimulatedIdentities(ClusterCertificateAuthority authority, Dictionary<string, X509Certificate2> certificates, RegistrationTrust trust)
    {
        _authority = authority;
        _certificates = certificates;
        Trust = trust;
    }

    /// <summary>The federation's CA (public certificate only) and the roster of the run's hospitals.</summary>
    public RegistrationTrust Trust { get; }

    /// <summary>Makes a CA and one certificate per hospital id, valid for a day.</summary>
    public static SimulatedIdentities Create(IEnumerable<string> hospitalIds)
    {
        var validity = TimeSpan.FromDays(1);
        var authority = ClusterCertificateAuthority.Create(validity, "FederatedHe simulation CA");
        var certificates = hospitalIds.ToDictionary(id => id, id => authority.Issue(id, ["127.0.0.1"], validity), StringComparer.Ordinal);
        var roster = MembershipRoster.Create(certificates
            .Select(c => new RosterEntry(c.Key, MembershipRoster.Fingerprint(c.Value), MembershipRoster.HospitalRole))
            .ToList());
        var publicAuthority = X509CertificateLoader.LoadCertificate(authority.Certificate.RawData);
        return new SimulatedIdentities(authority, certificates, new RegistrationTrust(publicAuthority, roster));
    }

    /// <summary>The identity of a hospital of the run.</summary>
    public NodeIdentity For(string hospitalId) => NodeIdentity.FromCertificate(_certificates[hospitalId]);

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var certificate in _certificates.Values)
            certificate.Dispose();
        Trust.Authority.Dispose();
        _authority.Dispose();
    }
}
