using System.Runtime.InteropServices;

namespace FederatedHe.Host;

/// <summary>
/// SIGINT (Ctrl-C) and SIGTERM as a cancellation of the running command, with the shell's exit codes (130, 143).
/// </summary>
/// <remarks>
/// Without this, .NET's default SIGTERM handling raised <see cref="AppDomain.ProcessExit"/>, where Akka's CLR hook
/// shut the node's actor system down, while the command itself was never cancelled: `fedhe node` then waited forever
/// for a federation end that could no longer come, and `fedhe simulate` ran on to its last round. Cancelling the
/// signal's default action and the command's token instead lets each command stop its nodes in order and return.
/// A second signal, or a command still running <see cref="GracePeriod"/> after the first, ends the process at once.
/// Not thread-safe to construct twice; one per process.
/// </remarks>
internal sealed class ProcessTermination : IDisposable
{
    /// <summary>Exit code after SIGINT (128 + 2), as a shell reports a process ended by it.</summary>
    public const int InterruptedExitCode = 130;

    /// <summary>Exit code after SIGTERM (128 + 15).</summary>
    public const int TerminatedExitCode = 143;

    /// <summary>How long a command may take to stop after the first signal before the process is ended anyway.</summary>
    public static readonly TimeSpan GracePeriod = TimeSpan.FromSeconds(20);

    private readonly CancellationTokenSource _cancellation = new();
    private readonly List<PosixSignalRegistration> _registrations = [];
    private int _signals;
    private int _exitCode;

    public ProcessTermination()
    {
        _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal));
        _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal));
    }

    /// <summary>Cancelled at the first SIGINT or SIGTERM.</summary>
    public CancellationToken Token => _cancellation.Token;

    /// <summary>130 or 143 once a signal has arrived, else null.</summary>
    public int? ExitCode => Volatile.Read(ref _exitCode) is var code and not 0 ? code : null;

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        var code = context.Signal == PosixSignal.SIGINT ? InterruptedExitCode : TerminatedExitCode;
        if (Interlocked.Increment(ref _signals) > 1)
        {
            Console.Error.WriteLine("stopping at once (second signal)");
            Environment.Exit(code);
        }

        Volatile.Write(ref _exitCode, code);
        Console.Error.WriteLine($"stopping ({context.Signal}); a second signal ends the process at once");
        // The grace period is a last resort for a command that does not stop: the process must never outlive a signal.
        _ = Task.Delay(GracePeriod).ContinueWith(_ =>
        {
            Console.Error.WriteLine($"still running {GracePeriod.TotalSeconds:0} s after {context.Signal}; ending the process");
            Environment.Exit(code);
        }, TaskScheduler.Default);
        _cancellation.Cancel();
    }

    public void Dispose()
    {
        foreach (var registration in _registrations)
            registration.Dispose();
        _cancellation.Dispose();
    }
}
