using System.Runtime.CompilerServices;

namespace FederatedHe.Crypto.Ring;

/// <summary>
/// The ring Z_Q[X]/(X^N + 1) for an RNS chain of NTT-friendly primes, with the NTT tables of every
/// prime and the element-wise operations on <see cref="RnsPolynomial"/> values.
/// </summary>
/// <remarks>
/// Immutable and thread-safe; operations allocate nothing. Operations act on the first
/// <c>limbCount</c> limbs, which lets ciphertexts at lower levels share the context. Destinations may
/// alias operands.
/// </remarks>
public sealed class RingContext
{
    private readonly Modulus[] _moduli;
    private readonly NttTables[] _ntt;

    /// <summary>Builds the context for ring dimension 2^<paramref name="logN"/> and the given primes.</summary>
    /// <exception cref="ArgumentException">A prime is invalid, repeated or not ≡ 1 (mod 2N).</exception>
    public RingContext(int logN, IReadOnlyList<ulong> primes)
    {
        ArgumentNullException.ThrowIfNull(primes);
        if (primes.Count == 0)
        {
            throw new ArgumentException("At least one prime is needed.", nameof(primes));
        }

        if (primes.Distinct().Count() != primes.Count)
        {
            throw new ArgumentException("Primes must be distinct.", nameof(primes));
        }

        LogN = logN;
        N = 1 << logN;
        _moduli = primes.Select(p => new Modulus(p)).ToArray();
        _ntt = _moduli.Select(m => new NttTables(m, logN)).ToArray();
    }

    /// <summary>log2 of the ring dimension.</summary>
    public int LogN { get; }

    /// <summary>The ring dimension N.</summary>
    public int N { get; }

    /// <summary>Number of primes in the chain.</summary>
    public int LimbCount => _moduli.Length;

    /// <summary>The primes of the chain.</summary>
    public IReadOnlyList<Modulus> Moduli => _moduli;

    /// <summary>The NTT tables of limb <paramref name="limb"/>.</summary>
    public NttTables Ntt(int limb) => _ntt[limb];

    /// <summary>A new zero polynomial with <paramref name="limbCount"/> limbs (all limbs when omitted).</summary>
    public RnsPolynomial NewPolynomial(int limbCount = 0) => new(N, limbCount == 0 ? LimbCount : limbCount);

    /// <summary>Forward NTT of every limb in use.</summary>
    public void ToNtt(RnsPolynomial p)
    {
        ArgumentNullException.ThrowIfNull(p);
        for (int i = 0; i < p.LimbCount; i++)
        {
            _ntt[i].Forward(p.Limb(i));
        }

        p.IsNttForm = true;
    }

    /// <summary>Inverse NTT of every limb in use.</summary>
    public void FromNtt(RnsPolynomial p)
    {
        ArgumentNullException.ThrowIfNull(p);
        for (int i = 0; i < p.LimbCount; i++)
        {
            _ntt[i].Inverse(p.Limb(i));
        }

        p.IsNttForm = false;
    }

    /// <summary>destination = a + b on the first <paramref name="limbCount"/> limbs.</summary>
    public void Add(RnsPolynomial a, RnsPolynomial b, RnsPolynomial destination, int limbCount)
    {
        for (int i = 0; i < limbCount; i++)
        {
            VectorMath.Add(a.Limb(i), b.Limb(i), destination.Limb(i), _moduli[i].Value);
        }
    }

    /// <summary>destination = a - b on the first <paramref name="limbCount"/> limbs.</summary>
    public void Subtract(RnsPolynomial a, RnsPolynomial b, RnsPolynomial destination, int limbCount)
    {
        for (int i = 0; i < limbCount; i++)
        {
            VectorMath.Subtract(a.Limb(i), b.Limb(i), destination.Limb(i), _moduli[i].Value);
        }
    }

    /// <summary>destination = -a on the first <paramref name="limbCount"/> limbs.</summary>
    public void Negate(RnsPolynomial a, RnsPolynomial destination, int limbCount)
    {
        for (int i = 0; i < limbCount; i++)
        {
            VectorMath.Negate(a.Limb(i), destination.Limb(i), _moduli[i].Value);
        }
    }

    /// <summary>destination = a ⊙ b (coefficient-wise; a negacyclic product when both are in NTT form).</summary>
    public unsafe void Multiply(RnsPolynomial a, RnsPolynomial b, RnsPolynomial destination, int limbCount)
    {
        int n = N;
        for (int l = 0; l < limbCount; l++)
        {
            Modulus q = _moduli[l];
            fixed (ulong* pa = a.Limb(l))
            fixed (ulong* pb = b.Limb(l))
            fixed (ulong* pd = destination.Limb(l))
            {
                for (int j = 0; j < n; j++)
                {
                    pd[j] = q.Multiply(pa[j], pb[j]);
                }
            }
        }
    }

    /// <summary>destination = a ⊙ b + c (coefficient-wise).</summary>
    public unsafe void MultiplyAdd(RnsPolynomial a, RnsPolynomial b, RnsPolynomial c, RnsPolynomial destination, int limbCount)
    {
        int n = N;
        for (int l = 0; l < limbCount; l++)
        {
            Modulus q = _moduli[l];
            fixed (ulong* pa = a.Limb(l))
            fixed (ulong* pb = b.Limb(l))
            fixed (ulong* pc = c.Limb(l))
            fixed (ulong* pd = destination.Limb(l))
            {
                for (int j = 0; j < n; j++)
                {
                    pd[j] = q.Add(q.Multiply(pa[j], pb[j]), pc[j]);
                }
            }
        }
    }

    /// <summary>
    /// destination = a ⊙ b + c where <paramref name="bShoup"/> holds the Shoup companions of b
    /// (see <see cref="ComputeShoup"/>): the fast path for products with a fixed key polynomial.
    /// </summary>
    public unsafe void MultiplyShoupAdd(RnsPolynomial a, RnsPolynomial b, RnsPolynomial bShoup, RnsPolynomial? c, RnsPolynomial destination, int limbCount)
    {
        int n = N;
        for (int l = 0; l < limbCount; l++)
        {
            ulong q = _moduli[l].Value;
            fixed (ulong* pa = a.Limb(l))
            fixed (ulong* pb = b.Limb(l))
            fixed (ulong* ps = bShoup.Limb(l))
            fixed (ulong* pd = destination.Limb(l))
            {
                if (c is null)
                {
                    for (int j = 0; j < n; j++)
                    {
                        ulong x = pa[j];
                        ulong r = (x * pb[j]) - (WordArithmetic.MultiplyHigh(x, ps[j]) * q);
                        pd[j] = WordArithmetic.SubtractIfAtLeast(r, q);
                    }
                }
                else
                {
                    fixed (ulong* pc = c.Limb(l))
                    {
                        for (int j = 0; j < n; j++)
                        {
                            ulong x = pa[j];
                            ulong r = (x * pb[j]) - (WordArithmetic.MultiplyHigh(x, ps[j]) * q);
                            r = WordArithmetic.SubtractIfAtLeast(r, q);
                            r += pc[j];
                            pd[j] = WordArithmetic.SubtractIfAtLeast(r, q);
                        }
                    }
                }
            }
        }
    }

    /// <summary>Fills <paramref name="destination"/> with the Shoup companions floor(b·2^64/q) of b's residues.</summary>
    public void ComputeShoup(RnsPolynomial b, RnsPolynomial destination)
    {
        for (int l = 0; l < b.LimbCount; l++)
        {
            Modulus q = _moduli[l];
            Span<ulong> src = b.Limb(l);
            Span<ulong> dst = destination.Limb(l);
            for (int j = 0; j < src.Length; j++)
            {
                dst[j] = q.ShoupPrecompute(src[j]);
            }
        }
    }

    /// <summary>destination = a · s_l on each limb l, with s_l a constant residue per limb.</summary>
    public unsafe void MultiplyScalar(RnsPolynomial a, ReadOnlySpan<ulong> scalarPerLimb, RnsPolynomial destination, int limbCount)
    {
        int n = N;
        for (int l = 0; l < limbCount; l++)
        {
            Modulus modulus = _moduli[l];
            ulong q = modulus.Value;
            ulong w = scalarPerLimb[l];
            ulong ws = modulus.ShoupPrecompute(w);
            fixed (ulong* pa = a.Limb(l))
            fixed (ulong* pd = destination.Limb(l))
            {
                MultiplyScalarLimb(pa, pd, n, w, ws, q);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void MultiplyScalarLimb(ulong* pa, ulong* pd, int n, ulong w, ulong ws, ulong q)
    {
        for (int j = 0; j < n; j++)
        {
            ulong x = pa[j];
            ulong r = (x * w) - (WordArithmetic.MultiplyHigh(x, ws) * q);
            pd[j] = WordArithmetic.SubtractIfAtLeast(r, q);
        }
    }

    /// <summary>Writes the small signed coefficients (e.g. a ternary or Gaussian sample) into every limb.</summary>
    public void SetSmall(ReadOnlySpan<sbyte> small, RnsPolynomial destination, int limbCount)
    {
        for (int l = 0; l < limbCount; l++)
        {
            ulong q = _moduli[l].Value;
            Span<ulong> dst = destination.Limb(l);
            for (int j = 0; j < dst.Length; j++)
            {
                long v = small[j];
                dst[j] = (ulong)v + (q & (ulong)(v >> 63));
            }
        }

        destination.IsNttForm = false;
    }
}
