using FederatedHe.Crypto.Ckks;
using FederatedHe.Crypto.Multiparty;
using FederatedHe.Crypto.Rlwe;

namespace FederatedHe.Actors.CryptoPool;

/// <summary>
/// The CKKS material a node's crypto pool works with. The aggregator's holds parameters only; a
/// hospital's holds the key it encrypts with and the key it decrypts with. Keys stay inside the pool's
/// workers: no message type carries them.
/// </summary>
public sealed record CkksKeyMaterial(CkksParameters Parameters, PublicKey? PublicKey, SecretKey? SecretKey)
{
    /// <summary>Material for the aggregator: it can add ciphertexts, nothing more.</summary>
    public static CkksKeyMaterial ParametersOnly(CkksParameters parameters) => new(parameters, null, null);

    /// <summary>True if this material can decrypt.</summary>
    public bool CanDecrypt => SecretKey is not null;

    /// <summary>
    /// INSECURE comparison mode (<see cref="Configuration.KeyMode.InsecurePlaintext"/>): the pool's workers move the values in
    /// plaintext chunks and never use the keys.
    /// </summary>
    public bool InsecurePlaintext { get; init; }

    /// <summary>
    /// The seeded threshold set (<see cref="ThresholdScheme.SeededSecretKey"/>) when the federation runs it: the pool then
    /// reads and sums <see cref="SeededUpdateChunk"/>s. Null otherwise.
    /// </summary>
    public ThresholdParameters? SeededThreshold { get; init; }

    /// <summary>A hospital's encryptor under its own secret s_i in the seeded threshold scheme (null elsewhere); it never leaves the node.</summary>
    public SeededThresholdEncryptor? SeededEncryptor { get; init; }
}
