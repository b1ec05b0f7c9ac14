using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using FederatedHe.Host.Cli;
using FederatedHe.Host.Monitor;

namespace FederatedHe.IntegrationTests.Monitor;

/// <summary>
/// The dashboard binds to loopback by default; anywhere else it needs TLS and a token, and with a token every request
/// must carry it. The served case binds 127.0.0.2 (a loopback address other than the default), never a real interface.
/// </summary>
public sealed class DashboardBindingTests : IDisposable
{
    private const string Token = "a-dashboard-token-of-32-characters";

    private readonly string _directory = Directory.CreateTempSubdirectory("fedhe-dashboard-binding-").FullName;

    [Theory]
    [InlineData("0.0.0.0", false, false, "(missing: --https-certificate and --token-file)")]
    [InlineData("0.0.0.0", true, false, "(missing: --token-file)")]
    [InlineData("0.0.0.0", false, true, "(missing: --https-certificate)")]
    public void A_bind_off_loopback_without_TLS_and_a_token_is_refused_with_one_line_naming_what_is_missing(string address, bool tls, bool token, string missing)
    {
        var refusal = Assert.Throws<ArgumentException>(() =>
            MonitorCommand.Binding(address, 0, tls ? CertificateFile() : null, token ? TokenFile() : null, _directory));

        Assert.StartsWith($"--bind {address}: the dashboard binds to loopback only, unless it is given TLS and a token", refusal.Message, StringComparison.Ordinal);
        Assert.EndsWith(missing, refusal.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', refusal.Message);
    }

    [Fact]
    public void The_default_bind_is_loopback_and_needs_neither()
    {
        var binding = MonitorCommand.Binding("127.0.0.1", 0, null, null, _directory);

        Assert.True(IPAddress.IsLoopback(binding.Address));
        Assert.Null(binding.Certificate);
        Assert.Null(binding.Token);
    }

    [Fact]
    public async Task With_TLS_and_a_token_a_request_without_the_token_gets_401_and_one_with_it_is_served_over_HTTPS()
    {
        var certificatePath = CertificateFile();
        var binding = MonitorCommand.Binding("127.0.0.2", 0, certificatePath, TokenFile(), _directory);
        await using var dashboard = await DashboardServer.StartAsync(new MonitorHub(MonitorState.Empty), binding, CancellationToken.None);
        var url = new Uri(dashboard.Url);
        Assert.Equal(("https", "127.0.0.2"), (url.Scheme, url.Host));

        // Only this certificate is trusted: the client checks the server really is the dashboard it started.
        var expected = X509CertificateLoader.LoadPkcs12FromFile(certificatePath, null).Thumbprint;
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, certificate, _, _) => certificate?.Thumbprint == expected };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };

        using var anonymous = await http.GetAsync(new Uri(url, "api/state"));
        using var wrong = await http.GetAsync(new Uri(url, "api/state?token=not-the-token-at-all-but-long"));
        using var byQuery = await http.GetAsync(new Uri(url, $"api/state?token={Token}"));
        using var byHeader = new HttpRequestMessage(HttpMethod.Get, new Uri(url, "api/state")) { Headers = { { "Authorization", $"Bearer {Token}" } } };
        using var headerResponse = await http.SendAsync(byHeader);
        using var page = await http.GetAsync(new Uri(url, $"?token={Token}"));

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Contains("a token is required", await anonymous.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.OK, byQuery.StatusCode);
        Assert.Contains("\"members\"", await byQuery.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, headerResponse.StatusCode);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string TokenFile()
    {
        var path = Path.Combine(_directory, "token.txt");
        File.WriteAllText(path, Token + "\n");
        return path;
    }

    /// <summary>A self-signed server certificate for 127.0.0.2 with its key, as a PKCS#12 file without a password.</summary>
    private string CertificateFile()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=fedhe-dashboard", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Parse("127.0.0.2"));
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var path = Path.Combine(_directory, "dashboard.p12");
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pkcs12));
        return path;
    }
}
