using System.Reflection;
using System.Reflection.Emit;
using FederatedHe.Crypto.Ring;

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

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    [Fact]
    public void No_namespace_references_a_layer_above_it()
    {
        var assembly = typeof(Modulus).Assembly;
        var violations = new List<string>();
        foreach (var type in assembly.GetTypes())
        {
            int layer = LayerOf(type);
            foreach (var referenced in ReferencedTypes(type).Distinct())
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
        var referenced = ReferencedTypes(typeof(FederatedHe.Crypto.Ckks.CkksEncoder)).ToHashSet();
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

    private static IEnumerable<Type> ReferencedTypes(Type type)
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var found = new List<Type>();
        void Add(Type? t)
        {
            if (t is null)
            {
                return;
            }

            if (t.HasElementType)
            {
                Add(t.GetElementType());
                return;
            }

            if (t.IsGenericType && !t.IsGenericTypeDefinition)
            {
                foreach (var argument in t.GetGenericArguments())
                {
                    Add(argument);
                }

                t = t.GetGenericTypeDefinition();
            }

            if (!t.IsGenericParameter)
            {
                found.Add(t);
            }
        }

        Add(type.BaseType);
        foreach (var i in type.GetInterfaces())
        {
            Add(i);
        }

        foreach (var field in type.GetFields(all))
        {
            Add(field.FieldType);
        }

        foreach (var property in type.GetProperties(all))
        {
            Add(property.PropertyType);
        }

        var methods = type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all));
        foreach (var method in methods)
        {
            if (method is MethodInfo info)
            {
                Add(info.ReturnType);
            }

            foreach (var parameter in method.GetParameters())
            {
                Add(parameter.ParameterType);
            }

            foreach (var t in BodyReferences(method))
            {
                Add(t);
            }
        }

        return found;
    }

    private static IEnumerable<Type> BodyReferences(MethodBase method)
    {
        byte[]? il;
        try
        {
            il = method.GetMethodBody()?.GetILAsByteArray();
        }
        catch (InvalidOperationException)
        {
            yield break;
        }

        if (il is null)
        {
            yield break;
        }

        var module = method.Module;
        Type[]? typeArguments = method.DeclaringType is { IsGenericType: true } d ? d.GetGenericArguments() : null;
        Type[]? methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        int position = 0;
        while (position < il.Length)
        {
            short value = il[position++];
            if (value == 0xFE)
            {
                value = unchecked((short)(0xFE00 | il[position++]));
            }

            var opCode = OpCodesByValue[value];
            int operandSize = opCode.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + (4 * BitConverter.ToInt32(il, position)),
                _ => 4,
            };
            if (opCode.OperandType is OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineType or OperandType.InlineTok)
            {
                int token = BitConverter.ToInt32(il, position);
                MemberInfo? member;
                try
                {
                    member = module.ResolveMember(token, typeArguments, methodArguments);
                }
                catch (ArgumentException)
                {
                    member = null;
                }

                switch (member)
                {
                    case Type t:
                        yield return t;
                        break;
                    case FieldInfo f:
                        yield return f.DeclaringType!;
                        yield return f.FieldType;
                        break;
                    case MethodBase m:
                        yield return m.DeclaringType!;
                        if (m is MethodInfo mi)
                        {
                            yield return mi.ReturnType;
                        }

                        foreach (var p in m.GetParameters())
                        {
                            yield return p.ParameterType;
                        }

                        break;
                }
            }

            position += operandSize;
        }
    }
}
