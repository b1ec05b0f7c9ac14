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
    /// Splits a dataset into training and test sets with the same class proportions: within each class,
    /// <c>round(classCount * testFraction)</c> samples, chosen by a seeded shuffle, go to the test set.
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

        var trainIndices = new List<int>();
        var testIndices = new List<int>();
        foreach (var label in new[] { 0, 1 })
        {
            var members = IndicesOfLabel(dataset, label);
            DeterministicRandom.ForStream(seed, label).Shuffle<int>(members);
            var testCount = (int)Math.Round(members.Length * testFraction, MidpointRounding.AwayFromZero);
            testIndices.AddRange(members.Take(testCount));
            trainIndices.AddRange(members.Skip(testCount));
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
