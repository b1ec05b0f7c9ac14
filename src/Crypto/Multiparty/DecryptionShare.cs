using FederatedHe.Crypto.Ring;
using FederatedHe.Crypto.Rlwe;

namespace FederatedHe.Crypto.Multiparty;

/// <summary>
/// One committee member's share of a threshold decryption: d_j = λ_j·sk_j·c1 + e_j + r_j, where λ_j is
/// the member's Lagrange coefficient for the committee, e_j the smudging noise and r_j the member's
/// zero-sum pairwise mask (see <see cref="DecryptionMaskSeeds"/>; absent from shares made by the
/// transitional unmasked overloads). Public: it may be sent to the party that fuses. It is bound to one collective key, one ciphertext (by fingerprint), one
/// caller-supplied context and one committee; fusing refuses any mismatch.
/// </summary>
/// <remarks>
/// <para>Wire body (after the header, kind 19): key id (32), ciphertext fingerprint (32), party index
/// u16, threshold u16, party count u16, level u8, committee size u16 and the members u16 each
/// (strictly increasing), context length u16 and the context bytes, then d_j as packed limbs
/// (level + 1 primes).</para>
/// <para>Immutable and thread-safe.</para>
/// </remarks>
public sealed class DecryptionShare
{
    /// <summary>Longest caller-supplied context, in bytes.</summary>
    public const int MaxContextLength = 1024;

    private const int FixedBodyLength = (2 * Sha256Digest.Length) + 2 + 2 + 2 + 1 + 2 + 2;
    private readonly int[] _committee;
    private readonly byte[] _context;

    internal DecryptionShare(ThresholdParameters parameters, Sha256Digest keyId, Sha256Digest ciphertextFingerprint, int partyId, int threshold, int partyCount, int[] committee, byte[] context, RnsPolynomial value)
    {
        Parameters = parameters;
        KeyId = keyId;
        CiphertextFingerprint = ciphertextFingerprint;
        PartyId = partyId;
        Threshold = threshold;
        PartyCount = partyCount;
        _committee = committee;
        _context = context;
        Value = value;
    }

    /// <summary>The threshold parameter set.</summary>
    public ThresholdParameters Parameters { get; }

    /// <summary>Identifier of the CKKS parameter set.</summary>
    public ParameterSetId ParameterSetId => Parameters.Ckks.Id;

    /// <summary>Identifier of the collective key the sender's threshold key belongs to.</summary>
    public Sha256Digest KeyId { get; }

    /// <summary>Fingerprint of the ciphertext the share decrypts.</summary>
    public Sha256Digest CiphertextFingerprint { get; }

    /// <summary>The index of the party that made the share.</summary>
    public int PartyId { get; }

    /// <summary>The threshold t of the key.</summary>
    public int Threshold { get; }

    /// <summary>The number of parties n of the key.</summary>
    public int PartyCount { get; }

    /// <summary>The committee (sorted party indices) whose Lagrange coefficients the share uses.</summary>
    public IReadOnlyList<int> Committee => _committee;

    /// <summary>The caller-supplied context (e.g. round id and purpose).</summary>
    public ReadOnlySpan<byte> Context => _context;

    /// <summary>The level of the decrypted ciphertext (the share has Level + 1 limbs).</summary>
    public int Level => Value.LimbCount - 1;

    /// <summary>d_j, masked or not (NTT form).</summary>
    internal RnsPolynomial Value { get; }

    /// <summary>Bytes of <see cref="ToBytes"/> (header included).</summary>
    public int SerializedSize => WireFormat.HeaderLength + BodyLength;

    private int BodyLength => FixedBodyLength + (2 * _committee.Length) + _context.Length + Parameters.Ckks.PackedPolynomialLength(Value.LimbCount);

    /// <summary>Serializes the share (header and body).</summary>
    public byte[] ToBytes() => PayloadIO.ToBytes(MultipartyPayloadKind.DecryptionShare, ParameterSetId, BodyLength, WriteBody);

    /// <summary>Writes the serialized share to <paramref name="stream"/>.</summary>
    public void WriteTo(Stream stream) => PayloadIO.WriteTo(stream, MultipartyPayloadKind.DecryptionShare, ParameterSetId, BodyLength, WriteBody);

    /// <summary>Reads a share of <paramref name="parameters"/> from a byte array holding exactly one payload.</summary>
    /// <exception cref="CkksFormatException">The payload is malformed, truncated or has trailing bytes.</exception>
    /// <exception cref="ParameterSetMismatchException">The payload belongs to another parameter set.</exception>
    public static DecryptionShare FromBytes(ThresholdParameters parameters, ReadOnlySpan<byte> bytes)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return PayloadIO.FromBytes(bytes, MultipartyPayloadKind.DecryptionShare, parameters.Ckks, "decryption share", MaxBodyLength(parameters), (body, offset, declared) => Parse(parameters, body, offset, declared));
    }

    /// <summary>Reads one share payload of <paramref name="parameters"/> from <paramref name="stream"/>.</summary>
    /// <exception cref="CkksFormatException">The payload is malformed or truncated.</exception>
    /// <exception cref="ParameterSetMismatchException">The payload belongs to another parameter set.</exception>
    public static DecryptionShare ReadFrom(ThresholdParameters parameters, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return PayloadIO.ReadFrom(stream, MultipartyPayloadKind.DecryptionShare, parameters.Ckks, "decryption share", MaxBodyLength(parameters), (body, offset, declared) => Parse(parameters, body, offset, declared));
    }

    private static long MaxBodyLength(ThresholdParameters parameters) =>
        FixedBodyLength + (2L * parameters.MaxParties) + MaxContextLength + parameters.Ckks.PackedPolynomialLength(parameters.Ckks.MaxLevel + 1);

    private void WriteBody(Span<byte> body)
    {
        var writer = new ShareBodyWriter(body);
        writer.Digest(KeyId);
        writer.Digest(CiphertextFingerprint);
        writer.U16(PartyId);
        writer.U16(Threshold);
        writer.U16(PartyCount);
        writer.U8(Level);
        writer.U16(_committee.Length);
        foreach (int member in _committee)
        {
            writer.U16(member);
        }

        writer.U16(_context.Length);
        writer.Bytes(_context);
        writer.Polynomial(Parameters.Ckks, Value, Value.LimbCount);
    }

    private static DecryptionShare Parse(ThresholdParameters parameters, ReadOnlySpan<byte> body, long offset, ulong declared)
    {
        var ckks = parameters.Ckks;
        var reader = new ShareBodyReader(body, offset);
        var keyId = Sha256Digest.FromBytes(reader.Bytes(Sha256Digest.Length, "keyId"));
        var fingerprint = Sha256Digest.FromBytes(reader.Bytes(Sha256Digest.Length, "ciphertextFingerprint"));
        long partyOffset = reader.Offset;
        int partyId = reader.U16("partyId");
        var (threshold, partyCount) = ShareChecks.ReadThreshold(ref reader, parameters);
        ShareChecks.CheckParty(partyId, partyCount, "partyId", partyOffset);
        long levelOffset = reader.Offset;
        int level = reader.U8("level");
        if (level > ckks.MaxLevel)
        {
            throw new CkksFormatException("level", levelOffset, $"level {level} exceeds the parameter set's maximum {ckks.MaxLevel}.");
        }

        long committeeOffset = reader.Offset;
        int committeeSize = reader.U16("committeeSize");
        if (committeeSize < threshold || committeeSize > partyCount)
        {
            throw new CkksFormatException("committeeSize", committeeOffset, $"a committee of {committeeSize} for t = {threshold}, n = {partyCount}.");
        }

        var committee = new int[committeeSize];
        for (int i = 0; i < committeeSize; i++)
        {
            long memberOffset = reader.Offset;
            committee[i] = reader.U16("committee");
            ShareChecks.CheckParty(committee[i], partyCount, "committee", memberOffset);
            if (i > 0 && committee[i] <= committee[i - 1])
            {
                throw new CkksFormatException("committee", memberOffset, "the committee is not strictly increasing.");
            }
        }

        long contextOffset = reader.Offset;
        int contextLength = reader.U16("contextLength");
        if (contextLength > MaxContextLength)
        {
            throw new CkksFormatException("contextLength", contextOffset, $"context of {contextLength} bytes; at most {MaxContextLength}.");
        }

        long expected = FixedBodyLength + (2L * committeeSize) + contextLength + ckks.PackedPolynomialLength(level + 1);
        WireFormat.CheckLength(declared, expected, offset - WireFormat.HeaderLength);
        byte[] context = reader.Bytes(contextLength, "context").ToArray();
        var value = reader.Polynomial(ckks, level + 1, "value");
        return new DecryptionShare(parameters, keyId, fingerprint, partyId, threshold, partyCount, committee, context, value);
    }
}
