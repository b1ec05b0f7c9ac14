using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using FederatedHe.Actors.Persistence;
using FederatedHe.Actors.Spec;
using FederatedHe.Crypto.Ckks;
using FederatedHe.Host;
using FederatedHe.Host.Reports;
using FederatedHe.IntegrationTests.Experiments;
using Xunit.Abstractions;

using FederatedHe.IntegrationTests.ClusterLauncher;

namespace FederatedHe.IntegrationTests.Spec;

/// <summary>
/// The same experiment whichever way it runs: `fedhe experiment run` (every node in this process) and `fedhe cluster up`
/// (one real `fedhe node` process per node, over mutual TLS) on one spec file end with the same global model at every
/// hospital and the same accuracy in every round.
/// </summary>
[Collection(FederationRunsCollection.Name)]
public sealed partial class RunModeAcceptanceTests(ITestOutputHelper output) : IDisposable
{
    private const int Hospitals = 3;
    private const int Rounds = 3;

    private readonly string _root = Directory.CreateTempSubdirectory("fedhe-run-modes-").FullName;

    [Theory(Timeout = 600_000)]
    [InlineData("iid")]
    [InlineData("dirichlet")]
    public async Task Experiment_run_in_process_and_cluster_up_on_the_same_spec_end_with_the_same_model_and_the_same_accuracy_every_round(
        string scheme)
    {
        var specPath = Path.Combine(_root, $"{scheme}.conf");
        await File.WriteAllTextAsync(specPath, $$"""
            # Shared-key CKKS, every hospital in every round (quorum = hospitals), a fixed seed.
            fedhe {
              federation { hospitals = {{Hospitals}}, rounds = {{Rounds}}, quorum = {{Hospitals}}, seed = 11 }
              data.file = "{{RepositoryFiles.Path("data", "wdbc.csv")}}"
              data.partition { scheme = {{scheme}}, alpha = 0.5 }
            }
            """);
        var inProcessState = Path.Combine(_root, $"{scheme}-in-process-state");
        var clusterLogs = Path.Combine(_root, $"{scheme}-cluster");

        var clock = Stopwatch.StartNew();
        var inProcessExit = await Program.Main(
        [
            "experiment", "run", specPath, "--out", Path.Combine(_root, "runs"), "--no-baselines",
            "--set", "fedhe.persistence.enabled=on",
            "--set", $"fedhe.persistence.sqlite-path={FederationSpecWriter.Quote(Path.Combine(inProcessState, "aggregator.db"))}",
            "--set", $"fedhe.persistence.hospital-directory={FederationSpecWriter.Quote(Path.Combine(inProcessState, "hospitals"))}",
        ]);
        var inProcessTime = clock.Elapsed;
        var clusterExit = await Program.Main(["cluster", "up", "--spec", specPath, "--logs", clusterLogs, "--base-port", FreePorts.Block(Hospitals + 2).ToString(CultureInfo.InvariantCulture), "--monitor-port", "0"]);
        var clusterTime = clock.Elapsed - inProcessTime;

        Assert.Equal(0, inProcessExit);
        Assert.True(clusterExit == 0, ClusterOutcomeReport.DescribeLogs(clusterLogs));
        var largest = 0.0;
        foreach (var id in FederationSpec.Default.WithHospitals(Hospitals).HospitalIds)
        {
            var inProcess = FinalModel(Path.Combine(inProcessState, "hospitals"), id);
            var cluster = FinalModel(Path.Combine(clusterLogs, "state", "hospitals"), id);
            Assert.Equal((Rounds, Rounds), (inProcess.Round, cluster.Round));
            largest = Math.Max(largest, inProcess.Parameters.Zip(cluster.Parameters, (a, b) => Math.Abs((double)a - b)).Max());
        }

        var inProcessAccuracy = RoundAccuracies.InProcess(Assert.Single(Directory.GetDirectories(Path.Combine(_root, "runs"), $"*-{scheme}")));
        var clusterAccuracy = RoundAccuracies.Cluster(Path.Combine(clusterLogs, "aggregator.log"));
        output.WriteLine($"{scheme}: largest |in-process - cluster| over every hospital's final model = {largest:E2}; " +
                         $"accuracy per round {string.Join(", ", inProcessAccuracy)} (in process) vs {string.Join(", ", clusterAccuracy)} (cluster); " +
                         $"experiment run {inProcessTime.TotalSeconds:F1} s, cluster up {clusterTime.TotalSeconds:F1} s");
        Assert.InRange(largest, 0, 1e-9);
        Assert.Equal(Rounds, clusterAccuracy.Count);
        Assert.Equal(inProcessAccuracy, clusterAccuracy);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static HospitalModelFile.SavedModel FinalModel(string directory, string hospitalId) =>
        new HospitalModelFile(directory, hospitalId).Load(CkksPresets.Params128BitLogN12LogQ60Aggregation.Id.ToString(), 31)
        ?? throw new InvalidOperationException($"{hospitalId} saved no model under {directory}");

    /// <summary>The hospitals' sample-weighted accuracy of rounds 1 … N from the run report, as the aggregator logs it (percent, two decimals).</summary>
}
