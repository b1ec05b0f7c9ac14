using System.Reflection;
using System.Runtime.Loader;
using FederatedHe.Actors.Harness;

namespace FederatedHe.Host.Hosting;

/// <summary>
/// Loads the harness, <c>FederatedHe.Testing.dll</c>, by name, the first time a command needs it. The program does not
/// reference it (its build only copies it beside fedhe.dll), so a command that does not call <see cref="Load"/> — a
/// <c>fedhe node</c> without <c>--fault-control</c>, <c>keygen</c>, <c>train</c>, … — never has it in its process.
/// </summary>
/// <remarks>Thread-safe: the harness is loaded once per process.</remarks>
internal static class HarnessPlugin
{
    /// <summary>The harness's assembly, looked for beside fedhe.dll.</summary>
    public const string AssemblyName = "FederatedHe.Testing";

    /// <summary>The harness's entry point, an <see cref="IFederationHarness"/> with a public parameterless constructor.</summary>
    public const string TypeName = "FederatedHe.Testing.FederationHarness";

    private static readonly Lock Gate = new();
    private static IFederationHarness? _loaded;

    /// <summary>The harness, loaded from beside this program's own assembly.</summary>
    /// <param name="neededBy">What needs it, for the error (e.g. <c>node --fault-control</c>).</param>
    /// <exception cref="HarnessMissingException">The harness is not there, or is not one this program can use.</exception>
    public static IFederationHarness Load(string neededBy)
    {
        lock (Gate)
            return _loaded ??= LoadFrom(AppContext.BaseDirectory, neededBy);
    }

    /// <summary>The harness from <paramref name="directory"/>, or the one this process has loaded already.</summary>
    /// <exception cref="HarnessMissingException">The harness is not there, or is not one this program can use.</exception>
    internal static IFederationHarness LoadFrom(string directory, string neededBy)
    {
        var path = Path.Combine(directory, AssemblyName + ".dll");
        var assembly = AssemblyLoadContext.Default.Assemblies.FirstOrDefault(a => a.GetName().Name == AssemblyName);
        if (assembly is null)
        {
            if (!File.Exists(path))
                throw new HarnessMissingException($"{neededBy} needs the harness, {AssemblyName}.dll, which is not beside fedhe in {Path.TrimEndingDirectorySeparator(directory)}; "
                    + "build the solution (dotnet build FederatedHe.sln), which puts it there");
            try
            {
                // The default context: the harness shares this process's Akka, Actors, Training and Crypto assemblies.
                assembly = AssemblyLoadContext.Default.LoadFromAssemblyPath(path);
            }
            catch (Exception exception) when (exception is BadImageFormatException or FileLoadException)
            {
                throw new HarnessMissingException($"{neededBy}: the harness {path} cannot be loaded ({exception.Message})", exception);
            }
        }

        try
        {
            var type = assembly.GetType(TypeName, throwOnError: false);
            return type is not null && Activator.CreateInstance(type) is IFederationHarness harness
                ? harness
                : throw new HarnessMissingException($"{neededBy}: {path} has no {TypeName} that is an {nameof(IFederationHarness)}; rebuild the solution");
        }
        catch (Exception exception) when (exception is ReflectionTypeLoadException or TypeLoadException or FileNotFoundException or MissingMethodException)
        {
            // A harness built against other production assemblies than these.
            throw new HarnessMissingException($"{neededBy}: the harness {path} does not fit this fedhe ({exception.Message}); rebuild the solution", exception);
        }
    }
}

/// <summary>A command needs the harness and it is missing or unusable; the message says where it was looked for.</summary>
public sealed class HarnessMissingException(string message, Exception? inner = null) : Exception(message, inner);
