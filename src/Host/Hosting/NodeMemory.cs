using System.Diagnostics.Metrics;
using System.Globalization;
using FederatedHe.Actors.Diagnostics;

namespace FederatedHe.Host.Hosting;

/// <summary>
/// A node process's memory: what Linux counts (<c>/proc/self/status</c>: the resident set and its high-water mark, which
/// includes TorchSharp's native tensors and every thread's stack) and what the .NET garbage collector holds. One
/// <c>fedhe node</c> or <c>fedhe monitor</c> is one process, so these are the node's own figures; in <c>simulate</c> every
/// node shares one process and they would not be, which is why only the node commands report them.
/// </summary>
/// <param name="PeakResidentBytes">VmHWM: the most resident memory the process has held since it started; null where /proc is missing.</param>
/// <param name="ResidentBytes">VmRSS: resident memory now; null where /proc is missing.</param>
/// <param name="ManagedHeapBytes">Managed bytes the GC counts as in use now (<see cref="GC.GetTotalMemory(bool)"/>; garbage not yet collected included).</param>
/// <param name="AllocatedBytes">Managed bytes allocated since the process started (garbage included).</param>
internal sealed record NodeMemory(long? PeakResidentBytes, long? ResidentBytes, long ManagedHeapBytes, long AllocatedBytes)
{
    private const string StatusPath = "/proc/self/status";

    /// <summary>This process's figures now.</summary>
    public static NodeMemory OfThisProcess()
    {
        var (peak, resident) = ReadStatus(StatusPath);
        // Not GC.GetGCMemoryInfo: it describes the last collection, and is all zeros in a process that has not collected yet.
        return new NodeMemory(peak, resident, GC.GetTotalMemory(forceFullCollection: false), GC.GetTotalAllocatedBytes());
    }

    /// <summary>Another process's peak resident memory (VmHWM), or null once it has exited (its high-water mark goes with it).</summary>
    /// <param name="processId">The process to read.</param>
    public static long? PeakResidentBytesOf(int processId) =>
        ReadStatus(string.Create(CultureInfo.InvariantCulture, $"/proc/{processId}/status")).PeakResidentBytes;

    /// <summary>VmHWM and VmRSS of a <c>/proc/pid/status</c> text, in bytes; a field that is missing (a zombie process has none) is null.</summary>
    public static (long? PeakResidentBytes, long? ResidentBytes) ParseStatus(string status)
    {
        long? peak = null, resident = null;
        foreach (var line in status.Split('\n'))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                peak = Kilobytes(line) * 1024;
            else if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                resident = Kilobytes(line) * 1024;
        }

        return (peak, resident);
    }

    /// <summary>The closing line's figures, e.g. "peak RSS 812 MB (VmHWM), managed heap 35 MB, 2104 MB allocated in all".</summary>
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"peak RSS {Megabytes(PeakResidentBytes)} (VmHWM), managed heap {Megabytes(ManagedHeapBytes)}, {Megabytes(AllocatedBytes)} allocated in all");

    /// <summary>Bytes in whole megabytes (MiB), or "unknown".</summary>
    public static string Megabytes(long? bytes) =>
        bytes is { } value ? string.Create(CultureInfo.InvariantCulture, $"{value / (1024.0 * 1024):F0} MB") : "unknown";

    private static (long? PeakResidentBytes, long? ResidentBytes) ReadStatus(string path)
    {
        try
        {
            return ParseStatus(File.ReadAllText(path));
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // Not Linux, or the process is gone: the figure is unknown, not zero.
            return (null, null);
        }
    }

    // "VmHWM:\t  123456 kB": the kernel always counts in kB.
    private static long? Kilobytes(string line)
    {
        var fields = line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        return fields.Length > 0 && long.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;
    }
}

/// <summary>
/// The node process's memory as gauges of the <c>FederatedHe</c> meter, read when a scrape or export asks: on a Prometheus
/// endpoint <c>fedhe_node_memory_peak_resident_bytes</c>, <c>fedhe_node_memory_resident_bytes</c>,
/// <c>fedhe_node_memory_managed_heap_bytes</c> and <c>fedhe_node_memory_managed_allocated_bytes</c>, labelled with the node's
/// <c>node_id</c> and <c>role</c> as every other series. Dispose to remove them.
/// </summary>
/// <remarks>Thread-safe: the gauges' callbacks only read the process's figures.</remarks>
internal sealed class NodeMemoryMetrics : IDisposable
{
    // A meter of the same name as FederationMetrics': the exporters subscribe by name, so these series join the node's others.
    private readonly Meter _meter = new(FederationMetrics.MeterName);

    private NodeMemoryMetrics(string nodeId, string role)
    {
        KeyValuePair<string, object?>[] node = [new(FederationMetrics.NodeTag, nodeId), new(FederationMetrics.RoleTag, role)];
        IEnumerable<Measurement<long>> Read(Func<NodeMemory, long?> pick) =>
            pick(NodeMemory.OfThisProcess()) is { } value ? [new Measurement<long>(value, node)] : [];
        _meter.CreateObservableGauge("fedhe.node.memory.peak_resident", () => Read(m => m.PeakResidentBytes), "By",
            "Peak resident memory of the node's process since it started (VmHWM)");
        _meter.CreateObservableGauge("fedhe.node.memory.resident", () => Read(m => m.ResidentBytes), "By", "Resident memory of the node's process (VmRSS)");
        _meter.CreateObservableGauge("fedhe.node.memory.managed_heap", () => Read(m => m.ManagedHeapBytes), "By",
            "Managed bytes the node's .NET GC counts as in use (uncollected garbage included)");
        _meter.CreateObservableGauge("fedhe.node.memory.managed_allocated", () => Read(m => m.AllocatedBytes), "By",
            "Managed bytes the node has allocated since it started");
    }

    /// <summary>Publishes the node's memory gauges (they cost nothing until an exporter reads them).</summary>
    /// <param name="nodeId">The node's id (aggregator, hospital-1, monitor).</param>
    /// <param name="role">The node's cluster role.</param>
    public static NodeMemoryMetrics Register(string nodeId, string role) => new(nodeId, role);

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();
}
