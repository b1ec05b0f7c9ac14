using System.Globalization;
using System.Text.Json;
using FederatedHe.Actors.Spec;

namespace FederatedHe.Host.Reports;

/// <summary>A run directory that cannot be read as one: named, with what is wrong, in one line.</summary>
public sealed class RunDirectoryException(string message) : Exception(message);

/// <summary>One round's figures as rounds.jsonl keeps them (null where the run did not measure one).</summary>
public sealed record RecordedRound(int Round, double? Accuracy, double? LogLoss, double? Auc, double? RoundMs, long? BytesOnWire, int Dropouts, int Retries);

/// <summary>
/// A finished run's report directory (<see cref="RunReport"/>) read back for <c>fedhe runs</c>: its effective spec, how it
/// ended, its per-round figures and where its hospitals' model files are.
/// </summary>
/// <param name="Id">The directory's name, which is the run's id (<c>20261202T021500Z-simulate</c>).</param>
/// <param name="Directory">Its full path.</param>
/// <param name="Spec">The effective spec (spec.conf).</param>
/// <param name="Status">How it ended, from summary.md ("Completed 20 rounds.", "Completed: privacy budget spent: ….", "Failed: …").</param>
/// <param name="Rounds">Every recorded round, round 0 included.</param>
/// <param name="ModelFiles">Each hospital's model file path and whether it is there.</param>
/// <param name="Outcome">Running, completed, failed or interrupted (run.json, or for a run without one its summary).</param>
/// <param name="State">run.json, or null for a run directory without one (`cluster up`, `node --report`, an older fedhe).</param>
public sealed record RunDirectory(string Id, string Directory, FederationSpec Spec, string Status, IReadOnlyList<RecordedRound> Rounds,
    IReadOnlyList<(string HospitalId, string Path, bool Exists)> ModelFiles, RunStatus Outcome, RunState? State)
{
    /// <summary>Whether the run completed every round.</summary>
    public bool Succeeded => Outcome == RunStatus.Completed;

    /// <summary>The outcome in one word, as `fedhe runs` prints it.</summary>
    public string OutcomeWord => Outcome.ToString().ToLowerInvariant();

    /// <summary>The last round with a test-set evaluation, or null.</summary>
    public RecordedRound? Final => Rounds.LastOrDefault(r => r.Accuracy is not null);

    /// <summary>The run directories under <paramref name="root"/>, oldest first (their names start with the UTC start time).</summary>
    public static IReadOnlyList<string> Under(string root) => System.IO.Directory.Exists(root)
        ? [.. System.IO.Directory.GetDirectories(root).Where(d => File.Exists(Path.Combine(d, RunReport.SpecFile)) || File.Exists(Path.Combine(d, RunReport.SummaryFile)))
            .Order(StringComparer.Ordinal)]
        : [];

    /// <summary>The run <paramref name="id"/> under <paramref name="root"/>: its exact directory name, or a prefix only one run has.</summary>
    /// <exception cref="RunDirectoryException">No run, or more than one, has that id; or the directory is not a readable run.</exception>
    public static RunDirectory Find(string root, string id)
    {
        var exact = Path.Combine(root, id);
        if (!string.IsNullOrWhiteSpace(id) && id.IndexOfAny(['/', '\\']) < 0 && System.IO.Directory.Exists(exact))
            return Read(exact);
        var matches = System.IO.Directory.Exists(root)
            ? System.IO.Directory.GetDirectories(root).Where(d => Path.GetFileName(d).StartsWith(id, StringComparison.Ordinal)).ToList()
            : [];
        return matches.Count switch
        {
            1 => Read(matches[0]),
            0 => throw new RunDirectoryException($"no run '{id}' under {Path.GetFullPath(root)} (`fedhe runs list --runs {root}` lists them)"),
            _ => throw new RunDirectoryException($"'{id}' names {matches.Count} runs under {Path.GetFullPath(root)}: "
                + string.Join(", ", matches.Select(Path.GetFileName).Order(StringComparer.Ordinal))),
        };
    }

    /// <summary>Reads a run directory.</summary>
    /// <exception cref="RunDirectoryException">
    /// It lacks spec.conf, rounds.jsonl, or (once it has ended) summary.md, or one of its files is not what the report wrote.
    /// </exception>
    public static RunDirectory Read(string directory)
    {
        var full = Path.GetFullPath(directory);
        var id = Path.GetFileName(full);
        var specPath = Path.Combine(full, RunReport.SpecFile);
        var summaryPath = Path.Combine(full, RunReport.SummaryFile);
        var roundsPath = Path.Combine(full, RunReport.RoundsJsonl);
        var state = RunState.Read(full);
        // A run still going, or killed before it could write its summary, has none yet.
        var unfinished = state?.Effective is RunStatus.Running or RunStatus.Interrupted && !File.Exists(summaryPath);
        foreach (var required in unfinished ? new[] { specPath, roundsPath } : [specPath, summaryPath, roundsPath])
        {
            if (!File.Exists(required))
                throw new RunDirectoryException($"run {id}: {Path.GetFileName(required)} is missing from {full}; the run did not finish writing its report, or the directory was damaged");
        }

        FederationSpec spec;
        try
        {
            spec = FederationSpecBinder.Load(specPath).Spec;
        }
        catch (Exception exception) when (exception is FederationSpecException or Akka.Configuration.ConfigurationException or FormatException)
        {
            throw new RunDirectoryException($"run {id}: its {RunReport.SpecFile} is unreadable: {exception.Message}");
        }

        var rounds = ReadRounds(id, roundsPath);
        var last = rounds.Count == 0 ? 0 : rounds.Max(r => r.Round);
        var status = unfinished ? null : File.ReadLines(summaryPath).Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("Completed", StringComparison.Ordinal) || l.StartsWith("**Failed**:", StringComparison.Ordinal))
            ?? throw new RunDirectoryException($"run {id}: its {RunReport.SummaryFile} says neither 'Completed' nor 'Failed:'");
        var outcome = state?.Effective ?? (status!.StartsWith("Completed", StringComparison.Ordinal) ? RunStatus.Completed : RunStatus.Failed);
        status = outcome switch
        {
            RunStatus.Running => $"Running (process {state!.Sessions[^1].ProcessId}), {last} rounds concluded so far",
            RunStatus.Interrupted => $"Interrupted after {last} concluded rounds",
            _ => status!.Replace("**Failed**", "Failed", StringComparison.Ordinal),
        };
        var modelDirectory = state?.ModelDirectory ?? spec.Hospital.EffectiveModelDirectory(spec.Persistence.HospitalDirectory);
        var models = spec.HospitalIds
            .Select(h => Path.GetFullPath(Path.Combine(modelDirectory, FederationSpec.ModelFileName(h))))
            .Select((path, i) => (spec.HospitalIds[i], path, File.Exists(path)))
            .ToList();
        return new RunDirectory(id, full, spec, status, rounds, models, outcome, state);
    }

    /// <summary>The rounds of rounds.jsonl, the last line on each round standing (a resumed run may conclude a round again).</summary>
    private static List<RecordedRound> ReadRounds(string id, string path)
    {
        var rounds = new List<RecordedRound>();
        var lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (line.Length == 0)
                continue;
            try
            {
                using var json = JsonDocument.Parse(line);
                var root = json.RootElement;
                rounds.Add(new RecordedRound(
                    root.GetProperty("round").GetInt32(),
                    Number(root, "accuracy"), Number(root, "log_loss"), Number(root, "auc"), Number(root, "round_ms"),
                    Number(root, "bytes_on_wire") is { } bytes ? (long)bytes : null,
                    (int)(Number(root, "dropouts") ?? 0), (int)(Number(root, "retries") ?? 0)));
            }
            catch (Exception exception) when (exception is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
            {
                throw new RunDirectoryException($"run {id}: {RunReport.RoundsJsonl} line {lineNumber.ToString(CultureInfo.InvariantCulture)} is not a round record ({exception.Message})");
            }
        }

        return [.. rounds.GroupBy(r => r.Round).Select(g => g.Last()).OrderBy(r => r.Round)];
    }

    private static double? Number(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;
}
