using System.CommandLine;
using FederatedHe.Actors.Harness;

namespace FederatedHe.Host.Cli;

/// <summary>`fedhe demo`: the README's demo, the encrypted federation of 4 hospitals on data/wdbc.csv.</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var command = new Command("demo", "Run the demo: reference.conf's federation, 4 hospitals and 20 rounds of encrypted FedAvg on data/wdbc.csv, beside the centralised baseline");
        // The demo is reference.conf's spec: its defaults are the README's demo.
        command.SetAction((_, cancellationToken) => SimulateCommand.RunAsync(new SimulationOptions(), cancellationToken));
        return command;
    }
}
