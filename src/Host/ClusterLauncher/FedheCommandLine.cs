using System.Reflection;

namespace FederatedHe.Host.ClusterLauncher;

/// <summary>How to start this same program as a child process: its apphost, or <c>dotnet fedhe.dll</c>.</summary>
/// <param name="FileName">The executable.</param>
/// <param name="LeadingArguments">Arguments before the command's own (the assembly path under <c>dotnet</c>).</param>
public sealed record FedheCommandLine(string FileName, IReadOnlyList<string> LeadingArguments)
{
    /// <summary>
    /// This process's own executable if it is the fedhe apphost; otherwise (under <c>dotnet fedhe.dll</c>, or a
    /// test host that loaded the assembly) the dotnet host running fedhe.dll from beside this assembly.
    /// </summary>
    /// <exception cref="ClusterLaunchException">Neither the apphost nor fedhe.dll can be found.</exception>
    public static FedheCommandLine Current()
    {
        var processPath = Environment.ProcessPath;
        var assemblyPath = typeof(FedheCommandLine).Assembly.Location;
        var assemblyName = Path.GetFileNameWithoutExtension(assemblyPath);
        if (processPath is not null && string.Equals(Path.GetFileNameWithoutExtension(processPath), assemblyName, StringComparison.OrdinalIgnoreCase))
            return new FedheCommandLine(processPath, []);

        if (assemblyPath.Length == 0 || !File.Exists(assemblyPath))
            throw new ClusterLaunchException("cannot find fedhe.dll to start nodes with");
        var dotnet = processPath is not null && Path.GetFileNameWithoutExtension(processPath) == "dotnet"
            ? processPath
            : DotnetHost();
        return new FedheCommandLine(dotnet, [assemblyPath]);
    }

    private static string DotnetHost()
    {
        // A test host is not dotnet itself; the runtime it runs on sits under DOTNET_ROOT or beside the shared framework.
        var root = Environment.GetEnvironmentVariable("DOTNET_ROOT");
        if (root is not null && File.Exists(Path.Combine(root, "dotnet")))
            return Path.Combine(root, "dotnet");
        var framework = Path.GetDirectoryName(typeof(object).Assembly.Location);
        for (var directory = framework is null ? null : new DirectoryInfo(framework); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet");
            if (File.Exists(candidate))
                return candidate;
        }

        return "dotnet";
    }

    /// <inheritdoc />
    public override string ToString() => string.Join(' ', [FileName, .. LeadingArguments]);
}

/// <summary>The local cluster could not be started (ports taken, program not found, a node failing to come up).</summary>
public sealed class ClusterLaunchException(string message, Exception? inner = null) : Exception(message, inner);
