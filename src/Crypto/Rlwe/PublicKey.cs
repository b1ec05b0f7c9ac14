using FederatedHe.Crypto.Ring;

namespace FederatedHe.Crypto.Rlwe;

/// <summary>
/// An RLWE public key (b, a) = (-a·s + e, a) in NTT form, where a is expanded from a 32-byte seed
/// (see <see cref="KeyGenerator.ExpandCommonPolynomial"/>), so only b and the seed are stored.
/// </summary>
/// <remarks>
/// Wire body: the 32-byte seed of a, then b as packed limbs. Immutable and thread-safe.
/// </remarks>
public sealed class PublicKey
{
    private readonly byte[] _seed;
    private RnsPolynomial? _bShoup;
    private RnsPolynomial? _aShoup;

    internal PublicKey(RlweParameters parameters, RnsPolynomial b, RnsPolynomial a, ReadOnlySpan<byte> seed)
    {
        Parameters = parameters;
        B = b;
        A = a;
        _seed = seed.ToArray();
    }

    /// <summary>The parameter set the key belongs to.</summary>
    public RlweParameters Parameters { get; }

    /// <summary>Identifier of the parameter set.</summary>
    public ParameterSetId ParameterSetId => Parameters.Id;

    /// <summary>b = -a·s + e (NTT form).</summary>
    public RnsPolynomial B { get; }

    /// <summary>The uniform polynomial a (NTT form), expanded from <see cref="Seed"/>.</summary>
    public RnsPolynomial A { get; }

    /// <summary>The 32-byte seed a is expanded from.</summary>
    public ReadOnlySpan<byte> Seed => _seed;

    /// <summary>Bytes of <see cref="ToBytes"/> (header included).</summary>
    public int SerializedSize => WireFormat.HeaderLength + BodyLength;

    private int BodyLength => AesCtrPrng.SeedLength + Parameters.PackedPolynomialLength(Parameters.MaxLevel + 1);

    internal RnsPolynomial BShoup => _bShoup ??= Companion(B);

    internal RnsPolynomial AShoup => _aShoup ??= Companion(A);

    /// <summary>
    /// Builds a public key from b and the seed of a, e.g. a collective key whose b is the sum of the
    /// parties' shares over a common a.
    /// </summary>
    /// <exception cref="ArgumentException">b does not have every ciphertext limb in NTT form, or the seed is not 32 bytes.</exception>
    public static PublicKey FromPolynomial(RlweParameters parameters, RnsPolynomial b, ReadOnlySpan<byte> seed)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(b);
        if (b.N != parameters.N || b.LimbCount != parameters.MaxLevel + 1 || !b.IsNttForm)
        {
            throw new ArgumentException("b needs every ciphertext limb, in NTT form.", nameof(b));
        }

        var a = KeyGenerator.ExpandCommonPolynomial(parameters, seed);
        return new PublicKey(parameters, b.Clone(), a, seed);
    }

    /// <summary>Serializes the key (header and body).</summary>
    public byte[] ToBytes() => PayloadIO.ToBytes(PayloadKind.PublicKey, ParameterSetId, BodyLength, WriteBody);

    /// <summary>Writes the serialized key to <paramref name="stream"/>.</summary>
    public void WriteTo(Stream stream) => PayloadIO.WriteTo(stream, PayloadKind.PublicKey, ParameterSetId, BodyLength, WriteBody);

    /// <summary>Reads a key of <paramref name="parameters"/> from a byte array holding exactly one payload.</summary>
    /// <exception cref="CkksFormatException">The payload is malformed, truncated or has trailing bytes.</exception>
    /// <exception cref="ParameterSetMismatchException">The payload belongs to another parameter set.</exception>
    public static PublicKey FromBytes(RlweParameters parameters, ReadOnlySpan<byte> bytes)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return PayloadIO.FromBytes(bytes, PayloadKind.PublicKey, parameters, "public key", MaxBodyLength(parameters), (body, offset, declared) => Parse(parameters, body, offset, declared));
    }

    /// <summary>Reads one key payload of <paramref name="parameters"/> from <paramref name="stream"/>.</summary>
    /// <exception cref="CkksFormatException">The payload is malformed or truncated.</exception>
    /// <exception cref="ParameterSetMismatchException">The payload belongs to another parameter set.</exception>
    public static PublicKey ReadFrom(RlweParameters parameters, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return PayloadIO.ReadFrom(stream, PayloadKind.PublicKey, parameters, "public key", MaxBodyLength(parameters), (body, offset, declared) => Parse(parameters, body, offset, declared));
    }

    private static long MaxBodyLength(RlweParameters parameters) => AesCtrPrng.SeedLength + parameters.PackedPolynomialLength(parameters.MaxLevel + 1);

    private RnsPolynomial Companion(RnsPolynomial value)
    {
        var shoup = new RnsPolynomial(Parameters.N, value.LimbCount);
        Parameters.Ring.ComputeShoup(value, shoup);
        return shoup;
    }

    private void WriteBody(Span<byte> body)
    {
        _seed.CopyTo(body);
        WireFormat.WritePolynomial(B, Parameters.Ring, B.LimbCount, body[AesCtrPrng.SeedLength..]);
    }

    private static PublicKey Parse(RlweParameters parameters, ReadOnlySpan<byte> body, long offset, ulong declared)
    {
        long expected = MaxBodyLength(parameters);
        WireFormat.CheckLength(declared, expected, offset - WireFormat.HeaderLength);
        PayloadIO.Require(body, (int)expected, "seed", offset);
        ReadOnlySpan<byte> seed = body[..AesCtrPrng.SeedLength];
        var b = new RnsPolynomial(parameters.N, parameters.MaxLevel + 1) { IsNttForm = true };
        WireFormat.ReadPolynomial(body[AesCtrPrng.SeedLength..], parameters.Ring, b.LimbCount, b, "b", offset + AesCtrPrng.SeedLength);
        var a = KeyGenerator.ExpandCommonPolynomial(parameters, seed);
        return new PublicKey(parameters, b, a, seed);
    }
}
