using System.Globalization;
using FederatedHe.IntegrationTests.Cli;
using FederatedHe.IntegrationTests.Experiments;

namespace FederatedHe.IntegrationTests.Architecture;

/// <summary>
/// The harness is a plug-in that <c>fedhe</c> loads by name only in the commands that run it. Shown on real processes:
/// a node started without <c>--fault-control</c> never has FederatedHe.Testing.dll in its address space although the
/// file lies beside fedhe.dll, while one started with it does and carries out fault commands; and where the file is
/// missing, the commands that need it say so in one line, and the others run as before.
/// </summary>
[Collection(FederationRunsCollection.Name)]
public sealed class HarnessPluginTests : IDisposable
{
    private const string HarnessFile = "FederatedHe.Testing.dll";
    private static readonly TimeSpan Startup = TimeSpan.FromSeconds(90);

    private readonly string _directory = Directory.CreateTempSubdirectory("fedhe-harness-plugin-").FullName;

    [Fact]
    public async Task A_node_without_fault_control_never_maps_the_harness_and_one_with_it_does()
    {
        var fedhe = typeof(FederatedHe.Host.Program).Assembly.Location;
        Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(fedhe)!, HarnessFile)), $"{HarnessFile} is not beside {fedhe}");
        var keys = Path.Combine(_directory, "keys");
        Assert.Equal(0, (await Models.FedheProcess.RunAsync("keygen", "--out", keys)).ExitCode);
        var ports = FreePorts.Block(3);
        var seed = $"akka.tcp://federation@127.0.0.1:{ports}";
        string[] Hospital(int k) =>
            ["node", "--role", "hospital", "--hospital-id", $"hospital-{k}", "--spec", NodeLifecycleTests.SpecPath(), "--no-tls", "--keys", keys,
             "--port", (ports + k).ToString(CultureInfo.InvariantCulture), "--seed-node", seed];

        using var aggregator = FedheChild.Start(NodeLifecycleTests.AggregatorArguments(ports));
        await aggregator.WaitForLineAsync("aggregator up at", Startup);
        using var hospital = FedheChild.Start(Hospital(1));
        using var faultyHospital = FedheChild.Start([.. Hospital(2), "--fault-control"]);
        await hospital.WaitForLineAsync("hospital-1 up at", Startup);
        await faultyHospital.WaitForLineAsync("hospital-2 up at", Startup);
        // The plug-in is at work in the node that asked for it: it carries out a fault command.
        await faultyHospital.WriteLineAsync("slow-training 0");
        await faultyHospital.WaitForLineAsync("fault-control: ", Startup);

        // Read while all three run, registered with the aggregator and waiting for the federation's other hospitals.
        var aggregatorMaps = MappedFiles(aggregator.Id);
        var hospitalMaps = MappedFiles(hospital.Id);
        var faultyMaps = MappedFiles(faultyHospital.Id);

        Assert.Contains(aggregatorMaps, file => file.EndsWith("/fedhe.dll", StringComparison.Ordinal));
        Assert.Contains(hospitalMaps, file => file.EndsWith("/FederatedHe.Actors.dll", StringComparison.Ordinal));
        Assert.DoesNotContain(aggregatorMaps, IsHarness);
        Assert.DoesNotContain(hospitalMaps, IsHarness);
        Assert.Contains(faultyMaps, IsHarness);
    }

    [Theory]
    [InlineData("simulate --hospitals 2 --rounds 1", "the in-process federation (simulate, demo, experiment run)")]
    [InlineData("demo", "the in-process federation (simulate, demo, experiment run)")]
    [InlineData("experiment run experiments/wdbc-4-hospitals.conf --rounds 1", "the in-process federation (simulate, demo, experiment run)")]
    [InlineData("node --role aggregator --spec experiments/wdbc-4-hospitals.conf --no-tls --fault-control", "node --fault-control")]
    [InlineData("cluster up --spec experiments/wdbc-unreliable-network.conf --base-port 47000", "cluster up's fault schedule")]
    public async Task Without_the_harness_a_command_that_runs_it_says_so_in_one_line_and_exits_non_zero(string command, string neededBy)
    {
        var program = ProgramWithoutHarness();

        var outcome = await RunAsync(program, command.Split(' '));

        Assert.NotEqual(0, outcome.ExitCode);
        var error = Assert.Single(outcome.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries), line => line.StartsWith("error: ", StringComparison.Ordinal));
        Assert.Equal($"error: {neededBy} needs the harness, {HarnessFile}, which is not beside fedhe in {Path.GetDirectoryName(program)}; "
                     + "build the solution (dotnet build FederatedHe.sln), which puts it there", error);
        Assert.DoesNotContain("Exception", outcome.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_the_harness_the_commands_that_do_not_run_it_work_as_before()
    {
        var program = ProgramWithoutHarness();

        var spec = await RunAsync(program, "spec", "show", "experiments/wdbc-4-hospitals.conf");
        var keygen = await RunAsync(program, "keygen", "--out", Path.Combine(_directory, "keys"));

        Assert.Equal(0, spec.ExitCode);
        Assert.Contains("fedhe.federation.hospitals = 4", spec.Output, StringComparison.Ordinal);
        Assert.Equal(0, keygen.ExitCode);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static bool IsHarness(string file) => file.EndsWith("/" + HarnessFile, StringComparison.Ordinal);

    /// <summary>The files mapped into a running process's address space (its assemblies among them).</summary>
    private static List<string> MappedFiles(int processId) =>
        File.ReadAllLines($"/proc/{processId}/maps")
            .Select(line => line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length == 6 && fields[5].StartsWith('/'))
            .Select(fields => fields[5].Trim())
            .Distinct()
            .ToList();

    /// <summary>
    /// fedhe's build output as a user might have it without the harness: fedhe.dll and its runtime files copied (the host
    /// takes the program's directory from them), every other file linked, FederatedHe.Testing.dll left out.
    /// </summary>
    private string ProgramWithoutHarness()
    {
        var built = Path.GetDirectoryName(typeof(FederatedHe.Host.Program).Assembly.Location)!;
        var program = Path.Combine(_directory, "fedhe-without-harness");
        Directory.CreateDirectory(program);
        foreach (var entry in Directory.EnumerateFileSystemEntries(built))
        {
            var name = Path.GetFileName(entry);
            var target = Path.Combine(program, name);
            if (name.StartsWith("FederatedHe.Testing.", StringComparison.Ordinal))
                continue;
            if (name.StartsWith("fedhe.", StringComparison.Ordinal))
                File.Copy(entry, target);
            else
                File.CreateSymbolicLink(target, entry);
        }

        Assert.False(File.Exists(Path.Combine(program, HarnessFile)));
        return Path.Combine(program, "fedhe.dll");
    }

    /// <summary>Runs the program; paths under experiments/ are the repository's.</summary>
    private static async Task<(int ExitCode, string Output)> RunAsync(string program, params string[] arguments)
    {
        var outcome = await Models.FedheProcess.RunProgramAsync(program, TimeSpan.FromMinutes(2),
            [.. arguments.Select(a => a.StartsWith("experiments/", StringComparison.Ordinal) ? RepositoryFiles.Path(a.Split('/')) : a)]);
        return (outcome.ExitCode, outcome.StandardOutput + outcome.StandardError);
    }
}
