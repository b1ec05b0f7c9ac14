using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace FederatedHe.Crypto.Ring;

/// <summary>
/// Branch-free word primitives for the hot loops. Conditional subtractions on random residues are
/// mispredicted half the time, so they are written with sign masks (all operands are below 2^63).
/// </summary>
internal static class WordArithmetic
{
    /// <summary>The high 64 bits of a·b (MULX when BMI2 is available).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong MultiplyHigh(ulong a, ulong b) =>
        Bmi2.X64.IsSupported ? Bmi2.X64.MultiplyNoFlags(a, b) : Math.BigMul(a, b, out _);

    /// <summary>x - m if x ≥ m, else x; requires x, m &lt; 2^63.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong SubtractIfAtLeast(ulong x, ulong m)
    {
        ulong t = x - m;
        return t + (m & (ulong)((long)t >> 63));
    }
}
