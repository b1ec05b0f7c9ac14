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
        {
            text.Append($"\n--- {node.Name} (exit code {node.ExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}), the end of {node.LogPath}:");
            var lines = File.Exists(node.LogPath) ? File.ReadAllLines(node.LogPath) : ["(no log)"];
            foreach (var line in lines.TakeLast(TailLines))
                text.Append('\n').Append(line.Length > 600 ? line[..600] + " …" : line);
        }

        return text.ToString();
    }
}
