using System.CommandLine;
using System.CommandLine.Parsing;
using System.Reflection;
using System.Runtime.InteropServices;

namespace FederatedHe.Host;

/// <summary>
/// Ends `fedhe` without the native libraries' static destructors once a command that ran an in-process federation has
/// returned. libtorch's destructors deregister each of its thousands of operators one by one: 0.2 s of CPU at the end
/// of every such command (measured with perf), for memory the process gives back anyway. By then the command has stopped
/// every node and written and closed its files; standard output and error are flushed first.
/// </summary>
internal static class NativeTeardown
{
    /// <summary>The commands that run an in-process federation, by their path on the command line.</summary>
    private static readonly string[][] InProcessFederationCommands = [["simulate"], ["demo"], ["experiment", "run"], ["runs", "resume"]];

    /// <summary>
    /// Whether an in-process federation command's return ends the process (<see cref="SkipAfter"/>): fedhe is the process,
    /// not a test host calling <see cref="Program.Main"/>. Its nodes can then end with it (<c>SimulationOptions.NodesEndWithProcess</c>).
    /// </summary>
    public static bool EndsProcessAfterCommand => Assembly.GetEntryAssembly() == typeof(Program).Assembly;

    /// <summary>
    /// Ends the process with <paramref name="exitCode"/> if the command <paramref name="parsed"/> ran an in-process
    /// federation and fedhe is the process (<see cref="EndsProcessAfterCommand"/>); otherwise returns.
    /// </summary>
    public static void SkipAfter(ParseResult parsed, int exitCode)
    {
        if (!EndsProcessAfterCommand || !InProcessFederationCommands.Any(path => path.SequenceEqual(PathOf(parsed.CommandResult))))
            return;
        Console.Out.Flush();
        Console.Error.Flush();
        ExitNow(exitCode);
    }

    /// <summary>The command's name and its parents', outermost first, without the root's.</summary>
    private static List<string> PathOf(CommandResult command)
    {
        var path = new List<string>();
        for (var result = command; result is not null && result.Command is not RootCommand; result = result.Parent as CommandResult)
            path.Insert(0, result.Command.Name);
        return path;
    }

    /// <summary>C's _exit: ends the process at once, without atexit handlers or static destructors.</summary>
    [DllImport("libc", EntryPoint = "_exit")]
    private static extern void ExitNow(int status);
}
