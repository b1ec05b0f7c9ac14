using System.Diagnostics;
using FederatedHe.Host.Hosting;

namespace FederatedHe.Host.ClusterLauncher;

/// <summary>
/// One `fedhe node` child process: its stdout and stderr go, line by line, to its own log file and to an
/// observer; it can be killed with everything it started.
/// </summary>
/// <remarks>Thread-safe: output arrives on pool threads and is written under a lock.</remarks>
public sealed class NodeProcess : IDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Timer? _memorySampler;
    private long _peakResidentBytes = -1;

    private NodeProcess(string name, string logPath, Process process, StreamWriter log)
    {
        Name = name;
        LogPath = logPath;
        _process = process;
        _log = log;
    }

    /// <summary>The node's name (aggregator, hospital-1, …).</summary>
    public string Name { get; }

    /// <summary>The node's log file.</summary>
    public string LogPath { get; }

    /// <summary>The process id.</summary>
    public int Id => _process.Id;

    /// <summary>Completes with the exit code once the process has exited and its output is in the log.</summary>
    public Task<int> Exited => _exited.Task;

    /// <summary>Whether the process has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>
    /// The process's peak resident memory (VmHWM) at the last of the readings taken every <see cref="MemorySampleInterval"/> while it
    /// ran, or null if none was taken. The high-water mark only grows, so this is its peak but for what it gained in its last moments.
    /// </summary>
    public long? PeakResidentBytes => Interlocked.Read(ref _peakResidentBytes) is var peak and >= 0 ? peak : null;

    /// <summary>How often the process's peak memory is read while it runs: its VmHWM is lost once it exits.</summary>
    public static readonly TimeSpan MemorySampleInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Starts a node, logging to <paramref name="logPath"/> and passing every output line to <paramref name="onLine"/>. With
    /// <paramref name="keepInputOpen"/>, its standard input stays open for <see cref="SendLineAsync"/>; otherwise it is closed at once.
    /// </summary>
    /// <exception cref="ClusterLaunchException">The process cannot be started.</exception>
    public static NodeProcess Start(string name, FedheCommandLine program, IEnumerable<string> arguments, string logPath,
        Action<NodeProcess, string>? onLine, bool keepInputOpen = false)
    {
        var info = new ProcessStartInfo(program.FileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = Environment.CurrentDirectory,
        };
        foreach (var argument in program.LeadingArguments.Concat(arguments))
            info.ArgumentList.Add(argument);
        // Wide lines keep a node's progress lines whole in its log (Spectre.Console wraps at 80 columns otherwise).
        info.Environment["COLUMNS"] = "240";

        var log = new StreamWriter(logPath, append: false) { AutoFlush = true };
        log.WriteLine($"# {program} {string.Join(' ', arguments)}");
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var node = new NodeProcess(name, logPath, process, log);
        process.OutputDataReceived += (_, e) => node.Line(e.Data, node._stdoutClosed, onLine);
        process.ErrorDataReceived += (_, e) => node.Line(e.Data, node._stderrClosed, onLine);
        process.Exited += async (_, _) =>
        {
            // Exited can fire before the last output lines are read; wait (briefly) for both streams to close.
            await Task.WhenAll(node._stdoutClosed.Task, node._stderrClosed.Task).WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            var code = process.ExitCode;
            node.StopSampling();
            lock (node._gate)
                log.WriteLine($"# exited with code {code}");
            node._exited.TrySetResult(code);
        };
        try
        {
            process.Start();
        }
        catch (Exception exception) when (exception is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            log.Dispose();
            process.Dispose();
            throw new ClusterLaunchException($"cannot start {name} ({program}): {exception.Message}", exception);
        }

        node._memorySampler = new Timer(_ => node.SampleMemory(), null, TimeSpan.Zero, MemorySampleInterval);
        if (!keepInputOpen)
            process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return node;
    }

    /// <summary>Writes one line to the node's standard input; a node that has exited (or closed its input) is skipped.</summary>
    public async Task SendLineAsync(string line)
    {
        try
        {
            await _process.StandardInput.WriteLineAsync(line).ConfigureAwait(false);
            await _process.StandardInput.FlushAsync().ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The node is gone; there is nothing left to tell it.
        }
    }

    /// <summary>Closes the node's standard input (a node that reads it to its end then stops); does nothing if it is gone.</summary>
    public void CloseInput()
    {
        try
        {
            _process.StandardInput.Close();
        }
        catch (Exception exception) when (exception is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The node is gone.
        }
    }

    /// <summary>Kills the process and every process it started with SIGKILL, as kill -9 does; does nothing if it has exited.</summary>
    public void KillTree()
    {
        try
        {
            if (_process.HasExited)
                return;
            // A last reading of its memory: once killed, its high-water mark is gone with it.
            SampleMemory();
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It exited between the check and the kill.
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        KillTree();
        StopSampling();
        lock (_gate)
            _log.Dispose();
        _process.Dispose();
    }

    private void SampleMemory()
    {
        int processId;
        try
        {
            // Once the process is reaped its id may be another's: only a running process is read.
            if (_process.HasExited)
                return;
            processId = _process.Id;
        }
        catch (InvalidOperationException)
        {
            return; // not started yet, or disposed
        }

        if (NodeMemory.PeakResidentBytesOf(processId) is not { } peak)
            return;
        var seen = Interlocked.Read(ref _peakResidentBytes);
        while (peak > seen && Interlocked.CompareExchange(ref _peakResidentBytes, peak, seen) is var actual && actual != seen)
            seen = actual;
    }

    private void StopSampling() => Interlocked.Exchange(ref _memorySampler, null)?.Dispose();

    private void Line(string? line, TaskCompletionSource closed, Action<NodeProcess, string>? onLine)
    {
        if (line is null)
        {
            closed.TrySetResult();
            return;
        }

        lock (_gate)
        {
            try
            {
                _log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
                return;
            }
        }

        onLine?.Invoke(this, line);
    }
}
