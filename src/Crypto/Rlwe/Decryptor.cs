using FederatedHe.Crypto.Ring;

namespace FederatedHe.Crypto.Rlwe;

/// <summary>
/// Decrypts ciphertexts with the secret key: m ≈ c0 + c1·s, computed in the NTT domain. Also exposes
/// the building block of threshold decryption, c1·s_i for a key share s_i.
/// </summary>
/// <remarks>Thread-safe (the key's Shoup companions are computed once; nothing else is shared).</remarks>
public sealed class Decryptor
{
    private readonly RlweParameters _parameters;
    private readonly SecretKey _secretKey;

    /// <summary>Creates a decryptor.</summary>
    /// <exception cref="ParameterSetMismatchException">The key belongs to another parameter set.</exception>
    public Decryptor(RlweParameters parameters, SecretKey secretKey)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(secretKey);
        parameters.EnsureSameSet(secretKey.ParameterSetId, "secret key");
        _parameters = parameters;
        _secretKey = secretKey;
        _ = secretKey.Shoup;
    }

    /// <summary>Decrypts into <paramref name="destination"/> (NTT form, at the ciphertext's level and scale).</summary>
    /// <exception cref="ParameterSetMismatchException">An argument belongs to another parameter set.</exception>
    public void Decrypt(Ciphertext ciphertext, Plaintext destination)
    {
        ArgumentNullException.ThrowIfNull(ciphertext);
        ArgumentNullException.ThrowIfNull(destination);
        _parameters.EnsureSameSet(ciphertext.ParameterSetId, "ciphertext");
        _parameters.EnsureSameSet(destination.ParameterSetId, "destination plaintext");
        int limbs = ciphertext.Level + 1;
        destination.SetLevel(ciphertext.Level);
        destination.Scale = ciphertext.Scale;
        _parameters.Ring.MultiplyShoupAdd(ciphertext.C1, _secretKey.Value, _secretKey.Shoup, ciphertext.C0, destination.Value, limbs);
        destination.Value.IsNttForm = true;
    }

    /// <summary>Decrypts into a new plaintext.</summary>
    /// <exception cref="ParameterSetMismatchException">The ciphertext belongs to another parameter set.</exception>
    public Plaintext DecryptNew(Ciphertext ciphertext)
    {
        ArgumentNullException.ThrowIfNull(ciphertext);
        var plaintext = new Plaintext(_parameters, ciphertext.Level, ciphertext.Scale);
        Decrypt(ciphertext, plaintext);
        return plaintext;
    }

    /// <summary>
    /// destination = c1·s (NTT form, at the ciphertext's level): the secret-dependent part of a
    /// decryption, which a threshold party computes with its share before adding smudging noise.
    /// </summary>
    /// <exception cref="ParameterSetMismatchException">The ciphertext belongs to another parameter set.</exception>
    public void MultiplyBySecret(Ciphertext ciphertext, RnsPolynomial destination)
    {
        ArgumentNullException.ThrowIfNull(ciphertext);
        ArgumentNullException.ThrowIfNull(destination);
        _parameters.EnsureSameSet(ciphertext.ParameterSetId, "ciphertext");
        int limbs = ciphertext.Level + 1;
        destination.SetLimbCount(limbs);
        _parameters.Ring.MultiplyShoupAdd(ciphertext.C1, _secretKey.Value, _secretKey.Shoup, null, destination, limbs);
        destination.IsNttForm = true;
    }
}
