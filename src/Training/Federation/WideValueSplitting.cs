namespace FederatedHe.Training.Federation;

/// <summary>
/// Carries values wider than a narrow encrypted range through an addition-only sum exactly: each value v becomes
/// <see cref="Limbs"/> limbs, v = Σ limb_k·2^(k·<see cref="LimbBits"/>), every limb but the lowest an integer and every limb
/// of magnitude at most 2^(<see cref="LimbBits"/> − 1). The sum of the split vectors is the split of the sum; rounding the
/// upper limbs of a decrypted sum to integers removes the encryption error there, so the joined sum carries only the
/// lowest limb's error.
/// </summary>
/// <remarks>
/// The single-modulus aggregation set holds sums below about 3.7e5, while a hospital's feature sums of squares reach 1e9
/// and more: split, a sum of up to 180 contributions stays in range (2^11 each) for values below 2^47 ≈ 1.4e14.
/// The fixed-point form (<see cref="SplitFixedPoint"/>) makes every limb an integer, for sums whose decryption error is
/// too large to leave in the lowest limb (the seeded threshold set's, up to 4e-5): the sum comes back exactly.
/// Pure and thread-safe.
/// </remarks>
public static class WideValueSplitting
{
    /// <summary>Bits per limb.</summary>
    public const int LimbBits = 12;

    /// <summary>Limbs per value.</summary>
    public const int Limbs = 4;

    private static readonly double Base = Math.ScaleB(1.0, LimbBits);

    /// <summary>The largest magnitude <see cref="Split"/> accepts: the top limb stays within 2^(LimbBits − 1).</summary>
    public static double MaxMagnitude { get; } = Math.ScaleB(1.0, (LimbBits * Limbs) - 1);

    /// <summary>Limbs per value of the fixed-point form (<see cref="SplitFixedPoint"/>).</summary>
    public const int FixedPointLimbs = 6;

    /// <summary>Fraction bits of the fixed-point form: each value is rounded to a multiple of 2^−24 before it is split.</summary>
    public const int FixedPointFractionBits = 24;

    /// <summary>The largest magnitude <see cref="SplitFixedPoint"/> accepts: 2^(12·6 − 1 − 24) = 2^47 ≈ 1.4e14.</summary>
    public static double FixedPointMaxMagnitude { get; } = Math.ScaleB(1.0, (LimbBits * FixedPointLimbs) - 1 - FixedPointFractionBits);

    /// <summary>The limbs of every value, value by value (lowest limb first).</summary>
    /// <exception cref="ArgumentException">A value is not finite or its magnitude is over <see cref="MaxMagnitude"/>.</exception>
    public static double[] Split(ReadOnlySpan<double> values) => SplitScaled(values, Limbs, 0, MaxMagnitude);

    /// <summary>
    /// The fixed-point limbs of every value: v rounded to a multiple of 2^−<see cref="FixedPointFractionBits"/>, then split
    /// into <see cref="FixedPointLimbs"/> limbs that are all integers, so <see cref="JoinFixedPoint"/> rounds every limb of a
    /// decrypted sum and gets the sum exactly, whatever the encryption error below 1/2 per limb: every decryption of the same
    /// sum gives the same values.
    /// </summary>
    /// <exception cref="ArgumentException">A value is not finite or its magnitude is over <see cref="FixedPointMaxMagnitude"/>.</exception>
    public static double[] SplitFixedPoint(ReadOnlySpan<double> values) =>
        SplitScaled(values, FixedPointLimbs, FixedPointFractionBits, FixedPointMaxMagnitude);

    private static double[] SplitScaled(ReadOnlySpan<double> values, int limbCount, int fractionBits, double maxMagnitude)
    {
        var limbs = new double[values.Length * limbCount];
        for (var i = 0; i < values.Length; i++)
        {
            var value = values[i];
            if (!double.IsFinite(value) || Math.Abs(value) > maxMagnitude)
                throw new ArgumentException($"value {i} ({value}) is not a finite number of magnitude at most {maxMagnitude:G3}", nameof(values));
            // Scaling by a power of two is exact, and so is rounding a double to an integer.
            var rest = fractionBits == 0 ? value : Math.Round(Math.ScaleB(value, fractionBits));
            for (var k = limbCount - 1; k > 0; k--)
            {
                var unit = Math.ScaleB(1.0, k * LimbBits);
                var limb = Math.Round(rest / unit);
                limbs[(i * limbCount) + k] = limb;
                rest -= limb * unit; // exact: rest and limb·unit agree in every bit above unit/2
            }

            limbs[i * limbCount] = rest;
        }

        return limbs;
    }

    /// <summary>The values of a (summed) split vector: upper limbs rounded to integers, then recombined.</summary>
    /// <exception cref="ArgumentException">The length is not a multiple of <see cref="Limbs"/>.</exception>
    public static double[] Join(ReadOnlySpan<double> limbs)
    {
        var values = new double[WholeValues(limbs, Limbs)];
        for (var i = 0; i < values.Length; i++)
        {
            var value = 0.0;
            for (var k = Limbs - 1; k > 0; k--)
                value = (value + Math.Round(limbs[(i * Limbs) + k])) * Base;
            values[i] = value + limbs[i * Limbs];
        }

        return values;
    }

    /// <summary>
    /// The values of a (summed) fixed-point split vector: every limb rounded to an integer, recombined exactly (in 128-bit
    /// integers), then scaled back by 2^−<see cref="FixedPointFractionBits"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The length is not a multiple of <see cref="FixedPointLimbs"/>, or a limb is not finite.</exception>
    public static double[] JoinFixedPoint(ReadOnlySpan<double> limbs)
    {
        var values = new double[WholeValues(limbs, FixedPointLimbs)];
        for (var i = 0; i < values.Length; i++)
        {
            Int128 sum = 0;
            for (var k = FixedPointLimbs - 1; k >= 0; k--)
            {
                var limb = limbs[(i * FixedPointLimbs) + k];
                if (!double.IsFinite(limb) || Math.Abs(limb) > Math.ScaleB(1.0, 62))
                    throw new ArgumentException($"limb {k} of value {i} ({limb}) is not a finite number of a sum", nameof(limbs));
                sum = (sum << LimbBits) + (Int128)(long)Math.Round(limb);
            }

            values[i] = Math.ScaleB((double)sum, -FixedPointFractionBits);
        }

        return values;
    }

    /// <summary>How many values <paramref name="limbs"/> holds at <paramref name="limbCount"/> limbs each.</summary>
    /// <exception cref="ArgumentException">The length is not a multiple of <paramref name="limbCount"/>.</exception>
    private static int WholeValues(ReadOnlySpan<double> limbs, int limbCount) =>
        limbs.Length % limbCount == 0
            ? limbs.Length / limbCount
            : throw new ArgumentException($"{limbs.Length} limbs are not a whole number of {limbCount}-limb values", nameof(limbs));
}
