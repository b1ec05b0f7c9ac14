using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace FederatedHe.Crypto.Ring;

/// <summary>
/// Element-wise modular arithmetic on spans of residues, vectorised with Vector512/Vector256 where the
/// hardware accelerates them and with a scalar tail. Residues are below 2^61, so signed 64-bit
/// comparisons are exact.
/// </summary>
internal static class VectorMath
{
    public static void Add(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b, Span<ulong> destination, ulong q)
    {
        int n = destination.Length;
        int i = 0;
        ref ulong ra = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(a);
        ref ulong rb = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(b);
        ref ulong rd = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(destination);
        if (Vector512.IsHardwareAccelerated && n >= 8)
        {
            var vq = Vector512.Create((long)q);
            for (; i <= n - 8; i += 8)
            {
                var s = Vector512.LoadUnsafe(ref ra, (nuint)i).AsInt64() + Vector512.LoadUnsafe(ref rb, (nuint)i).AsInt64();
                var mask = Vector512.GreaterThanOrEqual(s, vq);
                (s - (vq & mask)).AsUInt64().StoreUnsafe(ref rd, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated && n >= 4)
        {
            var vq = Vector256.Create((long)q);
            var qm1 = Vector256.Create((long)q - 1);
            for (; i <= n - 4; i += 4)
            {
                var s = Vector256.LoadUnsafe(ref ra, (nuint)i).AsInt64() + Vector256.LoadUnsafe(ref rb, (nuint)i).AsInt64();
                var mask = Vector256.GreaterThan(s, qm1);
                (s - (vq & mask)).AsUInt64().StoreUnsafe(ref rd, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            ulong s = Unsafe.Add(ref ra, i) + Unsafe.Add(ref rb, i);
            Unsafe.Add(ref rd, i) = s >= q ? s - q : s;
        }
    }

    public static void Subtract(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b, Span<ulong> destination, ulong q)
    {
        int n = destination.Length;
        int i = 0;
        ref ulong ra = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(a);
        ref ulong rb = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(b);
        ref ulong rd = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(destination);
        if (Vector512.IsHardwareAccelerated && n >= 8)
        {
            var vq = Vector512.Create((long)q);
            for (; i <= n - 8; i += 8)
            {
                var d = Vector512.LoadUnsafe(ref ra, (nuint)i).AsInt64() - Vector512.LoadUnsafe(ref rb, (nuint)i).AsInt64();
                var mask = Vector512.LessThan(d, Vector512<long>.Zero);
                (d + (vq & mask)).AsUInt64().StoreUnsafe(ref rd, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated && n >= 4)
        {
            var vq = Vector256.Create((long)q);
            for (; i <= n - 4; i += 4)
            {
                var d = Vector256.LoadUnsafe(ref ra, (nuint)i).AsInt64() - Vector256.LoadUnsafe(ref rb, (nuint)i).AsInt64();
                var mask = Vector256.LessThan(d, Vector256<long>.Zero);
                (d + (vq & mask)).AsUInt64().StoreUnsafe(ref rd, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            ulong x = Unsafe.Add(ref ra, i);
            ulong y = Unsafe.Add(ref rb, i);
            Unsafe.Add(ref rd, i) = x >= y ? x - y : x + q - y;
        }
    }

    public static void Negate(ReadOnlySpan<ulong> a, Span<ulong> destination, ulong q)
    {
        int n = destination.Length;
        int i = 0;
        ref ulong ra = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(a);
        ref ulong rd = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(destination);
        if (Vector256.IsHardwareAccelerated && n >= 4)
        {
            var vq = Vector256.Create((long)q);
            for (; i <= n - 4; i += 4)
            {
                var x = Vector256.LoadUnsafe(ref ra, (nuint)i).AsInt64();
                var nonZero = ~Vector256.Equals(x, Vector256<long>.Zero);
                ((vq - x) & nonZero).AsUInt64().StoreUnsafe(ref rd, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            ulong x = Unsafe.Add(ref ra, i);
            Unsafe.Add(ref rd, i) = x == 0 ? 0 : q - x;
        }
    }
}
