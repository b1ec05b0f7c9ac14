using FederatedHe.Crypto.Ring;

namespace FederatedHe.Crypto.Rlwe;

/// <summary>
/// An RLWE secret key s (NTT form over every ciphertext prime).
/// </summary>
/// <remarks>
/// <para>Keys made by <see cref="KeyGenerator"/> are ternary and serialize at 2 bits per coefficient
/// (form 0: code 0 → 0, 1 → +1, 2 → -1, 3 invalid). Other secrets (e.g. threshold shares) serialize as
/// packed NTT limbs (form 1). Wire body: form u8, then the coefficients.</para>
/// <para>Immutable after construction and thread-safe. <see cref="Dispose"/> zeroes the key material.</para>
/// </remarks>
public sealed class SecretKey : IDisposable
{
    private readonly sbyte[]? _ternary;
    private RnsPolynomial? _shoup;

    internal SecretKey(RlweParameters parameters, RnsPolynomial value, sbyte[]? ternary)
    {
        Parameters = parameters;
        Value = value;
        _ternary = ternary;
    }

    /// <summary>The parameter set the key belongs to.</summary>
    public RlweParameters Parameters { get; }

    /// <summary>Identifier of the parameter set.</summary>
    public ParameterSetId ParameterSetId => Parameters.Id;

    /// <summary>The secret polynomial s in NTT form.</summary>
    public RnsPolynomial Value { get; }

    /// <summary>Whether the key is a ternary polynomial (serialized at 2 bits per coefficient).</summary>
    public bool IsTernary => _ternary is not null;

    /// <summary>Bytes of <see cref="ToBytes"/> (header included).</summary>
    public int SerializedSize => WireFormat.HeaderLength + BodyLength;

    private int BodyLength => 1 + (IsTernary ? Parameters.N / 4 : Parameters.PackedPolynomialLength(Parameters.MaxLevel + 1));

    /// <summary>Shoup companions of s for fast products (computed once, on first use).</summary>
    internal RnsPolynomial Shoup
    {
        get
        {
            if (_shoup is null)
            {
                var shoup = new RnsPolynomial(Parameters.N, Value.LimbCount);
                Parameters.Ring.ComputeShoup(Value, shoup);
                Interlocked.CompareExchange(ref _shoup, shoup, null);
            }

            return _shoup!;
        }
    }

    /// <summary>
    /// Wraps an NTT-form polynomial as a secret key (e.g. a threshold share); it serializes in the
    /// general form.
    /// </summary>
    /// <exception cref="ArgumentException">The polynomial does not have every ciphertext limb in NTT form.</exception>
    public static SecretKey FromPolynomial(RlweParameters parameters, RnsPolynomial nttValue)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(nttValue);
        if (nttValue.N != parameters.N || nttValue.LimbCount != parameters.MaxLevel + 1 || !nttValue.IsNttForm)
        {
            throw new ArgumentException("A secret key needs every ciphertext limb, in NTT form.", nameof(nttValue));
        }

        return new SecretKey(parameters, nttValue.Clone(), null);
    }

    internal static SecretKey FromTernary(RlweParameters parameters, sbyte[] ternary)
    {
        var value = new RnsPolynomial(parameters.N, parameters.MaxLevel + 1);
        parameters.Ring.SetSmall(ternary, value, value.LimbCount);
        parameters.Ring.ToNtt(value);
        return new SecretKey(parameters, value, ternary);
    }

    /// <summary>Serializes the key (header and body).</summary>
    public byte[] ToBytes() => PayloadIO.ToBytes(PayloadKind.SecretKey, ParameterSetId, BodyLength, WriteBody);

    /// <summary>Writes the serialized key to <paramref name="stream"/>.</summary>
    public void WriteTo(Stream stream) => PayloadIO.WriteTo(stream, PayloadKind.SecretKey, ParameterSetId, BodyLength, WriteBody);

    /// <summary>Reads a key of <paramref name="parameters"/> from a byte array holding exactly one payload.</summary>
    /// <exception cref="CkksFormatException">The payload is malformed, truncated or has trailing bytes.</exception>
    /// <exception cref="ParameterSetMismatchException">The payload belongs to another parameter set.</exception>
    public static SecretKey FromBytes(RlweParameters parameters, ReadOnlySpan<byte> bytes)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return PayloadIO.FromBytes(bytes, PayloadKind.SecretKey, parameters, "secret key", MaxBodyLength(parameters), (body, offset, declared) => Parse(parameters, body, offset, declared));
    }

    /// <summary>Reads one key payload of <paramref name="parameters"/> from <paramref name="stream"/>.</summary>
    /// <exception cref="CkksFormatException">The payload is malformed or truncated.</exception>
    /// <exception cref="ParameterSetMismatchException">The payload belongs to another parameter set.</exception>
    public static SecretKey ReadFrom(RlweParameters parameters, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return PayloadIO.ReadFrom(stream, PayloadKind.SecretKey, parameters, "secret key", MaxBodyLength(parameters), (body, offset, declared) => Parse(parameters, body, offset, declared));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Value.Clear();
        _shoup?.Clear();
        if (_ternary is not null)
        {
            Array.Clear(_ternary);
        }
    }

    private static long MaxBodyLength(RlweParameters parameters) => 1L + Math.Max(parameters.N / 4, parameters.PackedPolynomialLength(parameters.MaxLevel + 1));

    private void WriteBody(Span<byte> body)
    {
        if (_ternary is not null)
        {
            body[0] = 0;
            for (int j = 0; j < _ternary.Length; j += 4)
            {
                int packed = 0;
                for (int k = 0; k < 4; k++)
                {
                    // Branch-free code of v ∈ {−1, 0, 1}: its low bit plus its sign bit gives 2, 0, 1.
                    int v = _ternary[j + k];
                    packed |= ((v & 1) + ((v >> 31) & 1)) << (2 * k);
                }

                body[1 + (j / 4)] = (byte)packed;
            }
        }
        else
        {
            body[0] = 1;
            WireFormat.WritePolynomial(Value, Parameters.Ring, Value.LimbCount, body[1..]);
        }
    }

    private static SecretKey Parse(RlweParameters parameters, ReadOnlySpan<byte> body, long offset, ulong declared)
    {
        PayloadIO.Require(body, 1, "form", offset);
        byte form = body[0];
        if (form > 1)
        {
            throw new CkksFormatException("form", offset, $"unknown secret-key form {form}.");
        }

        int limbs = parameters.MaxLevel + 1;
        long expected = 1 + (form == 0 ? parameters.N / 4 : parameters.PackedPolynomialLength(limbs));
        WireFormat.CheckLength(declared, expected, offset - WireFormat.HeaderLength);
        PayloadIO.Require(body, (int)expected, "coefficients", offset);
        if (form == 0)
        {
            // Branch-free on the secret codes: 0, 1, 2 decode to 0, 1, −1 as code − 3·(code >> 1), and
            // code 3 (invalid) is only noted; it is located, on the error path, once the key is refused.
            var ternary = new sbyte[parameters.N];
            int invalid = 0;
            for (int j = 0; j < ternary.Length; j++)
            {
                int code = (body[1 + (j / 4)] >> (2 * (j % 4))) & 3;
                invalid |= (code + 1) >> 2;
                ternary[j] = (sbyte)(code - (3 * (code >> 1)));
            }

            if (invalid != 0)
            {
                Array.Clear(ternary);
                int bad = 0;
                while (((body[1 + (bad / 4)] >> (2 * (bad % 4))) & 3) != 3)
                {
                    bad++;
                }

                throw new CkksFormatException("coefficients", offset + 1 + (bad / 4), $"coefficient {bad} has the invalid ternary code 3.");
            }

            return FromTernary(parameters, ternary);
        }

        var value = new RnsPolynomial(parameters.N, limbs) { IsNttForm = true };
        WireFormat.ReadPolynomial(body[1..], parameters.Ring, limbs, value, "coefficients", offset + 1);
        return new SecretKey(parameters, value, null);
    }
}
