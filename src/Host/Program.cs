using System.CommandLine;
using FederatedHe.Host.Cli;
using FederatedHe.Host.Hosting;
using Spectre.Console;

namespace FederatedHe.Host;

/// <summary>The `fedhe` command line.</summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var root = new RootCommand("FederatedHe: federated learning across hospitals with CKKS-encrypted aggregation on an Akka.NET cluster")
        {
            DemoCommand.Create(),
            SimulateCommand.Create(),
            // The node's only link to the harness, loaded only under --fault-control (see NodeFaultHooks).
            NodeCommand.Create(() => HarnessPlugin.Load("node --fault-control").NodeFaults, FederatedHe.Host.Reports.NodeRunReport.Write),
            KeygenCommand.Create(),
            CertsCommand.Create(),
            BaselineCommand.Create(),
            ExperimentCommand.Create(),
            ClusterCommand.Create(),
            MonitorCommand.Create(() => HarnessPlugin.Load("monitor --fault-control").NodeFaults),
            SpecCommand.Create(),
            TrainCommand.Create(),
            PredictCommand.Create(),
            EvaluateCommand.Create(),
            RunsCommand.Create(),
        };

        using var termination = new ProcessTermination();
        try
        {
            // Typed errors are reported below as one clear line; anything else is a bug and keeps its stack trace.
            // Signals are ours (ProcessTermination), not System.CommandLine's: a command gets the token and its exit code is the signal's.
            var invocation = new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null };
            var parsed = root.Parse(args);
            if (parsed.Errors.Count > 0)
            {
                // System.CommandLine's own messages name .NET types and come with the whole help: one line per error instead.
                foreach (var error in parsed.Errors)
                    WriteError(ParseErrorText(error.Message));
                Console.Out.WriteLine("add --help for the options");
                return 2;
            }

            var exitCode = await parsed.InvokeAsync(invocation, termination.Token).ConfigureAwait(false);
            exitCode = termination.ExitCode ?? exitCode;
            NativeTeardown.SkipAfter(parsed, exitCode);
            return exitCode;
        }
        catch (OperationCanceledException) when (termination.Token.IsCancellationRequested)
        {
            Console.Error.WriteLine("cancelled");
            return termination.ExitCode ?? ProcessTermination.InterruptedExitCode;
        }
        catch (Exception exception) when (UserError.Describe(exception) is { } message)
        {
            WriteError(message);
            return 2;
        }
    }

    /// <summary>An error for the user as one line: never wrapped at the console's width when the output goes to a file or a pipe.</summary>
    internal static void WriteError(string message)
    {
        if (Console.IsOutputRedirected)
            Console.Out.WriteLine($"error: {message}");
        else
            AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(message)}");
    }

    /// <summary>A parse error in the user's words: "--rounds: 'abc' is not a whole number" rather than a .NET type name.</summary>
    internal static string ParseErrorText(string message)
    {
        // Some messages list the allowed values on lines of their own: one line, values separated by commas.
        message = System.Text.RegularExpressions.Regex.Replace(message.Trim(), @":?\s*\r?\n\s*", m => m.Value.StartsWith(':') ? ": " : ", ");
        var match = System.Text.RegularExpressions.Regex.Match(message, "^Cannot parse argument '(.*)' for (?:option|argument) '(.*)' as expected type '(.*)'\\.?$");
        if (!match.Success)
            return message;
        var type = match.Groups[3].Value;
        var expected = type.Contains("Int32", StringComparison.Ordinal) || type.Contains("Int64", StringComparison.Ordinal) ? "a whole number"
            : type.Contains("Double", StringComparison.Ordinal) || type.Contains("Single", StringComparison.Ordinal) ? "a number"
            : type.Contains("Boolean", StringComparison.Ordinal) ? "true or false"
            : type.Contains("TimeSpan", StringComparison.Ordinal) ? "a duration"
            : "a valid value";
        return $"{match.Groups[2].Value}: '{match.Groups[1].Value}' is not {expected}";
    }
}
