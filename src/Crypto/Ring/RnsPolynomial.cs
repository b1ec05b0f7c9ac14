namespace FederatedHe.Crypto.Ring;

/// <summary>
/// A polynomial of Z_Q[X]/(X^N + 1) in residue-number-system form: one limb of N 64-bit residues per
/// prime of the chain, stored contiguously (limb i occupies [i·N, (i+1)·N)).
/// </summary>
/// <remarks>
/// Not thread-safe for concurrent writes. The limb count can shrink (e.g. after a rescale) without
/// reallocating; <see cref="Capacity"/> is the number of limbs the storage holds.
/// </remarks>
public sealed class RnsPolynomial
{
    private readonly ulong[] _coefficients;

    /// <summary>Creates a zero polynomial with <paramref name="limbCount"/> limbs of <paramref name="n"/> coefficients.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive.</exception>
    public RnsPolynomial(int n, int limbCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(limbCount, 1);
        N = n;
        LimbCount = limbCount;
        Capacity = limbCount;
        _coefficients = new ulong[checked(n * limbCount)];
    }

    private RnsPolynomial(ulong[] storage, int n, int limbCount)
    {
        N = n;
        LimbCount = limbCount;
        Capacity = limbCount;
        _coefficients = storage;
    }

    /// <summary>Number of coefficients per limb (the ring dimension).</summary>
    public int N { get; }

    /// <summary>Number of limbs in use.</summary>
    public int LimbCount { get; private set; }

    /// <summary>Number of limbs the storage can hold.</summary>
    public int Capacity { get; }

    /// <summary>Whether the limbs hold NTT-domain values (evaluation form) rather than coefficients.</summary>
    public bool IsNttForm { get; set; }

    /// <summary>All residues of the limbs in use, limb after limb.</summary>
    public Span<ulong> Coefficients => _coefficients.AsSpan(0, N * LimbCount);

    /// <summary>The residues of limb <paramref name="limb"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The limb index is not in use.</exception>
    public Span<ulong> Limb(int limb)
    {
        if ((uint)limb >= (uint)LimbCount)
        {
            throw new ArgumentOutOfRangeException(nameof(limb), limb, $"The polynomial has {LimbCount} limbs.");
        }

        return _coefficients.AsSpan(limb * N, N);
    }

    /// <summary>Changes the number of limbs in use (up to <see cref="Capacity"/>); new limbs are not cleared.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The count is outside [1, Capacity].</exception>
    public void SetLimbCount(int limbCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limbCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limbCount, Capacity);
        LimbCount = limbCount;
    }

    /// <summary>Copies the limbs in use and the form flag into <paramref name="destination"/>, resizing its limb count.</summary>
    /// <exception cref="ArgumentException">The destination is too small or of another ring dimension.</exception>
    public void CopyTo(RnsPolynomial destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (destination.N != N || destination.Capacity < LimbCount)
        {
            throw new ArgumentException("The destination polynomial is too small.", nameof(destination));
        }

        if (!ReferenceEquals(destination, this))
        {
            destination.SetLimbCount(LimbCount);
            Coefficients.CopyTo(destination.Coefficients);
            destination.IsNttForm = IsNttForm;
        }
    }

    /// <summary>A deep copy with capacity equal to the limbs in use.</summary>
    public RnsPolynomial Clone()
    {
        var copy = new RnsPolynomial(N, LimbCount);
        CopyTo(copy);
        return copy;
    }

    /// <summary>
    /// A polynomial whose storage is not zeroed, for callers that overwrite every limb in use before
    /// reading it: zeroing large arrays (and the page faults it causes) costs more than the additions
    /// that follow. Limbs from <paramref name="firstClearedLimb"/> up are cleared, so limbs a caller
    /// does not write still read as zero, as with the public constructor.
    /// </summary>
    internal static RnsPolynomial CreateUninitialized(int n, int limbCount, int firstClearedLimb)
    {
        var storage = GC.AllocateUninitializedArray<ulong>(checked(n * limbCount));
        storage.AsSpan(firstClearedLimb * n).Clear();
        return new RnsPolynomial(storage, n, limbCount);
    }

    /// <summary>A polynomial whose storage is rented from the shared array pool; give it back with <see cref="ReturnRented"/>.</summary>
    internal static RnsPolynomial Rent(int n, int limbCount) =>
        new(System.Buffers.ArrayPool<ulong>.Shared.Rent(n * limbCount), n, limbCount);

    /// <summary>Returns the storage of a polynomial made by <see cref="Rent"/>.</summary>
    internal static void ReturnRented(RnsPolynomial polynomial) =>
        System.Buffers.ArrayPool<ulong>.Shared.Return(polynomial._coefficients);

    /// <summary>Sets every residue to zero.</summary>
    public void Clear() => Coefficients.Clear();
}
