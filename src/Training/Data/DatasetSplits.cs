namespace FederatedHe.Training.Data;

/// <summary>A training set and the test set held out from it.</summary>
/// <param name="Train">Samples for training (and for partitioning across hospitals).</param>
/// <param name="Test">Samples held out for evaluation only.</param>
public sealed record HoldoutSplit(Dataset Train, Dataset Test);

/// <summary>Seeded, deterministic splits of a dataset.</summary>
/// <remarks>Pure and thread-safe: the same dataset and seed always give the same split.</remarks>
public static class DatasetSplits
{
    /// <summary>
    /// Splits a dataset into training and test sets with the same class proportions. The test set holds
    /// <c>ceil(sampleCount × testFraction)</c> samples (114 of wdbc.csv's 569 at 20%), each class
    /// contributing in proportion to its size; which samples is decided by a seeded shuffle per class.
    /// Both sets keep the samples in their original file order.
    /// </summary>
    /// <param name="dataset">The dataset to split.</param>
    /// <param name="testFraction">Fraction of each class held out, strictly between 0 and 1.</param>
    /// <param name="seed">Seed for the shuffle.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="testFraction"/> is not strictly between 0 and 1.</exception>
    /// <exception cref="ArgumentException">The split would leave the training or test set empty.</exception>
    public static HoldoutSplit StratifiedHoldout(Dataset dataset, double testFraction, int seed)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (!(testFraction > 0 && testFraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, "Must be strictly between 0 and 1.");
        }

        // As scikit-learn: the test set has ceil(n × fraction) samples, shared between the classes in
        // proportion to their sizes, leftover places going to the largest fractional shares.
        var testTotal = (int)Math.Ceiling(dataset.SampleCount * testFraction);
        var members = new[] { IndicesOfLabel(dataset, 0), IndicesOfLabel(dataset, 1) };
        var exactShares = members.Select(m => (double)m.Length * testTotal / dataset.SampleCount).ToArray();
        var testCounts = exactShares.Select(share => (int)Math.Floor(share)).ToArray();
        var leftover = testTotal - testCounts.Sum();
        foreach (var label in Enumerable.Range(0, 2).OrderByDescending(label => exactShares[label] - testCounts[label]).ThenBy(label => label).Take(leftover))
        {
            testCounts[label]++;
        }

        var trainIndices = new List<int>();
        var testIndices = new List<int>();
        for (var label = 0; label < 2; label++)
        {
            DeterministicRandom.ForStream(seed, label).Shuffle<int>(members[label]);
            testIndices.AddRange(members[label].Take(testCounts[label]));
            trainIndices.AddRange(members[label].Skip(testCounts[label]));
        }
        if (trainIndices.Count == 0 || testIndices.Count == 0)
        {
            throw new ArgumentException(
                $"Holding out {testFraction:P0} of {dataset.SampleCount} samples leaves an empty training or test set.", nameof(dataset));
        }
        trainIndices.Sort();
        testIndices.Sort();
        return new HoldoutSplit(
            dataset.Subset(trainIndices, $"{dataset.Source}#train"),
            dataset.Subset(testIndices, $"{dataset.Source}#test"));
    }

    internal static int[] IndicesOfLabel(Dataset dataset, int label)
    {
        var labels = dataset.Labels;
        var indices = new List<int>();
        for (var i = 0; i < labels.Length; i++)
        {
            if (labels[i] == label)
            {
                indices.Add(i);
            }
        }
        return [.. indices];
    }
}
