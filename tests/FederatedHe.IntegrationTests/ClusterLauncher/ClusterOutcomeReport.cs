using FederatedHe.Host.ClusterLauncher;

namespace FederatedHe.IntegrationTests.ClusterLauncher;

/// <summary>How a failed `cluster up` run is shown in a test's failure: the launcher's status, every node's outcome, and the last lines of each failed node's log, which the test's temporary directory does not outlive.</summary>
internal static class ClusterOutcomeReport
{
    /// <summary>Lines of a failed node's log that a failure shows.</summary>
    private const int TailLines = 12;

    /// <summary>The status and the nodes' outcomes; for each node that failed, its log's last lines.</summary>
    public static string Describe(this ClusterOutcome outcome)
    {
        var text = new System.Text.StringBuilder($"{outcome.Status}: {string.Join(", ", outcome.Nodes)}");
        foreach (var node in outcome.Nodes.Where(n => !n.Succeeded))
            AppendTail(text, $"{node.Name} (exit code {node.ExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"})", node.LogPath);
        return text.ToString();
    }

    /// <summary>For a `cluster up` run through the command line (its outcome unseen): the last lines of each node log in <paramref name="logDirectory"/> that does not end in exit code 0.</summary>
    public static string DescribeLogs(string logDirectory)
    {
        var text = new System.Text.StringBuilder($"cluster up failed; its logs in {logDirectory}:");
        var logs = Directory.Exists(logDirectory) ? Directory.GetFiles(logDirectory, "*.log").Order(StringComparer.Ordinal) : Enumerable.Empty<string>();
        foreach (var log in logs.Where(l => !File.ReadAllText(l).EndsWith("# exited with code 0\n", StringComparison.Ordinal)))
            AppendTail(text, Path.GetFileNameWithoutExtension(log), log);
        return text.ToString();
    }

    private static void AppendTail(System.Text.StringBuilder text, string node, string logPath)
    {
        text.Append($"\n--- {node}, the end of {logPath}:");
        var lines = File.Exists(logPath) ? File.ReadAllLines(logPath) : ["(no log)"];
        foreach (var line in lines.TakeLast(TailLines))
            text.Append('\n').Append(line.Length > 600 ? line[..600] + " …" : line);
    }
}
