using System.Security.Cryptography;
using FederatedHe.Crypto.Ckks;
using FederatedHe.Crypto.Ring;
using FederatedHe.Crypto.Rlwe;

namespace FederatedHe.Crypto.Multiparty;

/// <summary>
/// One chunk of a sum of seeded updates: Σ c0 modulo Q and the (party, seed) of every contribution, from which a
/// committee member re-expands each a_i to compute its decryption share. Made by <see cref="SeededAggregator"/>.
/// </summary>
/// <remarks>
/// <para>Wire body (after the header, kind <see cref="PayloadKind.SeededAggregateChunk"/>), little-endian: context
/// digest (32), chunk index u32, vector length u32, party count n u16, contributor count u16 (1..n), then per
/// contributor its party index u16 (strictly increasing, at most n) and its seed (32, pairwise distinct), then
/// Σ c0 as packed limbs (every ciphertext prime, NTT form).</para>
/// <para>The <see cref="Fingerprint"/> (SHA-256 of a label and the serialized chunk) covers the contributor list: it
/// binds decryption shares and their masks to exactly this sum.</para>
/// <para>Immutable and thread-safe.</para>
/// </remarks>
public sealed class SeededAggregateChunk
{
    private const int FixedBodyLength = Sha256Digest.Length + 4 + 4 + 2 + 2;
    private const int ContributorLength = 2 + AesCtrPrng.SeedLength;
    private readonly (int PartyId, byte[] Seed)[] _contributors;
    private readonly Lazy<Sha256Digest> _fingerprint;

    internal SeededAggregateChunk(ThresholdParameters parameters, Sha256Digest contextDigest, int chunkIndex, int vectorLength, int partyCount, (int PartyId, byte[] Seed)[] contributors, RnsPolynomial c0)
    {
        Parameters = parameters;
        ContextDigest = contextDigest;
        ChunkIndex = chunkIndex;
        VectorLength = vectorLength;
        PartyCount = partyCount;
        _contributors = contributors;
        C0 = c0;
        _fingerprint = new Lazy<Sha256Digest>(ComputeFingerprint);
    }

    /// <summary>The threshold parameter set.</summary>
    public ThresholdParameters Parameters { get; }

    /// <summary>Digest of the context (round, purpose) every contribution was encrypted for.</summary>
    public Sha256Digest ContextDigest { get; }

    /// <summary>Which chunk of the vector this is.</summary>
    public int ChunkIndex { get; }

    /// <summary>Length of the whole vector.</summary>
    public int VectorLength { get; }

    /// <summary>How many values of the vector this chunk holds.</summary>
    public int ValueCount => AggregationChunk.ChunkRange(Parameters.Ckks, VectorLength, ChunkIndex).Count;

    /// <summary>The number of parties n of the key set: contributors are in 1..n.</summary>
    public int PartyCount { get; }

    /// <summary>Number of updates summed.</summary>
    public int ContributorCount => _contributors.Length;

    /// <summary>The contributing parties, in increasing order.</summary>
    public IReadOnlyList<int> Contributors => _contributors.Select(c => c.PartyId).ToArray();

    /// <summary>SHA-256 of a label and the serialized chunk: identifies this sum, contributors included.</summary>
    public Sha256Digest Fingerprint => _fingerprint.Value;

    /// <summary>Bytes of <see cref="ToBytes"/> (header included).</summary>
    public int SerializedSize => SerializedSizeFor(Parameters, ContributorCount);

    /// <summary>Σ c0 (NTT form, every limb).</summary>
    internal RnsPolynomial C0 { get; }

    /// <summary>The (party, seed) entries, shared (not copied): callers must not modify them.</summary>
    internal (int PartyId, byte[] Seed)[] ContributorEntries => _contributors;

    /// <summary>Whether <paramref name="update"/> (e.g. the hospital's own) is one of the contributions: same chunk, vector, context, party and seed.</summary>
    public bool Includes(SeededUpdateChunk update)
    {
        ArgumentNullException.ThrowIfNull(update);
        return update.Parameters.Ckks.Id == Parameters.Ckks.Id && update.ChunkIndex == ChunkIndex && update.VectorLength == VectorLength
            && update.ContextDigest == ContextDigest && _contributors.Any(c => c.PartyId == update.PartyId && c.Seed.AsSpan().SequenceEqual(update.Seed));
    }

    /// <summary>Bytes of one sum chunk of <paramref name="parameters"/> with <paramref name="contributors"/> contributions, header included.</summary>
    public static int SerializedSizeFor(ThresholdParameters parameters, int contributors)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return WireFormat.HeaderLength + BodyLength(parameters, contributors);
    }

    /// <summary>Serializes the chunk.</summary>
    public byte[] ToBytes() => PayloadIO.ToBytes(PayloadKind.SeededAggregateChunk, Parameters.Ckks.Id, BodyLength(Parameters, ContributorCount), WriteBody);

    /// <summary>Writes the serialized chunk to <paramref name="stream"/>.</summary>
    public void WriteTo(Stream stream) => PayloadIO.WriteTo(stream, PayloadKind.SeededAggregateChunk, Parameters.Ckks.Id, BodyLength(Parameters, ContributorCount), WriteBody);

    /// <summary>Reads a sum chunk of <paramref name="parameters"/> from a byte array holding exactly one payload.</summary>
    /// <exception cref="ArgumentException">The parameter set is not a seeded-threshold set.</exception>
    /// <exception cref="CkksFormatException">The payload is malformed, truncated, has trailing bytes, repeats a party or a seed, or does not fit the parameter set.</exception>
    /// <exception cref="ParameterSetMismatchException">The payload belongs to another parameter set.</exception>
    public static SeededAggregateChunk FromBytes(ThresholdParameters parameters, ReadOnlySpan<byte> bytes)
    {
        SeededChecks.RequireSeeded(parameters);
        return PayloadIO.FromBytes(bytes, PayloadKind.SeededAggregateChunk, parameters.Ckks, "seeded aggregate chunk", BodyLength(parameters, parameters.MaxParties), (body, offset, declared) => Parse(parameters, body, offset, declared));
    }

    /// <summary>Reads one sum chunk payload of <paramref name="parameters"/> from <paramref name="stream"/>.</summary>
    /// <exception cref="ArgumentException">The parameter set is not a seeded-threshold set.</exception>
    /// <exception cref="CkksFormatException">The payload is malformed, truncated, repeats a party or a seed, or does not fit the parameter set.</exception>
    /// <exception cref="ParameterSetMismatchException">The payload belongs to another parameter set.</exception>
    public static SeededAggregateChunk ReadFrom(ThresholdParameters parameters, Stream stream)
    {
        SeededChecks.RequireSeeded(parameters);
        return PayloadIO.ReadFrom(stream, PayloadKind.SeededAggregateChunk, parameters.Ckks, "seeded aggregate chunk", BodyLength(parameters, parameters.MaxParties), (body, offset, declared) => Parse(parameters, body, offset, declared));
    }

    private static int BodyLength(ThresholdParameters parameters, int contributors) =>
        FixedBodyLength + (contributors * ContributorLength) + parameters.Ckks.PackedPolynomialLength(parameters.Ckks.MaxLevel + 1);

    private Sha256Digest ComputeFingerprint()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData("FederatedHe seeded aggregate fingerprint v1"u8);
        hash.AppendData(ToBytes());
        Span<byte> digest = stackalloc byte[Sha256Digest.Length];
        hash.GetHashAndReset(digest);
        return Sha256Digest.FromBytes(digest);
    }

    private void WriteBody(Span<byte> body)
    {
        var writer = new ShareBodyWriter(body);
        writer.Digest(ContextDigest);
        writer.U32(ChunkIndex);
        writer.U32(VectorLength);
        writer.U16(PartyCount);
        writer.U16(_contributors.Length);
        foreach (var (party, seed) in _contributors)
        {
            writer.U16(party);
            writer.Bytes(seed);
        }

        writer.Polynomial(Parameters.Ckks, C0, C0.LimbCount);
    }

    private static SeededAggregateChunk Parse(ThresholdParameters parameters, ReadOnlySpan<byte> body, long offset, ulong declared)
    {
        var reader = new ShareBodyReader(body, offset);
        var context = Sha256Digest.FromBytes(reader.Bytes(Sha256Digest.Length, "contextDigest"));
        var (chunkIndex, vectorLength) = SeededChecks.ReadChunkPosition(ref reader, parameters.Ckks);
        long countOffset = reader.Offset;
        int partyCount = reader.U16("partyCount");
        if (partyCount < 1 || partyCount > parameters.MaxParties)
        {
            throw new CkksFormatException("partyCount", countOffset, $"{partyCount} parties; 1 to {parameters.MaxParties} are supported.");
        }

        long contributorsOffset = reader.Offset;
        int count = reader.U16("contributorCount");
        if (count < 1 || count > partyCount)
        {
            throw new CkksFormatException("contributorCount", contributorsOffset, $"{count} contributions for n = {partyCount}: one per party at most.");
        }

        WireFormat.CheckLength(declared, BodyLength(parameters, count), offset - WireFormat.HeaderLength);
        var contributors = new (int, byte[])[count];
        var seeds = new HashSet<Sha256Digest>();
        int previous = 0;
        for (int i = 0; i < count; i++)
        {
            long partyOffset = reader.Offset;
            int party = reader.U16("contributor");
            ShareChecks.CheckParty(party, partyCount, "contributor", partyOffset);
            if (party <= previous)
            {
                throw new CkksFormatException("contributor", partyOffset, "the contributors are not strictly increasing: a party counted twice.");
            }

            previous = party;
            long seedOffset = reader.Offset;
            byte[] seed = reader.Bytes(AesCtrPrng.SeedLength, "seed").ToArray();
            if (!seeds.Add(Sha256Digest.FromBytes(seed)))
            {
                throw new CkksFormatException("seed", seedOffset, "the seed repeats an earlier contributor's.");
            }

            contributors[i] = (party, seed);
        }

        var c0 = reader.Polynomial(parameters.Ckks, parameters.Ckks.MaxLevel + 1, "c0");
        return new SeededAggregateChunk(parameters, context, chunkIndex, vectorLength, partyCount, contributors, c0);
    }
}
