namespace FederatedHe.Crypto.Ring;

/// <summary>
/// Precomputed twiddle factors for the negacyclic number-theoretic transform of Z_q[X]/(X^N + 1),
/// with Harvey's lazy butterflies and Shoup multiplication.
/// </summary>
/// <remarks>
/// Immutable and thread-safe. The forward transform is Cooley-Tukey with powers of ψ (the smallest
/// primitive 2N-th root of unity mod q) in bit-reversed order, and its output is in bit-reversed
/// order; the inverse transform is Gentleman-Sande and takes that order back. Pointwise products in
/// the NTT domain are negacyclic products of the polynomials. Neither transform allocates.
/// </remarks>
public sealed class NttTables
{
    private readonly ulong[] _forward;      // ψ^bitrev(i)
    private readonly ulong[] _forwardShoup;
    private readonly ulong[] _inverse;      // ψ^-bitrev(i)
    private readonly ulong[] _inverseShoup;
    private readonly ulong _nInverse;
    private readonly ulong _nInverseShoup;
    private readonly ulong _lastInverse;    // ψ^-bitrev(1) · N^-1, merged into the last inverse stage
    private readonly ulong _lastInverseShoup;

    /// <summary>Builds the tables for modulus <paramref name="modulus"/> and ring dimension 2^<paramref name="logN"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="logN"/> is outside [1, 17].</exception>
    /// <exception cref="ArgumentException">q is not ≡ 1 (mod 2N).</exception>
    public NttTables(Modulus modulus, int logN)
    {
        ArgumentNullException.ThrowIfNull(modulus);
        ArgumentOutOfRangeException.ThrowIfLessThan(logN, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(logN, 17);
        Modulus = modulus;
        LogN = logN;
        int n = 1 << logN;
        N = n;
        ulong psi = Primes.MinimalPrimitiveRoot(modulus, logN);
        Psi = psi;
        ulong psiInverse = modulus.Inverse(psi);
        _forward = new ulong[n];
        _forwardShoup = new ulong[n];
        _inverse = new ulong[n];
        _inverseShoup = new ulong[n];
        ulong power = 1;
        ulong inversePower = 1;
        for (int i = 0; i < n; i++)
        {
            int r = BitReverse(i, logN);
            _forward[r] = power;
            _inverse[r] = inversePower;
            power = modulus.Multiply(power, psi);
            inversePower = modulus.Multiply(inversePower, psiInverse);
        }

        for (int i = 0; i < n; i++)
        {
            _forwardShoup[i] = modulus.ShoupPrecompute(_forward[i]);
            _inverseShoup[i] = modulus.ShoupPrecompute(_inverse[i]);
        }

        _nInverse = modulus.Inverse((ulong)n);
        _nInverseShoup = modulus.ShoupPrecompute(_nInverse);
        _lastInverse = modulus.Multiply(_inverse[1], _nInverse);
        _lastInverseShoup = modulus.ShoupPrecompute(_lastInverse);
    }

    /// <summary>The modulus q.</summary>
    public Modulus Modulus { get; }

    /// <summary>log2 of the ring dimension.</summary>
    public int LogN { get; }

    /// <summary>The ring dimension N.</summary>
    public int N { get; }

    /// <summary>The primitive 2N-th root of unity ψ used (the smallest one).</summary>
    public ulong Psi { get; }

    /// <summary>In-place forward negacyclic NTT; input and output in [0, q).</summary>
    /// <exception cref="ArgumentException">The span length is not N.</exception>
    public unsafe void Forward(Span<ulong> values)
    {
        if (values.Length != N)
        {
            throw new ArgumentException($"Expected {N} coefficients.", nameof(values));
        }

        ulong q = Modulus.Value;
        ulong twoQ = 2 * q;
        int n = N;
        fixed (ulong* a = values)
        fixed (ulong* w = _forward)
        fixed (ulong* ws = _forwardShoup)
        {
            int t = n >> 1;
            for (int m = 1; m < n; m <<= 1, t >>= 1)
            {
                if (t >= 4)
                {
                    for (int i = 0; i < m; i++)
                    {
                        ulong wi = w[m + i];
                        ulong wsi = ws[m + i];
                        ulong* x = a + (2 * i * t);
                        ulong* y = x + t;
                        for (int j = 0; j < t; j++)
                        {
                            ulong u = x[j];
                            u = WordArithmetic.SubtractIfAtLeast(u, twoQ);
                            ulong yv = y[j];
                            ulong v = (yv * wi) - (WordArithmetic.MultiplyHigh(yv, wsi) * q);
                            x[j] = u + v;
                            y[j] = u - v + twoQ;
                        }
                    }
                }
                else
                {
                    for (int i = 0; i < m; i++)
                    {
                        ulong wi = w[m + i];
                        ulong wsi = ws[m + i];
                        ulong* x = a + (2 * i * t);
                        for (int j = 0; j < t; j++)
                        {
                            ulong u = x[j];
                            u = WordArithmetic.SubtractIfAtLeast(u, twoQ);
                            ulong yv = x[j + t];
                            ulong v = (yv * wi) - (WordArithmetic.MultiplyHigh(yv, wsi) * q);
                            x[j] = u + v;
                            x[j + t] = u - v + twoQ;
                        }
                    }
                }
            }

            for (int j = 0; j < n; j++)
            {
                ulong u = a[j];
                u = WordArithmetic.SubtractIfAtLeast(u, twoQ);
                a[j] = WordArithmetic.SubtractIfAtLeast(u, q);
            }
        }
    }

    /// <summary>In-place inverse negacyclic NTT (including the 1/N factor); input in [0, 2q), output in [0, q).</summary>
    /// <exception cref="ArgumentException">The span length is not N.</exception>
    public unsafe void Inverse(Span<ulong> values)
    {
        if (values.Length != N)
        {
            throw new ArgumentException($"Expected {N} coefficients.", nameof(values));
        }

        ulong q = Modulus.Value;
        ulong twoQ = 2 * q;
        int n = N;
        fixed (ulong* a = values)
        fixed (ulong* w = _inverse)
        fixed (ulong* ws = _inverseShoup)
        {
            int t = 1;
            for (int m = n >> 1; m > 1; m >>= 1, t <<= 1)
            {
                for (int i = 0; i < m; i++)
                {
                    ulong wi = w[m + i];
                    ulong wsi = ws[m + i];
                    ulong* x = a + (2 * i * t);
                    ulong* y = x + t;
                    for (int j = 0; j < t; j++)
                    {
                        ulong u = x[j];
                        ulong v = y[j];
                        ulong s = u + v;
                        x[j] = WordArithmetic.SubtractIfAtLeast(s, twoQ);
                        ulong d = u - v + twoQ;
                        y[j] = (d * wi) - (WordArithmetic.MultiplyHigh(d, wsi) * q);
                    }
                }
            }

            // Last stage (m = 1, t = N/2) with the 1/N factor folded in.
            {
                int half = n >> 1;
                ulong ni = _nInverse;
                ulong nis = _nInverseShoup;
                ulong li = _lastInverse;
                ulong lis = _lastInverseShoup;
                ulong* y = a + half;
                for (int j = 0; j < half; j++)
                {
                    ulong u = a[j];
                    ulong v = y[j];
                    ulong s = u + v;
                    ulong d = u - v + twoQ;
                    ulong r0 = (s * ni) - (WordArithmetic.MultiplyHigh(s, nis) * q);
                    ulong r1 = (d * li) - (WordArithmetic.MultiplyHigh(d, lis) * q);
                    a[j] = WordArithmetic.SubtractIfAtLeast(r0, q);
                    y[j] = WordArithmetic.SubtractIfAtLeast(r1, q);
                }
            }
        }
    }

    internal static int BitReverse(int value, int bits)
    {
        int result = 0;
        for (int i = 0; i < bits; i++)
        {
            result = (result << 1) | ((value >> i) & 1);
        }

        return result;
    }
}
