using FederatedHe.Training.Data;

namespace FederatedHe.PrivacyBenchmarks;

/// <summary>data/wdbc.csv split 80/20 (stratified, seed 42) as in the training tests, raw and standardized.</summary>
internal sealed class Wdbc
{
    private Wdbc(Dataset rawTrain, Dataset rawTest)
    {
        RawTrain = rawTrain;
        RawTest = rawTest;
        var standardizer = Standardizer.Fit(rawTrain);
        Train = standardizer.Apply(rawTrain);
        Test = standardizer.Apply(rawTest);
    }

    public Dataset RawTrain { get; }

    public Dataset RawTest { get; }

    public Dataset Train { get; }

    public Dataset Test { get; }

    public static Wdbc Load()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "data", "wdbc.csv");
            if (File.Exists(candidate))
            {
                var split = DatasetSplits.StratifiedHoldout(CsvDatasetLoader.Load(candidate), 0.2, seed: 42);
                return new Wdbc(split.Train, split.Test);
            }
        }
        throw new FileNotFoundException($"data/wdbc.csv not found above {AppContext.BaseDirectory}.");
    }
}
