using FederatedHe.Crypto.Rlwe;

namespace FederatedHe.Crypto.Ckks;

/// <summary>
/// Homomorphic operations on whole <see cref="EncryptedVector"/>s, chunk by chunk. Every operation
/// has an overload restricted to a range of chunks, so a pool of workers can split a vector
/// (each worker calls the same operation on its own range).
/// </summary>
/// <remarks>Thread-safe; concurrent calls on disjoint chunk ranges of the same vectors are safe.</remarks>
public sealed class VectorEvaluator
{
    private readonly CkksParameters _parameters;

    /// <summary>Creates a vector evaluator.</summary>
    public VectorEvaluator(CkksParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _parameters = parameters;
        Evaluator = new Evaluator(parameters);
    }

    /// <summary>The per-ciphertext evaluator used for each chunk.</summary>
    public Evaluator Evaluator { get; }

    /// <summary>destination = a + b on every chunk.</summary>
    /// <exception cref="ArgumentException">The vectors have different lengths.</exception>
    /// <exception cref="ScaleMismatchException">The scales differ.</exception>
    public void Add(EncryptedVector a, EncryptedVector b, EncryptedVector destination) => Add(a, b, destination, Range.All);

    /// <summary>destination = a + b on the chunks in <paramref name="chunks"/>.</summary>
    /// <exception cref="ArgumentException">The vectors have different lengths.</exception>
    /// <exception cref="ScaleMismatchException">The scales differ.</exception>
    public void Add(EncryptedVector a, EncryptedVector b, EncryptedVector destination, Range chunks)
    {
        var (start, count) = CheckSameShape(a, b, destination, chunks);
        for (int k = start; k < start + count; k++)
        {
            Evaluator.Add(a[k], b[k], destination[k]);
        }
    }

    /// <summary>Returns a + b.</summary>
    /// <exception cref="ArgumentException">The vectors have different lengths.</exception>
    /// <exception cref="ScaleMismatchException">The scales differ.</exception>
    public EncryptedVector AddNew(EncryptedVector a, EncryptedVector b)
    {
        ArgumentNullException.ThrowIfNull(a);
        var destination = a.Clone();
        Add(destination, b, destination);
        return destination;
    }

    /// <summary>accumulator += other on every chunk.</summary>
    /// <exception cref="ArgumentException">The vectors have different lengths.</exception>
    /// <exception cref="ScaleMismatchException">The scales differ.</exception>
    public void AddInPlace(EncryptedVector accumulator, EncryptedVector other) => Add(accumulator, other, accumulator, Range.All);

    /// <summary>accumulator += other on the chunks in <paramref name="chunks"/>.</summary>
    /// <exception cref="ArgumentException">The vectors have different lengths.</exception>
    /// <exception cref="ScaleMismatchException">The scales differ.</exception>
    public void AddInPlace(EncryptedVector accumulator, EncryptedVector other, Range chunks) => Add(accumulator, other, accumulator, chunks);

    /// <summary>Returns the sum of <paramref name="vectors"/> (at least one), e.g. the FedAvg numerator.</summary>
    /// <exception cref="ArgumentException">The list is empty or the vectors have different lengths.</exception>
    /// <exception cref="ScaleMismatchException">The scales differ.</exception>
    public EncryptedVector Sum(IReadOnlyList<EncryptedVector> vectors)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        if (vectors.Count == 0)
        {
            throw new ArgumentException("At least one vector is needed.", nameof(vectors));
        }

        var sum = vectors[0].Clone();
        for (int i = 1; i < vectors.Count; i++)
        {
            AddInPlace(sum, vectors[i]);
        }

        return sum;
    }

    /// <summary>destination = constant · a on every chunk (see <see cref="Evaluator.MultiplyConst(Ciphertext, double, Ciphertext)"/>).</summary>
    /// <exception cref="ArgumentException">The vectors have different lengths or the constant is not finite.</exception>
    /// <exception cref="LevelMismatchException">At level 0 with a non-integer constant.</exception>
    public void MultiplyConst(EncryptedVector a, double constant, EncryptedVector destination) => MultiplyConst(a, constant, destination, Range.All);

    /// <summary>destination = constant · a on the chunks in <paramref name="chunks"/>.</summary>
    /// <exception cref="ArgumentException">The vectors have different lengths or the constant is not finite.</exception>
    /// <exception cref="LevelMismatchException">At level 0 with a non-integer constant.</exception>
    public void MultiplyConst(EncryptedVector a, double constant, EncryptedVector destination, Range chunks)
    {
        var (start, count) = CheckSameShape(a, a, destination, chunks);
        for (int k = start; k < start + count; k++)
        {
            Evaluator.MultiplyConst(a[k], constant, destination[k]);
        }
    }

    /// <summary>Returns constant · a.</summary>
    /// <exception cref="ArgumentException">The constant is not finite.</exception>
    /// <exception cref="LevelMismatchException">At level 0 with a non-integer constant.</exception>
    public EncryptedVector MultiplyConstNew(EncryptedVector a, double constant)
    {
        ArgumentNullException.ThrowIfNull(a);
        var destination = a.Clone();
        MultiplyConst(destination, constant, destination);
        return destination;
    }

    /// <summary>destination = Rescale(a) on every chunk.</summary>
    /// <exception cref="LevelMismatchException">The vector is at level 0.</exception>
    public void Rescale(EncryptedVector a, EncryptedVector destination) => Rescale(a, destination, Range.All);

    /// <summary>destination = Rescale(a) on the chunks in <paramref name="chunks"/>.</summary>
    /// <exception cref="LevelMismatchException">The vector is at level 0.</exception>
    public void Rescale(EncryptedVector a, EncryptedVector destination, Range chunks)
    {
        var (start, count) = CheckSameShape(a, a, destination, chunks);
        for (int k = start; k < start + count; k++)
        {
            Evaluator.Rescale(a[k], destination[k]);
        }
    }

    /// <summary>Returns Rescale(a).</summary>
    /// <exception cref="LevelMismatchException">The vector is at level 0.</exception>
    public EncryptedVector RescaleNew(EncryptedVector a)
    {
        ArgumentNullException.ThrowIfNull(a);
        var destination = a.Clone();
        Rescale(destination, destination);
        return destination;
    }

    /// <summary>
    /// Returns Σ weights[i]·vectors[i], rescaled when a level is available (so the result has the
    /// inputs' scale); at level 0 the weights must be integers. With weights summing to 1 this is the
    /// FedAvg weighted mean.
    /// </summary>
    /// <exception cref="ArgumentException">The lists are empty or of different sizes, or the vectors differ in length.</exception>
    /// <exception cref="LevelMismatchException">At level 0 with a non-integer weight.</exception>
    public EncryptedVector WeightedSum(IReadOnlyList<EncryptedVector> vectors, IReadOnlyList<double> weights)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        ArgumentNullException.ThrowIfNull(weights);
        if (vectors.Count == 0 || vectors.Count != weights.Count)
        {
            throw new ArgumentException("Give one weight per vector, and at least one vector.", nameof(weights));
        }

        var result = MultiplyConstNew(vectors[0], weights[0]);
        var term = vectors[0].Clone();
        for (int i = 1; i < vectors.Count; i++)
        {
            MultiplyConst(vectors[i], weights[i], term);
            AddInPlace(result, term);
        }

        if (result.ChunkCount > 0 && result[0].Level > 0)
        {
            Rescale(result, result);
        }

        return result;
    }

    private (int Start, int Count) CheckSameShape(EncryptedVector a, EncryptedVector b, EncryptedVector destination, Range chunks)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(destination);
        _parameters.EnsureSameSet(a.Parameters.Id, "encrypted vector");
        _parameters.EnsureSameSet(b.Parameters.Id, "encrypted vector");
        _parameters.EnsureSameSet(destination.Parameters.Id, "destination vector");
        if (a.Length != b.Length || a.Length != destination.Length)
        {
            throw new ArgumentException($"Vectors of lengths {a.Length}, {b.Length} and {destination.Length} cannot be combined.", nameof(b));
        }

        var (start, count) = chunks.GetOffsetAndLength(a.ChunkCount);
        return (start, count);
    }
}
