using System.CommandLine;
using Akka.Configuration;
using FederatedHe.Host.Cli;
using FederatedHe.Host.Hosting;
using FederatedHe.Testing;
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
            // The node's only link to the harness, used only under --fault-control (see NodeFaultHooks).
            NodeCommand.Create(new NodeFaultHooks(ConfigurationFactory.ParseString(NetworkChaos.TransportAdapters), StragglingTrainer.Decorate, NodeFaultControl.RunAsync)),
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

        try
        {
            // Typed errors are reported below as one clear line; anything else is a bug and keeps its stack trace.
            var invocation = new InvocationConfiguration { EnableDefaultExceptionHandler = false };
            return await root.Parse(args).InvokeAsync(invocation).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            AnsiConsole.MarkupLine("[yellow]cancelled[/]");
            return 130;
        }
        catch (Exception exception) when (UserError.Describe(exception) is { } message)
        {
            AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(message)}");
            return 2;
        }
    }
}
