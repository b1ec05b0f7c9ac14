namespace FederatedHe.Training;

/// <summary>
/// A small seeded generator (SplitMix64) used for every random choice in this library: splits,
/// partitions, batch order and initial weights.
/// </summary>
/// <remarks>
/// Written out here rather than taken from <see cref="Random"/> or torch's global generator so that
/// the same seed gives the same numbers on every .NET version, platform and thread. Not thread-safe;
/// create one per use.
/// </remarks>
internal sealed class DeterministicRandom
{
    private ulong _state;

    public DeterministicRandom(long seed) => _state = (ulong)seed ^ 0x9E3779B97F4A7C15UL;

    /// <summary>A generator for a sub-stream, so independent uses of one seed do not share numbers.</summary>
    public static DeterministicRandom ForStream(long seed, params long[] streamIds)
    {
        var mixed = Mix((ulong)seed);
        foreach (var id in streamIds)
        {
            mixed = Mix(mixed ^ Mix((ulong)id + 0x632BE59BD9B4E019UL));
        }
        return new DeterministicRandom((long)mixed);
    }

    /// <summary>A stable 64-bit hash of a string (FNV-1a), unlike <see cref="string.GetHashCode()"/>.</summary>
    public static long StableHash(string text)
    {
        var hash = 0xCBF29CE484222325UL;
        foreach (var character in text)
        {
            hash ^= character;
            hash *= 0x100000001B3UL;
        }
        return (long)hash;
    }

    public ulong NextUInt64()
    {
        _state += 0x9E3779B97F4A7C15UL;
        return Mix(_state);
    }

    /// <summary>A uniform double in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A uniform integer in [0, exclusiveMaximum).</summary>
    public int NextInt(int exclusiveMaximum)
    {
        if (exclusiveMaximum <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(exclusiveMaximum), exclusiveMaximum, "Must be positive.");
        }
        // Lemire's multiply-shift; the bias for ranges this small is far below anything measurable.
        return (int)(((NextUInt64() >> 32) * (ulong)exclusiveMaximum) >> 32);
    }

    /// <summary>A standard normal value (Box–Muller).</summary>
    public double NextGaussian()
    {
        double u1;
        do
        {
            u1 = NextDouble();
        }
        while (u1 <= double.Epsilon);
        var u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>A Gamma(shape, 1) value (Marsaglia–Tsang, boosted for shape below 1).</summary>
    public double NextGamma(double shape)
    {
        if (!(shape > 0) || double.IsInfinity(shape))
        {
            throw new ArgumentOutOfRangeException(nameof(shape), shape, "Must be positive and finite.");
        }
        if (shape < 1)
        {
            var boost = Math.Pow(Math.Max(NextDouble(), double.Epsilon), 1.0 / shape);
            return NextGamma(shape + 1) * boost;
        }
        var d = shape - 1.0 / 3.0;
        var c = 1.0 / Math.Sqrt(9.0 * d);
        while (true)
        {
            double x, v;
            do
            {
                x = NextGaussian();
                v = 1.0 + c * x;
            }
            while (v <= 0);
            v = v * v * v;
            var u = NextDouble();
            if (u < 1 - 0.0331 * x * x * x * x || Math.Log(u) < 0.5 * x * x + d * (1 - v + Math.Log(v)))
            {
                return d * v;
            }
        }
    }

    /// <summary>Proportions drawn from a symmetric Dirichlet(alpha) over <paramref name="count"/> parts.</summary>
    public double[] NextDirichlet(double alpha, int count)
    {
        var draws = new double[count];
        double total;
        do
        {
            total = 0;
            for (var i = 0; i < count; i++)
            {
                draws[i] = NextGamma(alpha);
                total += draws[i];
            }
        }
        while (total <= 0);
        for (var i = 0; i < count; i++)
        {
            draws[i] /= total;
        }
        return draws;
    }

    /// <summary>Fisher–Yates shuffle in place.</summary>
    public void Shuffle<T>(Span<T> items)
    {
        for (var i = items.Length - 1; i > 0; i--)
        {
            var j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>0 … count-1 in a random order.</summary>
    public int[] Permutation(int count)
    {
        var order = new int[count];
        for (var i = 0; i < count; i++)
        {
            order[i] = i;
        }
        Shuffle<int>(order);
        return order;
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
