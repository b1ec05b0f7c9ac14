using System.CommandLine;
using FederatedHe.Host.Cli;
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
            NodeCommand.Create(),
            KeygenCommand.Create(),
            CertsCommand.Create(),
            BaselineCommand.Create(),
            ExperimentCommand.Create(),
            ClusterCommand.Create(),
            SpecCommand.Create(),
            TrainCommand.Create(),
            PredictCommand.Create(),
            EvaluateCommand.Create(),
        };

        using var termination = new ProcessTermination();
        try
        {
            // Typed errors are reported below as one clear line; anything else is a bug and keeps its stack trace.
            // Signals are ours (ProcessTermination), not System.CommandLine's: a command gets the token and its exit code is the signal's.
            var invocation = new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null };
            var exitCode = await root.Parse(args).InvokeAsync(invocation, termination.Token).ConfigureAwait(false);
            return termination.ExitCode ?? exitCode;
        }
        catch (OperationCanceledException) when (termination.Token.IsCancellationRequested)
        {
            Console.Error.WriteLine("cancelled");
            return termination.ExitCode ?? ProcessTermination.InterruptedExitCode;
        }
        catch (Exception exception) when (UserError.Describe(exception) is { } message)
        {
            AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(message)}");
            return 2;
        }
    }
}
