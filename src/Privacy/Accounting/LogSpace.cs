namespace FederatedHe.Privacy.Accounting;

/// <summary>Arithmetic on numbers held as their natural logarithms, and the log of erfc.</summary>
/// <remarks>
/// The accountant multiplies binomial coefficients, powers of q and Gaussian moments that overflow a
/// double long before their sum does; working with logarithms keeps every intermediate finite.
/// .NET has no erfc, so <see cref="LogErfc"/> is written out here: a positive-term series for small
/// arguments and a continued fraction for large ones, both accurate to a few units in 1e-14.
/// Pure and thread-safe.
/// </remarks>
internal static class LogSpace
{
    private static readonly double LogSqrtPi = 0.5 * Math.Log(Math.PI);

    /// <summary>log(e^a + e^b) without overflow; either argument may be −∞.</summary>
    public static double Add(double a, double b)
    {
        if (double.IsNegativeInfinity(a))
        {
            return b;
        }
        if (double.IsNegativeInfinity(b))
        {
            return a;
        }
        var high = Math.Max(a, b);
        return high + Math.Log(1 + Math.Exp(Math.Min(a, b) - high));
    }

    /// <summary>log(e^a − e^b) for a ≥ b; −∞ when they are equal.</summary>
    /// <exception cref="ArgumentException"><paramref name="b"/> exceeds <paramref name="a"/>.</exception>
    public static double Subtract(double a, double b)
    {
        if (b > a)
        {
            throw new ArgumentException($"log(e^{a} − e^{b}) is the log of a negative number.", nameof(b));
        }
        if (double.IsNegativeInfinity(b))
        {
            return a;
        }
        if (a == b)
        {
            return double.NegativeInfinity;
        }
        // log(e^a − e^b) = a + log(1 − e^(b−a)); the second form keeps precision when b is close to a.
        var difference = b - a;
        return a + (difference > -0.693 ? Math.Log(-double.ExpM1(difference)) : double.LogP1(-Math.Exp(difference)));
    }

    /// <summary>log(erfc(x)) for any finite x, accurate also where erfc(x) underflows a double.</summary>
    public static double LogErfc(double x)
    {
        if (double.IsNaN(x))
        {
            return double.NaN;
        }
        if (x < 0)
        {
            // erfc(−y) = 1 + erf(y), between 1 and 2: no cancellation.
            return Math.Log(1 + Erf(-x));
        }
        if (x < 2)
        {
            // erfc(2) ≈ 4.7e-3, so 1 − erf loses at most about two and a half digits here.
            return Math.Log(1 - Erf(x));
        }
        return -x * x - LogSqrtPi - Math.Log(ErfcContinuedFraction(x));
    }

    /// <summary>erf(x) for 0 ≤ x &lt; 6 from the series 2/√π · e^(−x²) · Σ 2ⁿ x^(2n+1) / (1·3·…·(2n+1)).</summary>
    /// <remarks>Every term is positive, so the sum has no cancellation, unlike the alternating Taylor series.</remarks>
    internal static double Erf(double x)
    {
        if (x >= 6)
        {
            return 1;
        }
        var term = x;
        var sum = x;
        var twiceSquare = 2 * x * x;
        for (var n = 1; n < 500; n++)
        {
            term *= twiceSquare / (2 * n + 1);
            sum += term;
            if (term < sum * 1e-17)
            {
                break;
            }
        }
        return 2 / Math.Sqrt(Math.PI) * Math.Exp(-x * x) * sum;
    }

    /// <summary>
    /// f(x) = x + (1/2)/(x + 1/(x + (3/2)/(x + …))), so that erfc(x) = e^(−x²) / (√π f(x)); evaluated with
    /// the modified Lentz method. Converges quickly for x ≥ 2.
    /// </summary>
    private static double ErfcContinuedFraction(double x)
    {
        const double Tiny = 1e-300;
        var f = x;
        var c = x;
        var d = 0.0;
        for (var n = 1; n < 5000; n++)
        {
            var a = n / 2.0;
            d = x + a * d;
            d = Math.Abs(d) < Tiny ? Tiny : d;
            c = x + a / c;
            c = Math.Abs(c) < Tiny ? Tiny : c;
            d = 1 / d;
            var delta = c * d;
            f *= delta;
            if (Math.Abs(delta - 1) < 1e-16)
            {
                break;
            }
        }
        return f;
    }
}
