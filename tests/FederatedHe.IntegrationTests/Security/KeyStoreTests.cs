using FederatedHe.Crypto.Ckks;
using FederatedHe.Host.Hosting;

namespace FederatedHe.IntegrationTests.Security;

/// <summary>The shared-key files `fedhe keygen` writes: the secret key is owner-only, even over an older, readable file.</summary>
public sealed class KeyStoreTests
{
    private static readonly UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public void The_secret_key_is_owner_only_and_replaces_a_readable_older_file_without_loosening_its_mode()
    {
        if (OperatingSystem.IsWindows())
            return;
        var directory = Directory.CreateTempSubdirectory("fedhe-keystore-").FullName;
        try
        {
            var secretPath = Path.Combine(directory, KeyStore.SecretKeyFile);
            File.WriteAllBytes(secretPath, [1, 2, 3]);
            File.SetUnixFileMode(secretPath, OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

            KeyStore.Generate(CkksPresets.Params128BitLogN13FedAvg, directory);

            Assert.Equal(OwnerOnly, File.GetUnixFileMode(secretPath));
            Assert.False(File.Exists(secretPath + ".tmp"));
            var (parameters, _, secretKey) = KeyStore.ReadHospitalKeys(directory);
            using (secretKey)
                Assert.Equal(CkksPresets.Params128BitLogN13FedAvg.Id, parameters.Id);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
