using System.Buffers;
using FederatedHe.Crypto.Ring;
using FederatedHe.Crypto.Rlwe;

namespace FederatedHe.Crypto.Ckks;

/// <summary>
/// Decrypts <see cref="AggregationChunk"/>s (an update or a sum): re-expands c1 = Σ a_i from the
/// contributors' seeds, computes c0 + c1·s and decodes under the set's packing.
/// </summary>
/// <remarks>Thread-safe: scratch buffers are rented per call, so chunks may be decrypted concurrently.</remarks>
public sealed class AggregationDecryptor
{
    private readonly CkksParameters _parameters;
    private readonly CkksEncoder _encoder;
    private readonly SecretKey _secretKey;

    /// <summary>Creates a decryptor for <paramref name="parameters"/> under <paramref name="secretKey"/>.</summary>
    /// <exception cref="CkksParameterException">The set has more than one ciphertext prime.</exception>
    /// <exception cref="ParameterSetMismatchException">The key belongs to another parameter set.</exception>
    public AggregationDecryptor(CkksParameters parameters, SecretKey secretKey)
    {
        AggregationChunk.CheckParameters(parameters);
        ArgumentNullException.ThrowIfNull(secretKey);
        parameters.EnsureSameSet(secretKey.ParameterSetId, "secret key");
        _parameters = parameters;
        _encoder = new CkksEncoder(parameters);
        _secretKey = secretKey;
        _ = secretKey.Shoup;
    }

    /// <summary>Decrypts <paramref name="chunk"/> into <paramref name="destination"/> (exactly its <see cref="AggregationChunk.ValueCount"/> values).</summary>
    /// <exception cref="ParameterSetMismatchException">The chunk belongs to another parameter set.</exception>
    /// <exception cref="ArgumentException">The destination length differs from the chunk's value count.</exception>
    public void DecryptChunk(AggregationChunk chunk, Span<double> destination)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        _parameters.EnsureSameSet(chunk.Parameters.Id, "aggregation chunk");
        if (destination.Length != chunk.ValueCount)
        {
            throw new ArgumentException($"The destination has {destination.Length} values; chunk {chunk.ChunkIndex} holds {chunk.ValueCount}.", nameof(destination));
        }

        var ring = _parameters.Ring;
        Modulus q = ring.Moduli[0];
        int n = _parameters.N;
        var c1 = RnsPolynomial.Rent(n, 1);
        var a = RnsPolynomial.Rent(n, 1);
        ulong[] c0 = ArrayPool<ulong>.Shared.Rent(n);
        try
        {
            var seeds = chunk.SeedArrays;
            for (int i = 0; i < seeds.Length; i++)
            {
                using var uniform = new AesCtrPrng(seeds[i]);
                Sampling.SampleUniform(uniform, ring, i == 0 ? c1 : a, 1);
                if (i > 0)
                {
                    ring.Add(c1, a, c1, 1);
                }
            }

            ring.MultiplyShoupAdd(c1, _secretKey.Value, _secretKey.Shoup, null, c1, 1); // (Σ a_i)·s
            ring.Ntt(0).Inverse(c1.Limb(0));
            chunk.ReadC0(c0.AsSpan(0, n));
            Span<ulong> m = c1.Limb(0);
            for (int j = 0; j < n; j++)
            {
                m[j] = q.Add(m[j], c0[j]);
            }

            _encoder.DecodeCoefficients(m, _parameters.Packing, _parameters.DefaultScale, destination);
        }
        finally
        {
            c1.Clear(); // held the secret product and the plaintext
            RnsPolynomial.ReturnRented(c1);
            RnsPolynomial.ReturnRented(a);
            ArrayPool<ulong>.Shared.Return(c0);
        }
    }

    /// <summary>Decrypts <paramref name="chunk"/> into a new array.</summary>
    /// <exception cref="ParameterSetMismatchException">The chunk belongs to another parameter set.</exception>
    public double[] DecryptChunk(AggregationChunk chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        var values = new double[chunk.ValueCount];
        DecryptChunk(chunk, values);
        return values;
    }

    /// <summary>
    /// Reads the chunks of one vector from <paramref name="source"/>, in order (chunk 0 first), and decrypts
    /// each into its range of <paramref name="destination"/>, holding one chunk at a time.
    /// </summary>
    /// <exception cref="CkksFormatException">A payload is malformed or truncated, or a chunk is out of order or of another vector length.</exception>
    /// <exception cref="ParameterSetMismatchException">A payload belongs to another parameter set.</exception>
    public void DecryptFrom(Stream source, Span<double> destination)
    {
        ArgumentNullException.ThrowIfNull(source);
        int count = AggregationChunk.ChunkCountFor(_parameters, destination.Length);
        for (int k = 0; k < count; k++)
        {
            var chunk = AggregationChunk.ReadFrom(_parameters, source);
            if (chunk.VectorLength != destination.Length || chunk.ChunkIndex != k)
            {
                throw new CkksFormatException("chunkIndex", 0, $"chunk {chunk.ChunkIndex} of a vector of {chunk.VectorLength} values where chunk {k} of {destination.Length} was expected.");
            }

            var (offset, length) = AggregationChunk.ChunkRange(_parameters, destination.Length, k);
            DecryptChunk(chunk, destination.Slice(offset, length));
        }
    }
}
