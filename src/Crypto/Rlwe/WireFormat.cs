using System.Buffers.Binary;
using FederatedHe.Crypto.Ring;

namespace FederatedHe.Crypto.Rlwe;

/// <summary>Kinds of payload in the FederatedHe binary format.</summary>
public enum PayloadKind : byte
{
    /// <summary>A CKKS parameter set.</summary>
    Parameters = 1,

    /// <summary>A public key.</summary>
    PublicKey = 2,

    /// <summary>A secret key.</summary>
    SecretKey = 3,

    /// <summary>A ciphertext.</summary>
    Ciphertext = 4,

    /// <summary>An encrypted vector (a sequence of ciphertexts with a logical length).</summary>
    EncryptedVector = 5,

    /// <summary>
    /// One chunk of an addition-only aggregation: c0 in coefficient form with its low bits dropped and the
    /// seeds of every contributor's c1 (one for an update, k for a sum of k updates).
    /// </summary>
    AggregationChunk = 6,

    /// <summary>Threshold CKKS: a party's share of the collective public key.</summary>
    PublicKeyShare = 16,

    /// <summary>Threshold CKKS: a Shamir share of one party's secret, addressed to another party.</summary>
    ShamirShare = 17,

    /// <summary>Threshold CKKS: a party's combined threshold secret key.</summary>
    ThresholdSecretKey = 18,

    /// <summary>Threshold CKKS: a party's decryption share of one ciphertext.</summary>
    DecryptionShare = 19,

    /// <summary>Seeded threshold CKKS: the Shamir shares a party holds, one per dealer.</summary>
    DealtSecretShares = 20,

    /// <summary>Seeded threshold CKKS: one chunk of one party's update (c0, the party and the seed of a).</summary>
    SeededUpdateChunk = 21,

    /// <summary>Seeded threshold CKKS: one chunk of a sum of updates (Σ c0 and every contributor's party and seed).</summary>
    SeededAggregateChunk = 22,
}

/// <summary>
/// The versioned header in front of every payload, and the bounded readers behind it.
/// </summary>
/// <remarks>
/// Header layout (48 bytes, little-endian): magic "FHEC" (4), format version u16 (2), payload kind
/// u8 (1), flags u8 = 0 (1), parameter-set id (32), body length u64 (8). Readers validate every field
/// and allocate only what the parameter set bounds. Thread-safe (stateless).
/// </remarks>
public static class WireFormat
{
    /// <summary>Length of the header in bytes.</summary>
    public const int HeaderLength = 48;

    /// <summary>The current (and only) format version.</summary>
    public const ushort Version = 1;

    private static ReadOnlySpan<byte> Magic => "FHEC"u8;

    /// <summary>Writes a header.</summary>
    public static void WriteHeader(Span<byte> destination, PayloadKind kind, ParameterSetId id, long bodyLength)
    {
        Magic.CopyTo(destination);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[4..], Version);
        destination[6] = (byte)kind;
        destination[7] = 0;
        id.WriteTo(destination.Slice(8, ParameterSetId.Length));
        BinaryPrimitives.WriteUInt64LittleEndian(destination[40..], (ulong)bodyLength);
    }

    /// <summary>Parses and checks a header (magic, version, kind, flags); the caller checks id and length.</summary>
    /// <exception cref="CkksFormatException">A field is invalid or the header is truncated.</exception>
    public static (ParameterSetId Id, ulong BodyLength) ReadHeader(ReadOnlySpan<byte> header, PayloadKind expectedKind, long baseOffset = 0)
    {
        if (header.Length < HeaderLength)
        {
            throw new CkksFormatException("header", baseOffset + header.Length, $"truncated: {header.Length} of {HeaderLength} header bytes.");
        }

        if (!header[..4].SequenceEqual(Magic))
        {
            throw new CkksFormatException("magic", baseOffset, "not a FederatedHe payload (magic is not \"FHEC\").");
        }

        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(header[4..]);
        if (version != Version)
        {
            throw new CkksFormatException("version", baseOffset + 4, $"unsupported format version {version}; this library reads version {Version}.");
        }

        if (header[6] != (byte)expectedKind)
        {
            throw new CkksFormatException("kind", baseOffset + 6, $"payload kind {header[6]} where {expectedKind} ({(byte)expectedKind}) was expected.");
        }

        if (header[7] != 0)
        {
            throw new CkksFormatException("flags", baseOffset + 7, $"unknown flags 0x{header[7]:x2}.");
        }

        var id = ParameterSetId.FromBytes(header.Slice(8, ParameterSetId.Length));
        ulong length = BinaryPrimitives.ReadUInt64LittleEndian(header[40..]);
        return (id, length);
    }

    /// <summary>Checks that a payload's parameter-set id is the expected one.</summary>
    /// <exception cref="ParameterSetMismatchException">The ids differ.</exception>
    public static void CheckId(ParameterSetId expected, ParameterSetId actual, string material)
    {
        if (expected != actual)
        {
            throw new ParameterSetMismatchException(material, expected.ToString(), actual.ToString());
        }
    }

    /// <summary>Checks a declared body length against the exact length the parsed fields imply.</summary>
    /// <exception cref="CkksFormatException">The lengths differ.</exception>
    public static void CheckLength(ulong declared, long expected, long baseOffset)
    {
        if (declared != (ulong)expected)
        {
            throw new CkksFormatException("length", baseOffset + 40, $"body length {declared} where {expected} was expected.");
        }
    }

    /// <summary>Reads exactly <paramref name="destination"/>.Length bytes or throws a truncation error.</summary>
    /// <exception cref="CkksFormatException">The stream ended first.</exception>
    public static void ReadExactly(Stream stream, Span<byte> destination, string field, long offset)
    {
        ArgumentNullException.ThrowIfNull(stream);
        int total = 0;
        while (total < destination.Length)
        {
            int read = stream.Read(destination[total..]);
            if (read == 0)
            {
                throw new CkksFormatException(field, offset + total, $"truncated: {total} of {destination.Length} bytes.");
            }

            total += read;
        }
    }

    /// <summary>Bytes taken by one packed limb of residues modulo <paramref name="q"/>.</summary>
    public static int PackedLimbLength(int n, Modulus q)
    {
        ArgumentNullException.ThrowIfNull(q);
        return BitPacking.PackedLength(n, q.BitCount);
    }

    /// <summary>Packs the first <paramref name="limbCount"/> limbs of a polynomial; returns the bytes written.</summary>
    public static int WritePolynomial(RnsPolynomial polynomial, RingContext ring, int limbCount, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(polynomial);
        ArgumentNullException.ThrowIfNull(ring);
        int offset = 0;
        for (int l = 0; l < limbCount; l++)
        {
            Modulus q = ring.Moduli[l];
            int length = BitPacking.PackedLength(ring.N, q.BitCount);
            BitPacking.Pack(polynomial.Limb(l), q.BitCount, destination.Slice(offset, length));
            offset += length;
        }

        return offset;
    }

    /// <summary>Unpacks limbs into a polynomial, checking every residue is below its prime.</summary>
    /// <exception cref="CkksFormatException">A residue is out of range.</exception>
    public static int ReadPolynomial(ReadOnlySpan<byte> source, RingContext ring, int limbCount, RnsPolynomial destination, string field, long offset)
    {
        ArgumentNullException.ThrowIfNull(ring);
        ArgumentNullException.ThrowIfNull(destination);
        int position = 0;
        for (int l = 0; l < limbCount; l++)
        {
            Modulus q = ring.Moduli[l];
            int length = BitPacking.PackedLength(ring.N, q.BitCount);
            int bad = BitPacking.Unpack(source.Slice(position, length), q.BitCount, q.Value, destination.Limb(l));
            if (bad >= 0)
            {
                throw new CkksFormatException($"{field}.limb{l}", offset + position + ((long)bad * q.BitCount / 8), $"coefficient {bad} is not below the prime {q.Value}.");
            }

            position += length;
        }

        return position;
    }
}
