using System.Buffers.Binary;
using System.Security.Cryptography;
using FederatedHe.Crypto.Ring;
using FederatedHe.Crypto.Rlwe;

namespace FederatedHe.Crypto.Ckks;

/// <summary>
/// A validated, immutable CKKS parameter set: ring dimension, RNS chain of NTT-friendly primes,
/// default scale and security level, identified by the SHA-256 of its canonical encoding.
/// </summary>
/// <remarks>
/// <para>Only <see cref="Create"/> (or <see cref="FromBytes"/>/<see cref="ReadFrom"/>) makes one; it
/// checks the set against the HomomorphicEncryption.org table for 128-bit classical security and
/// refuses weaker sets unless insecure sets are explicitly allowed (tests only).</para>
/// <para>Canonical encoding (the wire body, and the input of the SHA-256 identifier), little-endian:
/// logN u8, count of Q primes u8, Q primes u64 each, count of P primes u8, P primes u64 each,
/// logScale u8, σ f64, secret distribution u8 (1 = uniform ternary), error bound u8, then — only for
/// complex-packed sets — packing u8 = 1 (real-slot sets end before it, so their identifiers are unchanged).</para>
/// <para>Immutable and thread-safe.</para>
/// </remarks>
public sealed class CkksParameters : RlweParameters
{
    /// <summary>Most ciphertext primes a set may have (bounds memory for hostile payloads).</summary>
    public const int MaxCiphertextPrimes = 32;

    /// <summary>Most key-switching primes a set may have.</summary>
    public const int MaxKeySwitchingPrimes = 8;

    private const byte TernarySecret = 1;
    private readonly byte[] _canonical;

    private CkksParameters(int logN, ulong[] q, ulong[] p, int logScale, SecurityLevel security, bool isSecure, SlotPacking packing, byte[] canonical)
        : base(logN, q, p, ComputeId(canonical))
    {
        LogScale = logScale;
        Packing = packing;
        Security = security;
        IsSecure = isSecure;
        _canonical = canonical;
        LogQ = q.Sum(v => Math.Log2(v));
        LogQP = LogQ + p.Sum(v => Math.Log2(v));
    }

    /// <summary>Number of complex slots per ciphertext, N/2 (real values use the real parts).</summary>
    public int SlotCount => N / 2;

    /// <summary>How the aggregation types (<see cref="AggregationEncryptor"/>) place values in slots.</summary>
    public SlotPacking Packing { get; }

    /// <summary>
    /// Real values per ciphertext for the aggregation types: N with <see cref="SlotPacking.ComplexSlots"/>,
    /// N/2 otherwise. (<see cref="VectorEncryptor"/> always uses real slots, N/2 values.)
    /// </summary>
    public int ValuesPerCiphertext => Packing == SlotPacking.ComplexSlots ? N : N / 2;

    /// <summary>log2 of the default scale.</summary>
    public int LogScale { get; }

    /// <summary>The default scale Δ = 2^LogScale.</summary>
    public double DefaultScale => Math.ScaleB(1.0, LogScale);

    /// <summary>The security level the set was checked against.</summary>
    public SecurityLevel Security { get; }

    /// <summary>False only for sets created with <c>allowInsecure: true</c> that fail the security check.</summary>
    public bool IsSecure { get; }

    /// <summary>log2 of the ciphertext modulus Q.</summary>
    public double LogQ { get; }

    /// <summary>log2 of Q·P, the quantity the security standard bounds.</summary>
    public double LogQP { get; }

    /// <summary>
    /// A high-probability <b>heuristic</b>, not a worst-case bound, for the absolute error per slot of
    /// decrypt(encrypt(x)) at the default scale: the fresh-encryption bound B_clean of the CKKS paper
    /// (Cheon, Kim, Kim and Song, 2017, Lemma 1), 8√2·σ·N + 6·σ·√N + 16·σ·√(h·N), over Δ, with the
    /// secret's Hamming weight h taken as N (a ternary secret has at most N nonzero coefficients). The
    /// error of a public-key encryption, e0 + e1·s + u·e, has per-slot standard deviation about
    /// σ·N·√(2/3)/Δ (measured: within 0.5 % of it for every preset), but it is not Gaussian: in the
    /// slots the polynomial products become products of slot values (u(ζ)·e(ζ), e1(ζ)·s(ζ)), whose
    /// tails are heavier (kurtosis ~4.5). The earlier 8·σ·N/Δ, ~10 standard deviations, was exceeded
    /// now and then: by 1 in 400 to 1 in 1,000 encryptions of full slot vectors here, and once in CI.
    /// This one is ~33 standard deviations; over 1,000–3,000 such encryptions per preset the largest
    /// error was under 30 % of it. The error of secret-key encryption is much smaller; the worst case
    /// over all noise draws is far larger, and nothing here is proved. For N = 8192, Δ = 2^40 it is
    /// 6.5e-7; sums of k ciphertexts stay within k times it in the same sense, and a weighted mean
    /// (weights summing to 1) followed by <see cref="Evaluator.Rescale"/> within it plus N/Δ.
    /// </summary>
    public double FreshEncryptionErrorHeuristic =>
        ((8 * Math.Sqrt(2) * Sampling.GaussianSigma * N) + (6 * Sampling.GaussianSigma * Math.Sqrt(N)) + (16 * Sampling.GaussianSigma * N)) / DefaultScale;

    /// <summary>Bytes of <see cref="ToBytes"/> (header included).</summary>
    public int SerializedSize => WireFormat.HeaderLength + _canonical.Length;

    /// <summary>
    /// Validates a literal and builds the parameter set.
    /// </summary>
    /// <param name="literal">The description.</param>
    /// <param name="allowInsecure">Accept sets below the security level (and ring dimensions below 2^12); for tests only.</param>
    /// <exception cref="CkksParameterException">A field is malformed (ring dimension, prime sizes, primes not ≡ 1 mod 2N or repeated, scale).</exception>
    /// <exception cref="InsecureParametersException">log2(Q·P) exceeds the standard's bound and <paramref name="allowInsecure"/> is false.</exception>
    public static CkksParameters Create(CkksParametersLiteral literal, bool allowInsecure = false)
    {
        ArgumentNullException.ThrowIfNull(literal);
        int logN = literal.LogN;
        int minLogN = allowInsecure ? 3 : HomomorphicEncryptionStandard.MinLogN;
        if (logN < minLogN || logN > HomomorphicEncryptionStandard.MaxLogN)
        {
            throw new CkksParameterException(nameof(literal.LogN), $"LogN = {logN} is outside [{minLogN}, {HomomorphicEncryptionStandard.MaxLogN}].");
        }

        if (!Enum.IsDefined(literal.Security))
        {
            throw new CkksParameterException(nameof(literal.Security), $"unknown security level {literal.Security}.");
        }

        ulong[] q = ResolvePrimes(logN, literal.Q, literal.LogQ, nameof(literal.Q), [], MaxCiphertextPrimes, required: true);
        ulong[] p = ResolvePrimes(logN, literal.P, literal.LogP, nameof(literal.P), q, MaxKeySwitchingPrimes, required: false);
        if (q.Intersect(p).Any())
        {
            throw new CkksParameterException(nameof(literal.P), "a key-switching prime repeats a ciphertext prime.");
        }

        double logQ = q.Sum(v => Math.Log2(v));
        double logQP = logQ + p.Sum(v => Math.Log2(v));
        bool isSecure = logN >= HomomorphicEncryptionStandard.MinLogN
            && logQP <= HomomorphicEncryptionStandard.MaxLogQP(logN, literal.Security);
        if (!isSecure && !allowInsecure)
        {
            throw new InsecureParametersException(logN, logQP, HomomorphicEncryptionStandard.MaxLogQP(logN, literal.Security));
        }

        if (literal.LogScale < 1 || literal.LogScale >= logQ - 1 || literal.LogScale > 120)
        {
            throw new CkksParameterException(nameof(literal.LogScale), $"LogScale = {literal.LogScale} must be in [1, min(120, log2 Q - 1)) (log2 Q = {logQ:F1}).");
        }

        if (!Enum.IsDefined(literal.Packing))
        {
            throw new CkksParameterException(nameof(literal.Packing), $"unknown slot packing {literal.Packing}.");
        }

        byte[] canonical = Encode(logN, q, p, literal.LogScale, literal.Packing);
        return new CkksParameters(logN, q, p, literal.LogScale, literal.Security, isSecure, literal.Packing, canonical);
    }

    /// <summary>The literal with the resolved primes, which recreates this set exactly.</summary>
    public CkksParametersLiteral ToLiteral() => new()
    {
        LogN = LogN,
        Q = CiphertextPrimes.ToArray(),
        P = KeySwitchingPrimes.ToArray(),
        LogScale = LogScale,
        Security = Security,
        Packing = Packing,
    };

    /// <summary>Serializes the parameter set (header and canonical body).</summary>
    public byte[] ToBytes() => PayloadIO.ToBytes(PayloadKind.Parameters, Id, _canonical.Length, body => _canonical.CopyTo(body));

    /// <summary>Writes the serialized parameter set to <paramref name="stream"/>.</summary>
    public void WriteTo(Stream stream) => PayloadIO.WriteTo(stream, PayloadKind.Parameters, Id, _canonical.Length, body => _canonical.CopyTo(body));

    /// <summary>Reads a parameter set from a byte array holding exactly one payload, re-validating it.</summary>
    /// <exception cref="CkksFormatException">The payload is malformed, truncated, insecure (unless allowed) or its identifier does not match its content.</exception>
    public static CkksParameters FromBytes(ReadOnlySpan<byte> bytes, bool allowInsecure = false)
    {
        var (id, _) = WireFormat.ReadHeader(bytes, PayloadKind.Parameters);
        return PayloadIO.FromBytes(bytes, PayloadKind.Parameters, null, "parameter set", MaxBodyLength, (body, offset, declared) => Parse(body, offset, declared, id, allowInsecure));
    }

    /// <summary>Reads one parameter-set payload from <paramref name="stream"/>, re-validating it.</summary>
    /// <exception cref="CkksFormatException">The payload is malformed, truncated, insecure (unless allowed) or its identifier does not match its content.</exception>
    public static CkksParameters ReadFrom(Stream stream, bool allowInsecure = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Span<byte> header = stackalloc byte[WireFormat.HeaderLength];
        WireFormat.ReadExactly(stream, header, "header", 0);
        var (_, declared) = WireFormat.ReadHeader(header, PayloadKind.Parameters);
        if (declared > (ulong)MaxBodyLength)
        {
            throw new CkksFormatException("length", 40, $"body length {declared} exceeds the largest parameter set ({MaxBodyLength} bytes).");
        }

        var bytes = new byte[WireFormat.HeaderLength + (int)declared];
        header.CopyTo(bytes);
        WireFormat.ReadExactly(stream, bytes.AsSpan(WireFormat.HeaderLength), "body", WireFormat.HeaderLength);
        return FromBytes(bytes, allowInsecure);
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"CKKS N=2^{LogN}, Q={string.Join('+', CiphertextPrimes.Select(v => Math.Round(Math.Log2(v)).ToString(System.Globalization.CultureInfo.InvariantCulture)))} bits, P={KeySwitchingPrimes.Count} primes, log2 QP={LogQP:F1}, Δ=2^{LogScale}{(Packing == SlotPacking.ComplexSlots ? ", complex slots" : "")}, id={Id.ToString()[..16]}";

    private static int MaxBodyLength => 1 + 1 + (8 * MaxCiphertextPrimes) + 1 + (8 * MaxKeySwitchingPrimes) + 1 + 8 + 1 + 1 + 1;

    private static ParameterSetId ComputeId(byte[] canonical)
    {
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(canonical, digest);
        return ParameterSetId.FromBytes(digest);
    }

    private static ulong[] ResolvePrimes(int logN, IReadOnlyList<ulong>? explicitPrimes, IReadOnlyList<int>? bitSizes, string field, ulong[] exclude, int maxCount, bool required)
    {
        ulong[] primes;
        if (explicitPrimes is not null && explicitPrimes.Count > 0)
        {
            primes = explicitPrimes.ToArray();
            ulong order = 2UL << logN;
            foreach (ulong prime in primes)
            {
                int bits = 64 - System.Numerics.BitOperations.LeadingZeroCount(prime);
                if (bits < Modulus.MinBits || bits > Modulus.MaxBits)
                {
                    throw new CkksParameterException(field, $"prime {prime} has {bits} bits; {Modulus.MinBits} to {Modulus.MaxBits} are supported.");
                }

                if (prime % order != 1)
                {
                    throw new CkksParameterException(field, $"{prime} is not congruent to 1 mod 2N = {order}.");
                }

                if (!Primes.IsPrime(prime))
                {
                    throw new CkksParameterException(field, $"{prime} is not prime.");
                }
            }

            if (primes.Distinct().Count() != primes.Length)
            {
                throw new CkksParameterException(field, "the primes are not distinct.");
            }
        }
        else if (bitSizes is not null && bitSizes.Count > 0)
        {
            if (bitSizes.Count > maxCount)
            {
                throw new CkksParameterException(field, $"{bitSizes.Count} primes requested; at most {maxCount} are supported.");
            }

            try
            {
                primes = Primes.GenerateNttPrimes(logN, bitSizes, exclude);
            }
            catch (Exception ex) when (ex is ArgumentOutOfRangeException or InvalidOperationException)
            {
                throw new CkksParameterException("Log" + field, ex.Message);
            }
        }
        else if (required)
        {
            throw new CkksParameterException(field, "give the ciphertext chain as LogQ (bit sizes) or Q (primes).");
        }
        else
        {
            primes = [];
        }

        if (primes.Length > maxCount)
        {
            throw new CkksParameterException(field, $"{primes.Length} primes given; at most {maxCount} are supported.");
        }

        return primes;
    }

    private static byte[] Encode(int logN, ulong[] q, ulong[] p, int logScale, SlotPacking packing)
    {
        int packingLength = packing == SlotPacking.RealSlots ? 0 : 1;
        var bytes = new byte[1 + 1 + (8 * q.Length) + 1 + (8 * p.Length) + 1 + 8 + 1 + 1 + packingLength];
        int o = 0;
        bytes[o++] = (byte)logN;
        bytes[o++] = (byte)q.Length;
        foreach (ulong v in q)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(o), v);
            o += 8;
        }

        bytes[o++] = (byte)p.Length;
        foreach (ulong v in p)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(o), v);
            o += 8;
        }

        bytes[o++] = (byte)logScale;
        BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(o), Sampling.GaussianSigma);
        o += 8;
        bytes[o++] = TernarySecret;
        bytes[o++] = Sampling.GaussianBound;
        if (packingLength == 1)
        {
            bytes[o] = (byte)packing;
        }

        return bytes;
    }

    private static CkksParameters Parse(ReadOnlySpan<byte> body, long offset, ulong declared, ParameterSetId id, bool allowInsecure)
    {
        int o = 0;
        PayloadIO.Require(body, 2, "logN", offset);
        int logN = body[o++];
        int qCount = body[o++];
        if (qCount < 1 || qCount > MaxCiphertextPrimes)
        {
            throw new CkksFormatException("qCount", offset + 1, $"{qCount} ciphertext primes; 1 to {MaxCiphertextPrimes} are supported.");
        }

        PayloadIO.Require(body, o + (8 * qCount) + 1, "q", offset);
        var q = new ulong[qCount];
        for (int i = 0; i < qCount; i++, o += 8)
        {
            q[i] = BinaryPrimitives.ReadUInt64LittleEndian(body[o..]);
        }

        int pCount = body[o++];
        if (pCount > MaxKeySwitchingPrimes)
        {
            throw new CkksFormatException("pCount", offset + o - 1, $"{pCount} key-switching primes; at most {MaxKeySwitchingPrimes} are supported.");
        }

        long expected = 1 + 1 + (8 * qCount) + 1 + (8 * pCount) + 1 + 8 + 1 + 1;
        if (declared == (ulong)expected + 1)
        {
            expected++; // a complex-packed set: one packing byte follows
        }

        WireFormat.CheckLength(declared, expected, offset - WireFormat.HeaderLength);
        PayloadIO.Require(body, (int)expected, "p", offset);
        var p = new ulong[pCount];
        for (int i = 0; i < pCount; i++, o += 8)
        {
            p[i] = BinaryPrimitives.ReadUInt64LittleEndian(body[o..]);
        }

        int logScale = body[o++];
        double sigma = BinaryPrimitives.ReadDoubleLittleEndian(body[o..]);
        o += 8;
        if (sigma != Sampling.GaussianSigma)
        {
            throw new CkksFormatException("sigma", offset + o - 8, $"error standard deviation {sigma}; this library uses {Sampling.GaussianSigma}.");
        }

        if (body[o] != TernarySecret)
        {
            throw new CkksFormatException("secretDistribution", offset + o, $"unknown secret distribution {body[o]}.");
        }

        o++;
        if (body[o] != Sampling.GaussianBound)
        {
            throw new CkksFormatException("errorBound", offset + o, $"error bound {body[o]}; this library uses {Sampling.GaussianBound}.");
        }

        o++;
        var packing = SlotPacking.RealSlots;
        if (o < expected)
        {
            // Real-slot sets are encoded without the byte, so an explicit 0 would be a second encoding of the same set.
            if (body[o] != (byte)SlotPacking.ComplexSlots)
            {
                throw new CkksFormatException("packing", offset + o, $"slot packing {body[o]}; only {(byte)SlotPacking.ComplexSlots} (complex slots) is written explicitly.");
            }

            packing = SlotPacking.ComplexSlots;
        }

        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(body[..(int)expected], digest);
        if (ParameterSetId.FromBytes(digest) != id)
        {
            throw new CkksFormatException("parameterSetId", 8, "the identifier is not the SHA-256 of the parameter encoding.");
        }

        try
        {
            return Create(new CkksParametersLiteral { LogN = logN, Q = q, P = p, LogScale = logScale, Packing = packing }, allowInsecure);
        }
        catch (CkksParameterException ex)
        {
            throw new CkksFormatException("parameters." + ex.Field, offset, ex.Message, ex);
        }
    }
}
