using System.Buffers.Binary;

namespace FederatedHe.Crypto.Ring;

/// <summary>
/// Tight little-endian bit packing of residues: value k occupies bits [k·b, (k+1)·b) of the byte
/// stream, least significant bit first, with b = ceil(log2 q). N·b is a multiple of 8 for every
/// supported N, so limbs pack without padding.
/// </summary>
internal static class BitPacking
{
    public static int PackedLength(int count, int bits) => (int)(((long)count * bits + 7) / 8);

    public static void Pack(ReadOnlySpan<ulong> values, int bits, Span<byte> destination)
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
