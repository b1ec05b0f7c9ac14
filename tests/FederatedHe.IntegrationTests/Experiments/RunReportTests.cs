using System.Text.Json;
using FederatedHe.Host;
using FederatedHe.Actors.Spec;
using FederatedHe.Host.Reports;

namespace FederatedHe.IntegrationTests.Experiments;

/// <summary>Runs a short experiment once, through the CLI as a user would, and keeps its report directory.</summary>
public sealed class ShortExperimentRun : IAsyncLifetime
{
    public const int Rounds = 2;

    public string Root { get; } = Directory.CreateTempSubdirectory("fedhe-report-test-").FullName;

    public string SpecPath => Path.Combine(Root, "two-hospitals.conf");

    public string SpecText { get; } = $$"""
        # A short run for the report tests.
        fedhe {
          experiment.name = two-hospitals
          federation { seed = 42, hospitals = 2, rounds = {{Rounds}}, quorum = 2 }
          data.file = "{{RepositoryFiles.Path("data", "wdbc.csv")}}"
        }
        """;

    public int ExitCode { get; private set; }

    public string RunDirectory { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        await File.WriteAllTextAsync(SpecPath, SpecText);
        ExitCode = await Program.Main(["experiment", "run", SpecPath, "--out", Path.Combine(Root, "runs")]);
        RunDirectory = Assert.Single(Directory.GetDirectories(Path.Combine(Root, "runs")));
    }

    public Task DisposeAsync()
    {
        Directory.Delete(Root, recursive: true);
        return Task.CompletedTask;
    }
}

/// <summary>`fedhe experiment run` and `fedhe simulate --out` write a complete run report.</summary>
[Collection(FederationRunsCollection.Name)]
public sealed class RunReportTests(ShortExperimentRun run) : IClassFixture<ShortExperimentRun>
{
    private static readonly string[] ExpectedColumns =
    [
        "round", "accuracy", "log_loss", "auc", "federated_accuracy", "round_ms", "bytes_on_wire", "ciphertext_bytes_received",
        "ciphertext_bytes_sent", "ciphertext_bytes_per_parameter", "contributors", "dropouts", "dropout_ids", "attempts", "retries",
        "ignored_messages", "training_ms", "encryption_ms", "aggregation_ms", "decryption_ms", "model_error_vs_plaintext_fedavg",
        "aggregate_ckks_error", "precision", "recall", "f1", "absent", "absent_ids", "sites_reporting", "worst_site_accuracy",
        "worst_site_accuracy_id", "worst_site_auc", "worst_site_log_loss", "epsilon", "session",
    ];

    [Fact]
    public void The_run_succeeds_into_a_directory_named_for_its_UTC_start_and_spec()
    {
        Assert.Equal(0, run.ExitCode);
        Assert.Matches(@"^\d{8}T\d{6}Z-two-hospitals$", Path.GetFileName(run.RunDirectory));
        Assert.Equal(
            [RunReport.AccuracyPng, RunReport.LossPng, RunReport.RoundsCsv, RunReport.RoundsJsonl, RunState.FileName, RunReport.SitesCsv, RunReport.SpecFile,
                RunReport.SummaryFile],
            Directory.GetFiles(run.RunDirectory).Select(Path.GetFileName).Order());
        // What a resume needs: the checkpoint journal, each hospital's saved model, the run's key, every round as concluded.
        var state = Path.Combine(run.RunDirectory, "state");
        Assert.True(File.Exists(Path.Combine(state, "aggregator.db")));
        Assert.True(File.Exists(Path.Combine(state, "keys", "secret.key")));
        Assert.True(File.Exists(Path.Combine(state, "hospitals", "hospital-1.model.json")));
        Assert.Equal(RunStatus.Completed, RunState.Read(run.RunDirectory)!.Effective);
    }

    [Fact]
    public void The_effective_spec_is_written_and_binds_back_to_the_spec_the_run_followed()
    {
        var followed = FederationSpecBinder.Load(run.SpecPath).Spec;
        var written = FederationSpecBinder.Load(Path.Combine(run.RunDirectory, RunReport.SpecFile)).Spec;

        Assert.Equal(FederationSpecWriter.Write(followed), FederationSpecWriter.Write(written));
    }

    [Fact]
    public void Rounds_csv_has_the_documented_columns_and_one_row_per_round()
    {
        var lines = File.ReadAllLines(Path.Combine(run.RunDirectory, RunReport.RoundsCsv));

        Assert.Equal(ExpectedColumns, lines[0].Split(','));
        var rows = lines.Skip(1).Select(line => line.Split(',')).ToList();
        Assert.Equal(ShortExperimentRun.Rounds, rows.Count);
        Assert.All(rows, row => Assert.Equal(ExpectedColumns.Length, row.Length));
        Assert.Equal(["1", "2"], rows.Select(row => row[0]));
        Assert.All(rows, row => Assert.InRange(double.Parse(row[1], System.Globalization.CultureInfo.InvariantCulture), 0.8, 1.0));
    }

    [Fact]
    public void Rounds_jsonl_has_one_object_per_round_with_bytes_on_the_wire_and_retries()
    {
        var lines = File.ReadAllLines(Path.Combine(run.RunDirectory, RunReport.RoundsJsonl));

        Assert.Equal(ShortExperimentRun.Rounds, lines.Length);
        for (var i = 0; i < lines.Length; i++)
        {
            using var json = JsonDocument.Parse(lines[i]);
            var round = json.RootElement;
            Assert.Equal(ExpectedColumns, round.EnumerateObject().Select(p => p.Name));
            Assert.Equal(i + 1, round.GetProperty("round").GetInt32());
            var received = round.GetProperty("ciphertext_bytes_received").GetInt64();
            var sent = round.GetProperty("ciphertext_bytes_sent").GetInt64();
            Assert.True(received > 0 && sent > 0);
            Assert.Equal(received + sent, round.GetProperty("bytes_on_wire").GetInt64());
            Assert.Equal(round.GetProperty("attempts").GetInt32() - 1, round.GetProperty("retries").GetInt32());
            Assert.Equal(2, round.GetProperty("contributors").GetInt32());
            Assert.Equal(JsonValueKind.Array, round.GetProperty("dropout_ids").ValueKind);
            Assert.InRange(round.GetProperty("model_error_vs_plaintext_fedavg").GetDouble(), 0, 1e-5);
        }
    }

    [Theory]
    [InlineData(RunReport.AccuracyPng)]
    [InlineData(RunReport.LossPng)]
    public void Plots_are_real_PNG_images(string file)
    {
        var bytes = File.ReadAllBytes(Path.Combine(run.RunDirectory, file));

        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A], bytes[..8]);
        Assert.True(bytes.Length > 10_000, $"{file} is only {bytes.Length} bytes");
    }

    [Fact]
    public void The_summary_compares_the_run_with_both_baselines()
    {
        var summary = File.ReadAllText(Path.Combine(run.RunDirectory, RunReport.SummaryFile));

        Assert.Contains("| encrypted federation (final round, whole test set) | ", summary, StringComparison.Ordinal);
        Assert.Contains("| plaintext FedAvg of the same updates (final round, whole test set) | ", summary, StringComparison.Ordinal);
        Assert.Contains("| centralised (", summary, StringComparison.Ordinal);
        Assert.All(summary.Split('\n').Where(l => l.StartsWith("| plaintext FedAvg", StringComparison.Ordinal) || l.StartsWith("| centralised", StringComparison.Ordinal)),
            row => Assert.DoesNotContain("n/a", row, StringComparison.Ordinal));
        Assert.Contains($"| rounds completed | {ShortExperimentRun.Rounds} of {ShortExperimentRun.Rounds} |", summary, StringComparison.Ordinal);
        Assert.Contains("| mean ciphertext bytes on the wire per round |", summary, StringComparison.Ordinal);
        Assert.Contains("| worst model error vs plaintext FedAvg |", summary, StringComparison.Ordinal);
        Assert.Contains("| dropouts (hospital-rounds) | 0 |", summary, StringComparison.Ordinal);
        Assert.Contains("| retries | 0 |", summary, StringComparison.Ordinal);
    }

    [Fact]
    public void The_summary_says_how_the_run_ended_in_one_plain_sentence_with_precision_recall_and_F1()
    {
        var summary = File.ReadAllText(Path.Combine(run.RunDirectory, RunReport.SummaryFile));

        Assert.Contains($"\nCompleted {ShortExperimentRun.Rounds} rounds.\n", summary, StringComparison.Ordinal);
        Assert.DoesNotContain("Completed: completed", summary, StringComparison.Ordinal);
        Assert.Contains("| run | accuracy | precision | recall | F1 | AUC | log-loss |", summary, StringComparison.Ordinal);
        var encrypted = summary.Split('\n').Single(l => l.StartsWith("| encrypted federation (final round", StringComparison.Ordinal));
        Assert.DoesNotContain("n/a", encrypted, StringComparison.Ordinal);
        Assert.Equal(9, encrypted.Split('|').Length); // seven figures between the bars
    }

    [Fact]
    public void The_summary_says_where_the_federation_time_went_in_parts_that_add_up_to_it()
    {
        var lines = File.ReadAllLines(Path.Combine(run.RunDirectory, RunReport.SummaryFile));
        var start = Array.IndexOf(lines, "## Where the federation time went");
        Assert.True(start > 0, "no time breakdown");
        var rows = lines.Skip(start + 4).TakeWhile(l => l.StartsWith('|')).Select(l => l.Split('|', StringSplitOptions.TrimEntries)).ToList();

        Assert.Equal(["start-up and registration", "key generation", "standardisation (round 0)", "rounds", "retries",
            "timeouts (deadlines waited out)", "stopping the nodes", "federation time"], rows.Select(r => r[1]));
        var seconds = rows.Select(r => double.Parse(r[2].TrimEnd('s', ' '), System.Globalization.CultureInfo.InvariantCulture)).ToList();
        // Each part is rounded to a hundredth of a second (two rounds of logistic regression can take under a tenth).
        Assert.InRange(seconds[..^1].Sum() - seconds[^1], -0.005 * 7, 0.005 * 7);
        Assert.True(seconds[3] > 0, "the rounds took no time");
        // The breakdown's total is the run's federation time, which the results table gives to a tenth.
        var federationTime = lines.Select(l => l.Split('|', StringSplitOptions.TrimEntries))
            .First(r => r.Length > 2 && r[1] == "federation time" && !r[^2].EndsWith('%'))[2];
        Assert.InRange(seconds[^1] - double.Parse(federationTime.TrimEnd('s', ' '), System.Globalization.CultureInfo.InvariantCulture), -0.051, 0.051);
    }

    [Fact]
    public void Each_rounds_report_keeps_every_hospitals_own_figures_and_the_worst_site_beside_the_pool()
    {
        var sites = File.ReadAllLines(Path.Combine(run.RunDirectory, RunReport.SitesCsv));
        Assert.Equal("round,hospital,samples,accuracy,log_loss,auc", sites[0]);
        var rows = sites.Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Equal([("1", "hospital-1"), ("1", "hospital-2"), ("2", "hospital-1"), ("2", "hospital-2")], rows.Select(r => (r[0], r[1])));
        Assert.All(rows, r => Assert.True(int.Parse(r[2], System.Globalization.CultureInfo.InvariantCulture) > 0));

        using var last = JsonDocument.Parse(File.ReadAllLines(Path.Combine(run.RunDirectory, RunReport.RoundsJsonl))[^1]);
        var round = last.RootElement;
        var siteAccuracies = rows.Where(r => r[0] == "2").Select(r => double.Parse(r[3], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(siteAccuracies.Min(), round.GetProperty("worst_site_accuracy").GetDouble(), 12);
        Assert.InRange(round.GetProperty("worst_site_accuracy").GetDouble(), 0, round.GetProperty("federated_accuracy").GetDouble());
        Assert.Equal(2, round.GetProperty("sites_reporting").GetInt32());

        var summary = File.ReadAllText(Path.Combine(run.RunDirectory, RunReport.SummaryFile));
        Assert.Contains("| hospitals' own held-out data (final round, pooled over 2) |", summary, StringComparison.Ordinal);
        Assert.Contains($"| worst hospital (final round): {round.GetProperty("worst_site_accuracy_id").GetString()}, its own held-out data |", summary, StringComparison.Ordinal);
        Assert.Contains("## Each hospital, round 2", summary, StringComparison.Ordinal);
    }

    private static string F(FormattableString text) => text.ToString(System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task Simulate_with_out_writes_the_same_report_with_a_spec_that_reruns_it()
    {
        var root = Path.Combine(run.Root, "simulate-runs");

        var exitCode = await Program.Main(["simulate", "--hospitals", "2", "--rounds", "1", "--quorum", "2", "--no-baselines", "--out", root]);

        Assert.Equal(0, exitCode);
        var directory = Assert.Single(Directory.GetDirectories(root));
        Assert.EndsWith("-simulate", directory, StringComparison.Ordinal);
        Assert.Equal(2, File.ReadAllLines(Path.Combine(directory, RunReport.RoundsCsv)).Length);
        Assert.True(File.Exists(Path.Combine(directory, RunReport.AccuracyPng)) && File.Exists(Path.Combine(directory, RunReport.LossPng)));
        var spec = FederationSpecBinder.Load(Path.Combine(directory, RunReport.SpecFile)).Spec;
        Assert.Equal((2, 1, (int?)2), (spec.Federation.Hospitals, spec.Federation.Rounds, spec.Federation.Quorum));
        Assert.Contains("| plaintext FedAvg of the same updates (final round, whole test set) | n/a |", File.ReadAllText(Path.Combine(directory, RunReport.SummaryFile)), StringComparison.Ordinal);
    }
}
