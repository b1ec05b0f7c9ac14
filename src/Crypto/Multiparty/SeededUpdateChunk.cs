using System.Buffers.Binary;
using FederatedHe.Crypto.Ckks;
using FederatedHe.Crypto.Ring;
using FederatedHe.Crypto.Rlwe;

namespace FederatedHe.Crypto.Multiparty;

/// <summary>
/// One chunk of one party's update in the seeded threshold scheme: c0 = −a·s_i + Δ·m + e under the party's own
/// secret s_i, with a expanded from a 32-byte seed (see <see cref="SeededThresholdEncryptor"/>). Only c0, the
/// party index and the seed travel: c1 = a is re-expanded by whoever needs it.
/// </summary>
/// <remarks>
/// <para>Wire body (after the header, kind <see cref="PayloadKind.SeededUpdateChunk"/>), little-endian: context
/// digest (32), chunk index u32, vector length u32, party index u16, seed (32), then c0 as packed limbs (every
/// ciphertext prime, NTT form). The chunk holds the values [index·V, min((index+1)·V, length)) of the vector,
/// V = <see cref="CkksParameters.ValuesPerCiphertext"/>.</para>
/// <para>Immutable and thread-safe.</para>
/// </remarks>
public sealed class SeededUpdateChunk
{
    private const int FixedBodyLength = Sha256Digest.Length + 4 + 4 + 2 + AesCtrPrng.SeedLength;
    private readonly byte[] _seed;

    internal SeededUpdateChunk(ThresholdParameters parameters, Sha256Digest contextDigest, int chunkIndex, int vectorLength, int partyId, byte[] seed, RnsPolynomial c0)
    {
        Parameters = parameters;
        ContextDigest = contextDigest;
        ChunkIndex = chunkIndex;
        VectorLength = vectorLength;
        PartyId = partyId;
        _seed = seed;
        C0 = c0;
    }

    /// <summary>The threshold parameter set.</summary>
    public ThresholdParameters Parameters { get; }

    /// <summary>Digest of the caller's context (round, purpose) the update was encrypted for.</summary>
    public Sha256Digest ContextDigest { get; }

    /// <summary>Which chunk of the vector this is.</summary>
    public int ChunkIndex { get; }

    /// <summary>Length of the whole vector the chunk belongs to.</summary>
    public int VectorLength { get; }

    /// <summary>The sending party i, whose secret s_i the update is encrypted under.</summary>
    public int PartyId { get; }

    /// <summary>The seed a is expanded from.</summary>
    public ReadOnlySpan<byte> Seed => _seed;

    /// <summary>The digest an update encrypted for <paramref name="context"/> carries (<see cref="ContextDigest"/>), so a reader can check the round it was made for.</summary>
    public static Sha256Digest DigestOf(ReadOnlySpan<byte> context) => SeededExpansion.ContextDigest(context);

    /// <summary>Bytes of <see cref="ToBytes"/> (header included).</summary>
    public int SerializedSize => SerializedSizeFor(Parameters);

    /// <summary>c0 (NTT form, every limb).</summary>
    internal RnsPolynomial C0 { get; }

    /// <summary>Bytes of one update chunk of <paramref name="parameters"/>, header included.</summary>
    public static int SerializedSizeFor(ThresholdParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return WireFormat.HeaderLength + BodyLength(parameters);
    }

    /// <summary>Serializes the chunk.</summary>
    public byte[] ToBytes() => PayloadIO.ToBytes(PayloadKind.SeededUpdateChunk, Parameters.Ckks.Id, BodyLength(Parameters), WriteBody);

    /// <summary>Writes the serialized chunk to <paramref name="stream"/>.</summary>
    public void WriteTo(Stream stream) => PayloadIO.WriteTo(stream, PayloadKind.SeededUpdateChunk, Parameters.Ckks.Id, BodyLength(Parameters), WriteBody);

    /// <summary>Reads a chunk of <paramref name="parameters"/> from a byte array holding exactly one payload.</summary>
    /// <exception cref="ArgumentException">The parameter set is not a seeded-threshold set.</exception>
    /// <exception cref="CkksFormatException">The payload is malformed, truncated, has trailing bytes or does not fit the parameter set.</exception>
    /// <exception cref="ParameterSetMismatchException">The payload belongs to another parameter set.</exception>
    public static SeededUpdateChunk FromBytes(ThresholdParameters parameters, ReadOnlySpan<byte> bytes)
    {
        SeededChecks.RequireSeeded(parameters);
        return PayloadIO.FromBytes(bytes, PayloadKind.SeededUpdateChunk, parameters.Ckks, "seeded update chunk", BodyLength(parameters), (body, offset, declared) => Parse(parameters, body, offset, declared));
    }

    /// <summary>Reads one chunk payload of <paramref name="parameters"/> from <paramref name="stream"/>.</summary>
    /// <exception cref="ArgumentException">The parameter set is not a seeded-threshold set.</exception>
    /// <exception cref="CkksFormatException">The payload is malformed, truncated or does not fit the parameter set.</exception>
    /// <exception cref="ParameterSetMismatchException">The payload belongs to another parameter set.</exception>
    public static SeededUpdateChunk ReadFrom(ThresholdParameters parameters, Stream stream)
    {
        SeededChecks.RequireSeeded(parameters);
        return PayloadIO.ReadFrom(stream, PayloadKind.SeededUpdateChunk, parameters.Ckks, "seeded update chunk", BodyLength(parameters), (body, offset, declared) => Parse(parameters, body, offset, declared));
    }

    private static int BodyLength(ThresholdParameters parameters) => FixedBodyLength + parameters.Ckks.PackedPolynomialLength(parameters.Ckks.MaxLevel + 1);

    private void WriteBody(Span<byte> body)
    {
        var writer = new ShareBodyWriter(body);
        writer.Digest(ContextDigest);
        writer.U32(ChunkIndex);
        writer.U32(VectorLength);
        writer.U16(PartyId);
        writer.Bytes(_seed);
        writer.Polynomial(Parameters.Ckks, C0, C0.LimbCount);
    }

    private static SeededUpdateChunk Parse(ThresholdParameters parameters, ReadOnlySpan<byte> body, long offset, ulong declared)
    {
        WireFormat.CheckLength(declared, BodyLength(parameters), offset - WireFormat.HeaderLength);
        var reader = new ShareBodyReader(body, offset);
        var context = Sha256Digest.FromBytes(reader.Bytes(Sha256Digest.Length, "contextDigest"));
        var (chunkIndex, vectorLength) = SeededChecks.ReadChunkPosition(ref reader, parameters.Ckks);
        long partyOffset = reader.Offset;
        int partyId = reader.U16("partyId");
        ShareChecks.CheckParty(partyId, parameters.MaxParties, "partyId", partyOffset);
        byte[] seed = reader.Bytes(AesCtrPrng.SeedLength, "seed").ToArray();
        var c0 = reader.Polynomial(parameters.Ckks, parameters.Ckks.MaxLevel + 1, "c0");
        return new SeededUpdateChunk(parameters, context, chunkIndex, vectorLength, partyId, seed, c0);
    }
}
