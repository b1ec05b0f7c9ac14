using FederatedHe.Crypto.Ring;

namespace FederatedHe.Crypto.Rlwe;

/// <summary>
/// The identifier of a parameter set: the SHA-256 digest of its canonical encoding. Every key,
/// plaintext and ciphertext carries it so material from another set is refused.
/// </summary>
/// <remarks>Immutable value type; thread-safe.</remarks>
public readonly record struct ParameterSetId(ulong Word0, ulong Word1, ulong Word2, ulong Word3)
{
    /// <summary>Length of the identifier in bytes.</summary>
    public const int Length = Words256.Length;

    /// <summary>Reads an identifier from 32 bytes.</summary>
    /// <exception cref="ArgumentException">The span is not 32 bytes.</exception>
    public static ParameterSetId FromBytes(ReadOnlySpan<byte> bytes)
    {
        var (word0, word1, word2, word3) = Words256.Read(bytes, "parameter-set id");
        return new ParameterSetId(word0, word1, word2, word3);
    }

    /// <summary>Writes the 32 bytes.</summary>
    public void WriteTo(Span<byte> destination) => Words256.Write(destination, Word0, Word1, Word2, Word3);

    /// <summary>The value as 64 lowercase hex digits.</summary>
    public override string ToString() => Words256.ToHex(Word0, Word1, Word2, Word3);
}
