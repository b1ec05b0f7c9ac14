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
    public EncryptedVector Sum(IReadOnlyList<EncryptedVector> vectors) => SumParallel(vectors, 1);

    /// <summary>
    /// Returns the sum of <paramref name="vectors"/> (at least one), splitting the chunks into
    /// contiguous ranges summed on up to <paramref name="maxDegreeOfParallelism"/> threads. Each result
    /// chunk is written by its first addition (no copy of the first vector is made).
    /// </summary>
    /// <exception cref="ArgumentException">The list is empty or the vectors have different lengths.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The degree of parallelism is below 1.</exception>
    /// <exception cref="ScaleMismatchException">The scales differ.</exception>
    public EncryptedVector SumParallel(IReadOnlyList<EncryptedVector> vectors, int maxDegreeOfParallelism)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        if (vectors.Count == 0)
        {
            throw new ArgumentException("At least one vector is needed.", nameof(vectors));
        }

        var first = vectors[0];
        foreach (var vector in vectors)
        {
            CheckSameShape(first, vector, first, Range.All);
        }

        return NewVector(first, maxDegreeOfParallelism, k =>
        {
            if (vectors.Count == 1)
            {
                return first[k].Clone();
            }

            var sum = Evaluator.AddNew(first[k], vectors[1][k]);
            for (int i = 2; i < vectors.Count; i++)
            {
                Evaluator.AddInPlace(sum, vectors[i][k]);
            }

            return sum;
        });
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
        return NewVector(a, 1, k => Evaluator.MultiplyConstNew(a[k], constant));
    }

    /// <summary>
    /// Returns Rescale(constant · a), e.g. the FedAvg mean from the sum, on up to
    /// <paramref name="maxDegreeOfParallelism"/> threads over contiguous chunk ranges; each result
    /// chunk is written once by the product and rescaled in place.
    /// </summary>
    /// <exception cref="ArgumentException">The constant is not finite.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The degree of parallelism is below 1.</exception>
    /// <exception cref="LevelMismatchException">The vector is at level 0.</exception>
    public EncryptedVector MultiplyConstAndRescaleNew(EncryptedVector a, double constant, int maxDegreeOfParallelism = 1)
    {
        ArgumentNullException.ThrowIfNull(a);
        return NewVector(a, maxDegreeOfParallelism, k =>
        {
            if (a[k].Level == 0)
            {
                throw new LevelMismatchException("A level-0 ciphertext cannot be rescaled.");
            }

            var product = Evaluator.MultiplyConstNew(a[k], constant);
            Evaluator.Rescale(product, product);
            return product;
        });
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
        return NewVector(a, 1, k => Evaluator.RescaleNew(a[k]));
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

    /// <summary>
    /// A vector shaped like <paramref name="shape"/> whose chunk k is <paramref name="chunk"/>(k),
    /// computed over contiguous chunk ranges on up to <paramref name="maxDegreeOfParallelism"/> threads.
    /// </summary>
    private EncryptedVector NewVector(EncryptedVector shape, int maxDegreeOfParallelism, Func<int, Ciphertext> chunk)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDegreeOfParallelism, 1);
        _parameters.EnsureSameSet(shape.Parameters.Id, "encrypted vector");
        int count = shape.ChunkCount;
        var chunks = new Ciphertext[count];
        int workers = Math.Min(maxDegreeOfParallelism, count);
        if (workers <= 1)
        {
            for (int k = 0; k < count; k++)
            {
                chunks[k] = chunk(k);
            }
        }
        else
        {
            try
            {
                Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, worker =>
                {
                    int end = (int)((long)count * (worker + 1) / workers);
                    for (int k = (int)((long)count * worker / workers); k < end; k++)
                    {
                        chunks[k] = chunk(k);
                    }
                });
            }
            catch (AggregateException ex) when (ex.InnerExceptions.Count > 0)
            {
                // Throw what the sequential path throws (e.g. ScaleMismatchException), not the wrapper.
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex.InnerExceptions[0]).Throw();
                throw;
            }
        }

        return new EncryptedVector(_parameters, shape.Length, chunks);
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
