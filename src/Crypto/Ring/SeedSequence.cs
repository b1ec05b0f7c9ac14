using System.Buffers.Binary;
using System.Security.Cryptography;

namespace FederatedHe.Crypto.Ring;

/// <summary>
/// Fresh 32-byte seeds that one instance never repeats: seed k is SHA-256(instance key ‖ k) for a 256-bit
/// instance key and a 64-bit counter that only increases, so two instances collide only if SHA-256 does.
/// Nobody can hand an encryptor a seed; it takes them from here.
/// </summary>
/// <remarks>Thread-safe: the counter is advanced atomically.</remarks>
internal sealed class SeedSequence
{
    private readonly byte[] _key;
    private long _counter = -1;

    /// <summary>A sequence keyed from the operating system's generator.</summary>
    public SeedSequence()
        : this(RandomNumberGenerator.GetBytes(32))
    {
    }

    /// <summary>A sequence with a known key, for known-answer tests only.</summary>
    public SeedSequence(byte[] key)
    {
        ArgumentNullException.ThrowIfNull(key);
        _key = key;
    }

    /// <summary>The next seed.</summary>
    /// <exception cref="SeedReuseException">The 2^63 seeds of the instance are used up.</exception>
    public byte[] Next()
    {
        long counter = Interlocked.Increment(ref _counter);
        if (counter < 0)
        {
            throw new SeedReuseException("this encryptor has used all of its 2^63 seeds; create a new one.");
        }

        Span<byte> input = stackalloc byte[32 + 8];
        _key.CopyTo(input);
        BinaryPrimitives.WriteInt64LittleEndian(input[32..], counter);
        return SHA256.HashData(input);
    }
}
