using System.Globalization;
using Akka.Configuration;
using FederatedHe.Actors.Harness;
using FederatedHe.Actors.Spec;
using FederatedHe.IntegrationTests.Experiments;
using FederatedHe.Testing;
using Xunit.Abstractions;

namespace FederatedHe.IntegrationTests.Federation;

/// <summary>
/// A hospital with a hundred thousand records takes part in a shared-key federation on the default parameter set, whose
/// single-modulus sums hold values only below about 3.7e5 (before normalisation its record count alone, n = 1e5, was over the
/// 9.3e4 a sum of four updates could hold, whatever its weights): its sample-weighted update is normalised to the
/// federation's round-0 total before encryption, so it is never refused for its size, and the decrypted model is still
/// plaintext FedAvg of the very same updates, weighted by the real record counts.
/// </summary>
[Collection(FederationRunsCollection.Name)]
public sealed class LargeHospitalTests(ITestOutputHelper output) : IDisposable
{
    private const int LargeHospitalRecords = 100_000;

    private readonly string _root = Directory.CreateTempSubdirectory("fedhe-large-hospital-").FullName;

    [Fact(Timeout = 600_000)]
    public async Task A_hospital_of_a_hundred_thousand_records_contributes_every_round_and_the_model_equals_plaintext_FedAvg()
    {
        var (trainFiles, testFile) = CutFiles();
        var spec = FederationSpec.Default.WithHospitals(4).WithRounds(3).WithSeed(11);
        // Batches of 64 keep the large hospital's two local epochs to about 3,000 steps a round.
        spec = spec.WithTraining(spec.Training with { BatchSize = 64 });
        spec = spec.WithData(spec.Data with { HospitalFiles = trainFiles, TestFile = testFile });

        var result = await FederationSimulation.RunAsync(new SimulationOptions
        {
            Spec = spec,
            ComputeBaselines = false,
            ExtraConfig = ConfigurationFactory.ParseString("akka.actor.serialize-messages = on"),
        });

        foreach (var round in result.Rounds)
            output.WriteLine($"round {round.Round}: contributors {string.Join(", ", round.Contributors)}; model error vs plaintext FedAvg "
                + $"{round.ModelErrorVersusPlaintextFedAvg:E2}, aggregate CKKS error {round.AggregateCkksError:E2}, test accuracy {round.Test?.Accuracy:P2}");
        Assert.True(result.Succeeded, result.Status);
        Assert.Equal([1, 2, 3], result.Rounds.Select(r => r.Round));
        Assert.All(result.Rounds, round =>
        {
            Assert.Equal(spec.HospitalIds, round.Contributors.Order(StringComparer.Ordinal));
            // The 2^-22 grid the decoded model is settled on, and far below the 1e-6 the precision claim allows.
            Assert.InRange(round.ModelErrorVersusPlaintextFedAvg!.Value, 0, 1e-6);
        });
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>
    /// A stratified common test file (every fifth row of each class), three small hospitals with 40, 80 and 120 of the other
    /// rows, and a large one whose <see cref="LargeHospitalRecords"/> rows repeat the remaining rows with 1 % multiplicative
    /// jitter on every feature, so no two of its rows are the same.
    /// </summary>
    private (string[] Train, string Test) CutFiles()
    {
        var lines = File.ReadAllLines(RepositoryFiles.Path("data", "wdbc.csv"));
        var header = lines[0];
        var label = Array.IndexOf(header.Split(','), "diagnosis");
        var rows = lines.Skip(1).Where(l => l.Length > 0).ToList();
        var test = rows.Where((_, i) => i % 5 == 0).ToList();
        // Interleaved, so every hospital holds both classes.
        var rest = rows.Where((_, i) => i % 5 != 0).ToList();
        var small = new[] { rest.Where((_, i) => i % 8 == 1).Take(40), rest.Where((_, i) => i % 8 == 2).Take(80), rest.Where((_, i) => i % 8 is 3 or 4).Take(120) };
        var seeds = rest.Where((_, i) => i % 8 is 0 or 5 or 6 or 7).ToList();
        var random = new Random(3);
        var large = Enumerable.Range(0, LargeHospitalRecords).Select(i => Jitter(seeds[i % seeds.Count], label, random));

        var directory = Directory.CreateDirectory(Path.Combine(_root, "data")).FullName;
        var files = small.Append(large).Select((hospitalRows, h) => Write(Path.Combine(directory, $"site-{h + 1}.csv"), header, hospitalRows)).ToArray();
        return (files, Write(Path.Combine(directory, "common-test.csv"), header, test));
    }

    private static string Jitter(string row, int label, Random random) =>
        string.Join(",", row.Split(',').Select((field, i) => i == label
            ? field
            : (double.Parse(field, CultureInfo.InvariantCulture) * (1 + (0.01 * ((2 * random.NextDouble()) - 1)))).ToString("G6", CultureInfo.InvariantCulture)));

    private static string Write(string path, string header, IEnumerable<string> rows)
    {
        File.WriteAllLines(path, rows.Prepend(header));
        return path;
    }
}
