using System.Runtime.Intrinsics;

namespace FederatedHe.Crypto.Ring;

/// <summary>
/// Sampling of the polynomials RLWE needs: uniform residues, ternary secrets and discrete Gaussian
/// errors, all drawn from an <see cref="AesCtrPrng"/>.
/// </summary>
/// <remarks>
/// Thread-safe (stateless); the generator passed in is not. Sampling does not allocate.
/// </remarks>
public static class Sampling
{
    /// <summary>Standard deviation σ of the error distribution.</summary>
    public const double GaussianSigma = 3.2;

    /// <summary>Largest magnitude of an error coefficient: ⌊6σ⌋ = 19.</summary>
    public const int GaussianBound = 19;

    // CDT of |X| for the discrete Gaussian ρ(x) = exp(-x²/2σ²) on [-19, 19], σ = 3.2:
    // entry k = round(2^63 · P(|X| ≤ k)), computed offline with 60-digit decimal arithmetic and
    // checked against the formula by a test. Hard-coded so sampling is bit-identical on every platform.
    private static readonly ulong[] CumulativeTable =
    [
        0x0ff52b40a5917f1dUL, 0x2e5a25d4bf0e400eUL, 0x489ae26955b04bd6UL, 0x5d2bc20f621bf185UL,
        0x6bc8694c3cc80ff5UL, 0x7532d89ac6ba7dcfUL, 0x7ab396cb74436799UL, 0x7d9e4e916643eb08UL,
        0x7f05495819eb2051UL, 0x7fa1ce9c0039a957UL, 0x7fdfb3f212e8c4e9UL, 0x7ff5e6f9d2314fccUL,
        0x7ffd1f97bc4406a3UL, 0x7fff40fa0088d11eUL, 0x7fffd2e835e1c57eUL, 0x7ffff6524386ff1eUL,
        0x7ffffe1db4769da5UL, 0x7fffffac0a1dcb09UL, 0x7ffffff428673853UL,
    ];

    internal static ReadOnlySpan<ulong> GaussianCumulativeTable => CumulativeTable;

    /// <summary>
    /// Fills the first <paramref name="limbCount"/> limbs with residues uniform in [0, q_l), by
    /// rejection sampling of 64-bit keystream words masked to q_l's bit size. Deterministic in the
    /// generator's seed; the limbs are filled in order.
    /// </summary>
    public static void SampleUniform(AesCtrPrng prng, RingContext ring, RnsPolynomial destination, int limbCount)
    {
        ArgumentNullException.ThrowIfNull(prng);
        ArgumentNullException.ThrowIfNull(ring);
        ArgumentNullException.ThrowIfNull(destination);
        for (int l = 0; l < limbCount; l++)
        {
            Modulus q = ring.Moduli[l];
            ulong mask = q.BitCount == 64 ? ulong.MaxValue : (1UL << q.BitCount) - 1;
            Span<ulong> limb = destination.Limb(l);

            // Draw as many words as coefficients are missing and keep those below q, in order: the same
            // words, accepted or rejected in the same order, as drawing one word at a time until it fits.
            int j = 0;
            while (j < limb.Length)
            {
                Span<ulong> words = limb[j..];
                prng.NextUInt64s(words);
                int accepted = j;
                for (int k = 0; k < words.Length; k++)
                {
                    ulong v = words[k] & mask;
                    if (v < q.Value)
                    {
                        limb[accepted++] = v;
                    }
                }

                j = accepted;
            }
        }
    }

    /// <summary>
    /// Fills <paramref name="destination"/> with coefficients uniform in {-1, 0, 1}: each keystream byte
    /// b &lt; 255 gives (b mod 3) - 1 and 255 is rejected, so there is no bias.
    /// </summary>
    public static void SampleTernary(AesCtrPrng prng, Span<sbyte> destination)
    {
        ArgumentNullException.ThrowIfNull(prng);
        for (int j = 0; j < destination.Length; j++)
        {
            byte b;
            do
            {
                b = prng.NextByte();
            }
            while (b == 255);

            destination[j] = (sbyte)((b % 3) - 1);
        }
    }

    /// <summary>
    /// Fills <paramref name="destination"/> with discrete Gaussian errors (σ = 3.2, bounded at 6σ) by
    /// cumulative-distribution-table inversion: 63 uniform bits are compared with every table entry
    /// (no data-dependent branch or early exit) to get |x|, and the 64th bit gives the sign.
    /// </summary>
    public static void SampleGaussian(AesCtrPrng prng, Span<sbyte> destination)
    {
        ArgumentNullException.ThrowIfNull(prng);
        ReadOnlySpan<ulong> table = CumulativeTable;
        int j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            // Four samples per vector, the same words in the same order and the same comparisons as the
            // scalar loop below, so the output is bit-identical (the golden-hash test pins it).
            var low63 = Vector256.Create(0x7FFFFFFFFFFFFFFFUL);
            for (; j + 4 <= destination.Length; j += 4)
            {
                var words = Vector256.Create(prng.NextUInt64(), prng.NextUInt64(), prng.NextUInt64(), prng.NextUInt64());
                var uPlusOne = (words & low63) + Vector256<ulong>.One;
                var magnitudes = Vector256<ulong>.Zero;
                for (int k = 0; k < table.Length; k++)
                {
                    magnitudes += Vector256.ShiftRightLogical(Vector256.Create(table[k]) - uPlusOne, 63);
                }

                var signs = Vector256.ShiftRightLogical(words, 63);
                for (int lane = 0; lane < 4; lane++)
                {
                    long sign = -(long)signs.GetElement(lane);
                    destination[j + lane] = (sbyte)(((long)magnitudes.GetElement(lane) ^ sign) - sign);
                }
            }
        }

        for (; j < destination.Length; j++)
        {
            ulong word = prng.NextUInt64();
            ulong u = word & 0x7FFFFFFFFFFFFFFFUL;
            long magnitude = 0;
            for (int k = 0; k < table.Length; k++)
            {
                // (table[k] - u - 1) has its top bit set exactly when u >= table[k] (both < 2^63).
                magnitude += (long)((table[k] - u - 1) >> 63);
            }

            long sign = -(long)(word >> 63); // 0 or -1
            destination[j] = (sbyte)((magnitude ^ sign) - sign);
        }
    }
}
