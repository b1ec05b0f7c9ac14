using System.Buffers;
using System.Numerics;
using FederatedHe.Crypto.Ckks;
using FederatedHe.Crypto.Ring;
using FederatedHe.Crypto.Rlwe;

namespace FederatedHe.Crypto.Multiparty;

/// <summary>
/// A hospital's side of the seeded threshold scheme: encrypts its update, chunk by chunk, under its own secret
/// s_i as c0 = −a·s_i + Δ·m + e, with a expanded from a fresh seed (see <see cref="SeededExpansion"/>), e from the
/// library's error sampler (hard bound 19) and m complex-packed (N values per chunk).
/// </summary>
/// <remarks>
/// <para>s_i is the secret this party dealt Shamir shares of (<see cref="ThresholdSecretSharer.GenShares"/>), so any t
/// parties can decrypt sums that contain its updates, and fewer than t cannot.</para>
/// <para><b>Seeds are never reused, by construction</b>: they come from a <see cref="SeedSequence"/> (SHA-256 of a
/// random instance key and a counter), as in <see cref="AggregationEncryptor"/>; nobody can hand this type a seed.</para>
/// <para>Thread-safe: the seed counter is atomic and scratch buffers are rented per call.</para>
/// </remarks>
public sealed class SeededThresholdEncryptor
{
    private readonly ThresholdParameters _parameters;
    private readonly CkksEncoder _encoder;
    private readonly SecretKey _secret;
    private readonly SeedSequence _seeds;

    /// <summary>Creates the encryptor of party <paramref name="partyId"/> under its own secret <paramref name="secret"/>.</summary>
    /// <param name="parameters">A seeded-threshold set.</param>
    /// <param name="secret">s_i, the secret this party dealt shares of.</param>
    /// <param name="partyId">This party's index i (1..MaxParties).</param>
    /// <param name="keyId">The key set the shares were dealt for (<see cref="DealtSecretShares.KeyId"/>).</param>
    /// <exception cref="ArgumentException">The parameter set is not a seeded-threshold set.</exception>
    /// <exception cref="ParameterSetMismatchException">The secret belongs to another parameter set.</exception>
    /// <exception cref="ThresholdProtocolException">The party index is outside 1..MaxParties.</exception>
    public SeededThresholdEncryptor(ThresholdParameters parameters, SecretKey secret, int partyId, Sha256Digest keyId)
        : this(parameters, secret, partyId, keyId, new SeedSequence())
    {
    }

    /// <summary>Deterministic seeds for known-answer tests only.</summary>
    internal SeededThresholdEncryptor(ThresholdParameters parameters, SecretKey secret, int partyId, Sha256Digest keyId, SeedSequence seeds)
    {
        SeededChecks.RequireSeeded(parameters);
        ArgumentNullException.ThrowIfNull(secret);
        parameters.Ckks.EnsureSameSet(secret.ParameterSetId, "secret");
        MultipartyMath.CheckParty(partyId, parameters.MaxParties, "party");
        _parameters = parameters;
        _encoder = new CkksEncoder(parameters.Ckks);
        _secret = secret;
        _ = secret.Shoup;
        _seeds = seeds;
        PartyId = partyId;
        KeyId = keyId;
    }

    /// <summary>The party this encryptor acts for.</summary>
    public int PartyId { get; }

    /// <summary>The key set the updates are bound to.</summary>
    public Sha256Digest KeyId { get; }

    /// <summary>Number of chunks a vector of <paramref name="length"/> values takes.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The length is negative.</exception>
    public int ChunkCount(int length) => AggregationChunk.ChunkCountFor(_parameters.Ckks, length);

    /// <summary>Encrypts chunk <paramref name="chunkIndex"/> of the whole vector <paramref name="values"/> for <paramref name="context"/> (the round it belongs to).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The chunk index is out of range.</exception>
    /// <exception cref="ArgumentException">The vector is empty, or a value is too large for the scale.</exception>
    /// <exception cref="NonFiniteValueException">A value is NaN or infinite.</exception>
    public SeededUpdateChunk EncryptChunk(ReadOnlySpan<double> values, int chunkIndex, ReadOnlySpan<byte> context) => EncryptChunkOf(values, chunkIndex, context);

    /// <summary>Encrypts chunk <paramref name="chunkIndex"/> of the single-precision vector <paramref name="values"/> for <paramref name="context"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The chunk index is out of range.</exception>
    /// <exception cref="ArgumentException">The vector is empty, or a value is too large for the scale.</exception>
    /// <exception cref="NonFiniteValueException">A value is NaN or infinite.</exception>
    public SeededUpdateChunk EncryptChunk(ReadOnlySpan<float> values, int chunkIndex, ReadOnlySpan<byte> context) => EncryptChunkOf(values, chunkIndex, context);

    /// <summary>Encrypts every chunk of <paramref name="values"/> for <paramref name="context"/>, in order.</summary>
    /// <exception cref="ArgumentException">The vector is empty, or a value is too large for the scale.</exception>
    /// <exception cref="NonFiniteValueException">A value is NaN or infinite.</exception>
    public SeededUpdateChunk[] Encrypt(ReadOnlySpan<double> values, ReadOnlySpan<byte> context)
    {
        var chunks = new SeededUpdateChunk[ChunkCount(values.Length)];
        for (int k = 0; k < chunks.Length; k++)
        {
            chunks[k] = EncryptChunkOf(values, k, context);
        }

        return chunks;
    }

    private SeededUpdateChunk EncryptChunkOf<T>(ReadOnlySpan<T> values, int chunkIndex, ReadOnlySpan<byte> context)
        where T : struct, INumberBase<T>
    {
        if (values.IsEmpty)
        {
            throw new ArgumentException("An empty vector has no chunks.", nameof(values));
        }

        var ckks = _parameters.Ckks;
        var ring = ckks.Ring;
        int limbs = ckks.MaxLevel + 1;
        int n = ckks.N;
        var (offset, count) = AggregationChunk.ChunkRange(ckks, values.Length, chunkIndex);
        var contextDigest = SeededExpansion.ContextDigest(context);
        var c0 = new RnsPolynomial(n, limbs);
        var product = RnsPolynomial.Rent(n, limbs);
        sbyte[] noise = ArrayPool<sbyte>.Shared.Rent(n);
        try
        {
            // Δ·m + e in coefficient form, then one NTT per limb.
            _encoder.EncodePacked(values.Slice(offset, count), ckks.Packing, ckks.DefaultScale, c0, limbs);
            using (var prng = AesCtrPrng.CreateRandom())
            {
                Sampling.SampleGaussian(prng, noise.AsSpan(0, n));
            }

            ring.SetSmall(noise.AsSpan(0, n), product, limbs);
            ring.Add(c0, product, c0, limbs);
            ring.ToNtt(c0);

            byte[] seed = _seeds.Next();
            SeededExpansion.Expand(_parameters, KeyId, seed, PartyId, chunkIndex, values.Length, contextDigest, product);
            ring.MultiplyShoupAdd(product, _secret.Value, _secret.Shoup, null, product, limbs); // a·s_i
            ring.Subtract(c0, product, c0, limbs);
            c0.IsNttForm = true;
            return new SeededUpdateChunk(_parameters, contextDigest, chunkIndex, values.Length, PartyId, seed, c0);
        }
        catch
        {
            c0.Clear();
            throw;
        }
        finally
        {
            product.Clear(); // held e and then a·s_i
            RnsPolynomial.ReturnRented(product);
            ArrayPool<sbyte>.Shared.Return(noise, clearArray: true);
        }
    }
}
