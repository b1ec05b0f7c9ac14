using FederatedHe.Crypto.Rlwe;

namespace FederatedHe.Crypto.Ckks;

/// <summary>
/// Decrypts and decodes an <see cref="EncryptedVector"/> back to a double or float array of its
/// logical length.
/// </summary>
/// <remarks>Thread-safe; chunks may be decrypted concurrently.</remarks>
public sealed class VectorDecryptor
{
    private readonly CkksParameters _parameters;
    private readonly CkksEncoder _encoder;
    private readonly Decryptor _decryptor;

    /// <summary>Creates a vector decryptor.</summary>
    /// <exception cref="ParameterSetMismatchException">The key belongs to another parameter set.</exception>
    public VectorDecryptor(CkksParameters parameters, SecretKey secretKey)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _parameters = parameters;
        _encoder = new CkksEncoder(parameters);
        _decryptor = new Decryptor(parameters, secretKey);
    }

    /// <summary>Decrypts the whole vector into a new array.</summary>
    /// <exception cref="ParameterSetMismatchException">The vector belongs to another parameter set.</exception>
    public double[] Decrypt(EncryptedVector vector)
    {
        ArgumentNullException.ThrowIfNull(vector);
        var values = new double[vector.Length];
        Decrypt(vector, values);
        return values;
    }

    /// <summary>Decrypts the whole vector into <paramref name="destination"/> (exactly <see cref="EncryptedVector.Length"/> elements).</summary>
    /// <exception cref="ArgumentException">The destination length differs from the vector length.</exception>
    /// <exception cref="ParameterSetMismatchException">The vector belongs to another parameter set.</exception>
    public void Decrypt(EncryptedVector vector, Span<double> destination)
    {
        ArgumentNullException.ThrowIfNull(vector);
        CheckDestination(vector, destination.Length);
        for (int k = 0; k < vector.ChunkCount; k++)
        {
            var (offset, count) = EncryptedVector.ChunkRange(_parameters, vector.Length, k);
            DecryptChunk(vector[k], destination.Slice(offset, count));
        }
    }

    /// <summary>Decrypts the whole vector into single precision.</summary>
    /// <exception cref="ArgumentException">The destination length differs from the vector length.</exception>
    /// <exception cref="ParameterSetMismatchException">The vector belongs to another parameter set.</exception>
    public void Decrypt(EncryptedVector vector, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(vector);
        CheckDestination(vector, destination.Length);
        for (int k = 0; k < vector.ChunkCount; k++)
        {
            var (offset, count) = EncryptedVector.ChunkRange(_parameters, vector.Length, k);
            var plaintext = _decryptor.DecryptNew(vector[k]);
            _encoder.Decode(plaintext, destination.Slice(offset, count));
        }
    }

    /// <summary>Decrypts the chunks on up to <paramref name="maxDegreeOfParallelism"/> threads.</summary>
    /// <exception cref="ParameterSetMismatchException">The vector belongs to another parameter set.</exception>
    public double[] DecryptParallel(EncryptedVector vector, int maxDegreeOfParallelism)
    {
        ArgumentNullException.ThrowIfNull(vector);
        var values = new double[vector.Length];
        Parallel.For(0, vector.ChunkCount, new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism }, k =>
        {
            var (offset, count) = EncryptedVector.ChunkRange(_parameters, vector.Length, k);
            DecryptChunk(vector[k], values.AsSpan(offset, count));
        });
        return values;
    }

    /// <summary>Decrypts one ciphertext into the first <paramref name="destination"/>.Length slots.</summary>
    /// <exception cref="ArgumentException">The destination is longer than the slot count.</exception>
    /// <exception cref="ParameterSetMismatchException">The ciphertext belongs to another parameter set.</exception>
    public void DecryptChunk(Ciphertext chunk, Span<double> destination)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        var plaintext = new Plaintext(_parameters, chunk.Level, chunk.Scale);
        _decryptor.Decrypt(chunk, plaintext);
        _encoder.Decode(plaintext, destination);
    }

    private void CheckDestination(EncryptedVector vector, int length)
    {
        _parameters.EnsureSameSet(vector.Parameters.Id, "encrypted vector");
        if (length != vector.Length)
        {
            throw new ArgumentException($"The destination has {length} elements; the vector has {vector.Length}.", "destination");
        }
    }
}
