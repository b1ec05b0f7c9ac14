using FederatedHe.Crypto.Ring;

namespace FederatedHe.Crypto.Rlwe;

/// <summary>
/// The part of a parameter set that RLWE keys, encryption and decryption need: the ring dimension,
/// the ciphertext modulus chain Q = q_0·…·q_L, the reserved key-switching primes P and the
/// parameter-set identifier. Scheme layers (CKKS) derive from it and compute the identifier.
/// </summary>
/// <remarks>Immutable and thread-safe.</remarks>
public abstract class RlweParameters
{
    /// <summary>Builds the ring for the chain; the identifier is supplied by the scheme layer.</summary>
    /// <exception cref="ArgumentException">The primes are not valid NTT primes for N.</exception>
    protected RlweParameters(int logN, IReadOnlyList<ulong> ciphertextPrimes, IReadOnlyList<ulong> keySwitchingPrimes, ParameterSetId id)
    {
        ArgumentNullException.ThrowIfNull(ciphertextPrimes);
        ArgumentNullException.ThrowIfNull(keySwitchingPrimes);
        LogN = logN;
        Ring = new RingContext(logN, ciphertextPrimes);
        CiphertextPrimes = ciphertextPrimes.ToArray();
        KeySwitchingPrimes = keySwitchingPrimes.ToArray();
        Id = id;
    }

    /// <summary>log2 of the ring dimension.</summary>
    public int LogN { get; }

    /// <summary>The ring dimension N.</summary>
    public int N => Ring.N;

    /// <summary>The ring Z_Q[X]/(X^N + 1) with the ciphertext primes.</summary>
    public RingContext Ring { get; }

    /// <summary>The ciphertext primes q_0 … q_L, in chain order (rescaling drops the last).</summary>
    public IReadOnlyList<ulong> CiphertextPrimes { get; }

    /// <summary>
    /// Primes P reserved for key switching. They count in the security budget and in the identifier;
    /// no operation of this library uses them yet (no relinearisation or rotation keys).
    /// </summary>
    public IReadOnlyList<ulong> KeySwitchingPrimes { get; }

    /// <summary>The highest level L: a fresh ciphertext has L + 1 limbs.</summary>
    public int MaxLevel => CiphertextPrimes.Count - 1;

    /// <summary>The parameter-set identifier carried by every key and ciphertext.</summary>
    public ParameterSetId Id { get; }

    /// <summary>Bytes of one polynomial with <paramref name="limbCount"/> packed limbs.</summary>
    public int PackedPolynomialLength(int limbCount)
    {
        int total = 0;
        for (int l = 0; l < limbCount; l++)
        {
            total += WireFormat.PackedLimbLength(N, Ring.Moduli[l]);
        }

        return total;
    }

    /// <summary>Throws unless <paramref name="id"/> is this set's identifier.</summary>
    /// <exception cref="ParameterSetMismatchException">The identifiers differ.</exception>
    public void EnsureSameSet(ParameterSetId id, string material) => WireFormat.CheckId(Id, id, material);
}
