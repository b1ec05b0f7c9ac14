using System.CommandLine;
using FederatedHe.Actors.Spec;

namespace FederatedHe.Host.Cli;

/// <summary>`fedhe spec show`: the effective federation spec, and where each of its values came from.</summary>
internal static class SpecCommand
{
    public static Command Create()
    {
        var file = new Argument<string?>("file") { Description = "A spec or node file (default: none, reference.conf alone)", Arity = ArgumentArity.ZeroOrOne };
        var specOptions = SpecOptions.Federation();
        var hocon = new Option<bool>("--hocon") { Description = "Print the effective spec as HOCON (the file `fedhe cluster up` gives its nodes) instead of a table" };
        var show = new Command("show", "Print the effective spec of a file under command-line overrides, with each value's origin (reference.conf default, file and line, or the command line)")
        {
            file, hocon,
        };
        specOptions.AddTo(show);
        show.SetAction(result =>
        {
            var bound = FederationSpecBinder.Load(result.GetValue(file), specOptions.Overrides(result));
            if (result.GetValue(hocon))
            {
                Console.Out.Write(FederationSpecWriter.Write(bound.Spec));
                return 0;
            }

            // One line per key, HOCON-like so it can be copied into a spec: the effective value, then where it came from.
            var width = FederationSpecKeys.All.Max(key => key.Length + 3 + FederationSpecWriter.Describe(bound.Spec, key).Length);
            foreach (var key in FederationSpecKeys.All)
            {
                var line = $"{key} = {FederationSpecWriter.Describe(bound.Spec, key)}";
                Console.Out.WriteLine($"{line.PadRight(Math.Min(width, 72))}  # {bound.Origins[key]}");
            }

            return 0;
        });

        return new Command("spec", "Federation specs: the one source of a federation's settings") { show };
    }
}
