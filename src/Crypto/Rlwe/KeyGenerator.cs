using System.Buffers;
using FederatedHe.Crypto.Ring;

namespace FederatedHe.Crypto.Rlwe;

/// <summary>
/// Generates RLWE keys: ternary secret keys and public keys (b, a) = (-a·s + e, a), and exposes the
/// samplers threshold protocols build on (common polynomial from a seed, error and ternary polynomials).
/// </summary>
/// <remarks>
/// Thread-safe: every call draws a fresh seed from <see cref="System.Security.Cryptography.RandomNumberGenerator"/>
/// and expands it with its own <see cref="AesCtrPrng"/>.
/// </remarks>
public sealed class KeyGenerator
{
    private readonly RlweParameters _parameters;
    private readonly Func<byte[]> _seeds;

    /// <summary>Creates a key generator for <paramref name="parameters"/>.</summary>
    public KeyGenerator(RlweParameters parameters)
        : this(parameters, AesCtrPrng.NewSeed)
    {
    }

    /// <summary>Deterministic generator for known-answer tests only.</summary>
    internal KeyGenerator(RlweParameters parameters, Func<byte[]> seeds)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _parameters = parameters;
        _seeds = seeds;
    }

    /// <summary>Generates a secret key with coefficients uniform in {-1, 0, 1}.</summary>
    public SecretKey GenerateSecretKey()
    {
        var ternary = new sbyte[_parameters.N];
        using (var prng = AesCtrPrng.FromSecretSeed(_seeds()))
        {
            Sampling.SampleTernary(prng, ternary);
        }

        return SecretKey.FromTernary(_parameters, ternary);
    }

    /// <summary>Generates the public key of <paramref name="secretKey"/> over a fresh common polynomial a.</summary>
    /// <exception cref="ParameterSetMismatchException">The key belongs to another parameter set.</exception>
    public PublicKey GeneratePublicKey(SecretKey secretKey)
    {
        ArgumentNullException.ThrowIfNull(secretKey);
        _parameters.EnsureSameSet(secretKey.ParameterSetId, "secret key");
        byte[] seed = _seeds();
        var a = ExpandCommonPolynomial(_parameters, seed);
        var b = SampleErrorPolynomial();
        var ring = _parameters.Ring;
        var product = new RnsPolynomial(_parameters.N, b.LimbCount);
        ring.Multiply(a, secretKey.Value, product, b.LimbCount);
        ring.Subtract(b, product, b, b.LimbCount); // b = e - a·s
        product.Clear(); // a·s gives s away
        return new PublicKey(_parameters, b, a, seed);
    }

    /// <summary>Generates a secret key and its public key.</summary>
    public (SecretKey SecretKey, PublicKey PublicKey) GenerateKeyPair()
    {
        var secretKey = GenerateSecretKey();
        return (secretKey, GeneratePublicKey(secretKey));
    }

    /// <summary>
    /// The uniform polynomial a (NTT form, every ciphertext limb) expanded from a 32-byte seed: the
    /// AES-CTR keystream of the seed, rejection-sampled limb after limb (see <see cref="Sampling.SampleUniform"/>),
    /// taken directly as NTT-domain values. Parties that share the seed share a.
    /// </summary>
    /// <exception cref="ArgumentException">The seed is not 32 bytes.</exception>
    public static RnsPolynomial ExpandCommonPolynomial(RlweParameters parameters, ReadOnlySpan<byte> seed)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var a = new RnsPolynomial(parameters.N, parameters.MaxLevel + 1);
        using var prng = new AesCtrPrng(seed);
        Sampling.SampleUniform(prng, parameters.Ring, a, a.LimbCount);
        a.IsNttForm = true;
        return a;
    }

    /// <summary>A fresh discrete Gaussian error polynomial (σ = 3.2), in NTT form over every ciphertext limb.</summary>
    public RnsPolynomial SampleErrorPolynomial()
    {
        var e = new RnsPolynomial(_parameters.N, _parameters.MaxLevel + 1);
        sbyte[] small = ArrayPool<sbyte>.Shared.Rent(_parameters.N);
        try
        {
            using (var prng = AesCtrPrng.FromSecretSeed(_seeds()))
            {
                Sampling.SampleGaussian(prng, small.AsSpan(0, _parameters.N));
            }

            _parameters.Ring.SetSmall(small.AsSpan(0, _parameters.N), e, e.LimbCount);
            _parameters.Ring.ToNtt(e);
        }
        finally
        {
            ArrayPool<sbyte>.Shared.Return(small, clearArray: true);
        }

        return e;
    }
}
