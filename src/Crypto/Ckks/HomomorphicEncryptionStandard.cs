namespace FederatedHe.Crypto.Ckks;

/// <summary>The security level a parameter set must reach.</summary>
public enum SecurityLevel
{
    /// <summary>128-bit classical security (HomomorphicEncryption.org standard, ternary secret).</summary>
    Classical128 = 128,
}

/// <summary>
/// The largest modulus sizes of the HomomorphicEncryption.org security standard (Albrecht et al.,
/// 2018, table for a uniform ternary secret and σ ≈ 3.2), as used by SEAL's <c>hestdparms.h</c>.
/// </summary>
/// <remarks>
/// Thread-safe (constants). The standard tabulates N up to 32768; for N = 65536 we use 1761 bits,
/// the extrapolation SEAL and the standard's follow-up tables use (about double the 32768 bound).
/// </remarks>
public static class HomomorphicEncryptionStandard
{
    /// <summary>Smallest supported log2 N.</summary>
    public const int MinLogN = 12;

    /// <summary>Largest supported log2 N.</summary>
    public const int MaxLogN = 16;

    /// <summary>The largest log2(Q·P) reaching <paramref name="level"/> for ring dimension 2^<paramref name="logN"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="logN"/> is outside [12, 16].</exception>
    public static int MaxLogQP(int logN, SecurityLevel level = SecurityLevel.Classical128)
    {
        if (level != SecurityLevel.Classical128)
        {
            throw new ArgumentOutOfRangeException(nameof(level), level, "Only 128-bit classical security is tabulated.");
        }

        return logN switch
        {
            12 => 109,
            13 => 218,
            14 => 438,
            15 => 881,
            16 => 1761,
            _ => throw new ArgumentOutOfRangeException(nameof(logN), logN, $"The standard covers N = 2^{MinLogN} to 2^{MaxLogN}."),
        };
    }
}
