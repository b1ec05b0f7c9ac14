using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace FederatedHe.Crypto.Ring;

/// <summary>
/// Tight little-endian bit packing of residues: value k occupies bits [k·b, (k+1)·b) of the byte
/// stream, least significant bit first, with b = ceil(log2 q). N·b is a multiple of 8 for every
/// supported N, so limbs pack without padding.
/// </summary>
internal static class BitPacking
{
    public static int PackedLength(int count, int bits) => (int)(((long)count * bits + 7) / 8);

    /// <summary>Values per lane in one block of the AVX2 packer (256·bits is a multiple of 64 for any width).</summary>
    private const int LaneBlock = 256;

    /// <summary>
    /// Packs <paramref name="values"/> (each below 2^bits) into the first PackedLength(count, bits)
    /// bytes of <paramref name="destination"/>, overwriting every one of them.
    /// </summary>
    public static void Pack(ReadOnlySpan<ulong> values, int bits, Span<byte> destination)
    {
        int length = PackedLength(values.Length, bits);
        if (destination.Length < length)
        {
            throw new ArgumentException($"The destination holds {destination.Length} bytes; {length} are needed.", nameof(destination));
        }

        if (Avx2.IsSupported && BitConverter.IsLittleEndian && values.Length % (4 * LaneBlock) == 0 && values.Length > 0 && bits is > 0 and < 64)
        {
            PackAvx2(values, bits, destination);
        }
        else
        {
            PackScalar(values, bits, destination);
        }
    }

    /// <summary>
    /// The AVX2 packer. The values are cut into four quarters, each packing into its own quarter of the
    /// output (a quarter holds a multiple of 64 bits), and the quarters are packed in lock step, one
    /// per 64-bit lane: every lane then has the same bit offset at every step, so the scalar
    /// bookkeeping is shared and the shifts use one count. Input and output go through 4×4 transposes.
    /// The bytes are exactly those of <see cref="PackScalar"/>.
    /// </summary>
    private static unsafe void PackAvx2(ReadOnlySpan<ulong> values, int bits, Span<byte> destination)
    {
        int quarter = values.Length / 4;
        int quarterBytes = quarter / 8 * bits;
        Vector256<ulong>* words = stackalloc Vector256<ulong>[4 * bits];
        fixed (ulong* source = values)
        fixed (byte* output = destination)
        {
            for (int block = 0; block < quarter; block += LaneBlock)
            {
                var accumulator = Vector256<ulong>.Zero;
                int filled = 0;
                int word = 0;
                for (int k = block; k < block + LaneBlock; k += 4)
                {
                    var v0 = Avx.LoadVector256(source + k);
                    var v1 = Avx.LoadVector256(source + quarter + k);
                    var v2 = Avx.LoadVector256(source + (2 * quarter) + k);
                    var v3 = Avx.LoadVector256(source + (3 * quarter) + k);
                    Transpose(ref v0, ref v1, ref v2, ref v3);
                    Step(ref accumulator, v0, bits, ref filled, ref word, words);
                    Step(ref accumulator, v1, bits, ref filled, ref word, words);
                    Step(ref accumulator, v2, bits, ref filled, ref word, words);
                    Step(ref accumulator, v3, bits, ref filled, ref word, words);
                }

                byte* blockOutput = output + (block / 8 * bits);
                for (int j = 0; j < 4 * bits; j += 4)
                {
                    var w0 = words[j];
                    var w1 = words[j + 1];
                    var w2 = words[j + 2];
                    var w3 = words[j + 3];
                    Transpose(ref w0, ref w1, ref w2, ref w3);
                    Avx.Store((ulong*)(blockOutput + (8 * j)), w0);
                    Avx.Store((ulong*)(blockOutput + quarterBytes + (8 * j)), w1);
                    Avx.Store((ulong*)(blockOutput + (2 * quarterBytes) + (8 * j)), w2);
                    Avx.Store((ulong*)(blockOutput + (3 * quarterBytes) + (8 * j)), w3);
                }
            }
        }
    }

    /// <summary>
    /// Adds one value per lane at bit offset <paramref name="filled"/>, stores the current word, and
    /// when the word is full starts the next one with the value's remaining high bits. The shifts take
    /// their count from a register, where a count of 64 or more gives zero, which removes the branches.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Step(ref Vector256<ulong> accumulator, Vector256<ulong> value, int bits, ref int filled, ref int word, Vector256<ulong>* words)
    {
        accumulator |= Avx2.ShiftLeftLogical(value, Vector128.CreateScalarUnsafe((ulong)(uint)filled));
        words[word] = accumulator;
        int total = filled + bits;
        int full = total >> 6;
        word += full;
        filled = total & 63;
        var carry = Avx2.ShiftRightLogical(value, Vector128.CreateScalarUnsafe((ulong)(uint)(bits - filled))); // zero unless the word is full
        accumulator = Avx2.ShiftLeftLogical(accumulator, Vector128.CreateScalarUnsafe((ulong)(uint)(full << 6))) | carry;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose(ref Vector256<ulong> a0, ref Vector256<ulong> a1, ref Vector256<ulong> a2, ref Vector256<ulong> a3)
    {
        var t0 = Avx2.UnpackLow(a0, a1);
        var t1 = Avx2.UnpackHigh(a0, a1);
        var t2 = Avx2.UnpackLow(a2, a3);
        var t3 = Avx2.UnpackHigh(a2, a3);
        a0 = Avx2.Permute2x128(t0, t2, 0x20);
        a1 = Avx2.Permute2x128(t1, t3, 0x20);
        a2 = Avx2.Permute2x128(t0, t2, 0x31);
        a3 = Avx2.Permute2x128(t1, t3, 0x31);
    }

    internal static void PackScalar(ReadOnlySpan<ulong> values, int bits, Span<byte> destination)
    {
        ulong accumulator = 0;
        int accumulated = 0;
        int offset = 0;
        foreach (ulong v in values)
        {
            accumulator |= v << accumulated;
            int total = accumulated + bits;
            if (total >= 64)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(destination.Slice(offset, 8), accumulator);
                offset += 8;
                accumulator = accumulated == 0 ? 0 : v >> (64 - accumulated);
                accumulated = total - 64;
            }
            else
            {
                accumulated = total;
            }
        }

        for (int remaining = accumulated; remaining > 0; remaining -= 8)
        {
            destination[offset++] = (byte)accumulator;
            accumulator >>= 8;
        }
    }

    /// <summary>Unpacks values and returns the index of the first one not below <paramref name="bound"/>, or -1.</summary>
    public static int Unpack(ReadOnlySpan<byte> source, int bits, ulong bound, Span<ulong> destination)
    {
        ulong mask = (1UL << bits) - 1;
        int bad = -1;
        long bitPosition = 0;
        for (int k = 0; k < destination.Length; k++, bitPosition += bits)
        {
            int index = (int)(bitPosition >> 3);
            int shift = (int)(bitPosition & 7);
            ulong v;
            if (index + 9 <= source.Length)
            {
                v = BinaryPrimitives.ReadUInt64LittleEndian(source.Slice(index, 8)) >> shift;
                if (shift + bits > 64)
                {
                    v |= (ulong)source[index + 8] << (64 - shift);
                }
            }
            else
            {
                v = 0;
                int needed = (shift + bits + 7) / 8;
                for (int b = 0; b < needed; b++)
                {
                    ulong part = source[index + b];
                    int position = (b * 8) - shift;
                    v |= position >= 0 ? part << position : part >> -position;
                }
            }

            v &= mask;
            destination[k] = v;
            if (v >= bound && bad < 0)
            {
                bad = k;
            }
        }

        return bad;
    }
}
