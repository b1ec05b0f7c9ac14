using System.Buffers.Binary;
using FederatedHe.Crypto.Ring;
using FederatedHe.Crypto.Rlwe;

namespace FederatedHe.Crypto.Ckks;

/// <summary>
/// One chunk of a vector in an addition-only (FedAvg) aggregation over a single-modulus parameter set:
/// the secret-key ciphertext (c0, c1) kept as c0 in coefficient form with its low
/// <see cref="DroppedBits"/> bits dropped, and c1 = Σ a_i carried as the 32-byte seeds the a_i expand
/// from. An update (one hospital) has one seed; the sum of k updates has k.
/// </summary>
/// <remarks>
/// <para><b>Why c1 can stay a list of seeds.</b> Secret-key encryption gives c1 = a with a uniform and
/// public, expanded by AES-CTR from a seed; the sum of k ciphertexts has c1 = Σ a_i, which whoever holds
/// the key re-expands from the k seeds (k·N pseudo-random words, cheap) instead of receiving N words.</para>
/// <para><b>Why low bits of c0 can be dropped.</b> c0 = m + e − a·s mod q0. Writing t = round(c0 / 2^b)
/// and reading t·2^b mod q0 changes c0 by at most 2^(b−1) per coefficient, an error added like the
/// encryption noise e (σ = 3.2): it moves each decoded value by at most 2^(b−1)·N/Δ (worst case, all
/// coefficients aligned) and in practice by about 2^b/√12·√(N/2)/Δ (one standard deviation). Each
/// contribution and the written sum add one such rounding; see
/// <see cref="AggregationEncryptor.DefaultDroppedBits"/> for the choice of b. Dropping bits is
/// post-processing of a public value and does not touch security.</para>
/// <para>Wire body (after the 48-byte header, kind <see cref="PayloadKind.AggregationChunk"/>), little-endian:
/// chunk index u32, vector length u32, dropped bits u8, seed count u16 (≥ 1), the seeds (32 bytes each,
/// pairwise distinct), then the N values t packed at (bits of q0 − dropped bits) bits each. The chunk
/// holds the values [index·V, min((index+1)·V, length)) of the vector, V =
/// <see cref="CkksParameters.ValuesPerCiphertext"/>; the scale is the set's default scale.</para>
/// <para>Immutable after construction; thread-safe.</para>
/// </remarks>
public sealed class AggregationChunk
{
    /// <summary>The most contributions one chunk may carry (the seed count is a u16).</summary>
    public const int MaxContributors = ushort.MaxValue;

    private const int FixedBodyLength = 4 + 4 + 1 + 2;
    private readonly byte[][] _seeds;
    private readonly ulong[] _rounded;

    private AggregationChunk(CkksParameters parameters, int chunkIndex, int vectorLength, int droppedBits, byte[][] seeds, ulong[] rounded)
    {
        Parameters = parameters;
        ChunkIndex = chunkIndex;
        VectorLength = vectorLength;
        DroppedBits = droppedBits;
        _seeds = seeds;
        _rounded = rounded;
    }

    /// <summary>The parameter set.</summary>
    public CkksParameters Parameters { get; }

    /// <summary>Which chunk of the vector this is.</summary>
    public int ChunkIndex { get; }

    /// <summary>Length of the whole vector the chunk belongs to.</summary>
    public int VectorLength { get; }

    /// <summary>How many values of the vector this chunk holds.</summary>
    public int ValueCount => ChunkRange(Parameters, VectorLength, ChunkIndex).Count;

    /// <summary>Low bits of c0 not transmitted (each coefficient is read back as a multiple of 2^DroppedBits).</summary>
    public int DroppedBits { get; }

    /// <summary>Number of encryptions summed in this chunk (the number of seeds).</summary>
    public int ContributorCount => _seeds.Length;

    /// <summary>The seeds of the contributors' c1, in the order they were added.</summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> Seeds => _seeds.Select(s => (ReadOnlyMemory<byte>)s).ToArray();

    /// <summary>
    /// Whether every seed of <paramref name="contribution"/> (e.g. the hospital's own update chunk) is among
    /// this chunk's seeds, for the same chunk of a vector of the same length: a hospital's check that the sum
    /// it received includes its update.
    /// </summary>
    public bool Includes(AggregationChunk contribution)
    {
        ArgumentNullException.ThrowIfNull(contribution);
        if (contribution.Parameters.Id != Parameters.Id || contribution.ChunkIndex != ChunkIndex || contribution.VectorLength != VectorLength)
        {
            return false;
        }

        var seeds = _seeds.Select(s => Seed.From(s)).ToHashSet();
        return contribution._seeds.All(s => seeds.Contains(Seed.From(s)));
    }

    /// <summary>Bytes of <see cref="ToBytes"/> (header included).</summary>
    public int SerializedSize => SerializedSizeFor(Parameters, DroppedBits, ContributorCount);

    /// <summary>Bytes of one chunk of <paramref name="parameters"/> with <paramref name="contributors"/> seeds, header included.</summary>
    public static int SerializedSizeFor(CkksParameters parameters, int droppedBits, int contributors)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return WireFormat.HeaderLength + FixedBodyLength + (contributors * AesCtrPrng.SeedLength)
            + BitPacking.PackedLength(parameters.N, TransmittedBits(parameters, droppedBits));
    }

    /// <summary>Number of chunks a vector of <paramref name="length"/> values takes.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The length is negative.</exception>
    public static int ChunkCountFor(CkksParameters parameters, int length)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        return (int)(((long)length + parameters.ValuesPerCiphertext - 1) / parameters.ValuesPerCiphertext);
    }

    /// <summary>The value range of chunk <paramref name="index"/> of a vector of <paramref name="length"/> values.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The chunk index is out of range.</exception>
    public static (int Offset, int Count) ChunkRange(CkksParameters parameters, int length, int index)
    {
        if (index < 0 || index >= ChunkCountFor(parameters, length))
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"No chunk {index} in a vector of {length} values.");
        }

        int offset = index * parameters.ValuesPerCiphertext;
        return (offset, Math.Min(parameters.ValuesPerCiphertext, length - offset));
    }

    /// <summary>Serializes the chunk.</summary>
    public byte[] ToBytes() => PayloadIO.ToBytes(PayloadKind.AggregationChunk, Parameters.Id, SerializedSize - WireFormat.HeaderLength, WriteBody);

    /// <summary>Writes the serialized chunk to <paramref name="stream"/>.</summary>
    public void WriteTo(Stream stream) => PayloadIO.WriteTo(stream, PayloadKind.AggregationChunk, Parameters.Id, SerializedSize - WireFormat.HeaderLength, WriteBody);

    /// <summary>Reads a chunk of <paramref name="parameters"/> from a byte array holding exactly one payload.</summary>
    /// <exception cref="CkksFormatException">The payload is malformed, truncated, has trailing bytes, repeats a seed or does not fit the parameter set.</exception>
    /// <exception cref="ParameterSetMismatchException">The payload belongs to another parameter set.</exception>
    public static AggregationChunk FromBytes(CkksParameters parameters, ReadOnlySpan<byte> bytes)
    {
        CheckParameters(parameters);
        return PayloadIO.FromBytes(bytes, PayloadKind.AggregationChunk, parameters, "aggregation chunk", MaxBodyLength(parameters), (body, offset, declared) => Parse(parameters, body, offset, declared));
    }

    /// <summary>Reads one chunk payload of <paramref name="parameters"/> from <paramref name="stream"/>.</summary>
    /// <exception cref="CkksFormatException">The payload is malformed, truncated, repeats a seed or does not fit the parameter set.</exception>
    /// <exception cref="ParameterSetMismatchException">The payload belongs to another parameter set.</exception>
    public static AggregationChunk ReadFrom(CkksParameters parameters, Stream stream)
    {
        CheckParameters(parameters);
        return PayloadIO.ReadFrom(stream, PayloadKind.AggregationChunk, parameters, "aggregation chunk", MaxBodyLength(parameters), (body, offset, declared) => Parse(parameters, body, offset, declared));
    }

    /// <summary>Throws unless the set has a single modulus (aggregation chunks live at level 0 only).</summary>
    /// <exception cref="CkksParameterException">The set has more than one ciphertext prime.</exception>
    internal static void CheckParameters(CkksParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (parameters.MaxLevel != 0)
        {
            throw new CkksParameterException("LogQ", $"aggregation chunks need a single-modulus set; {parameters} has {parameters.MaxLevel + 1} primes.");
        }
    }

    /// <summary>Throws unless <paramref name="droppedBits"/> is in [0, LogScale).</summary>
    internal static void CheckDroppedBits(CkksParameters parameters, int droppedBits, string field)
    {
        if (droppedBits < 0 || droppedBits >= parameters.LogScale)
        {
            throw new ArgumentOutOfRangeException(field, droppedBits, $"Dropped bits must be in [0, {parameters.LogScale}) so that the rounding stays below the scale.");
        }
    }

    /// <summary>A chunk from residues of c0 modulo q0 (coefficient form), rounded to multiples of 2^<paramref name="droppedBits"/>.</summary>
    internal static AggregationChunk FromResidues(CkksParameters parameters, int chunkIndex, int vectorLength, int droppedBits, byte[][] seeds, ReadOnlySpan<ulong> residues)
    {
        int bits = TransmittedBits(parameters, droppedBits);
        ulong mask = (1UL << bits) - 1;
        ulong half = droppedBits == 0 ? 0 : 1UL << (droppedBits - 1);
        var rounded = new ulong[parameters.N];
        for (int j = 0; j < rounded.Length; j++)
        {
            // round(c0 / 2^b); the top value wraps to 0, which is within 2^(b-1) of c0 modulo q0 (see remarks).
            rounded[j] = ((residues[j] + half) >> droppedBits) & mask;
        }

        return new AggregationChunk(parameters, chunkIndex, vectorLength, droppedBits, seeds, rounded);
    }

    /// <summary>Writes c0 modulo q0 (coefficient form), within 2^(b−1) of the encrypted one per coefficient.</summary>
    internal void ReadC0(Span<ulong> destination)
    {
        ulong q = Parameters.CiphertextPrimes[0];
        int b = DroppedBits;
        for (int j = 0; j < _rounded.Length; j++)
        {
            ulong v = _rounded[j] << b; // < 2^bits(q0) < 2·q0
            destination[j] = v >= q ? v - q : v;
        }
    }

    /// <summary>The seeds, shared (not copied): callers must not modify them.</summary>
    internal byte[][] SeedArrays => _seeds;

    private static int TransmittedBits(CkksParameters parameters, int droppedBits) => parameters.Ring.Moduli[0].BitCount - droppedBits;

    private static long MaxBodyLength(CkksParameters parameters) =>
        FixedBodyLength + ((long)MaxContributors * AesCtrPrng.SeedLength) + BitPacking.PackedLength(parameters.N, parameters.Ring.Moduli[0].BitCount);

    private void WriteBody(Span<byte> body)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(body, (uint)ChunkIndex);
        BinaryPrimitives.WriteUInt32LittleEndian(body[4..], (uint)VectorLength);
        body[8] = (byte)DroppedBits;
        BinaryPrimitives.WriteUInt16LittleEndian(body[9..], (ushort)_seeds.Length);
        int o = FixedBodyLength;
        foreach (var seed in _seeds)
        {
            seed.CopyTo(body[o..]);
            o += AesCtrPrng.SeedLength;
        }

        BitPacking.Pack(_rounded, TransmittedBits(Parameters, DroppedBits), body[o..]);
    }

    private static AggregationChunk Parse(CkksParameters parameters, ReadOnlySpan<byte> body, long offset, ulong declared)
    {
        PayloadIO.Require(body, FixedBodyLength, "chunkIndex", offset);
        uint index = BinaryPrimitives.ReadUInt32LittleEndian(body);
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(body[4..]);
        if (length == 0 || length > int.MaxValue)
        {
            throw new CkksFormatException("vectorLength", offset + 4, $"vector length {length} is outside [1, {int.MaxValue}].");
        }

        if (index >= (uint)ChunkCountFor(parameters, (int)length))
        {
            throw new CkksFormatException("chunkIndex", offset, $"chunk {index} of a vector of {length} values, which has {ChunkCountFor(parameters, (int)length)} chunks.");
        }

        int droppedBits = body[8];
        if (droppedBits >= parameters.LogScale)
        {
            throw new CkksFormatException("droppedBits", offset + 8, $"{droppedBits} dropped bits; at most {parameters.LogScale - 1} keep the rounding below the scale.");
        }

        int seedCount = BinaryPrimitives.ReadUInt16LittleEndian(body[9..]);
        if (seedCount == 0)
        {
            throw new CkksFormatException("seedCount", offset + 9, "a chunk needs at least one seed.");
        }

        int bits = TransmittedBits(parameters, droppedBits);
        long expected = FixedBodyLength + ((long)seedCount * AesCtrPrng.SeedLength) + BitPacking.PackedLength(parameters.N, bits);
        WireFormat.CheckLength(declared, expected, offset - WireFormat.HeaderLength);
        PayloadIO.Require(body, (int)expected, "seeds", offset);

        var seeds = new byte[seedCount][];
        var seen = new HashSet<Seed>(seedCount);
        int o = FixedBodyLength;
        for (int i = 0; i < seedCount; i++, o += AesCtrPrng.SeedLength)
        {
            seeds[i] = body.Slice(o, AesCtrPrng.SeedLength).ToArray();
            if (!seen.Add(Seed.From(seeds[i])))
            {
                throw new CkksFormatException($"seeds[{i}]", offset + o, "the seed repeats an earlier one: one contribution counted twice, or a seed reused.");
            }
        }

        var rounded = new ulong[parameters.N];
        int bad = BitPacking.Unpack(body[o..(int)expected], bits, bits == 64 ? ulong.MaxValue : 1UL << bits, rounded);
        if (bad >= 0)
        {
            throw new CkksFormatException("c0", offset + o, $"coefficient {bad} does not fit in {bits} bits.");
        }

        return new AggregationChunk(parameters, (int)index, (int)length, droppedBits, seeds, rounded);
    }

    /// <summary>A 32-byte seed as a value, for duplicate detection.</summary>
    internal readonly record struct Seed(ulong Word0, ulong Word1, ulong Word2, ulong Word3)
    {
        public static Seed From(ReadOnlySpan<byte> seed)
        {
            var (word0, word1, word2, word3) = Words256.Read(seed, "seed");
            return new Seed(word0, word1, word2, word3);
        }
    }
}
