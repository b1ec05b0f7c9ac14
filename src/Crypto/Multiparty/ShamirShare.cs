using FederatedHe.Crypto.Ring;
using FederatedHe.Crypto.Rlwe;

namespace FederatedHe.Crypto.Multiparty;

/// <summary>
/// A re-sharing message: f_i(j), the evaluation at the recipient's index j of the sender's random
/// polynomial f_i of degree t − 1 with f_i(0) = s_i, whose coefficients are uniform ring elements.
/// </summary>
/// <remarks>
/// <para><b>Secret.</b> Any t evaluations of one sender's polynomial reveal that sender's secret
/// share s_i, and the n messages addressed to one party add up to its threshold key. A ShamirShare must travel only from its
/// sender to its recipient over an authenticated, encrypted channel (the runtime sends it hospital to
/// hospital, never through the coordinator in the clear), and is disposed of once combined.</para>
/// <para>Wire body (after the header, kind 17): key id (32), sender u16, recipient u16, threshold u16,
/// party count u16, f_i(j) as packed limbs (every ciphertext prime).</para>
/// <para>Immutable and thread-safe until disposed; <see cref="Dispose"/> zeroes the value.</para>
/// </remarks>
public sealed class ShamirShare : IDisposable
{
    private const int FixedBodyLength = Sha256Digest.Length + 8;

    internal ShamirShare(ThresholdParameters parameters, Sha256Digest keyId, int senderId, int recipientId, int threshold, int partyCount, RnsPolynomial value)
    {
        Parameters = parameters;
        KeyId = keyId;
        SenderId = senderId;
        RecipientId = recipientId;
        Threshold = threshold;
        PartyCount = partyCount;
        Value = value;
    }

    /// <summary>The threshold parameter set.</summary>
    public ThresholdParameters Parameters { get; }

    /// <summary>Identifier of the CKKS parameter set.</summary>
    public ParameterSetId ParameterSetId => Parameters.Ckks.Id;

    /// <summary>Identifier of the collective public key whose secret is being re-shared.</summary>
    public Sha256Digest KeyId { get; }

    /// <summary>The party i whose secret share s_i this evaluates.</summary>
    public int SenderId { get; }

    /// <summary>The party j the share is for (the evaluation point).</summary>
    public int RecipientId { get; }

    /// <summary>The threshold t (the sender's polynomial has degree t − 1).</summary>
    public int Threshold { get; }

    /// <summary>The number of parties n.</summary>
    public int PartyCount { get; }

    /// <summary>f_i(j) (NTT form, every ciphertext limb).</summary>
    internal RnsPolynomial Value { get; }

    /// <summary>Bytes of <see cref="ToBytes"/> (header included).</summary>
    public int SerializedSize => WireFormat.HeaderLength + BodyLength(Parameters);

    /// <summary>Serializes the share (header and body). The bytes are secret: send them only over an authenticated encrypted channel.</summary>
    public byte[] ToBytes() => PayloadIO.ToBytes(MultipartyPayloadKind.ShamirShare, ParameterSetId, BodyLength(Parameters), WriteBody);

    /// <summary>Writes the serialized share to <paramref name="stream"/> (secret bytes, see <see cref="ToBytes"/>).</summary>
    public void WriteTo(Stream stream) => PayloadIO.WriteTo(stream, MultipartyPayloadKind.ShamirShare, ParameterSetId, BodyLength(Parameters), WriteBody);

    /// <summary>Reads a share of <paramref name="parameters"/> from a byte array holding exactly one payload.</summary>
    /// <exception cref="CkksFormatException">The payload is malformed, truncated or has trailing bytes.</exception>
    /// <exception cref="ParameterSetMismatchException">The payload belongs to another parameter set.</exception>
    public static ShamirShare FromBytes(ThresholdParameters parameters, ReadOnlySpan<byte> bytes)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return PayloadIO.FromBytes(bytes, MultipartyPayloadKind.ShamirShare, parameters.Ckks, "Shamir share", BodyLength(parameters), (body, offset, declared) => Parse(parameters, body, offset, declared));
    }

    /// <summary>Reads one share payload of <paramref name="parameters"/> from <paramref name="stream"/>.</summary>
    /// <exception cref="CkksFormatException">The payload is malformed or truncated.</exception>
    /// <exception cref="ParameterSetMismatchException">The payload belongs to another parameter set.</exception>
    public static ShamirShare ReadFrom(ThresholdParameters parameters, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return PayloadIO.ReadFrom(stream, MultipartyPayloadKind.ShamirShare, parameters.Ckks, "Shamir share", BodyLength(parameters), (body, offset, declared) => Parse(parameters, body, offset, declared));
    }

    /// <inheritdoc />
    public void Dispose() => Value.Clear();

    private static int BodyLength(ThresholdParameters parameters) => FixedBodyLength + parameters.Ckks.PackedPolynomialLength(parameters.Ckks.MaxLevel + 1);

    private void WriteBody(Span<byte> body)
    {
        var writer = new ShareBodyWriter(body);
        writer.Digest(KeyId);
        writer.U16(SenderId);
        writer.U16(RecipientId);
        writer.U16(Threshold);
        writer.U16(PartyCount);
        writer.Polynomial(Parameters.Ckks, Value, Value.LimbCount);
    }

    private static ShamirShare Parse(ThresholdParameters parameters, ReadOnlySpan<byte> body, long offset, ulong declared)
    {
        WireFormat.CheckLength(declared, BodyLength(parameters), offset - WireFormat.HeaderLength);
        var reader = new ShareBodyReader(body, offset);
        var keyId = Sha256Digest.FromBytes(reader.Bytes(Sha256Digest.Length, "keyId"));
        int sender = reader.U16("senderId");
        int recipient = reader.U16("recipientId");
        var (threshold, partyCount) = ShareChecks.ReadThreshold(ref reader, parameters);
        ShareChecks.CheckParty(sender, partyCount, "senderId", offset + Sha256Digest.Length);
        ShareChecks.CheckParty(recipient, partyCount, "recipientId", offset + Sha256Digest.Length + 2);
        var value = reader.Polynomial(parameters.Ckks, parameters.Ckks.MaxLevel + 1, "value");
        return new ShamirShare(parameters, keyId, sender, recipient, threshold, partyCount, value);
    }
}

/// <summary>Field checks shared by the share readers.</summary>
internal static class ShareChecks
{
    public static (int Threshold, int PartyCount) ReadThreshold(ref ShareBodyReader reader, ThresholdParameters parameters)
    {
        long thresholdOffset = reader.Offset;
        int threshold = reader.U16("threshold");
        long countOffset = reader.Offset;
        int partyCount = reader.U16("partyCount");
        if (partyCount < 1 || partyCount > parameters.MaxParties)
        {
            throw new CkksFormatException("partyCount", countOffset, $"{partyCount} parties; 1 to {parameters.MaxParties} are supported.");
        }

        if (threshold < 1 || threshold > partyCount)
        {
            throw new CkksFormatException("threshold", thresholdOffset, $"threshold {threshold} is outside 1..{partyCount}.");
        }

        return (threshold, partyCount);
    }

    public static void CheckParty(int partyId, int partyCount, string field, long offset)
    {
        if (partyId < 1 || partyId > partyCount)
        {
            throw new CkksFormatException(field, offset, $"party {partyId} is outside 1..{partyCount}.");
        }
    }
}
