using System.Buffers;
using FederatedHe.Crypto.Ring;

namespace FederatedHe.Crypto.Rlwe;

/// <summary>
/// Encrypts plaintexts, with a public key (c0, c1) = (b·u + e0 + m, a·u + e1), u ternary, or with a
/// secret key (c0, c1) = (-a·s + e + m, a) where a is expanded from a fresh 32-byte seed, so the
/// ciphertext serializes in the compact form (c0 and the seed: about half the bytes).
/// </summary>
/// <remarks>
/// Thread-safe: each encryption draws fresh seeds from <see cref="System.Security.Cryptography.RandomNumberGenerator"/>
/// and uses scratch polynomials rented from the shared array pool, so one instance can serve many
/// threads and steady-state encryption allocates only the AES objects.
/// </remarks>
public sealed class Encryptor
{
    private readonly RlweParameters _parameters;
    private readonly PublicKey? _publicKey;
    private readonly SecretKey? _secretKey;
    private readonly Func<byte[]> _seeds;

    /// <summary>Creates a public-key encryptor.</summary>
    /// <exception cref="ParameterSetMismatchException">The key belongs to another parameter set.</exception>
    public Encryptor(RlweParameters parameters, PublicKey publicKey)
        : this(parameters, publicKey, null, AesCtrPrng.NewSeed)
    {
    }

    /// <summary>Creates a secret-key encryptor (compact, seeded ciphertexts).</summary>
    /// <exception cref="ParameterSetMismatchException">The key belongs to another parameter set.</exception>
    public Encryptor(RlweParameters parameters, SecretKey secretKey)
        : this(parameters, null, secretKey, AesCtrPrng.NewSeed)
    {
    }

    /// <summary>Deterministic encryptor for known-answer tests only.</summary>
    internal Encryptor(RlweParameters parameters, PublicKey? publicKey, SecretKey? secretKey, Func<byte[]> seeds)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _parameters = parameters;
        _publicKey = publicKey;
        _secretKey = secretKey;
        _seeds = seeds;
        if (publicKey is not null)
        {
            parameters.EnsureSameSet(publicKey.ParameterSetId, "public key");
            _ = publicKey.BShoup;
            _ = publicKey.AShoup;
        }
        else if (secretKey is not null)
        {
            parameters.EnsureSameSet(secretKey.ParameterSetId, "secret key");
            _ = secretKey.Shoup;
        }
        else
        {
            throw new ArgumentNullException(nameof(publicKey), "A public or a secret key is needed.");
        }
    }

    /// <summary>Whether this encryptor uses the secret key (and so produces compact ciphertexts).</summary>
    public bool UsesSecretKey => _secretKey is not null;

    /// <summary>Encrypts <paramref name="plaintext"/> into <paramref name="destination"/> at the plaintext's level and scale.</summary>
    /// <exception cref="ParameterSetMismatchException">An argument belongs to another parameter set.</exception>
    public void Encrypt(Plaintext plaintext, Ciphertext destination)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        ArgumentNullException.ThrowIfNull(destination);
        _parameters.EnsureSameSet(plaintext.ParameterSetId, "plaintext");
        _parameters.EnsureSameSet(destination.ParameterSetId, "destination ciphertext");
        int limbs = plaintext.Level + 1;
        destination.SetLevel(plaintext.Level);
        destination.Scale = plaintext.Scale;
        if (_secretKey is not null)
        {
            EncryptSymmetric(plaintext, destination, limbs);
        }
        else
        {
            EncryptPublic(plaintext, destination, limbs);
        }
    }

    /// <summary>Encrypts <paramref name="plaintext"/> into a new ciphertext.</summary>
    /// <exception cref="ParameterSetMismatchException">The plaintext belongs to another parameter set.</exception>
    public Ciphertext EncryptNew(Plaintext plaintext)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        var ciphertext = Ciphertext.CreateUninitialized(_parameters, plaintext.Level, plaintext.Scale);
        Encrypt(plaintext, ciphertext);
        return ciphertext;
    }

    private void EncryptPublic(Plaintext plaintext, Ciphertext destination, int limbs)
    {
        var ring = _parameters.Ring;
        int n = _parameters.N;
        var pk = _publicKey!;
        sbyte[] small = ArrayPool<sbyte>.Shared.Rent(n);
        var scratch = RnsPolynomial.Rent(n, limbs);
        try
        {
            Span<sbyte> coefficients = small.AsSpan(0, n);
            using var prng = AesCtrPrng.FromSecretSeed(_seeds());

            Sampling.SampleTernary(prng, coefficients);
            ring.SetSmall(coefficients, scratch, limbs);
            ring.ToNtt(scratch);
            ring.MultiplyShoupAdd(scratch, pk.B, pk.BShoup, null, destination.C0, limbs);
            ring.MultiplyShoupAdd(scratch, pk.A, pk.AShoup, null, destination.C1, limbs);

            Sampling.SampleGaussian(prng, coefficients);
            ring.SetSmall(coefficients, scratch, limbs);
            ring.ToNtt(scratch);
            ring.Add(destination.C0, scratch, destination.C0, limbs);
            ring.Add(destination.C0, plaintext.Value, destination.C0, limbs);

            Sampling.SampleGaussian(prng, coefficients);
            ring.SetSmall(coefficients, scratch, limbs);
            ring.ToNtt(scratch);
            ring.Add(destination.C1, scratch, destination.C1, limbs);
            destination.ForgetSeed();
        }
        finally
        {
            scratch.Clear(); // held u, e0, e1 (or e + m): secret
            RnsPolynomial.ReturnRented(scratch);
            ArrayPool<sbyte>.Shared.Return(small, clearArray: true);
        }
    }

    private void EncryptSymmetric(Plaintext plaintext, Ciphertext destination, int limbs)
    {
        var ring = _parameters.Ring;
        int n = _parameters.N;
        var sk = _secretKey!;
        byte[] seed = _seeds();
        using (var uniform = new AesCtrPrng(seed))
        {
            Sampling.SampleUniform(uniform, ring, destination.C1, limbs);
        }

        destination.C1.IsNttForm = true;
        sbyte[] small = ArrayPool<sbyte>.Shared.Rent(n);
        var scratch = RnsPolynomial.Rent(n, limbs);
        try
        {
            Span<sbyte> coefficients = small.AsSpan(0, n);
            using (var prng = AesCtrPrng.FromSecretSeed(_seeds()))
            {
                Sampling.SampleGaussian(prng, coefficients);
            }

            ring.SetSmall(coefficients, scratch, limbs);
            ring.ToNtt(scratch);
            ring.Add(scratch, plaintext.Value, scratch, limbs);
            ring.MultiplyShoupAdd(destination.C1, sk.Value, sk.Shoup, null, destination.C0, limbs);
            ring.Subtract(scratch, destination.C0, destination.C0, limbs); // c0 = e + m - a·s
            destination.SetSeed(seed);
        }
        finally
        {
            scratch.Clear(); // held u, e0, e1 (or e + m): secret
            RnsPolynomial.ReturnRented(scratch);
            ArrayPool<sbyte>.Shared.Return(small, clearArray: true);
        }
    }
}
