using FederatedHe.IntegrationTests.Models;

namespace FederatedHe.IntegrationTests.Cli;

/// <summary>`fedhe keygen` and `fedhe certs` never replace a secret an operator already handed out, unless told to.</summary>
public sealed class SecretFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("fedhe-secret-files-").FullName;

    [Fact]
    public async Task Keygen_refuses_to_overwrite_a_secret_key_without_force_and_replaces_it_with_force()
    {
        Assert.Equal(0, (await FedheProcess.RunAsync("keygen", "--out", _directory)).ExitCode);
        var secret = File.ReadAllBytes(Path.Combine(_directory, "secret.key"));

        var again = await FedheProcess.RunAsync("keygen", "--out", _directory);

        Assert.Equal(2, again.ExitCode);
        Assert.Contains("already holds secret.key", again.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("--force", again.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(secret, File.ReadAllBytes(Path.Combine(_directory, "secret.key")));

        Assert.Equal(0, (await FedheProcess.RunAsync("keygen", "--out", _directory, "--force")).ExitCode);
        Assert.NotEqual(secret, File.ReadAllBytes(Path.Combine(_directory, "secret.key")));
    }

    [Fact]
    public async Task Certs_refuses_to_replace_a_CA_without_force_and_with_force_leaves_no_certificate_of_the_old_CA()
    {
        Assert.Equal(0, (await FedheProcess.RunAsync("certs", "--out", _directory, "--nodes", "aggregator,hospital-1,hospital-2")).ExitCode);
        var authority = File.ReadAllText(Path.Combine(_directory, "ca.crt"));

        var again = await FedheProcess.RunAsync("certs", "--out", _directory, "--nodes", "aggregator,hospital-1");

        Assert.Equal(2, again.ExitCode);
        Assert.Contains("already holds a CA", again.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(authority, File.ReadAllText(Path.Combine(_directory, "ca.crt")));

        Assert.Equal(0, (await FedheProcess.RunAsync("certs", "--out", _directory, "--nodes", "aggregator,hospital-1", "--force")).ExitCode);
        Assert.NotEqual(authority, File.ReadAllText(Path.Combine(_directory, "ca.crt")));
        Assert.False(File.Exists(Path.Combine(_directory, "hospital-2.p12")), "the old CA's hospital-2.p12 is still there");
        Assert.True(File.Exists(Path.Combine(_directory, "hospital-1.p12")));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
