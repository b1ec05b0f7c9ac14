using Akka.Configuration;
using FederatedHe.Actors.Spec;
using FederatedHe.Host.Reports;
using FederatedHe.IntegrationTests.Experiments;
using FederatedHe.IntegrationTests.Models;
using FederatedHe.Actors.Harness;
using FederatedHe.Testing;

namespace FederatedHe.IntegrationTests.Privacy;

/// <summary>
/// Differential privacy in a running federation (real cluster over loopback TCP, real CKKS, real TorchSharp): each round reports
/// the ε the accountant charges, the model still learns WDBC, and a federation whose budget runs out stops before the round
/// that would exceed it, saying so in its report.
/// </summary>
[Collection(FederationRunsCollection.Name)]
public sealed class PrivacyFederationTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("fedhe-privacy-").FullName;

    [Fact(Timeout = 600_000)]
    public async Task Local_mode_trains_every_hospital_with_DP_SGD_reports_epsilon_per_patient_each_round_and_still_learns()
    {
        // DP-SGD as in docs/PRIVACY.md's table: q = 0.05, C = 1, SGD at learning rate 0.5; σ = 1.1.
        var spec = Spec("fedhe.training.learning-rate = 0.5", "fedhe.privacy { mode = local, noise-multiplier = 1.1, target-epsilon = 50 }")
            .WithHospitals(3).WithRounds(4);
        var plan = spec.PrivacyPlan()!;

        var result = await FederationSimulation.RunAsync(Options(spec));

        Assert.True(result.Succeeded, result.Status);
        Assert.Equal("completed 4 rounds", result.Status);
        Assert.Equal([1, 2, 3, 4], result.Rounds.Select(r => r.Round));
        // Each round reports the ε the accountant charges a patient after 40 DP-SGD steps a round (2 epochs at q = 0.05), growing.
        Assert.All(result.Rounds, round => Assert.Equal(plan.EpsilonAfter(round.Round), round.Privacy!.Epsilon, 12));
        Assert.All(result.Rounds, round => Assert.Equal((1e-5, 50.0), (round.Privacy!.Delta, round.Privacy.TargetEpsilon)));
        Assert.True(result.Rounds.Zip(result.Rounds.Skip(1)).All(pair => pair.Item2.Privacy!.Epsilon > pair.Item1.Privacy!.Epsilon));
        Assert.InRange(result.Rounds[^1].Privacy!.Epsilon, 2, 6);
        // The encrypted sum is still exact: the hospitals' private updates are averaged with the CKKS error only.
        Assert.All(result.Rounds, round => Assert.InRange(round.ModelErrorVersusPlaintextFedAvg!.Value, 0, 1e-5));
        Assert.True(result.FinalTest!.Accuracy >= 0.88, $"final accuracy {result.FinalTest.Accuracy:P2}");
    }

    [Fact(Timeout = 600_000)]
    public async Task Distributed_mode_decrypts_only_noisy_sums_reports_epsilon_per_hospital_each_round_and_still_learns()
    {
        // Four hospitals with a quorum of three: each hospital's share is over-provisioned for one dropout.
        var spec = Spec("fedhe.privacy { mode = distributed, noise-multiplier = 0.5, clip-norm = 1, target-epsilon = 40 }")
            .WithHospitals(4).WithRounds(5);
        var plan = spec.PrivacyPlan()!;

        var result = await FederationSimulation.RunAsync(Options(spec));

        Assert.True(result.Succeeded, result.Status);
        Assert.Equal(5, result.Rounds.Count);
        Assert.All(result.Rounds, round => Assert.Equal(plan.EpsilonAfter(round.Round), round.Privacy!.Epsilon, 12));
        Assert.Equal("one hospital's whole contribution", plan.ProtectedUnit);
        // The sums carry noise by design, so no "error against plaintext FedAvg" is claimed for them.
        Assert.All(result.Rounds, round => Assert.Null(round.ModelErrorVersusPlaintextFedAvg));
        // Every hospital adopted the same noisy model (their evaluations pool), and it learned.
        Assert.All(result.Rounds, round => Assert.Equal(4, round.Contributors.Count));
        Assert.True(result.FinalTest!.Accuracy >= 0.85, $"final accuracy {result.FinalTest.Accuracy:P2}");
        Assert.True(result.Rounds[^1].FederatedAccuracy >= 0.85, $"hospitals' pooled accuracy {result.Rounds[^1].FederatedAccuracy:P2}");
    }

    [Fact(Timeout = 600_000)]
    public async Task A_federation_whose_budget_runs_out_stops_cleanly_before_the_round_that_would_exceed_it_with_the_reason_in_its_report()
    {
        var specPath = Path.Combine(_directory, "small-budget.conf");
        await File.WriteAllTextAsync(specPath, $$"""
            fedhe {
              experiment.name = small-budget
              federation { hospitals = 3, rounds = 6 }
              data.file = "{{RepositoryFiles.Path("data", "wdbc.csv")}}"
              privacy { mode = local, noise-multiplier = 1.1, target-epsilon = 3.2 }
            }
            """);
        var plan = FederationSpecBinder.Load(specPath).Spec.PrivacyPlan()!;
        Assert.Equal(2, plan.RoundsWithinBudget); // ε after rounds 1, 2, 3: 2.406, 3.041, 3.564

        // The dry run says so before anything runs.
        var check = await FedheProcess.RunAsync("experiment", "check", specPath);
        Assert.Equal(0, check.ExitCode);
        Assert.Contains("target-epsilon = 3.2 stops the federation after round 2 of 6 (ε = 3.041)", check.StandardOutput.Replace("\n", " ", StringComparison.Ordinal).Replace("  ", " ", StringComparison.Ordinal), StringComparison.Ordinal);

        var runs = Path.Combine(_directory, "runs");
        var run = await FedheProcess.RunAsync("experiment", "run", specPath, "--no-baselines", "--out", runs);

        // A budget stop is a planned, successful end (exit code 0); the status and the report say why.
        Assert.Equal(0, run.ExitCode);
        var expected = "privacy budget spent: ε=3.041 of target 3.2 (δ=1E-5) after round 2; round 3 would bring it to ε="
                       + plan.EpsilonAfter(3).ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains(expected, run.StandardOutput.Replace("\n", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        var report = Assert.Single(Directory.GetDirectories(runs));
        var summary = await File.ReadAllTextAsync(Path.Combine(report, RunReport.SummaryFile));
        Assert.Contains($"Completed: {expected}", summary, StringComparison.Ordinal);
        Assert.Contains("| rounds completed | 2 of 6 |", summary, StringComparison.Ordinal);
        Assert.Contains("protects one patient record; ε = 3.041 spent of target 3.2", summary, StringComparison.Ordinal);
        var rows = (await File.ReadAllLinesAsync(Path.Combine(report, RunReport.RoundsCsv))).Select(line => line.Split(',')).ToList();
        var epsilon = Array.IndexOf(rows[0], "epsilon");
        Assert.Equal(["2.406", "3.041"], rows.Skip(1).Select(row => double.Parse(row[epsilon], System.Globalization.CultureInfo.InvariantCulture).ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact(Timeout = 600_000)]
    public async Task Cluster_up_stops_before_the_round_that_would_exceed_the_budget_each_node_a_process_with_the_reason_in_the_aggregator_log()
    {
        var specPath = Path.Combine(_directory, "cluster-budget.conf");
        await File.WriteAllTextAsync(specPath, $$"""
            fedhe {
              federation { hospitals = 2, rounds = 4, quorum = 2 }
              data.file = "{{RepositoryFiles.Path("data", "wdbc.csv")}}"
              privacy { mode = distributed, noise-multiplier = 2, target-epsilon = 3.5 }
            }
            """);
        var plan = FederationSpecBinder.Load(specPath).Spec.PrivacyPlan()!;
        Assert.Equal(2, plan.RoundsWithinBudget);
        var logs = Path.Combine(_directory, "cluster");

        // Ports: the aggregator, two hospitals and the monitor member; the dashboard on any free port.
        var exit = await FederatedHe.Host.Program.Main(["cluster", "up", "--spec", specPath, "--logs", logs,
            "--base-port", FreePorts.Block(4).ToString(System.Globalization.CultureInfo.InvariantCulture), "--monitor-port", "0"]);

        Assert.True(exit == 0, FederatedHe.IntegrationTests.ClusterLauncher.ClusterOutcomeReport.DescribeLogs(logs));
        var log = await File.ReadAllTextAsync(Path.Combine(logs, "aggregator.log"));
        var unwrapped = log.Replace("\n", string.Empty, StringComparison.Ordinal);
        Assert.Contains($"privacy budget spent: ε={Figure(plan.EpsilonAfter(2))} of target 3.5", unwrapped, StringComparison.Ordinal);
        Assert.Contains($"privacy spent ε={Figure(plan.EpsilonAfter(1))} of 3.5", unwrapped, StringComparison.Ordinal);
        Assert.DoesNotContain("round 3 started", unwrapped, StringComparison.Ordinal);
        // cluster up's report, from the coordinator's notices through the monitor member: ε per round.
        var rows = (await File.ReadAllLinesAsync(Path.Combine(logs, RunReport.RoundsCsv))).Select(line => line.Split(',')).ToList();
        var epsilon = Array.IndexOf(rows[0], "epsilon");
        Assert.Equal([Figure(plan.EpsilonAfter(1)), Figure(plan.EpsilonAfter(2))],
            rows.Skip(1).Select(row => Figure(double.Parse(row[epsilon], System.Globalization.CultureInfo.InvariantCulture))));
        // The hospitals ended in order and kept the global model of the last round the budget allowed.
        foreach (var id in new[] { "hospital-1", "hospital-2" })
        {
            var saved = new FederatedHe.Actors.Persistence.HospitalModelFile(Path.Combine(logs, "state", "hospitals"), id)
                .Load(FederatedHe.Crypto.Ckks.CkksPresets.Params128BitLogN12LogQ60Aggregation.Id.ToString(), 31);
            Assert.Equal(2, saved?.Round);
        }
    }

    private static string Figure(double value) => value.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task Wrong_privacy_keys_fail_the_dry_run_with_one_line()
    {
        var run = await FedheProcess.RunAsync("simulate", "--dry-run", "--privacy", "distributed", "--noise-multiplier", "0");

        Assert.Equal(2, run.ExitCode);
        var error = Assert.Single((run.StandardOutput + run.StandardError).Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("fedhe.privacy.noise-multiplier: must be positive with fedhe.privacy.mode = distributed, got 0", error, StringComparison.Ordinal);
    }

    private static FederationSpec Spec(params string[] lines) =>
        FederationSpecBinder.Bind([FederationSpecBinder.ParseText(string.Join('\n', lines), "privacy-test.conf", RepositoryFiles.Path("."))]).Spec;

    private static SimulationOptions Options(FederationSpec spec) => new()
    {
        Spec = spec,
        ComputeBaselines = false,
        ExtraConfig = ConfigurationFactory.ParseString("akka.actor.serialize-messages = on"),
    };

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
