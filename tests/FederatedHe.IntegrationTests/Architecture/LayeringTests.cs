using System.Reflection;
using System.Xml.Linq;
using FederatedHe.Actors.Nodes;
using FederatedHe.Testing;
using FederatedHe.Tests.Shared;

namespace FederatedHe.IntegrationTests.Architecture;

/// <summary>
/// References point one way: Host → (Testing →) Actors → (Training → Privacy, Crypto, Federation), the harness → production,
/// never production → harness, and no node code path uses the harness. Three checks, each with a negative check that
/// shows it would fail:
/// <list type="bullet">
/// <item>every src/*/*.csproj's ProjectReferences are within <see cref="Allowed"/> (a new reference, even an unused one, fails);</item>
/// <item>every loaded FederatedHe assembly's compiled references are too (a reference that reaches the binary some other way fails);</item>
/// <item>the node path — NodeCommand, the node hosting (Host.Hosting, Host.Security) and the composition root
/// (Actors.Nodes) — names no FederatedHe.Testing type in a signature, field or method body (IL), so <c>fedhe node</c>
/// without <c>--fault-control</c> runs no harness code. Program, the CLI's composition root, is where the harness is
/// handed to the node command (NodeFaultHooks); simulate, demo, experiment and cluster up run the harness by design.</item>
/// </list>
/// </summary>
public class LayeringTests
{
    private const string Harness = "FederatedHe.Testing";

    /// <summary>Which FederatedHe assemblies each may reference (by assembly name; the Host's is <c>fedhe</c>).</summary>
    private static readonly Dictionary<string, string[]> Allowed = new(StringComparer.Ordinal)
    {
        ["FederatedHe.Crypto"] = [],
        ["FederatedHe.Privacy"] = [],
        ["FederatedHe.Federation"] = [],
        ["FederatedHe.Training"] = ["FederatedHe.Privacy"],
        ["FederatedHe.Actors"] = ["FederatedHe.Crypto", "FederatedHe.Training", "FederatedHe.Privacy", "FederatedHe.Federation"],
        [Harness] = ["FederatedHe.Actors", "FederatedHe.Crypto", "FederatedHe.Training", "FederatedHe.Privacy", "FederatedHe.Federation"],
        ["fedhe"] = ["FederatedHe.Actors", Harness, "FederatedHe.Crypto", "FederatedHe.Training", "FederatedHe.Privacy", "FederatedHe.Federation"],
    };

    private static readonly Assembly HostAssembly = typeof(FederatedHe.Host.Program).Assembly;

    [Fact]
    public void Every_project_references_only_the_layers_below_it()
    {
        var projects = Directory.GetFiles(Path.Combine(RepositoryRoot(), "src"), "*.csproj", SearchOption.AllDirectories);
        Assert.True(projects.Length >= Allowed.Count, $"found only {projects.Length} projects under src/");

        var violations = projects.SelectMany(ProjectViolations).ToList();

        Assert.Empty(violations);
    }

    [Fact]
    public void Every_assembly_is_compiled_against_only_the_layers_below_it()
    {
        var assemblies = new[] { typeof(FederatedHe.Crypto.Ckks.CkksEncoder).Assembly, typeof(FederatedHe.Training.Models.ModelFactory).Assembly,
            typeof(FederationNode).Assembly, typeof(FederationSimulation).Assembly, HostAssembly };

        var violations = assemblies.SelectMany(a => AssemblyViolations(a, Allowed[a.GetName().Name!])).ToList();

        Assert.Empty(violations);
    }

    [Fact]
    public void The_reference_checks_fail_on_an_upward_or_harness_reference()
    {
        // The Host does reference the harness: held to production's rules, it is a violation, as Actors → Testing would be.
        Assert.Contains(AssemblyViolations(HostAssembly, Allowed["FederatedHe.Actors"]), v => v.Contains(Harness, StringComparison.Ordinal));
        // A project file with an upward reference is caught.
        var upward = Path.Combine(Path.GetTempPath(), $"FederatedHe.Crypto-{Guid.NewGuid():N}.csproj");
        File.WriteAllText(upward, "<Project><ItemGroup><ProjectReference Include=\"..\\Actors\\FederatedHe.Actors.csproj\" /></ItemGroup></Project>");
        try
        {
            Assert.Contains(ProjectViolations(upward, "FederatedHe.Crypto"), v => v.Contains("FederatedHe.Actors", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(upward);
        }
    }

    [Fact]
    public void No_node_code_path_uses_a_harness_type()
    {
        var nodePath = HostAssembly.GetTypes()
            .Where(t => t.FullName!.StartsWith("FederatedHe.Host.Cli.NodeCommand", StringComparison.Ordinal)
                        || t.Namespace is "FederatedHe.Host.Hosting" or "FederatedHe.Host.Security"
                        // `fedhe monitor` is production too; only simulate's in-process monitor joins the harness's chaos transport.
                        || t.FullName.StartsWith("FederatedHe.Host.Cli.MonitorCommand", StringComparison.Ordinal)
                        || (t.Namespace == "FederatedHe.Host.Monitor" && !t.FullName.StartsWith("FederatedHe.Host.Monitor.SimulationMonitor", StringComparison.Ordinal)))
            .Concat(typeof(FederationNode).Assembly.GetTypes().Where(t => t.Namespace == "FederatedHe.Actors.Nodes"))
            .ToList();
        Assert.Contains(nodePath, t => t.Name == "NodeCommand");

        var violations = nodePath
            .SelectMany(type => TypeReferences.Of(type).Where(IsHarness).Select(used => $"{type.FullName} uses {used.FullName}"))
            .Distinct()
            .ToList();

        Assert.Empty(violations);
    }

    [Fact]
    public void The_node_path_check_sees_harness_types_used_only_inside_method_bodies()
    {
        // Program hands the harness's fault control to the node command inside Main's body (and its async state machine).
        var program = HostAssembly.GetTypes().Where(t => t.FullName!.StartsWith("FederatedHe.Host.Program", StringComparison.Ordinal));

        var used = program.SelectMany(TypeReferences.Of).Where(IsHarness).ToHashSet();

        Assert.Contains(typeof(NodeFaultControl), used);
        Assert.Contains(typeof(StragglingTrainer), used);
    }

    private static bool IsHarness(Type type) => type.Assembly.GetName().Name == Harness;

    private static IEnumerable<string> ProjectViolations(string projectPath) =>
        ProjectViolations(projectPath, Path.GetFileNameWithoutExtension(projectPath) switch
        {
            "FederatedHe.Host" => "fedhe",
            var name => name,
        });

    private static IEnumerable<string> ProjectViolations(string projectPath, string assembly)
    {
        if (!Allowed.TryGetValue(assembly, out var allowed))
            return [$"{projectPath}: a project the layering rules do not know; add it to {nameof(LayeringTests)}.{nameof(Allowed)}"];
        return XDocument.Load(projectPath).Descendants("ProjectReference")
            .Select(r => Path.GetFileNameWithoutExtension(r.Attribute("Include")!.Value.Replace('\\', '/')))
            .Select(name => name == "FederatedHe.Host" ? "fedhe" : name)
            .Where(name => !allowed.Contains(name))
            .Select(name => $"{assembly} ({projectPath}) references {name}");
    }

    private static IEnumerable<string> AssemblyViolations(Assembly assembly, string[] allowed) =>
        assembly.GetReferencedAssemblies()
            .Select(r => r.Name!)
            .Where(name => (name.StartsWith("FederatedHe.", StringComparison.Ordinal) || name == "fedhe") && !allowed.Contains(name))
            .Select(name => $"{assembly.GetName().Name} is compiled against {name}");

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "FederatedHe.sln")))
                return directory.FullName;
        }

        throw new DirectoryNotFoundException($"no FederatedHe.sln above {AppContext.BaseDirectory}");
    }
}
