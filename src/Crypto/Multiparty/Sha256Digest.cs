using System.Buffers.Binary;
using System.Security.Cryptography;

namespace FederatedHe.Crypto.Multiparty;

/// <summary>
/// A SHA-256 digest, used as the identifier of a collective key (the digest of its serialized form)
/// and as the fingerprint of a ciphertext, so shares made for another key or ciphertext are refused.
/// </summary>
/// <remarks>Immutable value type; thread-safe.</remarks>
public readonly record struct Sha256Digest(ulong Word0, ulong Word1, ulong Word2, ulong Word3)
{
    /// <summary>Length of the digest in bytes.</summary>
    public const int Length = 32;

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
        if (bytes.Length != Length)
        {
            throw new ArgumentException($"A digest is {Length} bytes.", nameof(bytes));
        }

        return new Sha256Digest(
            BinaryPrimitives.ReadUInt64BigEndian(bytes),
            BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]),
            BinaryPrimitives.ReadUInt64BigEndian(bytes[16..]),
            BinaryPrimitives.ReadUInt64BigEndian(bytes[24..]));
    }

    /// <summary>Writes the 32 bytes of the digest.</summary>
    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, Word0);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], Word1);
        BinaryPrimitives.WriteUInt64BigEndian(destination[16..], Word2);
        BinaryPrimitives.WriteUInt64BigEndian(destination[24..], Word3);
    }

    /// <summary>The digest as 64 lowercase hex digits.</summary>
    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[Length];
        WriteTo(bytes);
        return Convert.ToHexStringLower(bytes);
    }
}
