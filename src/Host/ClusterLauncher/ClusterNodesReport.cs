using System.Globalization;
using System.Text;
using FederatedHe.Host.Hosting;
using FederatedHe.Host.Reports;

namespace FederatedHe.Host.ClusterLauncher;

/// <summary>
/// What `cluster up` adds to the run report about its processes: <c>nodes.csv</c> (one row per node process: its name, process id,
/// exit, and peak resident memory) and a "Peak memory per node" table at the end of summary.md. Only `cluster up` has one process
/// per node, so only its report has a figure per node; an in-process run's nodes share one process.
/// </summary>
public static class ClusterNodesReport
{
    /// <summary>The per-node file's name.</summary>
    public const string NodesCsv = "nodes.csv";

    /// <summary>The CSV header.</summary>
    public const string Header = "node,pid,exit_code,killed_by_fault,peak_rss_bytes";

    /// <summary>Writes nodes.csv into <paramref name="directory"/> and appends the table to its summary.md (written before).</summary>
    /// <param name="directory">The run's log directory.</param>
    /// <param name="nodes">Every node process's outcome, restarts included, in the order they started.</param>
    /// <exception cref="IOException">A file cannot be written.</exception>
    public static void Write(string directory, IReadOnlyList<NodeOutcome> nodes)
    {
        var csv = new StringBuilder(Header).Append('\n');
        foreach (var node in nodes)
        {
            csv.Append(CultureInfo.InvariantCulture,
                $"{node.Name},{node.ProcessId},{node.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? string.Empty},{(node.KilledByFault ? "true" : "false")},");
            csv.Append(node.PeakResidentBytes?.ToString(CultureInfo.InvariantCulture) ?? string.Empty).Append('\n');
        }

        File.WriteAllText(Path.Combine(directory, NodesCsv), csv.ToString());

        var table = new StringBuilder()
            .Append("\n## Peak memory per node\n\n")
            .Append("Each node's process's peak resident memory (VmHWM from /proc/<pid>/status, read by `cluster up` every ")
            .Append(CultureInfo.InvariantCulture, $"{NodeProcess.MemorySampleInterval.TotalMilliseconds:F0} ms while the node ran; ")
            .Append("a node restarted by the fault schedule has a row per process).\n\n")
            .Append("| node | pid | peak RSS |\n|---|---|---|\n");
        foreach (var node in nodes)
            table.Append(CultureInfo.InvariantCulture, $"| {node.Name} | {node.ProcessId} | {NodeMemory.Megabytes(node.PeakResidentBytes)} |\n");
        File.AppendAllText(Path.Combine(directory, RunReport.SummaryFile), table.ToString());
    }
}
