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
    /// <summary>
    /// Reads the spec's data and divides it: each hospital's own file (<c>fedhe.data.hospitals</c>), or shares of the one data file.
    /// Every file is loaded and, with own files, every schema compared before anything is trained.
    /// </summary>
    /// <exception cref="DatasetFormatException">A file is malformed (the exception names its file, line and column).</exception>
    /// <exception cref="FederationSpecException">A file cannot be found, or a hospital's file (or the test file) differs in schema.</exception>
    /// <exception cref="ArgumentException">The data cannot give every hospital its minimum.</exception>
    public static FederationData Load(FederationSpec spec)
    {
        if (spec.Data.HasHospitalFiles)
            return LoadHospitalFiles(spec);
        var all = LoadCsv(spec.Data.File, spec.Data.LabelColumn, FederationSpecKeys.DataFile);
        if (LoadTestFile(spec) is not { } test)
            return Divide(all, spec);
        EnsureSameSchema(all.Schema, spec.Data.File, test, FederationSpecKeys.TestData, $"the test file {spec.Data.TestFile}");
        return Divide(all, new HoldoutSplit(all, test), spec);
    }

    /// <summary>Divides a data set as the spec says.</summary>
    /// <exception cref="ArgumentException">The data cannot give every hospital its minimum.</exception>
    public static FederationData Divide(Dataset all, FederationSpec spec)
    {
        var seed = spec.Federation.Seed;
        var hospitals = spec.Federation.Hospitals;
        return Divide(all, DatasetSplits.StratifiedHoldout(all, spec.Data.TestFraction, seed), spec);
    }

    private static FederationData Divide(Dataset all, HoldoutSplit split, FederationSpec spec)
    {
        var seed = spec.Federation.Seed;
        var hospitals = spec.Federation.Hospitals;
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
            return OwnData(spec, hospitalId, spec.Hospital.DataFile, FederationSpecKeys.HospitalData);
        if (spec.Data.HasHospitalFiles)
        {
            // A hospital node reads its own file (and the common test file) only: the other hospitals' files are not here.
            var index = HospitalIndex(spec, hospitalId);
            return OwnData(spec, hospitalId, spec.Data.HospitalFiles[index], $"{FederationSpecKeys.HospitalFiles}[{index}]");
        }

        return Load(spec).ForHospital(HospitalIndex(spec, hospitalId), hospitalId);
    }

    /// <remarks>
    /// A file that cannot be read fails the node at once (the loader names file, line and column). A readable file that
    /// cannot be trained on (one class only, columns unlike the common test file's) does not: the hospital registers with
    /// <see cref="HospitalData.Problem"/>, so that the coordinator stops the whole federation before round 0 naming it,
    /// instead of the others waiting for a hospital that left.
    /// </remarks>
    private static HospitalData OwnData(FederationSpec spec, string hospitalId, string file, string key)
    {
        var own = LoadCsv(file, spec.Data.LabelColumn, key, requireBothClasses: false);
        var test = LoadTestFile(spec);
        var positives = own.Labels.ToArray().Count(label => label == 1);
        if (positives == 0 || positives == own.SampleCount)
            return new HospitalData(hospitalId, own, test ?? own, "its training file holds one class only; a training file needs both classes");
        if (test is not null && own.Schema.FirstDifference(test.Schema) is { } difference)
            return new HospitalData(hospitalId, own, test, $"its training file does not match the common test file: {difference}");
        var (train, evaluation) = Evaluate(own, spec, test, file);
        return new HospitalData(hospitalId, train, evaluation);
    }

    // With a common test file a hospital trains on all of its file and scores the model on all of the test file; without
    // one, it holds out a stratified share of its own file (seeded, so every run mode holds out the same rows).
    private static (Dataset Train, Dataset Evaluation) Evaluate(Dataset own, FederationSpec spec, Dataset? test, string file)
    {
        if (test is null)
        {
            var split = DatasetSplits.StratifiedHoldout(own, spec.Data.TestFraction, spec.Federation.Seed);
            return (split.Train, split.Test);
        }

        EnsureSameSchema(own.Schema, file, test, FederationSpecKeys.TestData, $"the test file {spec.Data.TestFile}");
        return (own, test);
    }

    private static FederationData LoadHospitalFiles(FederationSpec spec)
    {
        var files = spec.Data.HospitalFiles;
        var test = LoadTestFile(spec);
        var own = files.Select((file, i) => LoadHospitalCsv(file, spec.Data.LabelColumn, i)).ToList();

        // Compared before round 0: hospitals whose columns differ would standardise and train on different features.
        var reference = own[0].Schema;
        for (var i = 1; i < own.Count; i++)
            EnsureSameSchema(reference, $"{FederationSpec.HospitalId(0)}'s {files[0]}", own[i], $"{FederationSpecKeys.HospitalFiles}[{i}]",
                $"{FederationSpec.HospitalId(i)}'s {files[i]}");

        var divided = own.Select((data, i) => Evaluate(data, spec, test, files[i])).ToList();
        var train = divided.Select(d => d.Train).ToList();
        var evaluation = divided.Select(d => d.Evaluation).ToList();
        var trainAll = Concatenate(train, "hospitals' training data");
        var testAll = test ?? Concatenate(evaluation, "hospitals' held-out data");
        return new FederationData(Concatenate(own, "hospitals' files"), new HoldoutSplit(trainAll, testAll), train, evaluation);
    }

    // A hospital's file refused by the loader (one class, a bad cell) is named by its hospital as well as its file, line and column.
    private static Dataset LoadHospitalCsv(string file, string? labelColumn, int index)
    {
        var key = $"{FederationSpecKeys.HospitalFiles}[{index}]";
        try
        {
            return LoadCsv(file, labelColumn, key);
        }
        catch (DatasetFormatException exception)
        {
            throw new FederationSpecException(null, null, key, $"{FederationSpec.HospitalId(index)}'s file: {exception.Message}", exception);
        }
    }

    /// <summary>
    /// Refuses <paramref name="other"/> unless its schema is <paramref name="reference"/>'s, in one line naming
    /// <paramref name="who"/> and the first differing column ("here" is <paramref name="who"/>, "there" the reference file).
    /// </summary>
    private static void EnsureSameSchema(DatasetSchema reference, string referenceFile, Dataset other, string key, string who)
    {
        if (other.Schema.FirstDifference(reference) is { } difference)
            throw new FederationSpecException(key, $"{who} does not match {referenceFile}: {difference}");
    }

    // The common test file may hold one class only (a site may be given, say, only its benign follow-ups to score):
    // accuracy and log-loss are defined on it, and ROC AUC is reported as undefined rather than refused.
    private static Dataset? LoadTestFile(FederationSpec spec) => spec.Data.TestFile.Length == 0
        ? null
        : LoadCsv(spec.Data.TestFile, spec.Data.LabelColumn, FederationSpecKeys.TestData, requireBothClasses: false);

    private static Dataset Concatenate(IReadOnlyList<Dataset> parts, string source)
    {
        var features = new List<float>();
        var labels = new List<int>();
        foreach (var part in parts)
        {
            features.AddRange(part.Features.ToArray());
            labels.AddRange(part.Labels.ToArray());
        }

        return Dataset.Create(features.ToArray(), labels.ToArray(), parts[0].FeatureNames, source, parts[0].LabelColumn);
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

    private static Dataset LoadCsv(string file, string? labelColumn, string key, bool requireBothClasses = true)
    {
        var path = SpecFiles.Find(file, null) ?? throw new FederationSpecException(key, $"'{file}' was found neither under the working nor the install directory");
        return CsvDatasetLoader.Load(path, new CsvDatasetOptions { LabelColumn = labelColumn, RequireBothClasses = requireBothClasses });
    }
}
