using System.Runtime.InteropServices;

namespace FederatedHe.Testing;

/// <summary>
/// Puts the calling thread at the lowest scheduling priority (on Linux, nice 19 for that thread alone): for work that
/// nothing waits on until the end, so that it takes the cores only when the federation leaves them idle. .NET's own
/// <see cref="Thread.Priority"/> has no effect on Linux.
/// </summary>
internal static class LowestPriority
{
    private const int PriorityOfProcess = 0; // PRIO_PROCESS: with a thread id, that thread alone (Linux)
    private const int LowestNice = 19;

    /// <summary>
    /// Lowers the calling thread's priority for the rest of its life: call it on a thread of one's own that ends with the work.
    /// Elsewhere than on Linux, or if the system refuses, the priority stays as it was.
    /// </summary>
    public static void ForCurrentThread()
    {
        if (OperatingSystem.IsLinux())
            _ = SetPriority(PriorityOfProcess, GetThreadId(), LowestNice);
    }

    [DllImport("libc", EntryPoint = "gettid")]
    private static extern int GetThreadId();

    [DllImport("libc", EntryPoint = "setpriority")]
    private static extern int SetPriority(int which, int who, int priority);
}
