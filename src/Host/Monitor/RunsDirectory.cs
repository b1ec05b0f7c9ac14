using System.Globalization;
using System.Text.Json;
using FederatedHe.Host.Reports;

namespace FederatedHe.Host.Monitor;

/// <summary>A past run in the runs directory.</summary>
/// <param name="Name">Its directory's name (UTC time and experiment).</param>
/// <param name="Modified">When it was last written.</param>
/// <param name="Rounds">Rounds in its report (rounds.jsonl), or null for a run without one (a cluster run's logs).</param>
/// <param name="FinalAccuracy">The last round's accuracy, or null.</param>
/// <param name="Nodes">Node logs in it (cluster runs).</param>
public sealed record PastRun(string Name, DateTime Modified, int? Rounds, double? FinalAccuracy, int Nodes);

/// <summary>Lists the runs directory for the dashboard: newest first, read-only, tolerant of runs written half-way.</summary>
public static class RunsDirectory
{
    /// <summary>How many runs are listed at most.</summary>
    public const int Listed = 50;

    /// <summary>The runs under <paramref name="root"/>, newest first; none if it does not exist.</summary>
    public static IReadOnlyList<PastRun> List(string root)
    {
        if (!Directory.Exists(root))
            return [];
        return new DirectoryInfo(root).EnumerateDirectories()
            .OrderByDescending(d => d.LastWriteTimeUtc)
            .Take(Listed)
            .Select(Describe)
            .ToList();
    }

    private static PastRun Describe(DirectoryInfo run)
    {
        int? rounds = null;
        double? accuracy = null;
        var report = Path.Combine(run.FullName, RunReport.RoundsJsonl);
        if (File.Exists(report))
        {
            try
            {
                var lines = File.ReadAllLines(report).Where(l => l.Length > 0).ToList();
                rounds = lines.Count;
                if (lines.Count > 0)
                {
                    using var last = JsonDocument.Parse(lines[^1]);
                    foreach (var column in new[] { "accuracy", "federated_accuracy" })
                    {
                        if (last.RootElement.TryGetProperty(column, out var value) && value.ValueKind == JsonValueKind.Number)
                        {
                            accuracy = value.GetDouble();
                            break;
                        }
                    }
                }
            }
            catch (Exception exception) when (exception is IOException or JsonException or UnauthorizedAccessException)
            {
                // A run still being written, or a damaged report: listed without figures.
            }
        }

        var nodes = run.EnumerateFiles("*.log").Count(f => !f.Name.Equals("certs.log", StringComparison.Ordinal));
        return new PastRun(run.Name, run.LastWriteTimeUtc, rounds, accuracy, nodes);
    }

    /// <summary>For logs: a run in one line.</summary>
    public static string Describe(PastRun run) =>
        string.Create(CultureInfo.InvariantCulture, $"{run.Name}: {(run.Rounds is { } r ? $"{r} rounds" : $"{run.Nodes} node logs")}");
}
