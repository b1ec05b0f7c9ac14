using System.Collections.Frozen;
using Akka.Actor;
using Akka.Serialization;
using FederatedHe.Actors.Protocol;
using Hyperion;

namespace FederatedHe.Actors.Serialization;

/// <summary>
/// Hyperion for the federation's small control messages, restricted to an allow-list of types.
/// An unrestricted Hyperion instantiates any type a peer names, which is a remote-code-execution hole;
/// this one refuses every type not listed in <see cref="AllowedTypes"/> (and Hyperion's own unsafe-type list).
/// </summary>
/// <remarks>Thread-safe: Hyperion's serializer is, and one is shared by every actor system of the process.</remarks>
public sealed class AllowListHyperionSerializer : Akka.Serialization.Serializer
{
    /// <summary>The serializer id bound in hocon.</summary>
    public const int SerializerIdentifier = 7302;

    /// <summary>The largest control message accepted, in bytes; control messages are tiny.</summary>
    public const int MaxMessageBytes = 64 * 1024;

    /// <summary>Every type this serializer will read or write.</summary>
    public static readonly IReadOnlyList<Type> AllowedTypes = typeof(FederationProtocol)
        .GetNestedTypes()
        .Concat(typeof(ObserverNotices).GetNestedTypes())
        .Where(t => !t.IsInterface && !t.IsEnum && t != typeof(FederationProtocol.EncryptedChunk))
        .OrderBy(t => t.FullName, StringComparer.Ordinal)
        .ToArray();

    /// <summary>
    /// One Hyperion instance for every actor system of the process. Its options depend on nothing but the allow-list, and
    /// building it compiles a reader and a writer for every allowed type up front: ~0.4 s of CPU, which a process running
    /// five nodes (`simulate`) paid five times, for 38 % of a one-round simulation's CPU (profiled with perf).
    /// </summary>
    private static readonly Lazy<Hyperion.Serializer> SharedHyperion = new(() => new Hyperion.Serializer(SerializerOptions.Default
        .WithKnownTypes(AllowedTypes)
        .WithPreserveObjectReferences(false)
        .WithVersionTolerance(false)
        .WithDisallowUnsafeType(true)
        .WithTypeFilter(new AllowListTypeFilter(AllowedTypes))));

    private readonly Hyperion.Serializer _hyperion;

    /// <summary>
    /// Builds the process's shared Hyperion instance now, if it is not built yet (a caller with a spare core, before its
    /// first actor system starts); every serializer created afterwards uses it at once.
    /// </summary>
    public static void Build() => _ = SharedHyperion.Value;

    /// <summary>Creates the serializer; Akka calls this.</summary>
    public AllowListHyperionSerializer(ExtendedActorSystem system) : base(system) => _hyperion = SharedHyperion.Value;

    /// <inheritdoc />
    public override int Identifier => SerializerIdentifier;

    /// <inheritdoc />
    public override bool IncludeManifest => false;

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The object's type is not on the allow-list.</exception>
    public override byte[] ToBinary(object obj)
    {
        if (!AllowedTypes.Contains(obj.GetType()))
            throw new ArgumentException($"{obj.GetType()} is not on the control-message allow-list", nameof(obj));
        using var stream = new MemoryStream();
        _hyperion.Serialize(obj, stream);
        return stream.ToArray();
    }

    /// <inheritdoc />
    /// <exception cref="WireFormatException">
    /// The bytes are oversized, malformed, truncated or padded, or name a type not on the allow-list.
    /// </exception>
    public override object FromBinary(byte[] bytes, Type type)
    {
        if (bytes.Length > MaxMessageBytes)
            throw new WireFormatException("control message", "length", $"{bytes.Length} bytes is over {MaxMessageBytes}");
        object? result;
        try
        {
            using var stream = new MemoryStream(bytes, writable: false);
            result = _hyperion.Deserialize(stream);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            throw new WireFormatException("control message", "body", exception.Message);
        }

        if (result is not FederationProtocol.IControlMessage)
            throw new WireFormatException("control message", "type", $"{result?.GetType().FullName ?? "null"} is not on the allow-list");

        // Hyperion reads a cut-off string as a shorter one and ignores what follows the message, so a truncated or
        // padded payload can decode "successfully". Only the exact encoding of the decoded message is accepted.
        if (!ToBinary(result).AsSpan().SequenceEqual(bytes))
            throw new WireFormatException("control message", "body", $"the {bytes.Length} bytes are not the exact encoding of the {result.GetType().Name} they decode to (truncated, padded or altered)");
        return result;
    }

    // An array of an allowed record is as safe as the record (an observer notice carries each hospital's figures as one).
    private sealed class AllowListTypeFilter(IEnumerable<Type> allowed) : ITypeFilter
    {
        private readonly FrozenSet<string> _names = allowed
            .SelectMany(t => new[] { t, t.MakeArrayType() })
            .SelectMany(t => new[] { t.FullName!, t.AssemblyQualifiedName!, $"{t.FullName}, {t.Assembly.GetName().Name}" })
            .ToFrozenSet(StringComparer.Ordinal);

        public bool IsAllowed(string typeName) => _names.Contains(typeName) || _names.Contains(StripVersion(typeName));

        private static string StripVersion(string typeName)
        {
            var parts = typeName.Split(',', StringSplitOptions.TrimEntries);
            return parts.Length >= 2 ? $"{parts[0]}, {parts[1]}" : typeName;
        }
    }
}
