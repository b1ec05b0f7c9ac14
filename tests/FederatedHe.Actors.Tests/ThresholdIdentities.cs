using System.Security.Cryptography.X509Certificates;
using FederatedHe.Actors.Security;

namespace FederatedHe.Actors.Tests;

/// <summary>
/// What every threshold-mode test gives its hospitals, as `fedhe certs` would: a federation CA, a certificate for each
/// hospital id on a roster listing them, and the trust (CA and roster) with which hospitals verify one another's signed
/// key-generation messages. For attacks, also a second certificate for a listed id that the roster does not list, and a
/// certificate for the same id from a CA the federation does not trust. Threshold mode refuses to run without identities.
/// </summary>
public sealed class ThresholdIdentities : IDisposable
{
    private readonly X509Certificate2 _authority;
    private readonly X509Certificate2 _foreignAuthority;
    private readonly Dictionary<string, X509Certificate2> _certificates;
    private readonly List<X509Certificate2> _extra = [];

    public ThresholdIdentities(params string[] hospitalIds)
    {
        _authority = TestCertificates.CreateAuthority("Threshold test CA");
        _foreignAuthority = TestCertificates.CreateAuthority("Rogue CA");
        _certificates = hospitalIds.ToDictionary(id => id, id => TestCertificates.Issue(_authority, id), StringComparer.Ordinal);
        var roster = MembershipRoster.Create(_certificates
            .Select(c => new RosterEntry(c.Key, MembershipRoster.Fingerprint(c.Value), MembershipRoster.HospitalRole))
            .ToList());
        Trust = new RegistrationTrust(X509CertificateLoader.LoadCertificate(_authority.RawData), roster);
    }

    /// <summary>The federation's CA (public certificate only) and its roster.</summary>
    public RegistrationTrust Trust { get; }

    /// <summary>The roster identity of a hospital: its certificate with its private key.</summary>
    public NodeIdentity For(string hospitalId) => NodeIdentity.FromCertificate(_certificates[hospitalId]);

    /// <summary>A certificate the federation's CA issued to <paramref name="hospitalId"/> that the roster does not list.</summary>
    public NodeIdentity Unlisted(string hospitalId) => Keep(TestCertificates.Issue(_authority, hospitalId));

    /// <summary>A certificate for <paramref name="hospitalId"/> from a CA the federation does not trust.</summary>
    public NodeIdentity Foreign(string hospitalId) => Keep(TestCertificates.Issue(_foreignAuthority, hospitalId));

    public void Dispose()
    {
        foreach (var certificate in _certificates.Values.Concat(_extra))
            certificate.Dispose();
        Trust.Authority.Dispose();
        _authority.Dispose();
        _foreignAuthority.Dispose();
    }

    private NodeIdentity Keep(X509Certificate2 certificate)
    {
        _extra.Add(certificate);
        return NodeIdentity.FromCertificate(certificate);
    }
}
