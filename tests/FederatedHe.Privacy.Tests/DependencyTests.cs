using FederatedHe.Privacy.Accounting;

namespace FederatedHe.Privacy.Tests;

public sealed class DependencyTests
{
    // The privacy library must stay usable from any layer (training, the federation core, the host):
    // it depends on the BCL only, never on TorchSharp, Akka or the CKKS library.
    [Fact]
    public void The_privacy_library_references_only_the_base_class_library()
    {
        var references = typeof(RdpAccountant).Assembly.GetReferencedAssemblies().Select(name => name.Name!).ToArray();

        Assert.All(references, name => Assert.True(name.StartsWith("System", StringComparison.Ordinal) || name is "netstandard" or "mscorlib", $"references {name}"));
    }
}
