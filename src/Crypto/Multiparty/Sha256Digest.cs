using System.Security.Cryptography;
using FederatedHe.Crypto.Ring;

namespace FederatedHe.Crypto.Multiparty;

/// <summary>
/// A SHA-256 digest, used as the identifier of a collective key (the digest of its serialized form)
/// and as the fingerprint of a ciphertext, so shares made for another key or ciphertext are refused.
/// </summary>
/// <remarks>Immutable value type; thread-safe.</remarks>
public readonly record struct Sha256Digest(ulong Word0, ulong Word1, ulong Word2, ulong Word3)
{
    /// <summary>Length of the digest in bytes.</summary>
    public const int Length = Words256.Length;

    /// <summary>The digest of <paramref name="data"/>.</summary>
    public static Sha256Digest Of(ReadOnlySpan<byte> data)
    {
        Span<byte> digest = stackalloc byte[Length];
        SHA256.HashData(data, digest);
        return FromBytes(digest);
    }

    /// <summary>Reads a digest from 32 bytes.</summary>
    /// <exception cref="ArgumentException">The span is not 32 bytes.</exception>
    public static Sha256Digest FromBytes(ReadOnlySpan<byte> bytes)
    {
        var (word0, word1, word2, word3) = Words256.Read(bytes, "digest");
        return new Sha256Digest(word0, word1, word2, word3);
    }

    /// <summary>Writes the 32 bytes.</summary>
    public void WriteTo(Span<byte> destination) => Words256.Write(destination, Word0, Word1, Word2, Word3);

    /// <summary>The value as 64 lowercase hex digits.</summary>
    public override string ToString() => Words256.ToHex(Word0, Word1, Word2, Word3);
}
