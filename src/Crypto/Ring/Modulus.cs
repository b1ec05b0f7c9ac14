using System.Numerics;
using System.Runtime.CompilerServices;

namespace FederatedHe.Crypto.Ring;

/// <summary>
/// A word-size prime modulus q (at most 61 bits) with the precomputed constants for Barrett
/// reduction and Shoup multiplication by constants.
/// </summary>
/// <remarks>
/// Immutable and thread-safe. All arithmetic expects operands already reduced to [0, q) unless a
/// method says otherwise. The 61-bit limit leaves the headroom Harvey's lazy NTT needs (values kept
/// in [0, 4q) must fit in 64 bits).
/// </remarks>
public sealed class Modulus : IEquatable<Modulus>
{
    /// <summary>Largest supported modulus size in bits.</summary>
    public const int MaxBits = 61;

    /// <summary>Smallest supported modulus size in bits.</summary>
    public const int MinBits = 17;

    private readonly ulong _ratio64;    // floor(2^64 / q) for single-word Barrett reduction
    private readonly ulong _barrettMu;  // floor(2^(2s) / q) for products, s = BitCount
    private readonly int _shiftLow;     // s - 1
    private readonly int _shiftHigh;    // s + 1

    // 2^e mod q for every binary exponent a finite double can carry past its 52-bit mantissa, built on
    // first use: encoding values scaled beyond 2^63 (threshold presets, Δ ≈ 2^117) then costs one
    // product per coefficient instead of a modular exponentiation.
    private ulong[]? _powersOfTwo;

    /// <summary>Creates a modulus.</summary>
    /// <param name="value">The modulus; must have between <see cref="MinBits"/> and <see cref="MaxBits"/> bits.</param>
    /// <exception cref="ArgumentOutOfRangeException">The value is outside the supported range.</exception>
    public Modulus(ulong value)
    {
        int bits = 64 - BitOperations.LeadingZeroCount(value);
        if (bits < MinBits || bits > MaxBits)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, $"A modulus must have {MinBits} to {MaxBits} bits.");
        }

        Value = value;
        BitCount = bits;
        _ratio64 = (ulong)((UInt128.One << 64) / value);
        _barrettMu = (ulong)((UInt128.One << (2 * bits)) / value);
        _shiftLow = bits - 1;
        _shiftHigh = bits + 1;
    }

    /// <summary>The modulus q.</summary>
    public ulong Value { get; }

    /// <summary>Number of bits of q, i.e. ceil(log2(q+1)).</summary>
    public int BitCount { get; }

    /// <summary>Reduces any 64-bit value modulo q.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Reduce(ulong x)
    {
        ulong q = Value;
        ulong estimate = WordArithmetic.MultiplyHigh(x, _ratio64);
        return WordArithmetic.SubtractIfAtLeast(x - (estimate * q), q);
    }

    /// <summary>Reduces a signed value modulo q into [0, q).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong ReduceSigned(long x)
    {
        if (x >= 0)
        {
            return Reduce((ulong)x);
        }

        ulong r = Reduce((ulong)(-(x + 1)) + 1UL);
        return r == 0 ? 0 : Value - r;
    }

    /// <summary>(a + b) mod q for a, b in [0, q).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Add(ulong a, ulong b) => WordArithmetic.SubtractIfAtLeast(a + b, Value);

    /// <summary>(a - b) mod q for a, b in [0, q).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Subtract(ulong a, ulong b)
    {
        ulong d = a - b;
        return d + (Value & (ulong)((long)d >> 63));
    }

    /// <summary>(-a) mod q for a in [0, q).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Negate(ulong a) => a == 0 ? 0 : Value - a;

    /// <summary>(a · b) mod q for a, b in [0, q), by Barrett reduction of the 128-bit product.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Multiply(ulong a, ulong b)
    {
        ulong hi = Math.BigMul(a, b, out ulong lo);
        // x1 = floor(p / 2^(s-1)) < 2^(s+1); estimate = floor(x1 * mu / 2^(s+1)) is within 2 of floor(p / q).
        ulong x1 = (hi << (64 - _shiftLow)) | (lo >> _shiftLow);
        ulong mh = Math.BigMul(x1, _barrettMu, out ulong ml);
        ulong estimate = (mh << (64 - _shiftHigh)) | (ml >> _shiftHigh);
        ulong r = lo - (estimate * Value);
        return WordArithmetic.SubtractIfAtLeast(WordArithmetic.SubtractIfAtLeast(r, Value), Value);
    }

    /// <summary>The Shoup companion floor(w · 2^64 / q) of a constant w in [0, q).</summary>
    public ulong ShoupPrecompute(ulong w) => (ulong)(((UInt128)w << 64) / Value);

    /// <summary>x · w mod q in [0, 2q) for any 64-bit x, given w's Shoup companion (Harvey's lazy product).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong MultiplyShoupLazy(ulong x, ulong w, ulong wShoup)
    {
        ulong estimate = WordArithmetic.MultiplyHigh(x, wShoup);
        return (x * w) - (estimate * Value);
    }

    /// <summary>x · w mod q in [0, q) for any 64-bit x, given w's Shoup companion.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong MultiplyShoup(ulong x, ulong w, ulong wShoup)
    {
        return WordArithmetic.SubtractIfAtLeast(MultiplyShoupLazy(x, w, wShoup), Value);
    }

    /// <summary>a^e mod q.</summary>
    public ulong Pow(ulong a, ulong e)
    {
        ulong result = 1 % Value;
        ulong b = Reduce(a);
        while (e != 0)
        {
            if ((e & 1) != 0)
            {
                result = Multiply(result, b);
            }

            b = Multiply(b, b);
            e >>= 1;
        }

        return result;
    }

    /// <summary>The inverse of a modulo the prime q.</summary>
    /// <exception cref="ArgumentException"><paramref name="a"/> is zero modulo q.</exception>
    public ulong Inverse(ulong a)
    {
        ulong r = Reduce(a);
        if (r == 0)
        {
            throw new ArgumentException("Zero has no inverse.", nameof(a));
        }

        return Pow(r, Value - 2);
    }

    /// <summary>
    /// Reduces the integer nearest to a finite double modulo q exactly, even when it exceeds 64 bits
    /// (the double is mantissa · 2^exponent, so the residue is mantissa · (2^exponent mod q)).
    /// </summary>
    public ulong ReduceRounded(double value)
    {
        double rounded = Math.Round(value, MidpointRounding.ToEven);
        if (Math.Abs(rounded) < 9.2e18)
        {
            return ReduceSigned((long)rounded);
        }

        long bits = BitConverter.DoubleToInt64Bits(rounded);
        int exponent = (int)((bits >> 52) & 0x7FF) - 1075;
        ulong mantissa = ((ulong)bits & 0xFFFFFFFFFFFFFUL) | (1UL << 52);
        ulong residue = Multiply(Reduce(mantissa), PowersOfTwo[exponent]);
        return rounded < 0 ? Negate(residue) : residue;
    }

    private ulong[] PowersOfTwo => _powersOfTwo ??= BuildPowersOfTwo();

    private ulong[] BuildPowersOfTwo()
    {
        var powers = new ulong[1024];
        powers[0] = Reduce(1);
        for (int e = 1; e < powers.Length; e++)
        {
            powers[e] = Add(powers[e - 1], powers[e - 1]);
        }

        return powers;
    }

    /// <inheritdoc />
    public bool Equals(Modulus? other) => other is not null && other.Value == Value;

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as Modulus);

    /// <inheritdoc />
    public override int GetHashCode() => Value.GetHashCode();

    /// <inheritdoc />
    public override string ToString() => $"{Value} ({BitCount} bits)";
}
