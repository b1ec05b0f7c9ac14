using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using FederatedHe.Actors.Security;

namespace FederatedHe.Actors.Tests;

/// <summary>
/// A federation's certificates as `fedhe certs` makes them (ECDSA P-256, CN = node id, EKU server and client
/// authentication), made here because the actors' tests do not reference the host: a CA with hospital-1,
/// hospital-2 and the aggregator on the roster, a second hospital-1 certificate the roster does not list,
/// and a foreign CA with its own hospital-1. Shared per test class: issuing takes milliseconds, but adds up.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    private const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuthentication = "1.3.6.1.5.5.7.3.2";

    public TestCertificates()
    {
        Authority = CreateAuthority("Test federation CA");
        Hospital1 = Issue(Authority, "hospital-1");
        Hospital2 = Issue(Authority, "hospital-2");
        Aggregator = Issue(Authority, "aggregator");
        UnlistedHospital1 = Issue(Authority, "hospital-1");
        ForeignAuthority = CreateAuthority("Rogue CA");
        ForeignHospital1 = Issue(ForeignAuthority, "hospital-1");
        Roster = MembershipRoster.Create([
            new RosterEntry("aggregator", MembershipRoster.Fingerprint(Aggregator), MembershipRoster.AggregatorRole),
            new RosterEntry("hospital-1", MembershipRoster.Fingerprint(Hospital1), MembershipRoster.HospitalRole),
            new RosterEntry("hospital-2", MembershipRoster.Fingerprint(Hospital2), MembershipRoster.HospitalRole),
        ]);
    }

    /// <summary>The federation's CA, with its private key.</summary>
    public X509Certificate2 Authority { get; }

    /// <summary>The federation's CA as a node holds it: the public certificate only.</summary>
    public X509Certificate2 PublicAuthority => X509CertificateLoader.LoadCertificate(Authority.RawData);

    public X509Certificate2 Hospital1 { get; }
    public X509Certificate2 Hospital2 { get; }
    public X509Certificate2 Aggregator { get; }

    /// <summary>Issued by the federation's CA to hospital-1, but not the certificate the roster lists for it.</summary>
    public X509Certificate2 UnlistedHospital1 { get; }

    public X509Certificate2 ForeignAuthority { get; }

    /// <summary>Issued to hospital-1 by a CA the federation does not trust.</summary>
    public X509Certificate2 ForeignHospital1 { get; }

    public MembershipRoster Roster { get; }

    /// <summary>The coordinator's trust: the public CA certificate and the roster.</summary>
    public RegistrationTrust Trust => new(PublicAuthority, Roster);

    public void Dispose()
    {
        foreach (var certificate in new[] { Hospital1, Hospital2, Aggregator, UnlistedHospital1, ForeignHospital1, Authority, ForeignAuthority })
            certificate.Dispose();
    }

    internal static X509Certificate2 CreateAuthority(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name} {Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}, O=FederatedHe", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
    }

    internal static X509Certificate2 Issue(X509Certificate2 authority, string nodeId)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={nodeId}, O=FederatedHe", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(ServerAuthentication), new Oid(ClientAuthentication)], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(authority, true, false));
        var now = DateTimeOffset.UtcNow;
        using var issued = request.Create(authority, now.AddMinutes(-5), now.AddHours(12), RandomNumberGenerator.GetBytes(16));
        // Through PKCS#12 and back, as a node loads its ID.p12, so the private key is usable on every platform.
        using var withKey = issued.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12, "test"), "test");
    }
}
