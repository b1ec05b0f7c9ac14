using System.Buffers.Binary;

namespace FederatedHe.Crypto.Rlwe;

/// <summary>
/// The identifier of a parameter set: the SHA-256 digest of its canonical encoding. Every key,
/// plaintext and ciphertext carries it so material from another set is refused.
/// </summary>
/// <remarks>Immutable value type; thread-safe.</remarks>
public readonly record struct ParameterSetId(ulong Word0, ulong Word1, ulong Word2, ulong Word3)
{
    /// <summary>Length of the identifier in bytes.</summary>
    public const int Length = 32;

    /// <summary>Reads an identifier from 32 bytes.</summary>
    /// <exception cref="ArgumentException">The span is not 32 bytes.</exception>
    public static ParameterSetId FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Length)
        {
            throw new ArgumentException($"A parameter-set id is {Length} bytes.", nameof(bytes));
        }

        return new ParameterSetId(
            BinaryPrimitives.ReadUInt64BigEndian(bytes),
            BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]),
            BinaryPrimitives.ReadUInt64BigEndian(bytes[16..]),
            BinaryPrimitives.ReadUInt64BigEndian(bytes[24..]));
    }

    /// <summary>Writes the 32 bytes of the identifier.</summary>
    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, Word0);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], Word1);
        BinaryPrimitives.WriteUInt64BigEndian(destination[16..], Word2);
        BinaryPrimitives.WriteUInt64BigEndian(destination[24..], Word3);
    }

    /// <summary>The identifier as 64 lowercase hex digits.</summary>
    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[Length];
        WriteTo(bytes);
        return Convert.ToHexStringLower(bytes);
    }
}
