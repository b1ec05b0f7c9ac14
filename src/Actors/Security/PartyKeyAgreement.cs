using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace FederatedHe.Actors.Security;

/// <summary>The keys two parties i and j share after key generation, derived from ECDH(ka_i, ka_j) and the transcript.</summary>
/// <param name="OtherParty">The other party's id j.</param>
/// <param name="SendKey">The AES-256-GCM key of Shamir shares from this party to j (secret).</param>
/// <param name="ReceiveKey">The AES-256-GCM key of Shamir shares from j to this party (secret).</param>
/// <param name="MaskSeed">The decryption-mask seed shared with j, identical at both ends (secret).</param>
public sealed record PairwiseSecrets(int OtherParty, byte[] SendKey, byte[] ReceiveKey, byte[] MaskSeed) : IDisposable
{
    /// <summary>Zeroes the keys (the mask seed is the caller's to keep or zero).</summary>
    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(SendKey);
        CryptographicOperations.ZeroMemory(ReceiveKey);
    }
}

/// <summary>
/// A party's key-agreement key pair for one key generation: a fresh ECDH P-256 key whose public half it commits to and
/// reveals under its certificate's signature, so a pairwise key derived with it is known to exactly the two parties named.
/// </summary>
/// <remarks>
/// Every derivation is HKDF-SHA256 over the raw ECDH secret, with the key-generation transcript hash as salt and an
/// info string naming the purpose and the parties: <c>FederatedHe shamir share v1</c> followed by the sender's and the
/// recipient's party id (one key per direction), or <c>fedhe decryption mask</c> followed by both ids in ascending order
/// (one seed per pair). The raw secret is zeroed as soon as it is expanded; disposing the instance releases the private
/// key, which is needed only until the pairwise secrets are derived. Not thread-safe: one key holder owns it.
/// </remarks>
public sealed class PartyKeyAgreement : IDisposable
{
    /// <summary>The length of every derived key and seed, in bytes.</summary>
    public const int SecretLength = 32;

    /// <summary>The longest encoded public key accepted (a P-256 SubjectPublicKeyInfo is 91 bytes).</summary>
    public const int MaxPublicKeyBytes = 256;

    private const string ShareKeyInfo = "FederatedHe shamir share v1";
    private const string MaskSeedInfo = "fedhe decryption mask";
    private static readonly Oid P256 = ECCurve.NamedCurves.nistP256.Oid;

    private ECDiffieHellman? _key;

    private PartyKeyAgreement(ECDiffieHellman key, int partyId)
    {
        _key = key;
        PartyId = partyId;
        PublicKey = key.ExportSubjectPublicKeyInfo();
    }

    /// <summary>This party's id.</summary>
    public int PartyId { get; }

    /// <summary>The public key, as a DER SubjectPublicKeyInfo.</summary>
    public byte[] PublicKey { get; }

    /// <summary>Generates a fresh key pair for party <paramref name="partyId"/>.</summary>
    public static PartyKeyAgreement Create(int partyId) => new(ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256), partyId);

    /// <summary>Why the bytes are not a P-256 public key in SubjectPublicKeyInfo form, or null if they are.</summary>
    public static string? PublicKeyProblem(byte[]? publicKey)
    {
        if (publicKey is null || publicKey.Length == 0 || publicKey.Length > MaxPublicKeyBytes)
            return $"a key-agreement key of {publicKey?.Length ?? 0} bytes (1 to {MaxPublicKeyBytes})";
        try
        {
            using var key = Import(publicKey);
            return null;
        }
        catch (CryptographicException e)
        {
            return $"a key-agreement key that is not a P-256 public key: {e.Message}";
        }
    }

    /// <summary>
    /// The secrets shared with every party, derived from this party's private key and each party's public key. The
    /// private key is released afterwards: nothing else needs it.
    /// </summary>
    /// <param name="publicKeysByParty">Every party's public key (party j is element j−1), this party's own included.</param>
    /// <param name="salt">The key-generation transcript hash (<see cref="KeyGenerationTranscript.Salt"/>).</param>
    /// <returns>One entry per party, this party's own included (its share to itself travels like the others).</returns>
    /// <exception cref="InvalidOperationException">The secrets were already derived.</exception>
    /// <exception cref="CryptographicException">A public key is not a P-256 public key.</exception>
    public IReadOnlyDictionary<int, PairwiseSecrets> DeriveAll(IReadOnlyList<byte[]> publicKeysByParty, ReadOnlySpan<byte> salt)
    {
        ArgumentNullException.ThrowIfNull(publicKeysByParty);
        var key = _key ?? throw new InvalidOperationException($"party {PartyId}'s key-agreement secrets were already derived");
        var secrets = new Dictionary<int, PairwiseSecrets>();
        try
        {
            for (var other = 1; other <= publicKeysByParty.Count; other++)
            {
                using var otherKey = Import(publicKeysByParty[other - 1]);
                var shared = key.DeriveRawSecretAgreement(otherKey.PublicKey);
                try
                {
                    secrets[other] = new PairwiseSecrets(other,
                        HKDF.DeriveKey(HashAlgorithmName.SHA256, shared, SecretLength, salt.ToArray(), Info(ShareKeyInfo, PartyId, other)),
                        HKDF.DeriveKey(HashAlgorithmName.SHA256, shared, SecretLength, salt.ToArray(), Info(ShareKeyInfo, other, PartyId)),
                        HKDF.DeriveKey(HashAlgorithmName.SHA256, shared, SecretLength, salt.ToArray(), Info(MaskSeedInfo, Math.Min(PartyId, other), Math.Max(PartyId, other))));
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(shared);
                }
            }
        }
        catch
        {
            foreach (var made in secrets.Values)
            {
                made.Dispose();
                CryptographicOperations.ZeroMemory(made.MaskSeed);
            }

            throw;
        }
        finally
        {
            Dispose();
        }

        return secrets;
    }

    /// <summary>Releases the private key.</summary>
    public void Dispose()
    {
        _key?.Dispose();
        _key = null;
    }

    private static ECDiffieHellman Import(byte[] publicKey)
    {
        var key = ECDiffieHellman.Create();
        try
        {
            key.ImportSubjectPublicKeyInfo(publicKey, out var read);
            if (read != publicKey.Length)
                throw new CryptographicException($"{publicKey.Length - read} bytes follow the key");
            if (key.ExportParameters(false).Curve.Oid.Value != P256.Value)
                throw new CryptographicException("the key is not on curve P-256");
            return key;
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    private static byte[] Info(string label, int first, int second)
    {
        var text = Encoding.ASCII.GetBytes(label);
        var info = new byte[text.Length + 4];
        text.CopyTo(info, 0);
        BinaryPrimitives.WriteUInt16BigEndian(info.AsSpan(text.Length), (ushort)first);
        BinaryPrimitives.WriteUInt16BigEndian(info.AsSpan(text.Length + 2), (ushort)second);
        return info;
    }
}
