using System.Buffers.Binary;
using FederatedHe.Crypto.Ring;

namespace FederatedHe.Crypto.Rlwe;

/// <summary>
/// An RLWE ciphertext (c0, c1) in NTT form, decrypting as c0 + c1·s ≈ Δ·m, with its level, scale and
/// parameter-set identifier.
/// </summary>
/// <remarks>
/// <para>A ciphertext made by secret-key encryption remembers the 32-byte seed its uniform half c1
/// was expanded from; while c1 is unchanged it serializes in the compact form (c0 and the seed,
/// about half the bytes). Every evaluator operation that writes c1 drops the seed; code that writes
/// <see cref="C1"/> directly must call <see cref="ForgetSeed"/>.</para>
/// <para>Wire body (after the header): level u8, form u8 (0 = c0 and c1, 1 = c0 and seed), scale f64,
/// c0 as packed limbs, then c1 as packed limbs or the 32-byte seed.</para>
/// <para>Not thread-safe for concurrent writes; concurrent reads are safe.</para>
/// </remarks>
public sealed class Ciphertext
{
    private const int FixedBodyLength = 10;
    private byte[]? _c1Seed;

    /// <summary>Creates a zero ciphertext at <paramref name="level"/> with scale <paramref name="scale"/>; storage holds every level.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The level is outside [0, MaxLevel].</exception>
    public Ciphertext(RlweParameters parameters, int level, double scale)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfNegative(level);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(level, parameters.MaxLevel);
        Parameters = parameters;
        C0 = new RnsPolynomial(parameters.N, parameters.MaxLevel + 1) { IsNttForm = true };
        C1 = new RnsPolynomial(parameters.N, parameters.MaxLevel + 1) { IsNttForm = true };
        SetLevel(level);
        Scale = scale;
    }

    private Ciphertext(RlweParameters parameters, int level, double scale, bool uninitialized)
    {
        _ = uninitialized;
        Parameters = parameters;
        C0 = RnsPolynomial.CreateUninitialized(parameters.N, parameters.MaxLevel + 1, level + 1);
        C0.IsNttForm = true;
        C1 = RnsPolynomial.CreateUninitialized(parameters.N, parameters.MaxLevel + 1, level + 1);
        C1.IsNttForm = true;
        SetLevel(level);
        Scale = scale;
    }

    /// <summary>The parameter set the ciphertext belongs to.</summary>
    public RlweParameters Parameters { get; }

    /// <summary>Identifier of the parameter set.</summary>
    public ParameterSetId ParameterSetId => Parameters.Id;

    /// <summary>The first component (NTT form).</summary>
    public RnsPolynomial C0 { get; }

    /// <summary>The second component (NTT form).</summary>
    public RnsPolynomial C1 { get; }

    /// <summary>The level: each component has Level + 1 limbs.</summary>
    public int Level => C0.LimbCount - 1;

    /// <summary>The scale of the encrypted values.</summary>
    public double Scale { get; set; }

    /// <summary>Whether c1 is still the expansion of a seed, so the compact form is used.</summary>
    public bool IsCompact => _c1Seed is not null;

    /// <summary>Bytes of <see cref="ToBytes"/> (header included).</summary>
    public int SerializedSize => WireFormat.HeaderLength + BodyLength;

    private int BodyLength => FixedBodyLength + Parameters.PackedPolynomialLength(Level + 1)
        + (IsCompact ? AesCtrPrng.SeedLength : Parameters.PackedPolynomialLength(Level + 1));

    internal ReadOnlySpan<byte> C1Seed => _c1Seed;

    /// <summary>Sets the level of both components without touching residues (dropping limbs keeps the seed valid).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The level is outside the storage.</exception>
    public void SetLevel(int level)
    {
        C0.SetLimbCount(level + 1);
        C1.SetLimbCount(level + 1);
    }

    /// <summary>Forgets the seed of c1 (call after writing <see cref="C1"/> directly).</summary>
    public void ForgetSeed() => _c1Seed = null;

    /// <summary>
    /// A ciphertext whose limbs up to <paramref name="level"/> hold garbage (the limbs above are zero),
    /// for operations that overwrite both components up to that level before anything reads them.
    /// </summary>
    internal static Ciphertext CreateUninitialized(RlweParameters parameters, int level, double scale)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfNegative(level);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(level, parameters.MaxLevel);
        return new Ciphertext(parameters, level, scale, uninitialized: true);
    }

    internal void SetSeed(ReadOnlySpan<byte> seed) => _c1Seed = seed.ToArray();

    /// <summary>Copies this ciphertext into <paramref name="destination"/>.</summary>
    /// <exception cref="ParameterSetMismatchException">The destination belongs to another parameter set.</exception>
    public void CopyTo(Ciphertext destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        Parameters.EnsureSameSet(destination.ParameterSetId, "destination ciphertext");
        if (ReferenceEquals(destination, this))
        {
            return;
        }

        C0.CopyTo(destination.C0);
        C1.CopyTo(destination.C1);
        destination.Scale = Scale;
        destination._c1Seed = _c1Seed;
    }

    /// <summary>A deep copy.</summary>
    public Ciphertext Clone()
    {
        var copy = CreateUninitialized(Parameters, Level, Scale);
        CopyTo(copy);
        return copy;
    }

    /// <summary>Serializes the ciphertext (header and body) into a new array of exactly <see cref="SerializedSize"/> bytes.</summary>
    public byte[] ToBytes()
    {
        // Every byte is written below, so the array need not be zeroed first.
        var bytes = GC.AllocateUninitializedArray<byte>(SerializedSize);
        WriteTo(bytes.AsSpan());
        return bytes;
    }

    /// <summary>Writes the serialized ciphertext into <paramref name="destination"/>; allocates nothing.</summary>
    /// <returns>The number of bytes written, <see cref="SerializedSize"/>.</returns>
    /// <exception cref="ArgumentException">The destination is shorter than <see cref="SerializedSize"/>.</exception>
    public int WriteTo(Span<byte> destination)
    {
        if (!TryWriteTo(destination, out int written))
        {
            throw new ArgumentException($"The destination holds {destination.Length} bytes; the ciphertext needs {SerializedSize}.", nameof(destination));
        }

        return written;
    }

    /// <summary>Writes the serialized ciphertext into <paramref name="destination"/> if it is long enough; allocates nothing.</summary>
    /// <returns>False, with nothing written, when the destination is shorter than <see cref="SerializedSize"/>.</returns>
    public bool TryWriteTo(Span<byte> destination, out int bytesWritten)
    {
        int bodyLength = BodyLength;
        int total = WireFormat.HeaderLength + bodyLength;
        if (destination.Length < total)
        {
            bytesWritten = 0;
            return false;
        }

        WireFormat.WriteHeader(destination, PayloadKind.Ciphertext, ParameterSetId, bodyLength);
        WriteBody(destination.Slice(WireFormat.HeaderLength, bodyLength));
        bytesWritten = total;
        return true;
    }

    /// <summary>Writes the serialized ciphertext to <paramref name="stream"/>.</summary>
    public void WriteTo(Stream stream) => PayloadIO.WriteTo(stream, PayloadKind.Ciphertext, ParameterSetId, BodyLength, WriteBody);

    /// <summary>Reads a ciphertext of <paramref name="parameters"/> from a byte array holding exactly one payload.</summary>
    /// <exception cref="CkksFormatException">The payload is malformed, truncated or has trailing bytes.</exception>
    /// <exception cref="ParameterSetMismatchException">The payload belongs to another parameter set.</exception>
    public static Ciphertext FromBytes(RlweParameters parameters, ReadOnlySpan<byte> bytes)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return PayloadIO.FromBytes(bytes, PayloadKind.Ciphertext, parameters, "ciphertext", MaxBodyLength(parameters), (body, offset, declared) => Parse(parameters, body, offset, declared));
    }

    /// <summary>Reads one ciphertext payload of <paramref name="parameters"/> from <paramref name="stream"/>.</summary>
    /// <exception cref="CkksFormatException">The payload is malformed or truncated.</exception>
    /// <exception cref="ParameterSetMismatchException">The payload belongs to another parameter set.</exception>
    public static Ciphertext ReadFrom(RlweParameters parameters, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return PayloadIO.ReadFrom(stream, PayloadKind.Ciphertext, parameters, "ciphertext", MaxBodyLength(parameters), (body, offset, declared) => Parse(parameters, body, offset, declared));
    }

    /// <summary>
    /// The largest <see cref="SerializedSize"/> any ciphertext of <paramref name="parameters"/> can have (top level, both
    /// components in full): a receiver can refuse a longer payload before reading it, and bound what it buffers.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="parameters"/> is null.</exception>
    public static long MaxSerializedSize(RlweParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return WireFormat.HeaderLength + MaxBodyLength(parameters);
    }

    internal static long MaxBodyLength(RlweParameters parameters) => FixedBodyLength + (2L * parameters.PackedPolynomialLength(parameters.MaxLevel + 1));

    private void WriteBody(Span<byte> body)
    {
        int limbs = Level + 1;
        body[0] = (byte)Level;
        body[1] = IsCompact ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteDoubleLittleEndian(body[2..], Scale);
        int offset = FixedBodyLength;
        offset += WireFormat.WritePolynomial(C0, Parameters.Ring, limbs, body[offset..]);
        if (_c1Seed is not null)
        {
            _c1Seed.CopyTo(body[offset..]);
        }
        else
        {
            WireFormat.WritePolynomial(C1, Parameters.Ring, limbs, body[offset..]);
        }
    }

    private static Ciphertext Parse(RlweParameters parameters, ReadOnlySpan<byte> body, long offset, ulong declared)
    {
        PayloadIO.Require(body, FixedBodyLength, "level", offset);
        int level = body[0];
        if (level > parameters.MaxLevel)
        {
            throw new CkksFormatException("level", offset, $"level {level} exceeds the parameter set's maximum {parameters.MaxLevel}.");
        }

        byte form = body[1];
        if (form > 1)
        {
            throw new CkksFormatException("form", offset + 1, $"unknown ciphertext form {form}.");
        }

        double scale = BinaryPrimitives.ReadDoubleLittleEndian(body[2..]);
        if (!double.IsFinite(scale) || scale <= 0)
        {
            throw new CkksFormatException("scale", offset + 2, $"scale {scale} is not a positive finite number.");
        }

        int limbs = level + 1;
        int polynomialLength = parameters.PackedPolynomialLength(limbs);
        long expected = FixedBodyLength + polynomialLength + (form == 1 ? AesCtrPrng.SeedLength : polynomialLength);
        WireFormat.CheckLength(declared, expected, offset - WireFormat.HeaderLength);
        PayloadIO.Require(body, (int)expected, "c0", offset);

        var ciphertext = CreateUninitialized(parameters, level, scale);
        int position = FixedBodyLength;
        position += WireFormat.ReadPolynomial(body[position..], parameters.Ring, limbs, ciphertext.C0, "c0", offset + position);
        if (form == 1)
        {
            ReadOnlySpan<byte> seed = body.Slice(position, AesCtrPrng.SeedLength);
            using var prng = new AesCtrPrng(seed);
            Sampling.SampleUniform(prng, parameters.Ring, ciphertext.C1, limbs);
            ciphertext.SetSeed(seed);
        }
        else
        {
            WireFormat.ReadPolynomial(body[position..], parameters.Ring, limbs, ciphertext.C1, "c1", offset + position);
        }

        return ciphertext;
    }
}
