using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;

namespace FederatedHe.Privacy.Noise;

/// <summary>
/// The source of every random bit that privacy depends on: which records a DP-SGD step samples and the
/// noise it adds.
/// </summary>
/// <remarks>
/// <para>Production code uses <see cref="CreateSecure"/>, backed by the operating system's
/// cryptographically secure generator (<see cref="RandomNumberGenerator"/>): a guessable noise stream
/// would let anyone who sees the model subtract the noise. There is deliberately no seeded constructor
/// for production; reproducible tests use <see cref="UnsafeSeededForTests"/>, whose name says what it is.</para>
/// <para>Draws are exact: <see cref="UniformBelow(UInt128)"/> rejects rather than reduces modulo, and
/// <see cref="Bernoulli(UInt128, UInt128)"/> compares integers, so probabilities are exactly the rational numbers asked for.</para>
/// <para>Not thread-safe: one instance per training thread.</para>
/// </remarks>
public abstract class NoiseRandomness
{
    private readonly byte[] _buffer = new byte[4096];
    private int _position = 4096;

    private protected NoiseRandomness()
    {
    }

    /// <summary>A source backed by the operating system's cryptographically secure generator.</summary>
    public static NoiseRandomness CreateSecure() => new SecureNoiseRandomness();

    /// <summary>
    /// A deterministic source for tests only (SHA-256 of the seed and a block counter). Never use it to
    /// train on real data: anyone who knows the seed can remove the noise.
    /// </summary>
    public static NoiseRandomness UnsafeSeededForTests(long seed) => new SeededNoiseRandomness(seed);

    /// <summary>64 uniformly random bits.</summary>
    public ulong NextUInt64()
    {
        if (_position > _buffer.Length - 8)
        {
            Refill(_buffer);
            _position = 0;
        }
        var value = BinaryPrimitives.ReadUInt64LittleEndian(_buffer.AsSpan(_position, 8));
        _position += 8;
        return value;
    }

    /// <summary>A uniformly random integer in [0, <paramref name="exclusiveBound"/>), by rejection.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The bound is 0.</exception>
    public UInt128 UniformBelow(UInt128 exclusiveBound)
    {
        if (exclusiveBound == UInt128.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(exclusiveBound), "The bound must be positive.");
        }
        if (exclusiveBound <= ulong.MaxValue)
        {
            return UniformBelow((ulong)exclusiveBound);
        }
        var bits = 128 - (int)UInt128.LeadingZeroCount(exclusiveBound - 1);
        var mask = bits == 128 ? UInt128.MaxValue : (UInt128.One << bits) - 1;
        while (true)
        {
            var candidate = bits <= 64 ? (UInt128)NextUInt64() : new UInt128(NextUInt64(), NextUInt64());
            candidate &= mask;
            if (candidate < exclusiveBound)
            {
                return candidate;
            }
        }
    }

    /// <summary>A uniformly random integer in [0, <paramref name="exclusiveBound"/>), by rejection; the 64-bit path the sampler spends most of its time in.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The bound is 0.</exception>
    public ulong UniformBelow(ulong exclusiveBound)
    {
        if (exclusiveBound == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(exclusiveBound), "The bound must be positive.");
        }
        if (exclusiveBound == 1)
        {
            return 0;
        }
        var bits = 64 - BitOperations.LeadingZeroCount(exclusiveBound - 1);
        var mask = bits == 64 ? ulong.MaxValue : (1UL << bits) - 1;
        while (true)
        {
            var candidate = NextUInt64() & mask;
            if (candidate < exclusiveBound)
            {
                return candidate;
            }
        }
    }

    /// <summary>True with probability exactly <paramref name="numerator"/>/<paramref name="denominator"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The denominator is 0 or below the numerator.</exception>
    public bool Bernoulli(UInt128 numerator, UInt128 denominator)
    {
        if (denominator == UInt128.Zero || numerator > denominator)
        {
            throw new ArgumentOutOfRangeException(nameof(denominator), $"{numerator}/{denominator} is not a probability.");
        }
        return UniformBelow(denominator) < numerator;
    }

    /// <summary>True with probability p, resolved to 2⁻⁵³ and never above p: ⌊p·2⁵³⌋/2⁵³.</summary>
    /// <exception cref="ArgumentOutOfRangeException">p is outside [0, 1].</exception>
    public bool Bernoulli(double probability)
    {
        if (!(probability >= 0 && probability <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(probability), probability, "Must be in [0, 1].");
        }
        const ulong Scale = 1UL << 53;
        var numerator = (ulong)Math.Floor(probability * Scale);
        return (NextUInt64() >> 11) < numerator;
    }

    /// <summary>Fills <paramref name="destination"/> with random bytes.</summary>
    private protected abstract void Refill(Span<byte> destination);

    private sealed class SecureNoiseRandomness : NoiseRandomness
    {
        private protected override void Refill(Span<byte> destination) => RandomNumberGenerator.Fill(destination);
    }

    private sealed class SeededNoiseRandomness(long seed) : NoiseRandomness
    {
        private ulong _block;

        private protected override void Refill(Span<byte> destination)
        {
            Span<byte> input = stackalloc byte[16];
            BinaryPrimitives.WriteInt64LittleEndian(input, seed);
            for (var offset = 0; offset < destination.Length; offset += 32)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(input[8..], _block++);
                SHA256.HashData(input, destination.Slice(offset, Math.Min(32, destination.Length - offset)));
            }
        }
    }
}
