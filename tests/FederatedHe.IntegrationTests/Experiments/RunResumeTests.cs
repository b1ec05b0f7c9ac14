using System.Text.RegularExpressions;
using FederatedHe.Actors.Spec;
using FederatedHe.IntegrationTests.Cli;
using FederatedHe.IntegrationTests.Models;
using FederatedHe.Training.Models;
using Xunit.Abstractions;

namespace FederatedHe.IntegrationTests.Experiments;

/// <summary>
/// `fedhe runs resume`: a real `fedhe` process running an experiment is killed with SIGKILL once a round has been printed,
/// `fedhe runs` finds the run interrupted, and `fedhe runs resume` continues it from its last checkpointed round to the
/// same final model as the same experiment run without interruption.
/// </summary>
[Collection(FederationRunsCollection.Name)]
public sealed class RunResumeTests(ITestOutputHelper output) : IDisposable
{
    private const int Rounds = 8;
    private const int KilledAfterRound = 3;
    private const int Hospitals = 3;
    private readonly string _root = Directory.CreateTempSubdirectory("fedhe-resume-run-").FullName;

    public static TheoryData<string> Commands => new() { "experiment run", "simulate" };

    [Theory(Timeout = 900_000)]
    [MemberData(nameof(Commands))]
    public async Task A_run_killed_with_SIGKILL_mid_run_and_resumed_ends_with_the_uninterrupted_runs_model(string command)
    {
        var spec = Path.Combine(_root, "resume.conf");
        // Every training starts a second late, so the rounds after the kill's round cannot all finish before the kill lands,
        // however late a loaded machine delivers the round's line (the delay changes when a model is trained, not what).
        await File.WriteAllTextAsync(spec,
            $"fedhe {{ experiment.name = resume, federation {{ hospitals = {Hospitals}, rounds = {Rounds}, seed = 11 }}\n faults.training-delay = 1s }}\n");

        var uninterrupted = await FedheProcess.RunAsync(TimeSpan.FromMinutes(5), Run(command, spec, "uninterrupted"));
        output.WriteLine(uninterrupted.StandardOutput + uninterrupted.StandardError);
        Assert.True(uninterrupted.ExitCode == 0, uninterrupted.StandardOutput + uninterrupted.StandardError);

        var runs = Path.Combine(_root, "interrupted", "runs");
        using (var child = FedheChild.Start(Run(command, spec, "interrupted")))
        {
            // The plain (redirected) view prints one line per round, opening with the round's number.
            var roundLine = new Regex($@"^\s*{KilledAfterRound}\s+\d\.\d{{4}}\s");
            await child.WaitForLineAsync(roundLine.IsMatch, $"the line of round {KilledAfterRound}", TimeSpan.FromMinutes(4));
            child.Signal(9);
            Assert.Equal(137, await child.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            output.WriteLine(child.Output);
        }

        var id = Path.GetFileName(Assert.Single(Directory.GetDirectories(runs)));
        var list = await FedheProcess.RunAsync("runs", "list", "--runs", runs);
        output.WriteLine(list.StandardOutput + list.StandardError);
        Assert.Matches(new Regex($@"{Regex.Escape(id!)}\s+interrupted\s+\d"), list.StandardOutput);
        Assert.Contains($"fedhe runs resume <id> --runs {runs}", list.StandardOutput, StringComparison.Ordinal);
        var show = await FedheProcess.RunAsync("runs", "show", id!, "--runs", runs);
        Assert.Contains($"resume      fedhe runs resume {id} --runs {runs}", show.StandardOutput, StringComparison.Ordinal);

        var resumed = await FedheProcess.RunAsync(TimeSpan.FromMinutes(5), "runs", "resume", id!, "--runs", runs);
        output.WriteLine(resumed.StandardOutput + resumed.StandardError);
        Assert.True(resumed.ExitCode == 0, resumed.StandardOutput + resumed.StandardError);

        for (var hospital = 1; hospital <= Hospitals; hospital++)
        {
            var expected = ModelFile.Read(ModelPath("uninterrupted", hospital)).Parameters;
            var actual = ModelFile.Read(ModelPath("interrupted", hospital)).Parameters;
            Assert.Equal(expected.Count, actual.Count);
            var largest = expected.Zip(actual, (a, b) => Math.Abs((double)a - b)).Max();
            Assert.True(largest <= 1e-9, $"hospital-{hospital}: largest |difference| {largest:E2}");
        }

        // The report keeps the rounds before the interruption and marks the session that concluded each.
        var directory = Path.Combine(runs, id!);
        var csv = await File.ReadAllLinesAsync(Path.Combine(directory, "rounds.csv"));
        var header = csv[0].Split(',');
        var rows = csv.Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Equal(Enumerable.Range(1, Rounds).Select(r => $"{r}"), rows.Select(r => r[Array.IndexOf(header, "round")]));
        var sessions = rows.Select(r => r[Array.IndexOf(header, "session")]).ToList();
        Assert.Equal("1", sessions[0]);
        Assert.Equal("2", sessions[^1]);
        Assert.Equal(sessions.Order(StringComparer.Ordinal), sessions);
        var summary = await File.ReadAllTextAsync(Path.Combine(directory, "summary.md"));
        Assert.Contains($"Completed {Rounds} rounds.", summary, StringComparison.Ordinal);
        Assert.Contains("Resumed with `fedhe runs resume` 1 time(s): session 1 started", summary, StringComparison.Ordinal);
        Assert.Matches(new Regex($@"{Regex.Escape(id!)}\s+completed\s+{Rounds}\s"), (await FedheProcess.RunAsync("runs", "list", "--runs", runs)).StandardOutput);

        AssertOneLineError(await FedheProcess.RunAsync("runs", "resume", id!, "--runs", runs), $"run {id} completed; there is nothing to resume");
        AssertOneLineError(await FedheProcess.RunAsync("runs", "resume", "20991231T000000Z-nothing", "--runs", runs), "no run '20991231T000000Z-nothing'");
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A SQLite handle may linger a moment after the process stops; the temporary directory is left behind then.
        }
    }

    private string[] Run(string command, string spec, string name)
    {
        var models = FederationSpecWriter.Quote(Path.Combine(_root, name, "models"));
        var runs = Path.Combine(_root, name, "runs");
        return command == "simulate"
            ? ["simulate", "--spec", spec, "--out", runs, "--no-baselines", "--set", $"fedhe.hospital.model-directory={models}"]
            : ["experiment", "run", spec, "--out", runs, "--no-baselines", "--set", $"fedhe.hospital.model-directory={models}"];
    }

    private string ModelPath(string name, int hospital) => Path.Combine(_root, name, "models", FederationSpec.ModelFileName($"hospital-{hospital}"));

    private void AssertOneLineError(FedheProcess.Outcome outcome, string expected)
    {
        var text = outcome.StandardOutput + outcome.StandardError;
        output.WriteLine(text);
        Assert.NotEqual(0, outcome.ExitCode);
        Assert.Contains(expected, Assert.Single(text.Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
    }
}
