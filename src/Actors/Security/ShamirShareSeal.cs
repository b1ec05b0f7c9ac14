using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace FederatedHe.Actors.Security;

/// <summary>A Shamir share sealed for its recipient: AES-256-GCM nonce, ciphertext and tag.</summary>
public sealed record SealedShare(byte[] Nonce, byte[] Ciphertext, byte[] Tag);

/// <summary>
/// End-to-end encryption of a Shamir share from party i to party j: AES-256-GCM under the directional key i and j derived
/// from their signed key-agreement keys (<see cref="PartyKeyAgreement"/>), with associated data naming the session, the
/// collective key, and both parties by index and hospital id. Only j can open it, and a share that opens was sealed by
/// i: a tampered, misaddressed, replayed-from-another-session or foreign share fails authentication.
/// </summary>
/// <remarks>Pure: thread-safe.</remarks>
public static class ShamirShareSeal
{
    /// <summary>The AES-GCM nonce length.</summary>
    public const int NonceLength = 12;

    /// <summary>The AES-GCM tag length.</summary>
    public const int TagLength = 16;

    private const string Label = "FederatedHe sealed shamir share v1";

    /// <summary>The associated data of a share: label, session, key id, sender and recipient (index and id), length-prefixed.</summary>
    public static byte[] AssociatedData(string sessionId, string keyId, int senderParty, string senderId, int recipientParty, string recipientId)
    {
        using var buffer = new MemoryStream();
        Append(buffer, Encoding.ASCII.GetBytes(Label));
        Append(buffer, Encoding.UTF8.GetBytes(sessionId));
        Append(buffer, Encoding.UTF8.GetBytes(keyId));
        Span<byte> index = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(index, senderParty);
        Append(buffer, index);
        Append(buffer, Encoding.UTF8.GetBytes(senderId));
        BinaryPrimitives.WriteInt32BigEndian(index, recipientParty);
        Append(buffer, index);
        Append(buffer, Encoding.UTF8.GetBytes(recipientId));
        return buffer.ToArray();
    }

    /// <summary>Encrypts a share's bytes under <paramref name="key"/> with a fresh random nonce.</summary>
    public static SealedShare Seal(byte[] key, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        var nonce = RandomNumberGenerator.GetBytes(NonceLength);
        var ciphertext = new byte[plaintext.Length];
        var tag = new byte[TagLength];
        using var aes = new AesGcm(key, TagLength);
        aes.Encrypt(nonce, plaintext, ciphertext, tag, associatedData);
        return new SealedShare(nonce, ciphertext, tag);
    }

    /// <summary>Decrypts and authenticates a sealed share; the caller zeroes the returned plaintext after use.</summary>
    /// <exception cref="AuthenticationTagMismatchException">The share was not sealed under this key with this associated data, or was altered.</exception>
    /// <exception cref="ArgumentException">The nonce or tag has the wrong length.</exception>
    public static byte[] Open(byte[] key, SealedShare sealedShare, ReadOnlySpan<byte> associatedData)
    {
        ArgumentNullException.ThrowIfNull(sealedShare);
        if (sealedShare.Nonce is not { Length: NonceLength } || sealedShare.Tag is not { Length: TagLength })
            throw new ArgumentException($"a sealed share has a {NonceLength}-byte nonce and a {TagLength}-byte tag", nameof(sealedShare));
        var plaintext = new byte[sealedShare.Ciphertext.Length];
        using var aes = new AesGcm(key, TagLength);
        aes.Decrypt(sealedShare.Nonce, sealedShare.Ciphertext, sealedShare.Tag, plaintext, associatedData);
        return plaintext;
    }

    private static void Append(MemoryStream buffer, ReadOnlySpan<byte> field)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, field.Length);
        buffer.Write(length);
        buffer.Write(field);
    }
}
