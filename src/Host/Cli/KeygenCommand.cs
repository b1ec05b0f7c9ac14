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
        var preset = new Option<string>("--preset") { Description = "CKKS parameter preset", DefaultValueFactory = _ => FederatedHe.Actors.Spec.CryptoSpec.DefaultSharedKeyPreset };
        var force = new Option<bool>("--force") { Description = "Replace keys already in --out (the old secret key is lost: every hospital needs the new one)" };
        var command = new Command("keygen", "Generate CKKS parameters and a key pair for shared-key mode (the secret key goes to hospitals only)") { output, preset, force };
        command.SetAction(result =>
        {
            var name = result.GetValue(preset)!;
            if (!CkksPresets.All.TryGetValue(name, out var parameters))
                throw new ArgumentException($"--preset: unknown preset '{name}'; known: {string.Join(", ", CkksPresets.All.Keys)}");
            var directory = result.GetValue(output)!;
            SimulateCommand.RequireWritableDirectory(directory, "--out");
            // A secret key that hospitals already hold must not vanish under a repeated command.
            var existing = new[] { KeyStore.SecretKeyFile, KeyStore.PublicKeyFile, KeyStore.ParametersFile }
                .Where(file => File.Exists(Path.Combine(directory, file))).ToList();
            if (existing.Count > 0 && !result.GetValue(force))
                throw new ArgumentException($"--out {directory}: already holds {string.Join(", ", existing)}; give --force to replace them, or another --out");
            KeyStore.Generate(parameters, directory);
            AnsiConsole.MarkupLine($"wrote {KeyStore.ParametersFile}, {KeyStore.PublicKeyFile} and {KeyStore.SecretKeyFile} to {Markup.Escape(Path.GetFullPath(directory))}");
            AnsiConsole.MarkupLine($"parameter set {parameters.Id}: {Markup.Escape(parameters.ToString())}");
            AnsiConsole.MarkupLine("[yellow]give secret.key to the hospitals only; the aggregator needs parameters.ckks alone[/]");
            return 0;
        });
        return command;
    }
}
