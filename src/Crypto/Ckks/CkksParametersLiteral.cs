namespace FederatedHe.Crypto.Ckks;

/// <summary>
/// Unchecked description of a CKKS parameter set (JSON-friendly). Turn it into a validated
/// <see cref="CkksParameters"/> with <see cref="CkksParameters.Create"/>.
/// </summary>
/// <remarks>
/// Give the ciphertext chain either as bit sizes (<see cref="LogQ"/>, primes generated
/// deterministically) or as explicit primes (<see cref="Q"/>); the same for the optional
/// key-switching primes (<see cref="LogP"/> or <see cref="P"/>). Immutable record; thread-safe.
/// </remarks>
public sealed record CkksParametersLiteral
{
    /// <summary>log2 of the ring dimension N (12 to 16; N/2 slots per ciphertext).</summary>
    public int LogN { get; init; }

    /// <summary>Bit sizes of the ciphertext primes q_0 … q_L (each 17 to 61 bits), first prime first.</summary>
    public IReadOnlyList<int>? LogQ { get; init; }

    /// <summary>Explicit ciphertext primes (each ≡ 1 mod 2N); used instead of <see cref="LogQ"/> when set.</summary>
    public IReadOnlyList<ulong>? Q { get; init; }

    /// <summary>Bit sizes of the key-switching primes, reserved for future key switching (counted for security).</summary>
    public IReadOnlyList<int>? LogP { get; init; }

    /// <summary>Explicit key-switching primes; used instead of <see cref="LogP"/> when set.</summary>
    public IReadOnlyList<ulong>? P { get; init; }

    /// <summary>log2 of the default scale Δ that encoded values are multiplied by.</summary>
    public int LogScale { get; init; }

    /// <summary>The security level to enforce.</summary>
    public SecurityLevel Security { get; init; } = SecurityLevel.Classical128;

    /// <summary>
    /// How the aggregation types place real values in slots: <see cref="SlotPacking.RealSlots"/> (the
    /// default, N/2 values per ciphertext) or <see cref="SlotPacking.ComplexSlots"/> (N values: real and
    /// imaginary parts), for shared-key aggregation sets only.
    /// </summary>
    public SlotPacking Packing { get; init; } = SlotPacking.RealSlots;
}

/// <summary>How real values are placed in the N/2 complex slots of a ciphertext.</summary>
public enum SlotPacking
{
    /// <summary>One real value per slot, imaginary parts zero: N/2 values per ciphertext. Every protocol supports it.</summary>
    RealSlots = 0,

    /// <summary>
    /// Two real values per slot (real and imaginary parts): N values per ciphertext. The decoded values carry
    /// the same noise per value as real slots. The plaintext is not conjugation-invariant, which threshold
    /// decryption's noise audit relies on, so collective-key threshold sets refuse it: shared-key aggregation and the
    /// seeded threshold scheme only (which needs no audit; docs/THRESHOLD.md).
    /// </summary>
    ComplexSlots = 1,
}
