using System.CommandLine;
using FederatedHe.Crypto.Ckks;
using FederatedHe.Host.Hosting;
using Spectre.Console;

namespace FederatedHe.Host.Cli;

/// <summary>`fedhe keygen`: the shared-key mode's keys, to be provisioned to the hospitals only.</summary>
internal static class KeygenCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "Directory to write parameters.ckks, public.key and secret.key to", DefaultValueFactory = _ => "keys" };
        var preset = new Option<string>("--preset") { Description = "CKKS parameter preset", DefaultValueFactory = _ => "Params128BitLogN13LogQ101" };
        var command = new Command("keygen", "Generate CKKS parameters and a key pair for shared-key mode (the secret key goes to hospitals only)") { output, preset };
        command.SetAction(result =>
        {
            var name = result.GetValue(preset)!;
            if (!CkksPresets.All.TryGetValue(name, out var parameters))
                throw new ArgumentException($"--preset: unknown preset '{name}'; known: {string.Join(", ", CkksPresets.All.Keys)}");
            var directory = result.GetValue(output)!;
            KeyStore.Generate(parameters, directory);
            AnsiConsole.MarkupLine($"wrote {KeyStore.ParametersFile}, {KeyStore.PublicKeyFile} and {KeyStore.SecretKeyFile} to {Markup.Escape(Path.GetFullPath(directory))}");
            AnsiConsole.MarkupLine($"parameter set {parameters.Id}: {Markup.Escape(parameters.ToString())}");
            AnsiConsole.MarkupLine("[yellow]give secret.key to the hospitals only; the aggregator needs parameters.ckks alone[/]");
            return 0;
        });
        return command;
    }
}
