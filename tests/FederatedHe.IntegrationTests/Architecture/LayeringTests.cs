using System.Reflection;
using System.Xml.Linq;
using FederatedHe.Actors.Harness;
using FederatedHe.Actors.Nodes;
using FederatedHe.Testing;
using FederatedHe.Tests.Shared;

namespace FederatedHe.IntegrationTests.Architecture;

/// <summary>
/// References point one way: Host → Actors → (Training → Privacy, Crypto, Federation), and the harness → production, never
/// production → harness. Read from the projects and from the compiled assemblies' metadata, each check with a negative
/// check that shows it would fail:
/// <list type="bullet">
/// <item>every src/*/*.csproj's ProjectReferences are within <see cref="Allowed"/> (a new reference, even an unused one, fails);
/// the one build-only reference, fedhe's on the harness (built and copied beside fedhe.dll, never referenced), is the only
/// one allowed;</item>
/// <item>every FederatedHe assembly's compiled references are within <see cref="Allowed"/> too: no production assembly
/// (Crypto, Privacy, Federation, Training, Actors, fedhe) is compiled against FederatedHe.Testing, which is compiled
/// against production;</item>
/// <item>no production type names a harness type, in a signature, a field or a method body (IL).</item>
/// </list>
/// That the <c>fedhe</c> process itself loads the harness only in the commands that run it is shown on real processes
/// (<see cref="HarnessPluginTests"/>).
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
        ["fedhe"] = ["FederatedHe.Actors", "FederatedHe.Crypto", "FederatedHe.Training", "FederatedHe.Privacy", "FederatedHe.Federation"],
        [Harness] = ["FederatedHe.Actors", "FederatedHe.Crypto", "FederatedHe.Training", "FederatedHe.Privacy", "FederatedHe.Federation"],
    };

    /// <summary>Build-only references (ReferenceOutputAssembly="false"): fedhe builds the harness and copies it beside itself.</summary>
    private static readonly Dictionary<string, string[]> BuildOnly = new(StringComparer.Ordinal)
    {
        ["fedhe"] = [Harness],
    };

    private static readonly Assembly HostAssembly = typeof(FederatedHe.Host.Program).Assembly;

    private static readonly Assembly HarnessAssembly = typeof(FederationHarness).Assembly;

    /// <summary>Every production assembly: what a <c>fedhe</c> node runs.</summary>
    private static readonly Assembly[] Production =
    [
        typeof(FederatedHe.Crypto.Ckks.CkksEncoder).Assembly, typeof(FederatedHe.Privacy.Noise.DiscreteGaussianSampler).Assembly,
        typeof(FederatedHe.Federation.Rounds.RoundMachine).Assembly, typeof(FederatedHe.Training.Models.ModelFactory).Assembly,
        typeof(FederationNode).Assembly, HostAssembly,
    ];

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
        var violations = Production.Append(HarnessAssembly).SelectMany(a => AssemblyViolations(a, Allowed[a.GetName().Name!])).ToList();

        Assert.Equal(Allowed.Keys.Order(StringComparer.Ordinal), Production.Append(HarnessAssembly).Select(a => a.GetName().Name!).Order(StringComparer.Ordinal));
        Assert.Empty(violations);
    }

    [Fact]
    public void No_production_assembly_is_compiled_against_the_harness()
    {
        var referencing = Production.Where(a => a.GetReferencedAssemblies().Any(r => r.Name == Harness)).Select(a => a.GetName().Name).ToList();

        Assert.Empty(referencing);
    }

    [Fact]
    public void The_layers_reference_downwards_Host_to_Actors_to_Training_and_Crypto_and_the_harness_to_production()
    {
        Assert.Contains("FederatedHe.Actors", References(HostAssembly));
        Assert.Contains("FederatedHe.Training", References(typeof(FederationNode).Assembly));
        Assert.Contains("FederatedHe.Crypto", References(typeof(FederationNode).Assembly));
        // The harness is compiled against production, and implements production's seam to it.
        Assert.Contains("FederatedHe.Actors", References(HarnessAssembly));
        Assert.Contains(typeof(IFederationHarness), typeof(FederationHarness).GetInterfaces());
    }

    [Fact]
    public void No_production_type_names_a_harness_type()
    {
        var violations = Production
            .SelectMany(a => a.GetTypes())
            .SelectMany(type => TypeReferences.Of(type).Where(IsHarness).Select(used => $"{type.FullName} uses {used.FullName}"))
            .Distinct()
            .ToList();

        Assert.Empty(violations);
    }

    [Fact]
    public void The_reference_checks_fail_on_an_upward_or_harness_reference()
    {
        // An assembly compiled against the harness (these tests are), held to fedhe's rules, is a violation.
        Assert.Contains(AssemblyViolations(typeof(LayeringTests).Assembly, Allowed["fedhe"]), v => v.Contains(Harness, StringComparison.Ordinal));
        // The harness held to Actors' rules: an upward reference to Actors.
        Assert.Contains(AssemblyViolations(HarnessAssembly, Allowed["FederatedHe.Actors"]), v => v.EndsWith("FederatedHe.Actors", StringComparison.Ordinal));
        // Project files: an upward reference, a real reference to the harness, and a build-only one anywhere but fedhe are caught.
        Assert.Contains(TemporaryProjectViolations("FederatedHe.Crypto", "<ProjectReference Include=\"..\\Actors\\FederatedHe.Actors.csproj\" />"),
            v => v.Contains("FederatedHe.Actors", StringComparison.Ordinal));
        Assert.Contains(TemporaryProjectViolations("fedhe", "<ProjectReference Include=\"..\\Testing\\FederatedHe.Testing.csproj\" />"),
            v => v.Contains(Harness, StringComparison.Ordinal));
        Assert.Contains(TemporaryProjectViolations("FederatedHe.Actors", "<ProjectReference Include=\"..\\Testing\\FederatedHe.Testing.csproj\" ReferenceOutputAssembly=\"false\" />"),
            v => v.Contains(Harness, StringComparison.Ordinal));
        Assert.Empty(TemporaryProjectViolations("fedhe", "<ProjectReference Include=\"..\\Testing\\FederatedHe.Testing.csproj\" ReferenceOutputAssembly=\"false\" />"));
    }

    [Fact]
    public void The_type_check_sees_harness_types_used_only_inside_method_bodies()
    {
        // The harness's entry point builds the node's fault hooks in its constructor (a property initializer): IL only.
        var used = TypeReferences.Of(typeof(FederationHarness)).Where(IsHarness).ToHashSet();

        Assert.Contains(typeof(NodeFaultControl), used);
        Assert.Contains(typeof(StragglingTrainer), used);
    }

    private static bool IsHarness(Type type) => type.Assembly.GetName().Name == Harness;

    private static string[] References(Assembly assembly) => assembly.GetReferencedAssemblies().Select(r => r.Name!).ToArray();

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
        var buildOnly = BuildOnly.GetValueOrDefault(assembly, []);
        return XDocument.Load(projectPath).Descendants("ProjectReference")
            .Select(r => (
                Name: Path.GetFileNameWithoutExtension(r.Attribute("Include")!.Value.Replace('\\', '/')) switch { "FederatedHe.Host" => "fedhe", var name => name },
                Referenced: !string.Equals(r.Attribute("ReferenceOutputAssembly")?.Value, "false", StringComparison.OrdinalIgnoreCase)))
            .Where(r => !(r.Referenced ? allowed : buildOnly).Contains(r.Name))
            .Select(r => $"{assembly} ({projectPath}) references {r.Name}{(r.Referenced ? string.Empty : " (build only)")}");
    }

    private static List<string> TemporaryProjectViolations(string assembly, string reference)
    {
        var path = Path.Combine(Path.GetTempPath(), $"{assembly}-{Guid.NewGuid():N}.csproj");
        File.WriteAllText(path, $"<Project><ItemGroup>{reference}</ItemGroup></Project>");
        try
        {
            return ProjectViolations(path, assembly).ToList();
        }
        finally
        {
            File.Delete(path);
        }
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
