namespace FederatedHe.Training.Data;

/// <summary>
/// Divides a training set among simulated hospitals, or loads one file per real hospital.
/// </summary>
/// <remarks>
/// <para>Every method is seeded and deterministic, and returns partitions in hospital order.</para>
/// <para>No hospital is ever left empty. The random schemes take a <c>minimumSamplesPerHospital</c>
/// (default <see cref="DefaultMinimumSamplesPerHospital"/>) and refuse, with an
/// <see cref="ArgumentException"/>, a dataset too small to give every hospital that many. How each
/// scheme meets the minimum is described on the method.</para>
/// <para>Pure and thread-safe.</para>
/// </remarks>
public static class DatasetPartitioner
{
    /// <summary>The fewest samples a simulated hospital receives unless the caller asks otherwise.</summary>
    public const int DefaultMinimumSamplesPerHospital = 10;

    /// <summary>
    /// IID partitioning: a seeded shuffle dealt out in turn, so sizes differ by at most one and every
    /// hospital sees the same distribution.
    /// </summary>
    /// <param name="dataset">The training set to divide.</param>
    /// <param name="hospitalCount">Number of hospitals, at least 1.</param>
    /// <param name="seed">Seed for the shuffle.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="hospitalCount"/> is below 1.</exception>
    /// <exception cref="ArgumentException">There are fewer samples than hospitals.</exception>
    public static IReadOnlyList<Dataset> Iid(Dataset dataset, int hospitalCount, int seed)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        RequireEnoughSamples(dataset, hospitalCount, 1);
        var order = DeterministicRandom.ForStream(seed, 0x11D).Permutation(dataset.SampleCount);
        var members = Enumerable.Range(0, hospitalCount).Select(_ => new List<int>()).ToArray();
        for (var i = 0; i < order.Length; i++)
        {
            members[i % hospitalCount].Add(order[i]);
        }
        return Build(dataset, members, "iid");
    }

    /// <summary>
    /// Label-skewed partitioning: for each class, hospital shares are drawn from a symmetric
    /// Dirichlet(<paramref name="alpha"/>) and that class's shuffled samples are cut accordingly. Small
    /// alpha (0.1) gives hospitals that see mostly one class; large alpha approaches IID.
    /// </summary>
    /// <remarks>
    /// As in Flower's <c>DirichletPartitioner</c>, a draw that leaves a hospital below the minimum is
    /// redrawn, up to 100 times; should all fail (only for tiny alpha), the short hospitals are topped
    /// up with samples moved at random from the largest one, so the call always terminates.
    /// </remarks>
    /// <param name="dataset">The training set to divide.</param>
    /// <param name="hospitalCount">Number of hospitals, at least 1.</param>
    /// <param name="alpha">Dirichlet concentration, positive and finite.</param>
    /// <param name="seed">Seed for the draws and shuffles.</param>
    /// <param name="minimumSamplesPerHospital">The fewest samples any hospital may receive, at least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException">A count or <paramref name="alpha"/> is out of range.</exception>
    /// <exception cref="ArgumentException">The dataset cannot give every hospital the minimum.</exception>
    public static IReadOnlyList<Dataset> Dirichlet(
        Dataset dataset, int hospitalCount, double alpha, int seed, int minimumSamplesPerHospital = DefaultMinimumSamplesPerHospital)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        RequirePositiveFinite(alpha, nameof(alpha));
        RequireEnoughSamples(dataset, hospitalCount, minimumSamplesPerHospital);

        const int maximumDraws = 100;
        List<int>[] members = [];
        for (var draw = 0; draw < maximumDraws; draw++)
        {
            var random = DeterministicRandom.ForStream(seed, 0xD1, draw);
            members = Enumerable.Range(0, hospitalCount).Select(_ => new List<int>()).ToArray();
            foreach (var label in new[] { 0, 1 })
            {
                var classMembers = DatasetSplits.IndicesOfLabel(dataset, label);
                random.Shuffle<int>(classMembers);
                var shares = random.NextDirichlet(alpha, hospitalCount);
                var start = 0;
                var cumulative = 0.0;
                for (var hospital = 0; hospital < hospitalCount; hospital++)
                {
                    cumulative += shares[hospital];
                    var end = hospital == hospitalCount - 1
                        ? classMembers.Length
                        : Math.Min(classMembers.Length, (int)Math.Round(cumulative * classMembers.Length));
                    members[hospital].AddRange(classMembers[start..end]);
                    start = end;
                }
            }
            if (members.All(hospital => hospital.Count >= minimumSamplesPerHospital))
            {
                return Build(dataset, members, $"dirichlet-{alpha}");
            }
        }

        TopUpFromLargest(members, minimumSamplesPerHospital, DeterministicRandom.ForStream(seed, 0xD1, maximumDraws));
        return Build(dataset, members, $"dirichlet-{alpha}");
    }

    /// <summary>
    /// Quantity-skewed partitioning: hospital sizes follow Dirichlet(<paramref name="alpha"/>) shares,
    /// labels stay IID. Each hospital first receives the minimum, then its share of the rest, so the
    /// minimum holds by construction.
    /// </summary>
    /// <param name="dataset">The training set to divide.</param>
    /// <param name="hospitalCount">Number of hospitals, at least 1.</param>
    /// <param name="alpha">Dirichlet concentration of the sizes, positive and finite; small alpha means very unequal sizes.</param>
    /// <param name="seed">Seed for the draw and shuffle.</param>
    /// <param name="minimumSamplesPerHospital">The fewest samples any hospital may receive, at least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException">A count or <paramref name="alpha"/> is out of range.</exception>
    /// <exception cref="ArgumentException">The dataset cannot give every hospital the minimum.</exception>
    public static IReadOnlyList<Dataset> QuantitySkewed(
        Dataset dataset, int hospitalCount, double alpha, int seed, int minimumSamplesPerHospital = DefaultMinimumSamplesPerHospital)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        RequirePositiveFinite(alpha, nameof(alpha));
        RequireEnoughSamples(dataset, hospitalCount, minimumSamplesPerHospital);

        var random = DeterministicRandom.ForStream(seed, 0x0A);
        var shares = random.NextDirichlet(alpha, hospitalCount);
        var order = random.Permutation(dataset.SampleCount);
        var spare = dataset.SampleCount - hospitalCount * minimumSamplesPerHospital;
        var members = new List<int>[hospitalCount];
        var start = 0;
        var cumulative = 0.0;
        var previousBoundary = 0;
        for (var hospital = 0; hospital < hospitalCount; hospital++)
        {
            // Rounded cumulative boundaries never decrease and end at exactly `spare`, so sizes sum to the whole.
            cumulative += shares[hospital];
            var boundary = hospital == hospitalCount - 1 ? spare : Math.Min(spare, (int)Math.Round(cumulative * spare));
            var size = minimumSamplesPerHospital + boundary - previousBoundary;
            members[hospital] = [.. order[start..(start + size)]];
            start += size;
            previousBoundary = boundary;
        }
        return Build(dataset, members, $"quantity-{alpha}");
    }

    /// <summary>
    /// One partition per file: each real hospital's own CSV export. All files must have the same
    /// feature columns in the same order.
    /// </summary>
    /// <param name="paths">One file per hospital, in hospital order.</param>
    /// <param name="options">How to read the files; null for the defaults.</param>
    /// <exception cref="ArgumentException">No paths were given.</exception>
    /// <exception cref="DatasetFormatException">A file cannot be read, or its feature columns differ from the first file's.</exception>
    public static IReadOnlyList<Dataset> FromFiles(IEnumerable<string> paths, CsvDatasetOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var partitions = paths.Select(path => CsvDatasetLoader.Load(path, options)).ToArray();
        if (partitions.Length == 0)
        {
            throw new ArgumentException("At least one hospital file is needed.", nameof(paths));
        }
        var expected = partitions[0].FeatureNames;
        foreach (var partition in partitions.Skip(1))
        {
            if (!partition.FeatureNames.SequenceEqual(expected, StringComparer.Ordinal))
            {
                var firstDifference = Enumerable.Range(0, Math.Max(expected.Count, partition.FeatureCount))
                    .First(i => i >= expected.Count || i >= partition.FeatureCount || expected[i] != partition.FeatureNames[i]);
                var column = firstDifference < partition.FeatureCount ? partition.FeatureNames[firstDifference] : null;
                throw new DatasetFormatException(partition.Source, 1, column,
                    $"the feature columns differ from those of {partitions[0].Source} (first difference at feature {firstDifference + 1}).");
            }
        }
        return partitions;
    }

    private static void TopUpFromLargest(List<int>[] members, int minimum, DeterministicRandom random)
    {
        foreach (var hospital in members.Where(hospital => hospital.Count < minimum))
        {
            while (hospital.Count < minimum)
            {
                var largest = members.MaxBy(candidate => candidate.Count)!;
                var taken = random.NextInt(largest.Count);
                hospital.Add(largest[taken]);
                largest.RemoveAt(taken);
            }
        }
    }

    private static IReadOnlyList<Dataset> Build(Dataset dataset, List<int>[] members, string scheme) =>
        members
            .Select((indices, hospital) =>
            {
                indices.Sort();
                return dataset.Subset(indices, $"{dataset.Source}#{scheme}-hospital-{hospital + 1}");
            })
            .ToArray();

    private static void RequireEnoughSamples(Dataset dataset, int hospitalCount, int minimumSamplesPerHospital)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(hospitalCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(minimumSamplesPerHospital, 1);
        if ((long)hospitalCount * minimumSamplesPerHospital > dataset.SampleCount)
        {
            throw new ArgumentException(
                $"{dataset.SampleCount} samples cannot give {hospitalCount} hospitals {minimumSamplesPerHospital} each.", nameof(dataset));
        }
    }

    private static void RequirePositiveFinite(double value, string name)
    {
        if (!(value > 0) || double.IsInfinity(value))
        {
            throw new ArgumentOutOfRangeException(name, value, "Must be positive and finite.");
        }
    }
}
