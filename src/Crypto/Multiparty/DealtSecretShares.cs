using FederatedHe.Crypto.Ring;
using FederatedHe.Crypto.Rlwe;

namespace FederatedHe.Crypto.Multiparty;

/// <summary>
/// The key of party j in the seeded threshold scheme: the Shamir share f_i(j) of every dealer i's own secret
/// s_i, kept one per dealer instead of summed into one key, because each update is encrypted under its
/// sender's own secret and its decryption needs that dealer's shares only. Any committee C of at least t parties
/// has Σ_{j∈C} λ_j·f_i(j) = s_i for every dealer i.
/// </summary>
/// <remarks>
/// <para><b>Secret.</b> Any t parties' dealt shares of dealer i give s_i, and so every update i ever sent. The
/// wire form exists so a party can keep its key at rest (encrypted by the host); never send it.</para>
/// <para>Wire body (after the header, kind <see cref="PayloadKind.DealtSecretShares"/>): key id (32), party index u16,
/// threshold u16, party count u16, dealer count u16 (1..n), then per dealer its index u16 (strictly increasing)
/// and f_i(j) as packed limbs (every ciphertext prime, NTT form).</para>
/// <para>Immutable and thread-safe until disposed; <see cref="Dispose"/> zeroes every share.</para>
/// </remarks>
public sealed class DealtSecretShares : IDisposable
{
    private const int FixedBodyLength = Sha256Digest.Length + 8;
    private readonly SortedDictionary<int, RnsPolynomial> _shares;
    private readonly Dictionary<int, RnsPolynomial> _shoup = [];

    private DealtSecretShares(ThresholdParameters parameters, Sha256Digest keyId, int partyId, int threshold, int partyCount, SortedDictionary<int, RnsPolynomial> shares)
    {
        Parameters = parameters;
        KeyId = keyId;
        PartyId = partyId;
        Threshold = threshold;
        PartyCount = partyCount;
        _shares = shares;

        // Every decryption multiplies each contributor's a by its dealer's share: Shoup companions make that 2–3× faster.
        foreach (var (dealer, value) in shares)
        {
            var companion = new RnsPolynomial(value.N, value.LimbCount) { IsNttForm = true };
            parameters.Ckks.Ring.ComputeShoup(value, companion);
            _shoup[dealer] = companion;
        }
    }

    /// <summary>The threshold parameter set.</summary>
    public ThresholdParameters Parameters { get; }

    /// <summary>Identifier of the CKKS parameter set.</summary>
    public ParameterSetId ParameterSetId => Parameters.Ckks.Id;

    /// <summary>Identifier of the key set the shares were dealt for (bound into every update's a).</summary>
    public Sha256Digest KeyId { get; }

    /// <summary>This party's index j (1..n), the evaluation point of every share it holds.</summary>
    public int PartyId { get; }

    /// <summary>The number of parties t that must take part in a decryption.</summary>
    public int Threshold { get; }

    /// <summary>The number of parties n.</summary>
    public int PartyCount { get; }

    /// <summary>The dealers whose shares this party holds, in increasing order.</summary>
    public IReadOnlyCollection<int> Dealers => _shares.Keys;

    /// <summary>Bytes of <see cref="ToBytes"/> (header included).</summary>
    public int SerializedSize => WireFormat.HeaderLength + BodyLength(Parameters, _shares.Count);

    /// <summary>
    /// Party j's key from the Shamir shares it received, one per dealer (its own included), as
    /// <see cref="ThresholdSecretSharer.GenShares"/> makes them. The values are copied; the caller disposes of the shares.
    /// </summary>
    /// <exception cref="ArgumentException">The parameter set is not a seeded-threshold set.</exception>
    /// <exception cref="ParameterSetMismatchException">A share belongs to another parameter set.</exception>
    /// <exception cref="ThresholdProtocolException">No share; or the shares are for different keys, recipients, t or n; or a dealer is repeated.</exception>
    public static DealtSecretShares FromShares(ThresholdParameters parameters, IEnumerable<ShamirShare> received)
    {
        SeededChecks.RequireSeeded(parameters);
        ArgumentNullException.ThrowIfNull(received);
        var list = received.ToList();
        if (list.Count == 0)
        {
            throw new ThresholdProtocolException(ThresholdProtocolFailure.MissingShare, null, "no Shamir shares.");
        }

        var first = list[0];
        var shares = new SortedDictionary<int, RnsPolynomial>();
        try
        {
            foreach (var share in list)
            {
                ArgumentNullException.ThrowIfNull(share, nameof(received));
                parameters.Ckks.EnsureSameSet(share.ParameterSetId, "Shamir share");
                if (share.KeyId != first.KeyId)
                {
                    throw new ThresholdProtocolException(ThresholdProtocolFailure.KeyMismatch, share.SenderId, "the share was dealt for another key set.");
                }

                if (share.RecipientId != first.RecipientId)
                {
                    throw new ThresholdProtocolException(ThresholdProtocolFailure.RecipientMismatch, share.SenderId, $"the share is for party {share.RecipientId}, not {first.RecipientId}.");
                }

                if (share.Threshold != first.Threshold || share.PartyCount != first.PartyCount)
                {
                    throw new ThresholdProtocolException(ThresholdProtocolFailure.ThresholdMismatch, share.SenderId, $"the share is {share.Threshold}-of-{share.PartyCount}, another {first.Threshold}-of-{first.PartyCount}.");
                }

                if (!shares.TryAdd(share.SenderId, share.Value.Clone()))
                {
                    throw new ThresholdProtocolException(ThresholdProtocolFailure.DuplicateParty, share.SenderId, "two Shamir shares from the same dealer.");
                }
            }
        }
        catch
        {
            Clear(shares);
            throw;
        }

        return new DealtSecretShares(parameters, first.KeyId, first.RecipientId, first.Threshold, first.PartyCount, shares);
    }

    /// <summary>Whether this party holds a share of <paramref name="dealer"/>'s secret.</summary>
    public bool Holds(int dealer) => _shares.ContainsKey(dealer);

    /// <summary>f_dealer(j) (NTT form); null when this party holds no share of that dealer.</summary>
    internal RnsPolynomial? ShareOf(int dealer) => _shares.GetValueOrDefault(dealer);

    /// <summary>The Shoup companions of f_dealer(j) (secret like the share); null when this party holds no share of that dealer.</summary>
    internal RnsPolynomial? ShoupOf(int dealer) => _shoup.GetValueOrDefault(dealer);

    /// <summary>Serializes the shares (header and body). The bytes are secret.</summary>
    public byte[] ToBytes() => PayloadIO.ToBytes(PayloadKind.DealtSecretShares, ParameterSetId, BodyLength(Parameters, _shares.Count), WriteBody);

    /// <summary>Writes the serialized shares to <paramref name="stream"/> (secret bytes).</summary>
    public void WriteTo(Stream stream) => PayloadIO.WriteTo(stream, PayloadKind.DealtSecretShares, ParameterSetId, BodyLength(Parameters, _shares.Count), WriteBody);

    /// <summary>Reads the shares of <paramref name="parameters"/> from a byte array holding exactly one payload.</summary>
    /// <exception cref="ArgumentException">The parameter set is not a seeded-threshold set.</exception>
    /// <exception cref="CkksFormatException">The payload is malformed, truncated or has trailing bytes.</exception>
    /// <exception cref="ParameterSetMismatchException">The payload belongs to another parameter set.</exception>
    public static DealtSecretShares FromBytes(ThresholdParameters parameters, ReadOnlySpan<byte> bytes)
    {
        SeededChecks.RequireSeeded(parameters);
        return PayloadIO.FromBytes(bytes, PayloadKind.DealtSecretShares, parameters.Ckks, "dealt secret shares", MaxBodyLength(parameters), (body, offset, declared) => Parse(parameters, body, offset, declared));
    }

    /// <summary>Reads one payload of shares of <paramref name="parameters"/> from <paramref name="stream"/>.</summary>
    /// <exception cref="ArgumentException">The parameter set is not a seeded-threshold set.</exception>
    /// <exception cref="CkksFormatException">The payload is malformed or truncated.</exception>
    /// <exception cref="ParameterSetMismatchException">The payload belongs to another parameter set.</exception>
    public static DealtSecretShares ReadFrom(ThresholdParameters parameters, Stream stream)
    {
        SeededChecks.RequireSeeded(parameters);
        return PayloadIO.ReadFrom(stream, PayloadKind.DealtSecretShares, parameters.Ckks, "dealt secret shares", MaxBodyLength(parameters), (body, offset, declared) => Parse(parameters, body, offset, declared));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Clear(_shares);
        foreach (var companion in _shoup.Values)
        {
            companion.Clear();
        }
    }

    private static void Clear(SortedDictionary<int, RnsPolynomial> shares)
    {
        foreach (var value in shares.Values)
        {
            value.Clear();
        }
    }

    private static int BodyLength(ThresholdParameters parameters, int dealers) =>
        FixedBodyLength + (dealers * (2 + parameters.Ckks.PackedPolynomialLength(parameters.Ckks.MaxLevel + 1)));

    private static long MaxBodyLength(ThresholdParameters parameters) => BodyLength(parameters, parameters.MaxParties);

    private void WriteBody(Span<byte> body)
    {
        var writer = new ShareBodyWriter(body);
        writer.Digest(KeyId);
        writer.U16(PartyId);
        writer.U16(Threshold);
        writer.U16(PartyCount);
        writer.U16(_shares.Count);
        foreach (var (dealer, value) in _shares)
        {
            writer.U16(dealer);
            writer.Polynomial(Parameters.Ckks, value, value.LimbCount);
        }
    }

    private static DealtSecretShares Parse(ThresholdParameters parameters, ReadOnlySpan<byte> body, long offset, ulong declared)
    {
        var reader = new ShareBodyReader(body, offset);
        var keyId = Sha256Digest.FromBytes(reader.Bytes(Sha256Digest.Length, "keyId"));
        long partyOffset = reader.Offset;
        int partyId = reader.U16("partyId");
        var (threshold, partyCount) = ShareChecks.ReadThreshold(ref reader, parameters);
        ShareChecks.CheckParty(partyId, partyCount, "partyId", partyOffset);
        long countOffset = reader.Offset;
        int dealers = reader.U16("dealerCount");
        if (dealers < 1 || dealers > partyCount)
        {
            throw new CkksFormatException("dealerCount", countOffset, $"{dealers} dealers for n = {partyCount}.");
        }

        WireFormat.CheckLength(declared, BodyLength(parameters, dealers), offset - WireFormat.HeaderLength);
        var shares = new SortedDictionary<int, RnsPolynomial>();
        try
        {
            int previous = 0;
            for (int i = 0; i < dealers; i++)
            {
                long dealerOffset = reader.Offset;
                int dealer = reader.U16("dealer");
                ShareChecks.CheckParty(dealer, partyCount, "dealer", dealerOffset);
                if (dealer <= previous)
                {
                    throw new CkksFormatException("dealer", dealerOffset, "the dealers are not strictly increasing.");
                }

                previous = dealer;
                shares[dealer] = reader.Polynomial(parameters.Ckks, parameters.Ckks.MaxLevel + 1, "share");
            }
        }
        catch
        {
            Clear(shares);
            throw;
        }

        return new DealtSecretShares(parameters, keyId, partyId, threshold, partyCount, shares);
    }
}
