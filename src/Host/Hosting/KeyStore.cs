using System.Security.Cryptography;
using FederatedHe.Crypto;
using FederatedHe.Crypto.Ckks;
using FederatedHe.Crypto.Rlwe;

namespace FederatedHe.Host.Hosting;

/// <summary>
/// The files `fedhe keygen` writes for shared-key mode: the CKKS parameters and public key (which the
/// aggregator may have) and the secret key (which only hospitals may have), in the library's
/// validating binary format.
/// </summary>
internal static class KeyStore
{
    public const string ParametersFile = "parameters.ckks";
    public const string PublicKeyFile = "public.key";
    public const string SecretKeyFile = "secret.key";

    /// <summary>Generates a key pair for a parameter set and writes all three files.</summary>
    public static void Generate(CkksParameters parameters, string directory)
    {
        Directory.CreateDirectory(directory);
        var (secretKey, publicKey) = new KeyGenerator(parameters).GenerateKeyPair();
        using (secretKey)
        {
            File.WriteAllBytes(Path.Combine(directory, ParametersFile), parameters.ToBytes());
            File.WriteAllBytes(Path.Combine(directory, PublicKeyFile), publicKey.ToBytes());
            var secretBytes = secretKey.ToBytes();
            try
            {
                WriteOwnerOnly(Path.Combine(directory, SecretKeyFile), secretBytes);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(secretBytes);
            }
        }
    }

    /// <summary>
    /// Writes a secret file that is owner-only (0600) from the moment it exists: a fresh temporary file
    /// created with that mode, then moved over the old one, so no other user can open it in between.
    /// </summary>
    private static void WriteOwnerOnly(string path, byte[] contents)
    {
        var temporary = path + ".tmp";
        // A leftover temporary file would keep its old mode when reopened: start from none.
        File.Delete(temporary);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(temporary, options))
        {
            stream.Write(contents);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Reads the parameters from a key directory.</summary>
    /// <exception cref="KeyStoreException">A file is missing or malformed.</exception>
    public static CkksParameters ReadParameters(string directory) =>
        Read(directory, ParametersFile, bytes => CkksParameters.FromBytes(bytes));

    /// <summary>Reads the parameters and both keys, as a hospital needs them.</summary>
    /// <exception cref="KeyStoreException">A file is missing, malformed or of another parameter set.</exception>
    public static (CkksParameters Parameters, PublicKey PublicKey, SecretKey SecretKey) ReadHospitalKeys(string directory)
    {
        var parameters = ReadParameters(directory);
        var publicKey = Read(directory, PublicKeyFile, bytes => PublicKey.FromBytes(parameters, bytes));
        var secretKey = Read(directory, SecretKeyFile, bytes => SecretKey.FromBytes(parameters, bytes));
        return (parameters, publicKey, secretKey);
    }

    private static T Read<T>(string directory, string file, Func<byte[], T> parse)
    {
        var path = Path.Combine(directory, file);
        if (!File.Exists(path))
            throw new KeyStoreException(path, "the file does not exist (run `fedhe keygen`)");
        try
        {
            return parse(File.ReadAllBytes(path));
        }
        catch (Exception exception) when (exception is CkksFormatException or ParameterSetMismatchException or CkksParameterException)
        {
            throw new KeyStoreException(path, exception.Message);
        }
    }
}

/// <summary>A key file is missing, malformed or of another parameter set.</summary>
internal sealed class KeyStoreException(string path, string problem) : Exception($"{path}: {problem}")
{
    /// <summary>The offending file.</summary>
    public string FilePath { get; } = path;
}
