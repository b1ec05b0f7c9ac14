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

    /// <summary>The limbs of every value, value by value (lowest limb first).</summary>
    /// <exception cref="ArgumentException">A value is not finite or its magnitude is over <see cref="MaxMagnitude"/>.</exception>
    public static double[] Split(ReadOnlySpan<double> values)
    {
        var limbs = new double[values.Length * Limbs];
        for (var i = 0; i < values.Length; i++)
        {
            var rest = values[i];
            if (!double.IsFinite(rest) || Math.Abs(rest) > MaxMagnitude)
                throw new ArgumentException($"value {i} ({rest}) is not a finite number of magnitude at most {MaxMagnitude:G3}", nameof(values));
            for (var k = Limbs - 1; k > 0; k--)
            {
                var unit = Math.ScaleB(1.0, k * LimbBits);
                var limb = Math.Round(rest / unit);
                limbs[(i * Limbs) + k] = limb;
                rest -= limb * unit; // exact: rest and limb·unit agree in every bit above unit/2
            }

            limbs[i * Limbs] = rest;
        }

        return limbs;
    }

    /// <summary>The values of a (summed) split vector: upper limbs rounded to integers, then recombined.</summary>
    /// <exception cref="ArgumentException">The length is not a multiple of <see cref="Limbs"/>.</exception>
    public static double[] Join(ReadOnlySpan<double> limbs)
    {
        if (limbs.Length % Limbs != 0)
            throw new ArgumentException($"{limbs.Length} limbs are not a whole number of {Limbs}-limb values", nameof(limbs));
        var values = new double[limbs.Length / Limbs];
        for (var i = 0; i < values.Length; i++)
        {
            var value = 0.0;
            for (var k = Limbs - 1; k > 0; k--)
                value = (value + Math.Round(limbs[(i * Limbs) + k])) * Base;
            values[i] = value + limbs[i * Limbs];
        }

        return values;
    }
}
