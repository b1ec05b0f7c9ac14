using FederatedHe.Crypto.Rlwe;

namespace FederatedHe.Crypto.Ckks;

/// <summary>
/// Encodes and encrypts double or float arrays of any length into an <see cref="EncryptedVector"/>,
/// one ciphertext per N/2 elements, at the top level and the default scale.
/// </summary>
/// <remarks>
/// Thread-safe: the encoder and encryptor it uses are, so chunks may be encrypted concurrently
/// (<see cref="EncryptChunk(ReadOnlySpan{double}, int)"/> from several workers, or
/// <see cref="EncryptParallel(ReadOnlyMemory{double}, int)"/>).
/// </remarks>
public sealed class VectorEncryptor
{
    private readonly CkksParameters _parameters;
    private readonly CkksEncoder _encoder;
    private readonly Encryptor _encryptor;

    /// <summary>Creates a public-key vector encryptor (what a federation participant uses).</summary>
    /// <exception cref="ParameterSetMismatchException">The key belongs to another parameter set.</exception>
    public VectorEncryptor(CkksParameters parameters, PublicKey publicKey)
        : this(parameters, new Encryptor(parameters, publicKey))
    {
    }

    /// <summary>Creates a secret-key vector encryptor (compact ciphertexts, about half the bytes).</summary>
    /// <exception cref="ParameterSetMismatchException">The key belongs to another parameter set.</exception>
    public VectorEncryptor(CkksParameters parameters, SecretKey secretKey)
        : this(parameters, new Encryptor(parameters, secretKey))
    {
    }

    private VectorEncryptor(CkksParameters parameters, Encryptor encryptor)
    {
        _parameters = parameters;
        _encoder = new CkksEncoder(parameters);
        _encryptor = encryptor;
    }

    /// <summary>Encrypts every element of <paramref name="values"/>, chunk after chunk on the calling thread.</summary>
    /// <exception cref="NonFiniteValueException">A value is NaN or infinite.</exception>
    public EncryptedVector Encrypt(ReadOnlySpan<double> values)
    {
        int count = EncryptedVector.ChunkCountFor(_parameters, values.Length);
        var chunks = new Ciphertext[count];
        for (int k = 0; k < count; k++)
        {
            chunks[k] = EncryptChunk(values, k);
        }

        return new EncryptedVector(_parameters, values.Length, chunks);
    }

    /// <summary>Encrypts every element of single-precision <paramref name="values"/>.</summary>
    /// <exception cref="NonFiniteValueException">A value is NaN or infinite.</exception>
    public EncryptedVector Encrypt(ReadOnlySpan<float> values)
    {
        int count = EncryptedVector.ChunkCountFor(_parameters, values.Length);
        var chunks = new Ciphertext[count];
        for (int k = 0; k < count; k++)
        {
            chunks[k] = EncryptChunk(values, k);
        }

        return new EncryptedVector(_parameters, values.Length, chunks);
    }

    /// <summary>Encrypts the chunks on up to <paramref name="maxDegreeOfParallelism"/> threads.</summary>
    /// <exception cref="NonFiniteValueException">A value is NaN or infinite.</exception>
    public EncryptedVector EncryptParallel(ReadOnlyMemory<double> values, int maxDegreeOfParallelism)
    {
        int count = EncryptedVector.ChunkCountFor(_parameters, values.Length);
        var chunks = new Ciphertext[count];
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism }, k => chunks[k] = EncryptChunk(values.Span, k));
        return new EncryptedVector(_parameters, values.Length, chunks);
    }

    /// <summary>Encrypts chunk <paramref name="chunkIndex"/> of the whole vector <paramref name="values"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The chunk index is out of range.</exception>
    /// <exception cref="NonFiniteValueException">A value is NaN or infinite.</exception>
    public Ciphertext EncryptChunk(ReadOnlySpan<double> values, int chunkIndex)
    {
        var ciphertext = Ciphertext.CreateUninitialized(_parameters, _parameters.MaxLevel, _parameters.DefaultScale);
        EncryptChunk(values, chunkIndex, ciphertext);
        return ciphertext;
    }

    /// <summary>Encrypts chunk <paramref name="chunkIndex"/> of <paramref name="values"/> into <paramref name="destination"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The chunk index is out of range.</exception>
    /// <exception cref="NonFiniteValueException">A value is NaN or infinite.</exception>
    public void EncryptChunk(ReadOnlySpan<double> values, int chunkIndex, Ciphertext destination)
    {
        var (offset, length) = EncryptedVector.ChunkRange(_parameters, values.Length, chunkIndex);
        var plaintext = new Plaintext(_parameters, _parameters.MaxLevel, _parameters.DefaultScale);
        _encoder.Encode(values.Slice(offset, length), plaintext);
        _encryptor.Encrypt(plaintext, destination);
    }

    /// <summary>Encrypts chunk <paramref name="chunkIndex"/> of single-precision <paramref name="values"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The chunk index is out of range.</exception>
    /// <exception cref="NonFiniteValueException">A value is NaN or infinite.</exception>
    public Ciphertext EncryptChunk(ReadOnlySpan<float> values, int chunkIndex)
    {
        var (offset, length) = EncryptedVector.ChunkRange(_parameters, values.Length, chunkIndex);
        var plaintext = new Plaintext(_parameters, _parameters.MaxLevel, _parameters.DefaultScale);
        _encoder.Encode(values.Slice(offset, length), plaintext);
        return _encryptor.EncryptNew(plaintext);
    }
}
