using System.Buffers.Binary;

namespace FederatedHe.Crypto.Ring;

/// <summary>
/// A 256-bit value as four big-endian 64-bit words: the shared encoding of digests and identifiers
/// (parameter-set ids, key ids, ciphertext fingerprints).
/// </summary>
internal static class Words256
{
    public const int Length = 32;

    /// <exception cref="ArgumentException">The span is not 32 bytes.</exception>
    public static (ulong Word0, ulong Word1, ulong Word2, ulong Word3) Read(ReadOnlySpan<byte> bytes, string what)
    {
        if (bytes.Length != Length)
        {
            throw new ArgumentException($"A {what} is {Length} bytes.", nameof(bytes));
        }

        return (BinaryPrimitives.ReadUInt64BigEndian(bytes),
            BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]),
            BinaryPrimitives.ReadUInt64BigEndian(bytes[16..]),
            BinaryPrimitives.ReadUInt64BigEndian(bytes[24..]));
    }

    public static void Write(Span<byte> destination, ulong word0, ulong word1, ulong word2, ulong word3)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, word0);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], word1);
        BinaryPrimitives.WriteUInt64BigEndian(destination[16..], word2);
        BinaryPrimitives.WriteUInt64BigEndian(destination[24..], word3);
    }

    public static string ToHex(ulong word0, ulong word1, ulong word2, ulong word3)
    {
        Span<byte> bytes = stackalloc byte[Length];
        Write(bytes, word0, word1, word2, word3);
        return Convert.ToHexStringLower(bytes);
    }
}
