using System.Buffers;
using System.Numerics;
using FederatedHe.Crypto.Ring;
using FederatedHe.Crypto.Rlwe;

namespace FederatedHe.Crypto.Ckks;

/// <summary>
/// Encodes real vectors into CKKS plaintexts through the canonical embedding, and decodes them.
/// </summary>
/// <remarks>
/// <para>A vector of up to N/2 values fills the slots (missing values are zeros). Encoding applies
/// the inverse special FFT, multiplies by the scale Δ, rounds every coefficient to the nearest
/// integer (exactly, even beyond 64 bits), reduces it modulo each prime and applies the NTT.
/// Decoding applies the inverse NTT, lifts each coefficient to the centered integer modulo Q by CRT
/// (exact 128-bit arithmetic for one or two primes, BigInteger beyond), divides by the scale and
/// applies the special FFT.</para>
/// <para>Precision: the rounding adds at most about 0.5·√N / Δ per slot (≈ 5e-11 at N = 16384, Δ = 2^40);
/// the FFTs add relative errors near 1e-15·log N. Encryption noise dominates (see the tests and
/// docs/PERFORMANCE.md).</para>
/// <para>Holds no keys. Thread-safe: scratch buffers are rented from the shared array pools.</para>
/// </remarks>
public sealed class CkksEncoder
{
    private readonly CkksParameters _parameters;
    private readonly SpecialFft _fft;
    private readonly UInt128 _q01;
    private readonly UInt128 _halfQ01;
    private readonly ulong _q0InverseModQ1;
    private readonly ulong _q0InverseModQ1Shoup;

    /// <summary>Creates an encoder for <paramref name="parameters"/>.</summary>
    public CkksEncoder(CkksParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _parameters = parameters;
        _fft = new SpecialFft(parameters.SlotCount);
        if (parameters.MaxLevel >= 1)
        {
            var q1 = parameters.Ring.Moduli[1];
            ulong q0 = parameters.CiphertextPrimes[0];
            _q01 = (UInt128)q0 * q1.Value;
            _halfQ01 = _q01 >> 1;
            _q0InverseModQ1 = q1.Inverse(q1.Reduce(q0));
            _q0InverseModQ1Shoup = q1.ShoupPrecompute(_q0InverseModQ1);
        }
    }

    /// <summary>The parameter set.</summary>
    public CkksParameters Parameters => _parameters;

    /// <summary>Encodes <paramref name="values"/> into <paramref name="destination"/> at the destination's level and scale.</summary>
    /// <exception cref="ArgumentException">More values than slots.</exception>
    /// <exception cref="NonFiniteValueException">A value is NaN or infinite.</exception>
    /// <exception cref="ParameterSetMismatchException">The plaintext belongs to another parameter set.</exception>
    public void Encode(ReadOnlySpan<double> values, Plaintext destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        int n = _parameters.SlotCount;
        double[] re = ArrayPool<double>.Shared.Rent(n);
        double[] im = ArrayPool<double>.Shared.Rent(n);
        try
        {
            CheckLength(values.Length);
            for (int j = 0; j < values.Length; j++)
            {
                re[j] = values[j];
            }

            EncodeSlots(re, im, values.Length, destination);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(re);
            ArrayPool<double>.Shared.Return(im);
        }
    }

    /// <summary>Encodes single-precision <paramref name="values"/> into <paramref name="destination"/>.</summary>
    /// <exception cref="ArgumentException">More values than slots.</exception>
    /// <exception cref="NonFiniteValueException">A value is NaN or infinite.</exception>
    /// <exception cref="ParameterSetMismatchException">The plaintext belongs to another parameter set.</exception>
    public void Encode(ReadOnlySpan<float> values, Plaintext destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        int n = _parameters.SlotCount;
        double[] re = ArrayPool<double>.Shared.Rent(n);
        double[] im = ArrayPool<double>.Shared.Rent(n);
        try
        {
            CheckLength(values.Length);
            for (int j = 0; j < values.Length; j++)
            {
                re[j] = values[j];
            }

            EncodeSlots(re, im, values.Length, destination);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(re);
            ArrayPool<double>.Shared.Return(im);
        }
    }

    /// <summary>Encodes into a new plaintext at <paramref name="level"/> (default: the top) and <paramref name="scale"/> (default: Δ).</summary>
    /// <exception cref="ArgumentException">More values than slots.</exception>
    /// <exception cref="NonFiniteValueException">A value is NaN or infinite.</exception>
    public Plaintext EncodeNew(ReadOnlySpan<double> values, int? level = null, double? scale = null)
    {
        var plaintext = new Plaintext(_parameters, level ?? _parameters.MaxLevel, scale ?? _parameters.DefaultScale);
        Encode(values, plaintext);
        return plaintext;
    }

    /// <summary>Decodes the first <paramref name="destination"/>.Length slots of <paramref name="plaintext"/>.</summary>
    /// <exception cref="ArgumentException">The destination is longer than the slot count.</exception>
    /// <exception cref="ParameterSetMismatchException">The plaintext belongs to another parameter set.</exception>
    public void Decode(Plaintext plaintext, Span<double> destination)
    {
        int n = _parameters.SlotCount;
        double[] re = ArrayPool<double>.Shared.Rent(n);
        double[] im = ArrayPool<double>.Shared.Rent(n);
        try
        {
            DecodeSlots(plaintext, destination.Length, re, im);
            re.AsSpan(0, destination.Length).CopyTo(destination);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(re);
            ArrayPool<double>.Shared.Return(im);
        }
    }

    /// <summary>Decodes the first <paramref name="destination"/>.Length slots into single precision.</summary>
    /// <exception cref="ArgumentException">The destination is longer than the slot count.</exception>
    /// <exception cref="ParameterSetMismatchException">The plaintext belongs to another parameter set.</exception>
    public void Decode(Plaintext plaintext, Span<float> destination)
    {
        int n = _parameters.SlotCount;
        double[] re = ArrayPool<double>.Shared.Rent(n);
        double[] im = ArrayPool<double>.Shared.Rent(n);
        try
        {
            DecodeSlots(plaintext, destination.Length, re, im);
            for (int j = 0; j < destination.Length; j++)
            {
                destination[j] = (float)re[j];
            }
        }
        finally
        {
            ArrayPool<double>.Shared.Return(re);
            ArrayPool<double>.Shared.Return(im);
        }
    }

    /// <summary>Decodes every slot into a new array.</summary>
    /// <exception cref="ParameterSetMismatchException">The plaintext belongs to another parameter set.</exception>
    public double[] DecodeNew(Plaintext plaintext)
    {
        var values = new double[_parameters.SlotCount];
        Decode(plaintext, values);
        return values;
    }

    private void CheckLength(int length)
    {
        if (length > _parameters.SlotCount)
        {
            throw new ArgumentException($"{length} values do not fit in {_parameters.SlotCount} slots; use VectorEncryptor for longer vectors.", "values");
        }
    }

    private void EncodeSlots(double[] re, double[] im, int count, Plaintext destination)
    {
        _parameters.EnsureSameSet(destination.ParameterSetId, "plaintext");
        int n = _parameters.SlotCount;
        for (int j = 0; j < count; j++)
        {
            if (!double.IsFinite(re[j]))
            {
                throw new NonFiniteValueException(j, re[j]);
            }
        }

        re.AsSpan(count, n - count).Clear();
        im.AsSpan(0, n).Clear();
        _fft.Inverse(re.AsSpan(0, n), im.AsSpan(0, n));
        MakeConjugationInvariant(re, im, n);

        int limbs = destination.Level + 1;
        RoundIntoLimbs(re, im, destination.Scale, destination.Value, limbs);
        for (int l = 0; l < limbs; l++)
        {
            _parameters.Ring.Ntt(l).Forward(destination.Value.Limb(l));
        }

        destination.Value.IsNttForm = true;
    }

    /// <summary>Writes round(scale·(re, im)) into the first <paramref name="limbs"/> limbs of <paramref name="value"/> (coefficient form).</summary>
    private void RoundIntoLimbs(double[] re, double[] im, double scale, RnsPolynomial value, int limbs)
    {
        int n = _parameters.SlotCount;
        var ring = _parameters.Ring;
        long[] rounded = ArrayPool<long>.Shared.Rent(2 * n);
        try
        {
            bool small = true;
            for (int j = 0; j < n; j++)
            {
                double a = Math.Round(re[j] * scale);
                double b = Math.Round(im[j] * scale);
                if (!(Math.Abs(a) < 9.2e18) || !(Math.Abs(b) < 9.2e18))
                {
                    small = false;
                    break;
                }

                rounded[j] = (long)a;
                rounded[j + n] = (long)b;
            }

            for (int l = 0; l < limbs; l++)
            {
                Modulus q = ring.Moduli[l];
                Span<ulong> limb = value.Limb(l);
                if (small)
                {
                    for (int k = 0; k < 2 * n; k++)
                    {
                        limb[k] = q.ReduceSigned(rounded[k]);
                    }
                }
                else
                {
                    if (!double.IsFinite(re[0] * scale))
                    {
                        throw new ArgumentException("The values times the scale overflow a double.", "values");
                    }

                    for (int j = 0; j < n; j++)
                    {
                        limb[j] = q.ReduceRounded(re[j] * scale);
                        limb[j + n] = q.ReduceRounded(im[j] * scale);
                    }
                }
            }
        }
        finally
        {
            ArrayPool<long>.Shared.Return(rounded);
        }
    }

    /// <summary>
    /// Encodes up to <see cref="CkksParameters.ValuesPerCiphertext"/> values under <paramref name="packing"/> into
    /// round(scale·m) in the first <paramref name="limbs"/> limbs of <paramref name="destination"/>, in coefficient
    /// form (no NTT), for the seeded threshold encryptor, which adds its noise before the transform. The packing is
    /// that of <see cref="EncodeCoefficients"/>.
    /// </summary>
    /// <exception cref="ArgumentException">Too many values, or a coefficient of round(scale·m) reaches half the product of the limbs' primes.</exception>
    /// <exception cref="NonFiniteValueException">A value is NaN or infinite.</exception>
    internal void EncodePacked<T>(ReadOnlySpan<T> values, SlotPacking packing, double scale, RnsPolynomial destination, int limbs)
        where T : struct, INumberBase<T>
    {
        int n = _parameters.SlotCount;
        double[] re = ArrayPool<double>.Shared.Rent(n);
        double[] im = ArrayPool<double>.Shared.Rent(n);
        try
        {
            FillPacked(values, packing, re, im);
            double bound = 0.5;
            for (int l = 0; l < limbs; l++)
            {
                bound *= _parameters.CiphertextPrimes[l];
            }

            for (int j = 0; j < n; j++)
            {
                if (!(Math.Abs(re[j] * scale) < bound) || !(Math.Abs(im[j] * scale) < bound))
                {
                    throw new ArgumentException($"The values are too large for the scale 2^{Math.Log2(scale):F0}: a coefficient reaches 2^{Math.Log2(Math.Max(Math.Abs(re[j]), Math.Abs(im[j])) * scale):F1}, beyond Q/2.", nameof(values));
                }
            }

            RoundIntoLimbs(re, im, scale, destination, limbs);
            destination.IsNttForm = false;
        }
        finally
        {
            ArrayPool<double>.Shared.Return(re);
            ArrayPool<double>.Shared.Return(im);
        }
    }

    /// <summary>The slot count, once <paramref name="length"/> values are known to fit one ciphertext under <paramref name="packing"/>.</summary>
    /// <exception cref="ArgumentException">More values than one ciphertext holds.</exception>
    private int RequireDecodeCapacity(SlotPacking packing, int length)
    {
        int n = _parameters.SlotCount;
        int capacity = packing == SlotPacking.ComplexSlots ? 2 * n : n;
        if (length > capacity)
        {
            throw new ArgumentException($"At most {capacity} values can be decoded.", "destination");
        }

        return n;
    }

    /// <summary>
    /// Decodes the first <paramref name="destination"/>.Length values of <paramref name="plaintext"/> under
    /// <paramref name="packing"/> (the inverse of <see cref="EncodePacked"/> after the NTT).
    /// </summary>
    /// <exception cref="ArgumentException">The destination is longer than one ciphertext's values.</exception>
    /// <exception cref="ParameterSetMismatchException">The plaintext belongs to another parameter set.</exception>
    internal void DecodePacked(Plaintext plaintext, SlotPacking packing, Span<double> destination)
    {
        int n = RequireDecodeCapacity(packing, destination.Length);

        double[] re = ArrayPool<double>.Shared.Rent(n);
        double[] im = ArrayPool<double>.Shared.Rent(n);
        try
        {
            DecodeSlots(plaintext, Math.Min(destination.Length, n), re, im);
            CopyPacked(re, im, n, destination);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(re);
            ArrayPool<double>.Shared.Return(im);
        }
    }

    /// <summary>
    /// Real slot values are exactly the polynomials fixed by the conjugation X ↦ X^-1: c_(N−j) = −c_j and c_(N/2) = 0
    /// (coefficient j &lt; n is re[j], coefficient n + j is im[j]). The floating-point FFT leaves an error of about
    /// 2^-53 of the values outside that subspace; projecting onto it removes the error, so the rounded plaintext is
    /// exactly invariant and carries nothing but noise where a threshold decryption's audit looks
    /// (<c>DecryptionNoiseAudit</c>).
    /// </summary>
    private static void MakeConjugationInvariant(double[] re, double[] im, int n)
    {
        for (int j = 1; j < n; j++)
        {
            double value = (re[j] - im[n - j]) / 2;
            re[j] = value;
            im[n - j] = -value;
        }

        im[0] = 0;
    }

    private void DecodeSlots(Plaintext plaintext, int count, double[] re, double[] im)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        _parameters.EnsureSameSet(plaintext.ParameterSetId, "plaintext");
        int n = _parameters.SlotCount;
        if (count > n)
        {
            throw new ArgumentException($"At most {n} slots can be decoded.", "destination");
        }

        var ring = _parameters.Ring;
        int limbs = plaintext.Level + 1;
        int size = _parameters.N;
        var scratch = RnsPolynomial.Rent(size, limbs);
        try
        {
            plaintext.Value.Coefficients.CopyTo(scratch.Coefficients);
            for (int l = 0; l < limbs; l++)
            {
                ring.Ntt(l).Inverse(scratch.Limb(l));
            }

            double inverseScale = 1.0 / plaintext.Scale;
            if (limbs == 1)
            {
                ulong q = ring.Moduli[0].Value;
                ulong half = q >> 1;
                Span<ulong> c = scratch.Limb(0);
                for (int j = 0; j < n; j++)
                {
                    re[j] = Centered(c[j], q, half) * inverseScale;
                    im[j] = Centered(c[j + n], q, half) * inverseScale;
                }
            }
            else if (limbs == 2)
            {
                Span<ulong> c0 = scratch.Limb(0);
                Span<ulong> c1 = scratch.Limb(1);
                for (int j = 0; j < n; j++)
                {
                    re[j] = Crt2(c0[j], c1[j]) * inverseScale;
                    im[j] = Crt2(c0[j + n], c1[j + n]) * inverseScale;
                }
            }
            else
            {
                CrtBig(scratch, limbs, re, im, inverseScale);
            }
        }
        finally
        {
            RnsPolynomial.ReturnRented(scratch);
        }

        _fft.Forward(re.AsSpan(0, n), im.AsSpan(0, n));
    }

    /// <summary>
    /// Encodes up to <see cref="CkksParameters.ValuesPerCiphertext"/> values under <paramref name="packing"/>
    /// into the signed integer coefficients of round(Δ·m) (coefficient form, no NTT), for the single-modulus
    /// aggregation types. Complex packing puts values [0, N/2) in the real parts and [N/2, N) in the imaginary
    /// parts and skips the conjugation-invariance projection, which would erase the imaginary parts.
    /// </summary>
    /// <exception cref="ArgumentException">Too many values, or a value times the scale is not below q0/2 in the coefficients.</exception>
    /// <exception cref="NonFiniteValueException">A value is NaN or infinite.</exception>
    internal void EncodeCoefficients<T>(ReadOnlySpan<T> values, SlotPacking packing, double scale, Span<long> coefficients)
        where T : struct, INumberBase<T>
    {
        int n = _parameters.SlotCount;
        double[] re = ArrayPool<double>.Shared.Rent(n);
        double[] im = ArrayPool<double>.Shared.Rent(n);
        try
        {
            FillPacked(values, packing, re, im);

            // |coefficient| < q0/2 keeps the value unambiguous modulo q0 (and within a long).
            double bound = _parameters.CiphertextPrimes[0] / 2.0;
            for (int j = 0; j < n; j++)
            {
                double a = Math.Round(re[j] * scale);
                double b = Math.Round(im[j] * scale);
                if (!(Math.Abs(a) < bound) || !(Math.Abs(b) < bound))
                {
                    throw new ArgumentException($"The values are too large for the scale 2^{Math.Log2(scale):F0}: a coefficient reaches 2^{Math.Log2(Math.Max(Math.Abs(a), Math.Abs(b))):F1}, beyond q0/2.", nameof(values));
                }

                coefficients[j] = (long)a;
                coefficients[j + n] = (long)b;
            }
        }
        finally
        {
            ArrayPool<double>.Shared.Return(re);
            ArrayPool<double>.Shared.Return(im);
        }
    }

    /// <summary>
    /// Decodes residues modulo q0 in coefficient form (the inverse of <see cref="EncodeCoefficients"/>) into
    /// the first <paramref name="destination"/>.Length values under <paramref name="packing"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The destination is longer than one ciphertext's values.</exception>
    internal void DecodeCoefficients(ReadOnlySpan<ulong> residues, SlotPacking packing, double scale, Span<double> destination)
    {
        int n = RequireDecodeCapacity(packing, destination.Length);

        double[] re = ArrayPool<double>.Shared.Rent(n);
        double[] im = ArrayPool<double>.Shared.Rent(n);
        try
        {
            ulong q = _parameters.CiphertextPrimes[0];
            ulong half = q >> 1;
            double inverseScale = 1.0 / scale;
            for (int j = 0; j < n; j++)
            {
                re[j] = Centered(residues[j], q, half) * inverseScale;
                im[j] = Centered(residues[j + n], q, half) * inverseScale;
            }

            _fft.Forward(re.AsSpan(0, n), im.AsSpan(0, n));
            CopyPacked(re, im, n, destination);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(re);
            ArrayPool<double>.Shared.Return(im);
        }
    }

    /// <summary>
    /// Lays <paramref name="values"/> out under <paramref name="packing"/> (complex: [0, N/2) in the real parts,
    /// [N/2, N) in the imaginary parts) and takes the inverse FFT into the coefficients (re, im); real slots are
    /// projected onto the conjugation-invariant polynomials, complex ones are not (it would erase the imaginary parts).
    /// </summary>
    /// <exception cref="ArgumentException">More values than one ciphertext holds.</exception>
    /// <exception cref="NonFiniteValueException">A value is NaN or infinite.</exception>
    private void FillPacked<T>(ReadOnlySpan<T> values, SlotPacking packing, double[] re, double[] im)
        where T : struct, INumberBase<T>
    {
        int n = _parameters.SlotCount;
        int capacity = packing == SlotPacking.ComplexSlots ? 2 * n : n;
        if (values.Length > capacity)
        {
            throw new ArgumentException($"{values.Length} values do not fit in one ciphertext of {capacity} values.", nameof(values));
        }

        re.AsSpan(0, n).Clear();
        im.AsSpan(0, n).Clear();
        for (int j = 0; j < values.Length; j++)
        {
            double v = double.CreateTruncating(values[j]);
            if (!double.IsFinite(v))
            {
                throw new NonFiniteValueException(j, v);
            }

            if (j < n)
            {
                re[j] = v;
            }
            else
            {
                im[j - n] = v;
            }
        }

        _fft.Inverse(re.AsSpan(0, n), im.AsSpan(0, n));
        if (packing == SlotPacking.RealSlots)
        {
            MakeConjugationInvariant(re, im, n);
        }
    }

    /// <summary>Values [0, n) from the real parts, then [n, 2n) from the imaginary parts (complex packing; real packing stops at n).</summary>
    private static void CopyPacked(double[] re, double[] im, int n, Span<double> destination)
    {
        re.AsSpan(0, Math.Min(destination.Length, n)).CopyTo(destination);
        if (destination.Length > n)
        {
            im.AsSpan(0, destination.Length - n).CopyTo(destination[n..]);
        }
    }

    private static double Centered(ulong c, ulong q, ulong half) => c > half ? -(double)(q - c) : c;

    private double Crt2(ulong c0, ulong c1)
    {
        // x = c0 + q0·((c1 - c0)·q0^-1 mod q1), exact in 128 bits, then centered modulo Q = q0·q1.
        var q1 = _parameters.Ring.Moduli[1];
        ulong q0 = _parameters.CiphertextPrimes[0];
        ulong difference = q1.Subtract(c1, q1.Reduce(c0));
        ulong k = q1.MultiplyShoup(difference, _q0InverseModQ1, _q0InverseModQ1Shoup);
        UInt128 x = ((UInt128)q0 * k) + c0;
        return x > _halfQ01 ? -(double)(_q01 - x) : (double)x;
    }

    private void CrtBig(RnsPolynomial coefficients, int limbs, double[] re, double[] im, double inverseScale)
    {
        var ring = _parameters.Ring;
        BigInteger q = BigInteger.One;
        for (int l = 0; l < limbs; l++)
        {
            q *= ring.Moduli[l].Value;
        }

        var basis = new BigInteger[limbs];
        for (int l = 0; l < limbs; l++)
        {
            BigInteger qHat = q / ring.Moduli[l].Value;
            ulong qHatMod = (ulong)(qHat % ring.Moduli[l].Value);
            basis[l] = qHat * ring.Moduli[l].Inverse(qHatMod);
        }

        BigInteger half = q >> 1;
        int n = _parameters.SlotCount;
        for (int k = 0; k < 2 * n; k++)
        {
            BigInteger x = BigInteger.Zero;
            for (int l = 0; l < limbs; l++)
            {
                x += basis[l] * coefficients.Limb(l)[k];
            }

            x %= q;
            if (x > half)
            {
                x -= q;
            }

            double v = (double)x * inverseScale;
            if (k < n)
            {
                re[k] = v;
            }
            else
            {
                im[k - n] = v;
            }
        }
    }
}
