using FederatedHe.Crypto.Ring;
using FederatedHe.Tests.Shared;

namespace FederatedHe.Crypto.Tests;

/// <summary>
/// FederatedHe.Crypto is strictly layered: Ring → Rlwe → Ckks → Multiparty, each namespace using only
/// the ones before it (the root namespace holds the exception types and may be used by all, but uses
/// none). Checked by reflection over signatures and over the IL of every method body.
/// </summary>
public class LayeringTests
{
    private static readonly string[] Layers =
    [
        "FederatedHe.Crypto.Ring",
        "FederatedHe.Crypto.Rlwe",
        "FederatedHe.Crypto.Ckks",
        "FederatedHe.Crypto.Multiparty",
    ];

    [Fact]
    public void No_namespace_references_a_layer_above_it()
    {
        var assembly = typeof(Modulus).Assembly;
        var violations = new List<string>();
        foreach (var type in assembly.GetTypes())
        {
            int layer = LayerOf(type);
            foreach (var referenced in TypeReferences.Of(type).Distinct())
            {
                if (referenced.Assembly == assembly && LayerOf(referenced) > layer)
                {
                    violations.Add($"{type.FullName} (layer {layer}) uses {referenced.FullName} (layer {LayerOf(referenced)})");
                }
            }
        }

        Assert.Empty(violations.Distinct());
    }

    [Fact]
    public void The_layer_check_sees_references_made_only_inside_method_bodies()
    {
        // Evaluator uses RingContext only inside bodies and fields; the scanner must see the Ring dependency.
        var referenced = TypeReferences.Of(typeof(FederatedHe.Crypto.Ckks.CkksEncoder)).ToHashSet();
        Assert.Contains(typeof(Modulus), referenced);
        Assert.Contains(typeof(FederatedHe.Crypto.Rlwe.Plaintext), referenced);
    }

    private static int LayerOf(Type type)
    {
        string ns = type.Namespace ?? string.Empty;
        for (int i = Layers.Length - 1; i >= 0; i--)
        {
            if (ns == Layers[i] || ns.StartsWith(Layers[i] + ".", StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1; // the root namespace: exceptions shared by every layer
    }
}
