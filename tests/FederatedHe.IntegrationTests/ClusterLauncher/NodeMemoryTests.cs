using FederatedHe.Host.Hosting;

namespace FederatedHe.IntegrationTests.ClusterLauncher;

/// <summary>How a node's memory is read from Linux's /proc/pid/status.</summary>
public sealed class NodeMemoryTests
{
    [Fact]
    public void The_peak_and_resident_set_are_read_from_VmHWM_and_VmRSS_in_kilobytes()
    {
        const string status = "Name:\tfedhe\nVmPeak:\t 9000000 kB\nVmSize:\t 8000000 kB\nVmHWM:\t  812344 kB\nVmRSS:\t  700000 kB\nThreads:\t42\n";

        var (peak, resident) = NodeMemory.ParseStatus(status);

        Assert.Equal(812344L * 1024, peak);
        Assert.Equal(700000L * 1024, resident);
    }

    [Fact]
    public void A_process_that_has_exited_and_awaits_its_parent_has_no_memory_figures_rather_than_zero()
    {
        // A zombie's status has no Vm* lines.
        var (peak, resident) = NodeMemory.ParseStatus("Name:\tfedhe\nState:\tZ (zombie)\nThreads:\t1\n");

        Assert.Null(peak);
        Assert.Null(resident);
    }

    [Fact]
    public void This_process_reports_its_peak_its_managed_heap_and_what_it_allocated()
    {
        var memory = NodeMemory.OfThisProcess();

        Assert.True(memory.PeakResidentBytes > memory.ManagedHeapBytes / 2, memory.Describe());
        Assert.True(memory.ManagedHeapBytes > 0);
        Assert.True(memory.AllocatedBytes > 0);
        Assert.Matches(@"^peak RSS \d+ MB \(VmHWM\), managed heap \d+ MB, \d+ MB allocated in all$", memory.Describe());
    }

    [Fact]
    public void Another_process_that_is_gone_has_no_peak()
    {
        using var process = System.Diagnostics.Process.Start("true")!;
        process.WaitForExit();

        Assert.Null(NodeMemory.PeakResidentBytesOf(process.Id));
    }
}
