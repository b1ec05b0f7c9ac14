using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace FederatedHe.Crypto.Ring;

/// <summary>
/// An expandable pseudo-random generator: AES-256 in counter mode keyed with a 32-byte seed, so any
/// polynomial sampled from it can be regenerated from the seed alone (e.g. the uniform half of a
/// compact ciphertext or a common reference polynomial).
/// </summary>
/// <remarks>
/// <para>Keystream definition (pinned by known-answer tests): block k is AES-256_seed(k), where the
/// counter k is a 128-bit little-endian integer starting at 0; the output is the concatenation of the
/// blocks. The blocks are produced in batches with <see cref="SymmetricAlgorithm.EncryptEcb(ReadOnlySpan{byte}, Span{byte}, PaddingMode)"/>,
/// which uses AES-NI through the platform's cryptographic library.</para>
/// <para>Fresh seeds come from <see cref="RandomNumberGenerator"/>. Not thread-safe: one instance per thread.</para>
/// </remarks>
public sealed class AesCtrPrng : IDisposable
{
    /// <summary>Seed length in bytes (an AES-256 key).</summary>
    public const int SeedLength = 32;

    private const int BufferLength = 8192;
    private readonly Aes _aes;
    private readonly byte[] _counterBlocks = new byte[BufferLength];
    private readonly byte[] _buffer = new byte[BufferLength];
    private int _position = BufferLength;
    private ulong _counter;

    /// <summary>Creates the generator from a 32-byte seed.</summary>
    /// <exception cref="ArgumentException">The seed is not 32 bytes.</exception>
    public AesCtrPrng(ReadOnlySpan<byte> seed)
    {
        if (seed.Length != SeedLength)
        {
            throw new ArgumentException($"The seed must be {SeedLength} bytes.", nameof(seed));
        }

        _aes = Aes.Create();
        byte[] key = seed.ToArray();
        _aes.Key = key; // the setter copies; the copy is cleared when _aes is disposed
        CryptographicOperations.ZeroMemory(key);
    }

    /// <summary>Creates the generator from a secret seed and zeroes the seed.</summary>
    /// <exception cref="ArgumentException">The seed is not 32 bytes.</exception>
    internal static AesCtrPrng FromSecretSeed(byte[] seed)
    {
        try
        {
            return new AesCtrPrng(seed);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    /// <summary>Creates a generator from a fresh seed drawn from <see cref="RandomNumberGenerator"/>.</summary>
    public static AesCtrPrng CreateRandom()
    {
        Span<byte> seed = stackalloc byte[SeedLength];
        RandomNumberGenerator.Fill(seed);
        var prng = new AesCtrPrng(seed);
        CryptographicOperations.ZeroMemory(seed);
        return prng;
    }

    /// <summary>A fresh 32-byte seed from <see cref="RandomNumberGenerator"/>.</summary>
    public static byte[] NewSeed() => RandomNumberGenerator.GetBytes(SeedLength);

    /// <summary>Fills <paramref name="destination"/> with the next keystream bytes.</summary>
    public void Fill(Span<byte> destination)
    {
        while (!destination.IsEmpty)
        {
            if (_position == BufferLength)
            {
                Refill();
            }

            int take = Math.Min(destination.Length, BufferLength - _position);
            _buffer.AsSpan(_position, take).CopyTo(destination);
            _position += take;
            destination = destination[take..];
        }
    }

    /// <summary>The next 8 keystream bytes as a little-endian 64-bit integer.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong NextUInt64()
    {
        if (_position > BufferLength - 8)
        {
            // Keep reads 8-byte aligned: the buffer length is a multiple of 8, so this only refills.
            Refill();
        }

        ulong value = BinaryPrimitives.ReadUInt64LittleEndian(_buffer.AsSpan(_position, 8));
        _position += 8;
        return value;
    }

    /// <summary>The next keystream byte.</summary>
    /// <summary>
    /// Fills <paramref name="destination"/> with exactly the words that as many <see cref="NextUInt64"/> calls
    /// would return, in order, by block copies from the buffer.
    /// </summary>
    public void NextUInt64s(Span<ulong> destination)
    {
        while (!destination.IsEmpty)
        {
            if (_position > BufferLength - 8)
            {
                Refill();
            }

            int take = Math.Min(destination.Length, (BufferLength - _position) / 8);
            for (int k = 0; k < take; k++)
            {
                destination[k] = BinaryPrimitives.ReadUInt64LittleEndian(_buffer.AsSpan(_position + (8 * k), 8));
            }

            _position += 8 * take;
            destination = destination[take..];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte NextByte()
    {
        if (_position == BufferLength)
        {
            Refill();
        }

        return _buffer[_position++];
    }

    /// <summary>Disposes of the AES key schedule (which clears its copy of the key) and zeroes the buffered keystream.</summary>
    public void Dispose()
    {
        _aes.Dispose();
        CryptographicOperations.ZeroMemory(_buffer);
        CryptographicOperations.ZeroMemory(_counterBlocks);
        _position = BufferLength;
    }

    private void Refill()
    {
        Span<byte> blocks = _counterBlocks;
        for (int offset = 0; offset < BufferLength; offset += 16)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(blocks.Slice(offset, 8), _counter++);
        }

        _aes.EncryptEcb(_counterBlocks, _buffer, PaddingMode.None);
        _position = 0;
    }
}
