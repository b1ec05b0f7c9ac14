using FederatedHe.Training.Data;

namespace FederatedHe.Host.Simulation;

/// <summary>
/// How one data set is divided among hospitals. `simulate`, `fedhe node` and `cluster up` all cut it here,
/// so hospital k gets the same share whichever way the federation is run.
/// </summary>
internal static class HospitalShares
{
    /// <summary>Each hospital's training data, by the partition scheme and seed.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The scheme is unknown or a count is out of range.</exception>
    /// <exception cref="ArgumentException">The data cannot give every hospital its minimum.</exception>
    public static IReadOnlyList<Dataset> Training(Dataset train, int hospitals, PartitionScheme scheme, double alpha, int seed) => scheme switch
    {
        PartitionScheme.Iid => DatasetPartitioner.Iid(train, hospitals, seed),
        PartitionScheme.Dirichlet => DatasetPartitioner.Dirichlet(train, hospitals, alpha, seed),
        PartitionScheme.QuantitySkewed => DatasetPartitioner.QuantitySkewed(train, hospitals, alpha, seed),
        _ => throw new ArgumentOutOfRangeException(nameof(scheme), scheme, "unknown partition scheme"),
    };

    /// <summary>
    /// Each hospital's own held-out data: an IID share of the test set, or the whole test set for every
    /// hospital when it is too small to give each the partitioner's minimum.
    /// </summary>
    public static IReadOnlyList<Dataset> Evaluation(Dataset test, int hospitals, int seed) =>
        test.SampleCount >= DatasetPartitioner.DefaultMinimumSamplesPerHospital * hospitals
            ? DatasetPartitioner.Iid(test, hospitals, seed + 1)
            : Enumerable.Repeat(test, hospitals).ToList();
}
