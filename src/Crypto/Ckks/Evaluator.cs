using FederatedHe.Crypto.Ring;
using FederatedHe.Crypto.Rlwe;

namespace FederatedHe.Crypto.Ckks;

/// <summary>
/// Homomorphic operations on CKKS ciphertexts: addition, subtraction, negation, plaintext addition
/// and multiplication, multiplication by a constant, rescaling and level dropping.
/// </summary>
/// <remarks>
/// <para>Naming: <c>Op(a, b, destination)</c> writes into an existing ciphertext (which may be one of
/// the operands) and allocates nothing; <c>OpNew(a, b)</c> returns a new ciphertext;
/// <c>OpInPlace(a, b)</c> is <c>Op(a, b, a)</c>.</para>
/// <para>Levels: binary operations work at the lower of the two levels (the higher operand's extra
/// limbs are ignored). Scales must agree to a relative 1e-9, or <see cref="ScaleMismatchException"/>
/// is thrown.</para>
/// <para>Thread-safe: holds no mutable state; scratch is rented from the shared array pool.</para>
/// </remarks>
public sealed class Evaluator
{
    private const double ScaleTolerance = 1e-9;
    private readonly CkksParameters _parameters;
    private readonly RingContext _ring;

    /// <summary>Creates an evaluator for <paramref name="parameters"/>.</summary>
    public Evaluator(CkksParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _parameters = parameters;
        _ring = parameters.Ring;
    }

    /// <summary>The parameter set.</summary>
    public CkksParameters Parameters => _parameters;

    /// <summary>destination = a + b.</summary>
    /// <exception cref="ParameterSetMismatchException">An operand belongs to another parameter set.</exception>
    /// <exception cref="ScaleMismatchException">The scales differ.</exception>
    public void Add(Ciphertext a, Ciphertext b, Ciphertext destination)
    {
        int limbs = PrepareBinary(a, b, destination);
        _ring.Add(a.C0, b.C0, destination.C0, limbs);
        _ring.Add(a.C1, b.C1, destination.C1, limbs);
        Finish(destination, limbs, a.Scale);
    }

    /// <summary>Returns a + b.</summary>
    /// <exception cref="ParameterSetMismatchException">An operand belongs to another parameter set.</exception>
    /// <exception cref="ScaleMismatchException">The scales differ.</exception>
    public Ciphertext AddNew(Ciphertext a, Ciphertext b)
    {
        var destination = NewLike(a, b);
        Add(a, b, destination);
        return destination;
    }

    /// <summary>accumulator += other.</summary>
    /// <exception cref="ParameterSetMismatchException">An operand belongs to another parameter set.</exception>
    /// <exception cref="ScaleMismatchException">The scales differ.</exception>
    public void AddInPlace(Ciphertext accumulator, Ciphertext other) => Add(accumulator, other, accumulator);

    /// <summary>destination = a - b.</summary>
    /// <exception cref="ParameterSetMismatchException">An operand belongs to another parameter set.</exception>
    /// <exception cref="ScaleMismatchException">The scales differ.</exception>
    public void Sub(Ciphertext a, Ciphertext b, Ciphertext destination)
    {
        int limbs = PrepareBinary(a, b, destination);
        _ring.Subtract(a.C0, b.C0, destination.C0, limbs);
        _ring.Subtract(a.C1, b.C1, destination.C1, limbs);
        Finish(destination, limbs, a.Scale);
    }

    /// <summary>Returns a - b.</summary>
    /// <exception cref="ParameterSetMismatchException">An operand belongs to another parameter set.</exception>
    /// <exception cref="ScaleMismatchException">The scales differ.</exception>
    public Ciphertext SubNew(Ciphertext a, Ciphertext b)
    {
        var destination = NewLike(a, b);
        Sub(a, b, destination);
        return destination;
    }

    /// <summary>destination = -a.</summary>
    /// <exception cref="ParameterSetMismatchException">An operand belongs to another parameter set.</exception>
    public void Negate(Ciphertext a, Ciphertext destination)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(destination);
        Check(a, "ciphertext");
        Check(destination, "destination ciphertext");
        int limbs = a.Level + 1;
        destination.SetLevel(a.Level);
        _ring.Negate(a.C0, destination.C0, limbs);
        _ring.Negate(a.C1, destination.C1, limbs);
        Finish(destination, limbs, a.Scale);
    }

    /// <summary>Returns -a.</summary>
    /// <exception cref="ParameterSetMismatchException">The operand belongs to another parameter set.</exception>
    public Ciphertext NegateNew(Ciphertext a)
    {
        ArgumentNullException.ThrowIfNull(a);
        var destination = Ciphertext.CreateUninitialized(_parameters, a.Level, a.Scale);
        Negate(a, destination);
        return destination;
    }

    /// <summary>destination = a + plaintext (same scale required).</summary>
    /// <exception cref="ParameterSetMismatchException">An operand belongs to another parameter set.</exception>
    /// <exception cref="ScaleMismatchException">The scales differ.</exception>
    public void AddPlain(Ciphertext a, Plaintext plaintext, Ciphertext destination)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(plaintext);
        ArgumentNullException.ThrowIfNull(destination);
        Check(a, "ciphertext");
        _parameters.EnsureSameSet(plaintext.ParameterSetId, "plaintext");
        Check(destination, "destination ciphertext");
        CheckScales(a.Scale, plaintext.Scale);
        int level = Math.Min(a.Level, plaintext.Level);
        int limbs = level + 1;
        destination.SetLevel(level);
        _ring.Add(a.C0, plaintext.Value, destination.C0, limbs);
        if (!ReferenceEquals(a, destination))
        {
            a.C1.Coefficients[..(limbs * _parameters.N)].CopyTo(destination.C1.Coefficients);
            destination.ForgetSeed();
        }

        destination.Scale = a.Scale;
    }

    /// <summary>Returns a + plaintext.</summary>
    /// <exception cref="ParameterSetMismatchException">An operand belongs to another parameter set.</exception>
    /// <exception cref="ScaleMismatchException">The scales differ.</exception>
    public Ciphertext AddPlainNew(Ciphertext a, Plaintext plaintext)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(plaintext);
        var destination = Ciphertext.CreateUninitialized(_parameters, Math.Min(a.Level, plaintext.Level), a.Scale);
        AddPlain(a, plaintext, destination);
        return destination;
    }

    /// <summary>destination = a ⊙ plaintext (slot-wise product); the scale becomes the product of the scales.</summary>
    /// <exception cref="ParameterSetMismatchException">An operand belongs to another parameter set.</exception>
    public void MultiplyPlain(Ciphertext a, Plaintext plaintext, Ciphertext destination)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(plaintext);
        ArgumentNullException.ThrowIfNull(destination);
        Check(a, "ciphertext");
        _parameters.EnsureSameSet(plaintext.ParameterSetId, "plaintext");
        Check(destination, "destination ciphertext");
        int level = Math.Min(a.Level, plaintext.Level);
        int limbs = level + 1;
        double scale = a.Scale * plaintext.Scale;
        destination.SetLevel(level);
        _ring.Multiply(a.C0, plaintext.Value, destination.C0, limbs);
        _ring.Multiply(a.C1, plaintext.Value, destination.C1, limbs);
        Finish(destination, limbs, scale);
    }

    /// <summary>Returns a ⊙ plaintext.</summary>
    /// <exception cref="ParameterSetMismatchException">An operand belongs to another parameter set.</exception>
    public Ciphertext MultiplyPlainNew(Ciphertext a, Plaintext plaintext)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(plaintext);
        var destination = Ciphertext.CreateUninitialized(_parameters, Math.Min(a.Level, plaintext.Level), a.Scale);
        MultiplyPlain(a, plaintext, destination);
        return destination;
    }

    /// <summary>
    /// destination = constant · a. The constant is encoded as the integer round(constant · S) with
    /// S = the last prime of a's level, so a following <see cref="Rescale"/> restores a's scale exactly.
    /// At level 0 (nothing left to rescale) S = 1 and the constant must be an integer.
    /// </summary>
    /// <exception cref="ArgumentException">The constant is not finite.</exception>
    /// <exception cref="LevelMismatchException">At level 0 with a non-integer constant.</exception>
    /// <exception cref="ParameterSetMismatchException">An operand belongs to another parameter set.</exception>
    public void MultiplyConst(Ciphertext a, double constant, Ciphertext destination)
    {
        ArgumentNullException.ThrowIfNull(a);
        double constantScale;
        if (a.Level > 0)
        {
            constantScale = _parameters.CiphertextPrimes[a.Level];
        }
        else if (constant == Math.Round(constant))
        {
            constantScale = 1.0;
        }
        else
        {
            throw new LevelMismatchException($"Multiplying a level-0 ciphertext by the non-integer {constant} needs a level to rescale; pass an explicit constantScale or use a parameter set with one more prime.");
        }

        MultiplyConst(a, constant, constantScale, destination);
    }

    /// <summary>destination = constant · a, with the constant encoded as round(constant · <paramref name="constantScale"/>); the scale is multiplied by constantScale.</summary>
    /// <exception cref="ArgumentException">The constant or its scale is not finite, or the scale is not positive.</exception>
    /// <exception cref="ParameterSetMismatchException">An operand belongs to another parameter set.</exception>
    public void MultiplyConst(Ciphertext a, double constant, double constantScale, Ciphertext destination)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(destination);
        if (!double.IsFinite(constant) || !double.IsFinite(constantScale) || constantScale <= 0 || !double.IsFinite(constant * constantScale))
        {
            throw new ArgumentException($"Cannot multiply by {constant} at scale {constantScale}.", nameof(constant));
        }

        Check(a, "ciphertext");
        Check(destination, "destination ciphertext");
        int limbs = a.Level + 1;
        Span<ulong> residues = stackalloc ulong[limbs];
        double integer = constant * constantScale;
        for (int l = 0; l < limbs; l++)
        {
            residues[l] = _ring.Moduli[l].ReduceRounded(integer);
        }

        destination.SetLevel(a.Level);
        _ring.MultiplyScalar(a.C0, residues, destination.C0, limbs);
        _ring.MultiplyScalar(a.C1, residues, destination.C1, limbs);
        Finish(destination, limbs, a.Scale * constantScale);
    }

    /// <summary>Returns constant · a (see <see cref="MultiplyConst(Ciphertext, double, Ciphertext)"/>).</summary>
    /// <exception cref="ArgumentException">The constant is not finite.</exception>
    /// <exception cref="LevelMismatchException">At level 0 with a non-integer constant.</exception>
    public Ciphertext MultiplyConstNew(Ciphertext a, double constant)
    {
        ArgumentNullException.ThrowIfNull(a);
        var destination = Ciphertext.CreateUninitialized(_parameters, a.Level, a.Scale);
        MultiplyConst(a, constant, destination);
        return destination;
    }

    /// <summary>
    /// destination = round(a / q_L): divides by the last prime of a's level (with rounding), drops that
    /// limb and divides the scale by q_L.
    /// </summary>
    /// <exception cref="LevelMismatchException">a is at level 0.</exception>
    /// <exception cref="ParameterSetMismatchException">An operand belongs to another parameter set.</exception>
    public void Rescale(Ciphertext a, Ciphertext destination)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(destination);
        Check(a, "ciphertext");
        Check(destination, "destination ciphertext");
        int level = a.Level;
        if (level == 0)
        {
            throw new LevelMismatchException("A level-0 ciphertext cannot be rescaled.");
        }

        double scale = a.Scale / _parameters.CiphertextPrimes[level];
        var scratch = RnsPolynomial.Rent(_parameters.N, 2);
        try
        {
            destination.SetLevel(level);
            RescalePolynomial(a.C0, destination.C0, level, scratch);
            RescalePolynomial(a.C1, destination.C1, level, scratch);
        }
        finally
        {
            RnsPolynomial.ReturnRented(scratch);
        }

        destination.SetLevel(level - 1);
        destination.Scale = scale;
        destination.ForgetSeed();
    }

    /// <summary>Returns a rescaled copy of a.</summary>
    /// <exception cref="LevelMismatchException">a is at level 0.</exception>
    public Ciphertext RescaleNew(Ciphertext a)
    {
        ArgumentNullException.ThrowIfNull(a);
        // Rescale writes limbs 0..Level-1 only; the limb it drops stays zero.
        var destination = a.Level > 0
            ? Ciphertext.CreateUninitialized(_parameters, a.Level - 1, a.Scale)
            : new Ciphertext(_parameters, a.Level, a.Scale);
        Rescale(a, destination);
        return destination;
    }

    /// <summary>destination = a with the limbs above <paramref name="level"/> dropped (no division; the scale is unchanged).</summary>
    /// <exception cref="LevelMismatchException">The target level is above a's level or negative.</exception>
    public void DropLevel(Ciphertext a, int level, Ciphertext destination)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(destination);
        Check(a, "ciphertext");
        Check(destination, "destination ciphertext");
        if (level < 0 || level > a.Level)
        {
            throw new LevelMismatchException($"Cannot drop a level-{a.Level} ciphertext to level {level}.");
        }

        if (!ReferenceEquals(a, destination))
        {
            a.CopyTo(destination);
        }

        destination.SetLevel(level);
    }

    private void RescalePolynomial(RnsPolynomial source, RnsPolynomial destination, int level, RnsPolynomial scratch)
    {
        int n = _parameters.N;
        Modulus last = _ring.Moduli[level];
        ulong halfLast = last.Value >> 1;
        Span<ulong> lastCoefficients = scratch.Limb(0);
        Span<ulong> lifted = scratch.Limb(1);
        source.Limb(level).CopyTo(lastCoefficients);
        _ring.Ntt(level).Inverse(lastCoefficients);
        for (int i = 0; i < level; i++)
        {
            Modulus q = _ring.Moduli[i];
            ulong lastModQ = q.Reduce(last.Value);
            // r = the centered residue of x mod q_L, lifted to q_i; (x - r) is divisible by q_L.
            for (int j = 0; j < n; j++)
            {
                ulong a = lastCoefficients[j];
                ulong negative = (ulong)((long)(halfLast - a) >> 63); // all ones when a > q_L / 2
                lifted[j] = q.Subtract(q.Reduce(a), lastModQ & negative);
            }

            _ring.Ntt(i).Forward(lifted);
            ulong inverse = q.Inverse(lastModQ);
            ulong inverseShoup = q.ShoupPrecompute(inverse);
            Span<ulong> src = source.Limb(i);
            Span<ulong> dst = destination.Limb(i);
            ulong qv = q.Value;
            for (int j = 0; j < n; j++)
            {
                ulong d = src[j] - lifted[j];
                d += qv & (ulong)((long)d >> 63); // src, lifted < q < 2^61, so a negative difference has its top bit set
                dst[j] = q.MultiplyShoup(d, inverse, inverseShoup);
            }
        }

        destination.IsNttForm = true;
    }

    private int PrepareBinary(Ciphertext a, Ciphertext b, Ciphertext destination)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(destination);
        Check(a, "left ciphertext");
        Check(b, "right ciphertext");
        Check(destination, "destination ciphertext");
        CheckScales(a.Scale, b.Scale);
        int level = Math.Min(a.Level, b.Level);
        destination.SetLevel(level);
        return level + 1;
    }

    private static void Finish(Ciphertext destination, int limbs, double scale)
    {
        destination.SetLevel(limbs - 1);
        destination.Scale = scale;
        destination.ForgetSeed();
    }

    private Ciphertext NewLike(Ciphertext a, Ciphertext b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        // Every limb up to the result's level is overwritten, so its storage need not be zeroed.
        return Ciphertext.CreateUninitialized(_parameters, Math.Min(a.Level, b.Level), a.Scale);
    }

    private void Check(Ciphertext ciphertext, string material) => _parameters.EnsureSameSet(ciphertext.ParameterSetId, material);

    private static void CheckScales(double left, double right)
    {
        if (Math.Abs(left - right) > ScaleTolerance * Math.Max(Math.Abs(left), Math.Abs(right)))
        {
            throw new ScaleMismatchException(left, right);
        }
    }
}
