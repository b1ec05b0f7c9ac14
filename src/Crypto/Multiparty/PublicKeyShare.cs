using FederatedHe.Crypto.Ring;
using FederatedHe.Crypto.Rlwe;

namespace FederatedHe.Crypto.Multiparty;

/// <summary>
/// One party's share of the collective public key: b_i = −a·s_i + e_i over the common polynomial a
/// expanded from <see cref="CommonSeed"/>. Public: it reveals nothing about s_i beyond an RLWE sample.
/// </summary>
/// <remarks>
/// <para>Wire body (after the header, kind 16): common seed (32), party index u16, party count u16,
/// b_i as packed limbs (every ciphertext prime).</para>
/// <para>Immutable and thread-safe.</para>
/// </remarks>
public sealed class PublicKeyShare
{
    private const int FixedBodyLength = AesCtrPrng.SeedLength + 2 + 2;
    private readonly byte[] _commonSeed;

    internal PublicKeyShare(ThresholdParameters parameters, ReadOnlySpan<byte> commonSeed, int partyId, int partyCount, RnsPolynomial b)
    {
        Parameters = parameters;
        _commonSeed = commonSeed.ToArray();
        PartyId = partyId;
        PartyCount = partyCount;
        B = b;
    }

    /// <summary>The threshold parameter set.</summary>
    public ThresholdParameters Parameters { get; }

    /// <summary>Identifier of the CKKS parameter set.</summary>
    public ParameterSetId ParameterSetId => Parameters.Ckks.Id;

    /// <summary>The 32-byte seed the common polynomial a is expanded from.</summary>
    public ReadOnlySpan<byte> CommonSeed => _commonSeed;

    /// <summary>The index (1..n) of the party that made the share.</summary>
    public int PartyId { get; }

    /// <summary>The number of parties n of the collective key.</summary>
    public int PartyCount { get; }

    /// <summary>b_i = −a·s_i + e_i (NTT form, every ciphertext limb).</summary>
    public RnsPolynomial B { get; }

    /// <summary>Bytes of <see cref="ToBytes"/> (header included).</summary>
    public int SerializedSize => WireFormat.HeaderLength + BodyLength(Parameters);

    /// <summary>Serializes the share (header and body).</summary>
    public byte[] ToBytes() => PayloadIO.ToBytes(MultipartyPayloadKind.PublicKeyShare, ParameterSetId, BodyLength(Parameters), WriteBody);

    /// <summary>Writes the serialized share to <paramref name="stream"/>.</summary>
    public void WriteTo(Stream stream) => PayloadIO.WriteTo(stream, MultipartyPayloadKind.PublicKeyShare, ParameterSetId, BodyLength(Parameters), WriteBody);

    /// <summary>Reads a share of <paramref name="parameters"/> from a byte array holding exactly one payload.</summary>
    /// <exception cref="CkksFormatException">The payload is malformed, truncated or has trailing bytes.</exception>
    /// <exception cref="ParameterSetMismatchException">The payload belongs to another parameter set.</exception>
    public static PublicKeyShare FromBytes(ThresholdParameters parameters, ReadOnlySpan<byte> bytes)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return PayloadIO.FromBytes(bytes, MultipartyPayloadKind.PublicKeyShare, parameters.Ckks, "public-key share", BodyLength(parameters), (body, offset, declared) => Parse(parameters, body, offset, declared));
    }

    /// <summary>Reads one share payload of <paramref name="parameters"/> from <paramref name="stream"/>.</summary>
    /// <exception cref="CkksFormatException">The payload is malformed or truncated.</exception>
    /// <exception cref="ParameterSetMismatchException">The payload belongs to another parameter set.</exception>
    public static PublicKeyShare ReadFrom(ThresholdParameters parameters, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return PayloadIO.ReadFrom(stream, MultipartyPayloadKind.PublicKeyShare, parameters.Ckks, "public-key share", BodyLength(parameters), (body, offset, declared) => Parse(parameters, body, offset, declared));
    }

    private static int BodyLength(ThresholdParameters parameters) => FixedBodyLength + parameters.Ckks.PackedPolynomialLength(parameters.Ckks.MaxLevel + 1);

    private void WriteBody(Span<byte> body)
    {
        var writer = new ShareBodyWriter(body);
        writer.Bytes(_commonSeed);
        writer.U16(PartyId);
        writer.U16(PartyCount);
        writer.Polynomial(Parameters.Ckks, B, B.LimbCount);
    }

    private static PublicKeyShare Parse(ThresholdParameters parameters, ReadOnlySpan<byte> body, long offset, ulong declared)
    {
        WireFormat.CheckLength(declared, BodyLength(parameters), offset - WireFormat.HeaderLength);
        var reader = new ShareBodyReader(body, offset);
        ReadOnlySpan<byte> seed = reader.Bytes(AesCtrPrng.SeedLength, "commonSeed");
        long partyOffset = reader.Offset;
        int partyId = reader.U16("partyId");
        long countOffset = reader.Offset;
        int partyCount = reader.U16("partyCount");
        if (partyCount < 1 || partyCount > parameters.MaxParties)
        {
            throw new CkksFormatException("partyCount", countOffset, $"{partyCount} parties; 1 to {parameters.MaxParties} are supported.");
        }

        if (partyId < 1 || partyId > partyCount)
        {
            throw new CkksFormatException("partyId", partyOffset, $"party {partyId} is outside 1..{partyCount}.");
        }

        var b = reader.Polynomial(parameters.Ckks, parameters.Ckks.MaxLevel + 1, "b");
        return new PublicKeyShare(parameters, seed, partyId, partyCount, b);
    }
}
