using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using FederatedHe.Host;

namespace FederatedHe.IntegrationTests.Cli;

/// <summary>A long-running `fedhe` child process whose output can be awaited line by line and which can be sent signals.</summary>
internal sealed class FedheChild : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Seen)> _waiters = [];

    private FedheChild(Process process) => _process = process;

    public static FedheChild Start(params string[] arguments)
    {
        InheritDefaultInterruptHandling();
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(typeof(Program).Assembly.Location);
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        var child = new FedheChild(new Process { StartInfo = start });
        child._process.OutputDataReceived += (_, e) => child.OnLine(e.Data);
        child._process.ErrorDataReceived += (_, e) => child.OnLine(e.Data);
        child._process.Start();
        child._process.BeginOutputReadLine();
        child._process.BeginErrorReadLine();
        return child;
    }

    public int Id => _process.Id;

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    /// <summary>Waits until a line containing <paramref name="text"/> is printed.</summary>
    public Task WaitForLineAsync(string text, TimeSpan timeout) =>
        WaitForLineAsync(line => line.Contains(text, StringComparison.Ordinal), $"'{text}'", timeout);

    /// <summary>Waits until a line that <paramref name="match"/> accepts is printed.</summary>
    public async Task WaitForLineAsync(Func<string, bool> match, string description, TimeSpan timeout)
    {
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_output)
        {
            if (_output.ToString().Split('\n').Any(line => match(line.TrimEnd('\r'))))
                return;
            _waiters.Add((match, seen));
        }

        if (await Task.WhenAny(seen.Task, Task.Delay(timeout), _process.WaitForExitAsync()) != seen.Task)
            throw new TimeoutException($"{description} not printed within {timeout} (exited: {_process.HasExited}):\n{Output}");
    }

    /// <summary>Writes one line to the child's standard input.</summary>
    public async Task WriteLineAsync(string line)
    {
        await _process.StandardInput.WriteLineAsync(line);
        await _process.StandardInput.FlushAsync();
    }

    /// <summary>Sends a POSIX signal (2 = SIGINT, 15 = SIGTERM).</summary>
    public void Signal(int signal)
    {
        if (Kill(_process.Id, signal) != 0)
            throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>The exit code, or null if the process is still running after <paramref name="timeout"/>.</summary>
    public async Task<int?> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancellation.Token);
            _process.WaitForExit(); // the rest of the redirected output
            return _process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
            return;
        lock (_output)
        {
            _output.AppendLine(line);
            foreach (var waiter in _waiters.Where(w => w.Match(line)).ToList())
            {
                waiter.Seen.TrySetResult(line);
                _waiters.Remove(waiter);
            }
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    [DllImport("libc", EntryPoint = "signal")]
    private static extern IntPtr SetSignalDisposition(int signal, IntPtr handler);

    /// <summary>
    /// A child inherits the signals its parent ignores, and a shell without job control starts a background command
    /// (`dotnet test … &amp;`) with SIGINT ignored; .NET then keeps it ignored and never calls the child's handler, so Ctrl-C
    /// would do nothing (as it should to a background job). The tests send SIGINT as a terminal's Ctrl-C does to a foreground
    /// command, so the test host lets its children start with SIGINT at its default, whatever started the host.
    /// </summary>
    private static void InheritDefaultInterruptHandling()
    {
        const int interrupt = 2;
        var ignored = File.ReadLines("/proc/self/status").FirstOrDefault(line => line.StartsWith("SigIgn:", StringComparison.Ordinal));
        if (ignored is not null && (Convert.ToUInt64(ignored["SigIgn:".Length..].Trim(), 16) & (1UL << (interrupt - 1))) != 0)
            SetSignalDisposition(interrupt, IntPtr.Zero);
    }

    private static string DotnetHost()
    {
        var root = Environment.GetEnvironmentVariable("DOTNET_ROOT");
        if (root is not null && File.Exists(Path.Combine(root, "dotnet")))
            return Path.Combine(root, "dotnet");
        for (var directory = new DirectoryInfo(Path.GetDirectoryName(typeof(object).Assembly.Location)!); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "dotnet");
            if (File.Exists(candidate))
                return candidate;
        }
        return "dotnet";
    }
}
