using System.Security.Cryptography.X509Certificates;
using Akka.Configuration;
using FederatedHe.Actors.Security;
using FederatedHe.Host.Security;

namespace FederatedHe.IntegrationTests.Security;

/// <summary>The cluster's CA, the files `fedhe certs` writes, and the check every TLS handshake makes.</summary>
public sealed class CertificateTests : IClassFixture<ClusterCertificates>
{
    private readonly ClusterCertificates _certificates;

    public CertificateTests(ClusterCertificates certificates) => _certificates = certificates;

    private ClusterPeerValidator Validator(bool withRoster = true) =>
        new(_certificates.AuthorityCertificate, withRoster ? _certificates.Roster : null);

    [Fact]
    public void A_node_certificate_names_its_node_and_serves_both_ends_of_TLS()
    {
        var certificate = _certificates.Hospital1;

        Assert.Equal("hospital-1", certificate.GetNameInfo(X509NameType.SimpleName, false));
        Assert.Equal(_certificates.Authority.Certificate.Subject, certificate.Issuer);
        var san = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Contains("hospital-1", san.EnumerateDnsNames());
        Assert.Contains(System.Net.IPAddress.Loopback, san.EnumerateIPAddresses());
        var usages = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>().Select(o => o.Value);
        Assert.Equal([ClusterCertificateAuthority.ServerAuthenticationOid, ClusterCertificateAuthority.ClientAuthenticationOid], usages);
        Assert.False(certificate.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);
    }

    [Fact]
    public void The_validator_accepts_roster_members_and_says_why_it_refuses_everyone_else()
    {
        var validator = Validator();

        Assert.Equal(new PeerCertificateCheck(PeerCertificateVerdict.Accepted, "hospital-1", $"hospital-1 (sha256 {MembershipRoster.Fingerprint(_certificates.Hospital1)})"),
            validator.Check(_certificates.Hospital1));
        Assert.Equal(PeerCertificateVerdict.NoCertificate, validator.Check(null).Verdict);
        Assert.Equal(PeerCertificateVerdict.UntrustedChain, validator.Check(_certificates.ForeignHospital1).Verdict);
        Assert.Equal(PeerCertificateVerdict.NotOnRoster, validator.Check(_certificates.Unlisted).Verdict);
        Assert.Equal(PeerCertificateVerdict.NotOnRoster, validator.Check(_certificates.SecondHospital1).Verdict);
        Assert.Equal(PeerCertificateVerdict.NotANodeCertificate, validator.Check(_certificates.AuthorityCertificate).Verdict);
    }

    [Fact]
    public void Without_a_roster_any_node_certificate_from_the_cluster_CA_is_accepted()
    {
        var validator = Validator(withRoster: false);

        Assert.True(validator.Check(_certificates.Unlisted).IsAccepted);
        Assert.True(validator.Check(_certificates.SecondHospital1).IsAccepted);
        Assert.False(validator.Check(_certificates.ForeignHospital1).IsAccepted);
    }

    [Fact]
    public void A_self_signed_certificate_that_copies_a_members_name_is_untrusted()
    {
        using var key = System.Security.Cryptography.ECDsa.Create();
        var request = new CertificateRequest("CN=hospital-1, O=FederatedHe", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
        using var forged = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(1));

        Assert.Equal(PeerCertificateVerdict.UntrustedChain, Validator().Check(forged).Verdict);
    }

    [Fact]
    public void A_node_refuses_to_start_with_a_certificate_its_peers_would_refuse()
    {
        var config = Nodes.BaseConfig("hospital");

        var foreign = Assert.Throws<TlsConfigurationException>(() =>
            ClusterTls.Setup(config, _certificates.ForeignHospital1, _certificates.AuthorityCertificate, _certificates.Roster));
        var wrongNode = Assert.Throws<TlsConfigurationException>(() =>
            ClusterTls.Setup(config, _certificates.Hospital2, _certificates.AuthorityCertificate, _certificates.Roster, "hospital-1"));

        Assert.Contains(nameof(PeerCertificateVerdict.UntrustedChain), foreign.Message);
        Assert.Contains("names node 'hospital-2', not 'hospital-1'", wrongNode.Message);
    }

    [Fact]
    public void Certificate_files_keep_private_keys_to_their_owner_and_load_back_with_the_written_roster()
    {
        var directory = Directory.CreateTempSubdirectory("fedhe-certs-").FullName;
        try
        {
            using var authority = ClusterCertificateAuthority.Create(TimeSpan.FromDays(1));
            var nodes = new[] { "aggregator", "hospital-1", "hospital-2" }
                .ToDictionary(id => id, id => authority.Issue(id, ["127.0.0.1"], TimeSpan.FromDays(1)));

            var roster = CertificateFiles.Write(directory, authority, nodes, password: null);

            if (!OperatingSystem.IsWindows())
            {
                var ownerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                Assert.Equal(ownerOnly, File.GetUnixFileMode(Path.Combine(directory, CertificateFiles.AuthorityKeyFile)));
                foreach (var id in nodes.Keys)
                    Assert.Equal(ownerOnly, File.GetUnixFileMode(Path.Combine(directory, CertificateFiles.NodeKeyStoreFile(id))));
            }

            var settings = ClusterTlsSettings.Create(
                ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(directory, CertificateFiles.RosterFile))), "hospital-2", directory);
            using var loaded = CertificateFiles.LoadNodeCertificate(settings.NodeCertificatePath, settings.Password);
            using var ca = CertificateFiles.LoadAuthority(settings.AuthorityPath);

            Assert.True(loaded.HasPrivateKey);
            Assert.Equal(roster.Entries, settings.Roster!.Entries);
            Assert.Equal(MembershipRoster.AggregatorRole, roster.Find("aggregator")!.Role);
            Assert.True(new ClusterPeerValidator(ca, settings.Roster).Check(loaded).IsAccepted);
            foreach (var certificate in nodes.Values)
                certificate.Dispose();
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void A_missing_certificate_file_is_reported_by_path()
    {
        var error = Assert.Throws<TlsConfigurationException>(() => CertificateFiles.LoadNodeCertificate("/nonexistent/hospital-1.p12", null));
        Assert.Equal("/nonexistent/hospital-1.p12", error.PathOrKey);
    }
}
