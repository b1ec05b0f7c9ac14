using System.Text.RegularExpressions;
using FederatedHe.Actors.Spec;
using FederatedHe.IntegrationTests.Models;
using Xunit.Abstractions;

namespace FederatedHe.IntegrationTests.Experiments;

/// <summary>
/// `fedhe runs list|show|compare` over a runs directory that two real `fedhe simulate` runs wrote: the runs are found
/// again with their status, final figures and model files, set side by side, and an unknown id or a damaged run
/// directory is one line and a non-zero exit.
/// </summary>
[Collection(FederationRunsCollection.Name)]
public sealed class RunsCommandTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("fedhe-runs-").FullName;

    [Fact(Timeout = 600_000)]
    public async Task Runs_are_listed_shown_and_compared_from_their_reports_and_bad_ids_or_damaged_runs_are_one_line_errors()
    {
        var runs = Path.Combine(_root, "runs");
        var models = Path.Combine(_root, "models");
        foreach (var (rounds, seed) in new[] { (2, 7), (3, 8) })
        {
            var run = await FedheProcess.RunAsync("simulate", "--hospitals", "3", "--rounds", $"{rounds}", "--seed", $"{seed}", "--out", runs, "--no-baselines",
                "--set", $"fedhe.hospital.model-directory={FederationSpecWriter.Quote(models)}");
            Assert.True(run.ExitCode == 0, run.StandardOutput + run.StandardError);
        }

        var ids = Directory.GetDirectories(runs).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(2, ids.Length);

        var list = await Runs("list");
        Assert.Equal(0, list.ExitCode);
        foreach (var id in ids)
            Assert.Matches(new Regex($@"{Regex.Escape(id!)}\s+completed\s+\d\s+\d+\.\d\d%"), list.StandardOutput);

        var show = await Runs("show", ids[1]!);
        Assert.Equal(0, show.ExitCode);
        Assert.Contains("status      Completed 3 rounds.", show.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("3 hospitals, 3 rounds", show.StandardOutput, StringComparison.Ordinal);
        Assert.Matches(new Regex(@"final\s+accuracy \d+\.\d\d%, AUC \d\.\d{4}, log-loss \d\.\d{4} \(round 3\)"), show.StandardOutput);
        foreach (var hospital in new[] { "hospital-1", "hospital-2", "hospital-3" })
            Assert.Contains(Path.Combine(models, $"{hospital}.fedhe-model.json"), show.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("(not there)", show.StandardOutput, StringComparison.Ordinal);

        var compare = await Runs("compare", ids[0]!, ids[1]!);
        Assert.Equal(0, compare.ExitCode);
        Assert.Matches(new Regex(@"rounds\s+2 of 2\s+3 of 3"), compare.StandardOutput);
        Assert.Matches(new Regex(@"seed\s+7\s+8"), compare.StandardOutput);
        Assert.Matches(new Regex(@"round 3 accuracy\s+n/a\s+\d+\.\d\d%"), compare.StandardOutput);

        await AssertOneLineError(await Runs("show", "20991231T000000Z-nothing"), "no run '20991231T000000Z-nothing'");

        await File.WriteAllTextAsync(Path.Combine(runs, ids[0]!, "rounds.jsonl"), "{\"round\": 1, \"accuracy\": 0.9}\nnot json\n");
        await AssertOneLineError(await Runs("show", ids[0]!), "rounds.jsonl line 2 is not a round record");
        File.Delete(Path.Combine(runs, ids[1]!, "spec.conf"));
        await AssertOneLineError(await Runs("compare", ids[0]!, ids[1]!), "rounds.jsonl line 2"); // the first damaged run is named
        var damagedList = await Runs("list");
        output.WriteLine(damagedList.StandardOutput);
        Assert.NotEqual(0, damagedList.ExitCode);
        Assert.Equal(2, Regex.Matches(damagedList.StandardOutput, "^error: ", RegexOptions.Multiline).Count);
        Assert.Contains($"run {ids[1]}: spec.conf is missing", damagedList.StandardOutput, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private Task<FedheProcess.Outcome> Runs(params string[] arguments) =>
        FedheProcess.RunAsync(["runs", .. arguments, "--runs", Path.Combine(_root, "runs")]);

    private Task AssertOneLineError(FedheProcess.Outcome outcome, string expected)
    {
        var text = outcome.StandardOutput + outcome.StandardError;
        output.WriteLine(text);
        Assert.NotEqual(0, outcome.ExitCode);
        Assert.Contains(expected, Assert.Single(text.Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
        return Task.CompletedTask;
    }
}
