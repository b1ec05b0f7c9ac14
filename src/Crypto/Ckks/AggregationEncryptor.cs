using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;
using FederatedHe.Crypto.Ring;
using FederatedHe.Crypto.Rlwe;

namespace FederatedHe.Crypto.Ckks;

/// <summary>
/// A hospital's side of shared-key FedAvg at model scale: encrypts a vector of any length with the
/// secret key, chunk by chunk, into <see cref="AggregationChunk"/>s (c0 with dropped low bits and one
/// seed each), and can stream them to a <see cref="Stream"/> without holding the vector's ciphertexts.
/// </summary>
/// <remarks>
/// <para>Needs a single-modulus parameter set (additions need no rescaling level), such as
/// <see cref="CkksPresets.Params128BitLogN12LogQ60Aggregation"/>. Values are packed by the set's
/// <see cref="CkksParameters.Packing"/> (N values per ciphertext with complex slots).</para>
/// <para><b>Seeds are never reused, by construction.</b> Nobody can hand this type a seed: seed k of an
/// instance is SHA-256(instance key ‖ k) for a 256-bit instance key drawn from the operating system's
/// generator and a 64-bit counter that only increases, so one instance never repeats a seed and two
/// instances (all hospitals share the secret in shared-key mode) collide only if SHA-256 does.
/// <see cref="AggregationAccumulator"/> and the chunk reader also refuse a seed seen twice.</para>
/// <para>Thread-safe: the counter is advanced atomically and scratch buffers are rented per call, so
/// chunks may be encrypted concurrently.</para>
/// </remarks>
public sealed class AggregationEncryptor
{
    private readonly CkksParameters _parameters;
    private readonly CkksEncoder _encoder;
    private readonly SecretKey _secretKey;
    private readonly SeedSequence _seeds;

    /// <summary>Creates an encryptor for <paramref name="parameters"/> under <paramref name="secretKey"/>.</summary>
    /// <param name="parameters">A single-modulus set.</param>
    /// <param name="secretKey">The shared secret key.</param>
    /// <param name="droppedBits">Low bits of c0 not transmitted; null for <see cref="DefaultDroppedBits"/>.</param>
    /// <exception cref="CkksParameterException">The set has more than one ciphertext prime.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="droppedBits"/> is outside [0, LogScale).</exception>
    /// <exception cref="ParameterSetMismatchException">The key belongs to another parameter set.</exception>
    public AggregationEncryptor(CkksParameters parameters, SecretKey secretKey, int? droppedBits = null)
        : this(parameters, secretKey, droppedBits, RandomNumberGenerator.GetBytes(32))
    {
    }

    /// <summary>Deterministic seeds for known-answer tests only.</summary>
    internal AggregationEncryptor(CkksParameters parameters, SecretKey secretKey, int? droppedBits, byte[] seedKey)
    {
        AggregationChunk.CheckParameters(parameters);
        ArgumentNullException.ThrowIfNull(secretKey);
        parameters.EnsureSameSet(secretKey.ParameterSetId, "secret key");
        DroppedBits = droppedBits ?? DefaultDroppedBits(parameters);
        AggregationChunk.CheckDroppedBits(parameters, DroppedBits, nameof(droppedBits));
        _parameters = parameters;
        _encoder = new CkksEncoder(parameters);
        _secretKey = secretKey;
        _ = secretKey.Shoup;
        _seeds = new SeedSequence(seedKey);
    }

    /// <summary>The parameter set.</summary>
    public CkksParameters Parameters => _parameters;

    /// <summary>Low bits of c0 this encryptor drops.</summary>
    public int DroppedBits { get; }

    /// <summary>
    /// The dropped bits for a set: LogScale − 30, so each rounding error (at most 2^(b−1) per coefficient)
    /// is at most 2^-31·Δ, and moves a decoded value by about 2^-30/√12·√(N/2) (≈ 1.2e-8 at N = 4096),
    /// 100 times below 1e-6 even after a sum of 16 updates; at least 0.
    /// </summary>
    public static int DefaultDroppedBits(CkksParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return Math.Max(0, parameters.LogScale - 30);
    }

    /// <summary>Number of chunks a vector of <paramref name="length"/> values takes.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The length is negative.</exception>
    public int ChunkCount(int length) => AggregationChunk.ChunkCountFor(_parameters, length);

    /// <summary>Encrypts chunk <paramref name="chunkIndex"/> of the whole vector <paramref name="values"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The chunk index is out of range.</exception>
    /// <exception cref="ArgumentException">The vector is empty, or a value is too large for the scale.</exception>
    /// <exception cref="NonFiniteValueException">A value is NaN or infinite.</exception>
    public AggregationChunk EncryptChunk(ReadOnlySpan<double> values, int chunkIndex) => EncryptChunkOf(values, chunkIndex);

    /// <summary>Encrypts chunk <paramref name="chunkIndex"/> of the whole single-precision vector <paramref name="values"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The chunk index is out of range.</exception>
    /// <exception cref="ArgumentException">The vector is empty, or a value is too large for the scale.</exception>
    /// <exception cref="NonFiniteValueException">A value is NaN or infinite.</exception>
    public AggregationChunk EncryptChunk(ReadOnlySpan<float> values, int chunkIndex) => EncryptChunkOf(values, chunkIndex);

    /// <summary>
    /// Encrypts and writes every chunk of <paramref name="values"/> to <paramref name="destination"/>, one
    /// payload after another, holding one chunk at a time. Returns the bytes written.
    /// </summary>
    /// <exception cref="ArgumentException">The vector is empty, or a value is too large for the scale.</exception>
    /// <exception cref="NonFiniteValueException">A value is NaN or infinite.</exception>
    public long EncryptTo(ReadOnlySpan<double> values, Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        long written = 0;
        for (int k = 0; k < ChunkCount(values.Length); k++)
        {
            var chunk = EncryptChunkOf(values, k);
            chunk.WriteTo(destination);
            written += chunk.SerializedSize;
        }

        return written;
    }

    /// <summary>As <see cref="EncryptTo(ReadOnlySpan{double}, Stream)"/> for single-precision values.</summary>
    /// <exception cref="ArgumentException">The vector is empty, or a value is too large for the scale.</exception>
    /// <exception cref="NonFiniteValueException">A value is NaN or infinite.</exception>
    public long EncryptTo(ReadOnlySpan<float> values, Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        long written = 0;
        for (int k = 0; k < ChunkCount(values.Length); k++)
        {
            var chunk = EncryptChunkOf(values, k);
            chunk.WriteTo(destination);
            written += chunk.SerializedSize;
        }

        return written;
    }

    /// <summary>The next seed of this instance: SHA-256(instance key ‖ counter), never repeated by the instance.</summary>
    /// <exception cref="SeedReuseException">The 2^63 seeds of the instance are used up.</exception>
    internal byte[] NextSeed() => _seeds.Next();

    private AggregationChunk EncryptChunkOf<T>(ReadOnlySpan<T> values, int chunkIndex)
        where T : struct, INumberBase<T>
    {
        if (values.IsEmpty)
        {
            throw new ArgumentException("An empty vector has no chunks.", nameof(values));
        }

        var (offset, count) = AggregationChunk.ChunkRange(_parameters, values.Length, chunkIndex);
        var ring = _parameters.Ring;
        Modulus q = ring.Moduli[0];
        int n = _parameters.N;
        long[] message = ArrayPool<long>.Shared.Rent(n);
        sbyte[] noise = ArrayPool<sbyte>.Shared.Rent(n);
        var product = RnsPolynomial.Rent(n, 1);
        try
        {
            _encoder.EncodeCoefficients(values.Slice(offset, count), _parameters.Packing, _parameters.DefaultScale, message.AsSpan(0, n));

            byte[] seed = NextSeed();
            using (var uniform = new AesCtrPrng(seed))
            {
                Sampling.SampleUniform(uniform, ring, product, 1); // a, in NTT form
            }

            ring.MultiplyShoupAdd(product, _secretKey.Value, _secretKey.Shoup, null, product, 1); // a·s
            ring.Ntt(0).Inverse(product.Limb(0));

            using (var prng = AesCtrPrng.CreateRandom())
            {
                Sampling.SampleGaussian(prng, noise.AsSpan(0, n));
            }

            // c0 = m + e − a·s (coefficient form), then rounded to multiples of 2^b.
            Span<ulong> c0 = product.Limb(0);
            for (int j = 0; j < n; j++)
            {
                c0[j] = q.Subtract(q.ReduceSigned(message[j] + noise[j]), c0[j]);
            }

            return AggregationChunk.FromResidues(_parameters, chunkIndex, values.Length, DroppedBits, [seed], c0);
        }
        finally
        {
            product.Clear(); // held a·s and then m + e − a·s: secret until rounded
            RnsPolynomial.ReturnRented(product);
            ArrayPool<long>.Shared.Return(message, clearArray: true);
            ArrayPool<sbyte>.Shared.Return(noise, clearArray: true);
        }
    }
}
