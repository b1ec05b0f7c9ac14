using System.Diagnostics;
using FederatedHe.Host;

namespace FederatedHe.IntegrationTests.Models;

/// <summary>Runs the built fedhe.dll as a child process under the dotnet host, as a user would run it.</summary>
internal static class FedheProcess
{
    public sealed record Outcome(int ExitCode, string StandardOutput, string StandardError);

    public static Task<Outcome> RunAsync(params string[] arguments) => RunAsync(TimeSpan.FromMinutes(2), arguments);

    /// <summary>Runs fedhe to its end; a run still going after <paramref name="limit"/> is killed and fails the test.</summary>
    public static Task<Outcome> RunAsync(TimeSpan limit, params string[] arguments) =>
        RunProgramAsync(typeof(Program).Assembly.Location, limit, arguments);

    /// <summary>Runs the fedhe.dll at <paramref name="program"/> (a copy of the build) to its end, as <see cref="RunAsync(TimeSpan, string[])"/> does.</summary>
    public static async Task<Outcome> RunProgramAsync(string program, TimeSpan limit, params string[] arguments)
    {
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(program);
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"fedhe {string.Join(' ', arguments)} still running after {limit}");
        }

        return new Outcome(process.ExitCode, await output, await error);
    }

    private static string DotnetHost()
    {
        var root = Environment.GetEnvironmentVariable("DOTNET_ROOT");
        if (root is not null && File.Exists(Path.Combine(root, "dotnet")))
            return Path.Combine(root, "dotnet");
        // The shared framework lives under <dotnet root>/shared/Microsoft.NETCore.App/<version>/.
        for (var directory = new DirectoryInfo(Path.GetDirectoryName(typeof(object).Assembly.Location)!); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet");
            if (File.Exists(candidate))
                return candidate;
        }
        return "dotnet";
    }
}
