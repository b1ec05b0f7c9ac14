using System.Buffers;
using FederatedHe.Crypto.Ring;

namespace FederatedHe.Crypto.Multiparty;

/// <summary>
/// Samples the flooding noise of decryption shares: integers exactly uniform in [−2^k, 2^k), k ≤ 126,
/// from an <see cref="AesCtrPrng"/> (no floating point, so no rounding artefacts that a smudging
/// argument would have to account for).
/// </summary>
/// <remarks>Thread-safe (stateless); the generator passed in is not.</remarks>
internal static class SmudgingNoise
{
    /// <summary>Fills the first <paramref name="limbCount"/> limbs of <paramref name="destination"/> with the noise, in NTT form.</summary>
    public static void Sample(AesCtrPrng prng, RingContext ring, int logBound, RnsPolynomial destination, int limbCount)
    {
        int n = ring.N;
        int bits = logBound + 1; // x uniform in [0, 2^bits) as hi·2^64 + lo, then x − 2^logBound
        ulong loMask = bits >= 64 ? ulong.MaxValue : (1UL << bits) - 1;
        ulong hiMask = bits <= 64 ? 0 : (1UL << (bits - 64)) - 1;
        ulong[] words = ArrayPool<ulong>.Shared.Rent(2 * n);
        try
        {
            Span<ulong> lo = words.AsSpan(0, n);
            Span<ulong> hi = words.AsSpan(n, n);
            for (int j = 0; j < n; j++)
            {
                lo[j] = prng.NextUInt64() & loMask;
                hi[j] = hiMask == 0 ? 0 : prng.NextUInt64() & hiMask;
            }

            destination.SetLimbCount(limbCount);
            for (int l = 0; l < limbCount; l++)
            {
                Modulus q = ring.Moduli[l];
                ulong twoTo64 = q.Add(q.Reduce(ulong.MaxValue), 1);
                ulong offset = q.Pow(2, (ulong)logBound);
                Span<ulong> limb = destination.Limb(l);
                if (hiMask == 0)
                {
                    // Bounds up to 2^63 (the seeded preset's 2^62) fit one word: no high part to lift.
                    for (int j = 0; j < n; j++)
                    {
                        limb[j] = q.Subtract(q.Reduce(lo[j]), offset);
                    }

                    continue;
                }

                for (int j = 0; j < n; j++)
                {
                    ulong x = q.Add(q.Multiply(q.Reduce(hi[j]), twoTo64), q.Reduce(lo[j]));
                    limb[j] = q.Subtract(x, offset);
                }
            }

            ring.ToNtt(destination);
        }
        finally
        {
            words.AsSpan(0, 2 * n).Clear();
            ArrayPool<ulong>.Shared.Return(words);
        }
    }
}
