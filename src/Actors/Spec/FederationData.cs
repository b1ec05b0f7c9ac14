using FederatedHe.Actors.Hospitals;
using FederatedHe.Training.Data;

namespace FederatedHe.Actors.Spec;

/// <summary>
/// The federation's data, divided the one way every run mode divides it: the common test set is held out first (stratified,
/// seeded), then the rest is partitioned among the hospitals by the spec's scheme and seed. Every node computes the same split
/// from the spec, so hospital k gets the same share in one process, as a `fedhe node` of its own, or under `cluster up`.
/// </summary>
/// <param name="All">The whole data set.</param>
/// <param name="Split">The common test set and the training data it was held out from.</param>
/// <param name="Train">Each hospital's training share, by index.</param>
/// <param name="Evaluation">Each hospital's share of the common test set, by index.</param>
public sealed record FederationData(Dataset All, HoldoutSplit Split, IReadOnlyList<Dataset> Train, IReadOnlyList<Dataset> Evaluation)
{
    /// <summary>Reads the spec's data file and divides it.</summary>
    /// <exception cref="DatasetFormatException">The file is malformed.</exception>
    /// <exception cref="FederationSpecException">The file cannot be found.</exception>
    /// <exception cref="ArgumentException">The data cannot give every hospital its minimum.</exception>
    public static FederationData Load(FederationSpec spec) => Divide(LoadCsv(spec.Data.File, spec.Data.LabelColumn, FederationSpecKeys.DataFile), spec);

    /// <summary>Divides a data set as the spec says.</summary>
    /// <exception cref="ArgumentException">The data cannot give every hospital its minimum.</exception>
    public static FederationData Divide(Dataset all, FederationSpec spec)
    {
        var seed = spec.Federation.Seed;
        var hospitals = spec.Federation.Hospitals;
        var split = DatasetSplits.StratifiedHoldout(all, spec.Data.TestFraction, seed);
        var train = spec.Data.Partition switch
        {
            PartitionScheme.Iid => DatasetPartitioner.Iid(split.Train, hospitals, seed),
            PartitionScheme.Dirichlet => DatasetPartitioner.Dirichlet(split.Train, hospitals, spec.Data.Alpha, seed),
            PartitionScheme.QuantitySkewed => DatasetPartitioner.QuantitySkewed(split.Train, hospitals, spec.Data.Alpha, seed),
            _ => throw new ArgumentOutOfRangeException(nameof(spec), spec.Data.Partition, "unknown partition scheme"),
        };

        // Each hospital evaluates on an IID share of the common test set, or on all of it when it is too small to share.
        var evaluation = split.Test.SampleCount >= DatasetPartitioner.DefaultMinimumSamplesPerHospital * hospitals
            ? DatasetPartitioner.Iid(split.Test, hospitals, seed + 1)
            : Enumerable.Repeat(split.Test, hospitals).ToList();
        return new FederationData(all, split, train, evaluation);
    }

    /// <summary>
    /// A hospital node's data: its own file if the spec gives one (it then holds out the test fraction of it), else the share
    /// of the federation's data at its index (<c>fedhe.hospital.index</c>, or k − 1 for the id <c>hospital-k</c>).
    /// </summary>
    /// <exception cref="FederationSpecException">The index cannot be told from the id, or is out of range.</exception>
    public static HospitalData ForHospital(FederationSpec spec, string hospitalId)
    {
        if (spec.Hospital.DataFile.Length > 0)
        {
            var own = LoadCsv(spec.Hospital.DataFile, spec.Data.LabelColumn, FederationSpecKeys.HospitalData);
            var ownSplit = DatasetSplits.StratifiedHoldout(own, spec.Data.TestFraction, spec.Federation.Seed);
            return new HospitalData(hospitalId, ownSplit.Train, ownSplit.Test);
        }

        return Load(spec).ForHospital(HospitalIndex(spec, hospitalId), hospitalId);
    }

    /// <summary>The share at <paramref name="index"/>, for the hospital <paramref name="hospitalId"/>.</summary>
    public HospitalData ForHospital(int index, string hospitalId) => new(hospitalId, Train[index], Evaluation[index]);

    /// <summary>Which share a hospital takes.</summary>
    /// <exception cref="FederationSpecException">The index cannot be told from the id, or is out of range.</exception>
    public static int HospitalIndex(FederationSpec spec, string hospitalId)
    {
        var index = spec.Hospital.Index
            ?? (FaultNames.HospitalNumber(hospitalId) is { } number
                ? number - 1
                : throw new FederationSpecException(FederationSpecKeys.HospitalIndex,
                    $"hospital '{hospitalId}' is not named hospital-k, so its share must be given (--hospital-index or fedhe.hospital.index)"));
        return index < spec.Federation.Hospitals
            ? index
            : throw new FederationSpecException(FederationSpecKeys.HospitalIndex,
                $"share {index} of hospital '{hospitalId}' is outside 0 … {spec.Federation.Hospitals - 1} (fedhe.federation.hospitals = {spec.Federation.Hospitals})");
    }

    private static Dataset LoadCsv(string file, string? labelColumn, string key)
    {
        var path = SpecFiles.Find(file, null) ?? throw new FederationSpecException(key, $"'{file}' was found neither under the working nor the install directory");
        return CsvDatasetLoader.Load(path, new CsvDatasetOptions { LabelColumn = labelColumn });
    }
}
