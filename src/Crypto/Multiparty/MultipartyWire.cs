using System.Buffers.Binary;
using System.Security.Cryptography;
using FederatedHe.Crypto.Ring;
using FederatedHe.Crypto.Rlwe;

namespace FederatedHe.Crypto.Multiparty;

/// <summary>
/// Payload kinds of the multiparty shares, in the library's versioned header. They are not yet
/// members of <see cref="PayloadKind"/> (owned by the Rlwe layer); the values are chosen clear of
/// the single-key kinds so they can be added there unchanged.
/// </summary>
internal static class MultipartyPayloadKind
{
    public const PayloadKind PublicKeyShare = PayloadKind.PublicKeyShare;
    public const PayloadKind ShamirShare = PayloadKind.ShamirShare;
    public const PayloadKind ThresholdSecretKey = PayloadKind.ThresholdSecretKey;
    public const PayloadKind DecryptionShare = PayloadKind.DecryptionShare;
}

/// <summary>Sequential little-endian reader over a payload body that reports offsets in its errors.</summary>
internal ref struct ShareBodyReader
{
    private readonly ReadOnlySpan<byte> _body;
    private readonly long _baseOffset;

    public ShareBodyReader(ReadOnlySpan<byte> body, long baseOffset)
    {
        _body = body;
        _baseOffset = baseOffset;
        Position = 0;
    }

    public int Position { get; private set; }

    public long Offset => _baseOffset + Position;

    public byte U8(string field)
    {
        PayloadIO.Require(_body[Position..], 1, field, Offset);
        return _body[Position++];
    }

    public int U16(string field)
    {
        PayloadIO.Require(_body[Position..], 2, field, Offset);
        int value = BinaryPrimitives.ReadUInt16LittleEndian(_body[Position..]);
        Position += 2;
        return value;
    }

    public uint U32(string field)
    {
        PayloadIO.Require(_body[Position..], 4, field, Offset);
        uint value = BinaryPrimitives.ReadUInt32LittleEndian(_body[Position..]);
        Position += 4;
        return value;
    }

    public ReadOnlySpan<byte> Bytes(int count, string field)
    {
        PayloadIO.Require(_body[Position..], count, field, Offset);
        var slice = _body.Slice(Position, count);
        Position += count;
        return slice;
    }

    public RnsPolynomial Polynomial(RlweParameters parameters, int limbs, string field)
    {
        int length = parameters.PackedPolynomialLength(limbs);
        PayloadIO.Require(_body[Position..], length, field, Offset);
        var value = new RnsPolynomial(parameters.N, limbs) { IsNttForm = true };
        WireFormat.ReadPolynomial(_body[Position..], parameters.Ring, limbs, value, field, Offset);
        Position += length;
        return value;
    }
}

/// <summary>Sequential little-endian writer over a payload body.</summary>
internal ref struct ShareBodyWriter
{
    private readonly Span<byte> _body;

    public ShareBodyWriter(Span<byte> body)
    {
        _body = body;
        Position = 0;
    }

    public int Position { get; private set; }

    public void U8(int value) => _body[Position++] = (byte)value;

    public void U16(int value)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(_body[Position..], (ushort)value);
        Position += 2;
    }

    public void U32(int value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(_body[Position..], (uint)value);
        Position += 4;
    }

    public void Bytes(ReadOnlySpan<byte> value)
    {
        value.CopyTo(_body[Position..]);
        Position += value.Length;
    }

    public void Digest(Sha256Digest digest)
    {
        digest.WriteTo(_body.Slice(Position, Sha256Digest.Length));
        Position += Sha256Digest.Length;
    }

    public void Polynomial(RlweParameters parameters, RnsPolynomial value, int limbs) =>
        Position += WireFormat.WritePolynomial(value, parameters.Ring, limbs, _body[Position..]);
}

/// <summary>Checks and arithmetic shared by the protocols: party indices, committees, Lagrange coefficients, digests.</summary>
internal static class MultipartyMath
{
    public static void CheckPartyCount(ThresholdParameters parameters, int threshold, int partyCount)
    {
        if (partyCount < 1 || partyCount > parameters.MaxParties || threshold < 1 || threshold > partyCount)
        {
            throw new ThresholdProtocolException(ThresholdProtocolFailure.ThresholdMismatch, null, $"t = {threshold}, n = {partyCount}: need 1 ≤ t ≤ n ≤ {parameters.MaxParties}.");
        }
    }

    public static void CheckParty(int partyId, int partyCount, string role)
    {
        if (partyId < 1 || partyId > partyCount)
        {
            throw new ThresholdProtocolException(ThresholdProtocolFailure.PartyOutOfRange, partyId, $"{role} {partyId} is outside 1..{partyCount}.");
        }
    }

    /// <summary>Sorted, distinct copy of a committee whose members are in 1..n, of at least t members.</summary>
    public static int[] NormalizeCommittee(IEnumerable<int> committee, int threshold, int partyCount)
    {
        ArgumentNullException.ThrowIfNull(committee);
        int[] sorted = committee.Order().ToArray();
        for (int i = 0; i < sorted.Length; i++)
        {
            CheckParty(sorted[i], partyCount, "committee member");
            if (i > 0 && sorted[i] == sorted[i - 1])
            {
                throw new ThresholdProtocolException(ThresholdProtocolFailure.CommitteeMismatch, sorted[i], "the committee names a party twice.");
            }
        }

        if (sorted.Length < threshold)
        {
            throw new ThresholdProtocolException(ThresholdProtocolFailure.CommitteeTooSmall, null, $"a committee of {sorted.Length} parties cannot decrypt with threshold {threshold}.");
        }

        return sorted;
    }

    /// <summary>λ_j = Π_{k ∈ C, k ≠ j} k / (k − j) modulo each of the first <paramref name="limbCount"/> primes: Σ λ_j·f(j) = f(0).</summary>
    public static ulong[] LagrangeAtZero(RingContext ring, ReadOnlySpan<int> committee, int party, int limbCount)
    {
        var lambda = new ulong[limbCount];
        for (int l = 0; l < limbCount; l++)
        {
            Modulus q = ring.Moduli[l];
            ulong numerator = 1;
            ulong denominator = 1;
            foreach (int k in committee)
            {
                if (k == party)
                {
                    continue;
                }

                numerator = q.Multiply(numerator, q.Reduce((ulong)k));
                denominator = q.Multiply(denominator, q.ReduceSigned(k - party));
            }

            lambda[l] = q.Multiply(numerator, q.Inverse(denominator));
        }

        return lambda;
    }

    /// <summary>
    /// The fingerprint of a ciphertext: SHA-256 over its parameter-set id, level, scale and both
    /// components as packed limbs. The expanded form is hashed even for compact ciphertexts, so a
    /// ciphertext has one fingerprint however it travelled.
    /// </summary>
    public static Sha256Digest Fingerprint(Ciphertext ciphertext)
    {
        var parameters = ciphertext.Parameters;
        int limbs = ciphertext.Level + 1;
        int length = parameters.PackedPolynomialLength(limbs);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> prefix = stackalloc byte[ParameterSetId.Length + 1 + 8];
        ciphertext.ParameterSetId.WriteTo(prefix);
        prefix[ParameterSetId.Length] = (byte)ciphertext.Level;
        BinaryPrimitives.WriteDoubleLittleEndian(prefix[(ParameterSetId.Length + 1)..], ciphertext.Scale);
        hash.AppendData("FederatedHe ciphertext fingerprint v1"u8);
        hash.AppendData(prefix);
        byte[] buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(length);
        try
        {
            WireFormat.WritePolynomial(ciphertext.C0, parameters.Ring, limbs, buffer);
            hash.AppendData(buffer, 0, length);
            WireFormat.WritePolynomial(ciphertext.C1, parameters.Ring, limbs, buffer);
            hash.AppendData(buffer, 0, length);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }

        Span<byte> digest = stackalloc byte[Sha256Digest.Length];
        hash.GetHashAndReset(digest);
        return Sha256Digest.FromBytes(digest);
    }
}
