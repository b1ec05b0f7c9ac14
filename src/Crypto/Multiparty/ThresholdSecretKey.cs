using FederatedHe.Crypto.Ring;
using FederatedHe.Crypto.Rlwe;

namespace FederatedHe.Crypto.Multiparty;

/// <summary>
/// A party's key for threshold decryption under a collective key: either its Shamir share
/// sk_j = Σ_i f_i(j) of the collective secret s (t-out-of-n), or, in the n-of-n special case, its own
/// secret share s_i unchanged (<see cref="IsAdditive"/>). Any committee C of at least t parties has
/// Σ_{j∈C} λ_j·sk_j = s, with λ_j the Lagrange coefficients at zero (all 1 in the additive case).
/// </summary>
/// <remarks>
/// <para>Secret: it stays with its party. The wire form exists so a party can keep its key at rest
/// (encrypted by the host); never send it.</para>
/// <para>Wire body (after the header, kind 18): key id (32), party index u16, threshold u16, party count
/// u16, additive u8 (0 or 1), sk_j as packed limbs (every ciphertext prime).</para>
/// <para>Immutable and thread-safe until disposed; <see cref="Dispose"/> zeroes the key material.</para>
/// </remarks>
public sealed class ThresholdSecretKey : IDisposable
{
    private const int FixedBodyLength = Sha256Digest.Length + 7;

    internal ThresholdSecretKey(ThresholdParameters parameters, Sha256Digest keyId, int partyId, int threshold, int partyCount, bool isAdditive, SecretKey value)
    {
        Parameters = parameters;
        KeyId = keyId;
        PartyId = partyId;
        Threshold = threshold;
        PartyCount = partyCount;
        IsAdditive = isAdditive;
        Value = value;
    }

    /// <summary>The threshold parameter set.</summary>
    public ThresholdParameters Parameters { get; }

    /// <summary>Identifier of the CKKS parameter set.</summary>
    public ParameterSetId ParameterSetId => Parameters.Ckks.Id;

    /// <summary>Identifier of the collective public key this key decrypts for.</summary>
    public Sha256Digest KeyId { get; }

    /// <summary>This party's index j (1..n).</summary>
    public int PartyId { get; }

    /// <summary>The number of parties t that must take part in a decryption.</summary>
    public int Threshold { get; }

    /// <summary>The number of parties n.</summary>
    public int PartyCount { get; }

    /// <summary>True for the n-of-n key made without re-sharing: every party must take part.</summary>
    public bool IsAdditive { get; }

    /// <summary>The key polynomial sk_j as a general-form secret key (NTT form).</summary>
    internal SecretKey Value { get; }

    /// <summary>Bytes of <see cref="ToBytes"/> (header included).</summary>
    public int SerializedSize => WireFormat.HeaderLength + BodyLength(Parameters);

    /// <summary>
    /// The n-of-n key of party <paramref name="partyId"/>: its own secret share s_i, used with λ = 1 by
    /// a committee of all n parties. No re-sharing round is needed, but no party may drop out.
    /// </summary>
    /// <exception cref="ParameterSetMismatchException">The secret share belongs to another parameter set.</exception>
    /// <exception cref="ThresholdProtocolException">The party index or count is out of range.</exception>
    public static ThresholdSecretKey FromAdditiveShare(ThresholdParameters parameters, SecretKey secretShare, int partyId, int partyCount, Sha256Digest keyId)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(secretShare);
        parameters.Ckks.EnsureSameSet(secretShare.ParameterSetId, "secret share");
        MultipartyMath.CheckPartyCount(parameters, partyCount, partyCount);
        MultipartyMath.CheckParty(partyId, partyCount, "party");
        var value = SecretKey.FromPolynomial(parameters.Ckks, secretShare.Value);
        return new ThresholdSecretKey(parameters, keyId, partyId, partyCount, partyCount, isAdditive: true, value);
    }

    /// <summary>Serializes the key (header and body). The bytes are secret.</summary>
    public byte[] ToBytes() => PayloadIO.ToBytes(MultipartyPayloadKind.ThresholdSecretKey, ParameterSetId, BodyLength(Parameters), WriteBody);

    /// <summary>Writes the serialized key to <paramref name="stream"/> (secret bytes).</summary>
    public void WriteTo(Stream stream) => PayloadIO.WriteTo(stream, MultipartyPayloadKind.ThresholdSecretKey, ParameterSetId, BodyLength(Parameters), WriteBody);

    /// <summary>Reads a key of <paramref name="parameters"/> from a byte array holding exactly one payload.</summary>
    /// <exception cref="CkksFormatException">The payload is malformed, truncated or has trailing bytes.</exception>
    /// <exception cref="ParameterSetMismatchException">The payload belongs to another parameter set.</exception>
    public static ThresholdSecretKey FromBytes(ThresholdParameters parameters, ReadOnlySpan<byte> bytes)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return PayloadIO.FromBytes(bytes, MultipartyPayloadKind.ThresholdSecretKey, parameters.Ckks, "threshold secret key", BodyLength(parameters), (body, offset, declared) => Parse(parameters, body, offset, declared));
    }

    /// <summary>Reads one key payload of <paramref name="parameters"/> from <paramref name="stream"/>.</summary>
    /// <exception cref="CkksFormatException">The payload is malformed or truncated.</exception>
    /// <exception cref="ParameterSetMismatchException">The payload belongs to another parameter set.</exception>
    public static ThresholdSecretKey ReadFrom(ThresholdParameters parameters, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return PayloadIO.ReadFrom(stream, MultipartyPayloadKind.ThresholdSecretKey, parameters.Ckks, "threshold secret key", BodyLength(parameters), (body, offset, declared) => Parse(parameters, body, offset, declared));
    }

    /// <inheritdoc />
    public void Dispose() => Value.Dispose();

    private static int BodyLength(ThresholdParameters parameters) => FixedBodyLength + parameters.Ckks.PackedPolynomialLength(parameters.Ckks.MaxLevel + 1);

    private void WriteBody(Span<byte> body)
    {
        var writer = new ShareBodyWriter(body);
        writer.Digest(KeyId);
        writer.U16(PartyId);
        writer.U16(Threshold);
        writer.U16(PartyCount);
        writer.U8(IsAdditive ? 1 : 0);
        writer.Polynomial(Parameters.Ckks, Value.Value, Value.Value.LimbCount);
    }

    private static ThresholdSecretKey Parse(ThresholdParameters parameters, ReadOnlySpan<byte> body, long offset, ulong declared)
    {
        WireFormat.CheckLength(declared, BodyLength(parameters), offset - WireFormat.HeaderLength);
        var reader = new ShareBodyReader(body, offset);
        var keyId = Sha256Digest.FromBytes(reader.Bytes(Sha256Digest.Length, "keyId"));
        int partyId = reader.U16("partyId");
        var (threshold, partyCount) = ShareChecks.ReadThreshold(ref reader, parameters);
        ShareChecks.CheckParty(partyId, partyCount, "partyId", offset + Sha256Digest.Length);
        long additiveOffset = reader.Offset;
        byte additive = reader.U8("additive");
        if (additive > 1 || (additive == 1 && threshold != partyCount))
        {
            throw new CkksFormatException("additive", additiveOffset, $"additive flag {additive} with t = {threshold}, n = {partyCount}.");
        }

        RnsPolynomial value = reader.Polynomial(parameters.Ckks, parameters.Ckks.MaxLevel + 1, "value");
        return new ThresholdSecretKey(parameters, keyId, partyId, threshold, partyCount, additive == 1, SecretKey.FromPolynomial(parameters.Ckks, value));
    }
}
