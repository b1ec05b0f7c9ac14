using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace FederatedHe.Actors.Spec;

/// <summary>
/// How a spec spells the simulation's faults: each <see cref="FaultKind"/> and <see cref="FaultMoment"/> in kebab case
/// (<c>KillHospital</c> is <c>kill-hospital</c>), so a kind the runtime gains is accepted by specs without a change here.
/// </summary>
public static partial class FaultNames
{
    /// <summary>Every fault kind by its spec name.</summary>
    public static IReadOnlyDictionary<string, FaultKind> Kinds { get; } = Enum.GetValues<FaultKind>().ToDictionary(k => Name(k), StringComparer.Ordinal);

    /// <summary>Every fault moment by its spec name.</summary>
    public static IReadOnlyDictionary<string, FaultMoment> Moments { get; } = Enum.GetValues<FaultMoment>().ToDictionary(m => Name(m), StringComparer.Ordinal);

    /// <summary>The spec name of an enum value: PascalCase to kebab-case.</summary>
    public static string Name<T>(T value) where T : struct, Enum
    {
        var pascal = value.ToString();
        var text = new StringBuilder();
        foreach (var c in pascal)
        {
            if (char.IsUpper(c) && text.Length > 0)
                text.Append('-');
            text.Append(char.ToLowerInvariant(c));
        }

        return text.ToString();
    }

    /// <summary>The k of a <c>hospital-k</c> target, or null for any other target.</summary>
    public static int? HospitalNumber(string target) =>
        HospitalTarget().Match(target) is { Success: true } match ? int.Parse(match.Groups[1].ValueSpan, CultureInfo.InvariantCulture) : null;

    /// <summary>A fault as one line for consoles and reports.</summary>
    public static string Describe(SimulatedFault fault) =>
        $"round {fault.Round} ({Name(fault.Moment)}): {Name(fault.Kind)} {fault.Target}{Parameters(fault, " ", ", ")}";

    /// <summary>
    /// The parameters a fault has beyond its round, moment, kind and target, as spec keys, each preceded by
    /// <paramref name="separator"/> and joined to its value by <paramref name="assign"/>; empty when it has none.
    /// </summary>
    public static string Parameters(SimulatedFault fault, string assign, string separator)
    {
        var text = new StringBuilder();
        void Add(string key, string value) => text.Append(separator).Append(key).Append(assign).Append(value);
        if (fault.Peer is { } peer)
            Add("peer", peer);
        if (fault.Fraction > 0)
            Add("fraction", fault.Fraction.ToString("R", CultureInfo.InvariantCulture));
        if (fault.Duration is { } duration)
            Add("duration", Milliseconds(duration));
        if (fault.Delay > TimeSpan.Zero)
            Add("delay", Milliseconds(fault.Delay));
        if (fault.BytesPerSecond > 0)
            Add("bytes-per-second", fault.BytesPerSecond.ToString(CultureInfo.InvariantCulture));
        return text.ToString();
    }

    private static string Milliseconds(TimeSpan span) => ((long)span.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms";

    [GeneratedRegex("^hospital-([1-9][0-9]{0,5})$", RegexOptions.CultureInvariant)]
    private static partial Regex HospitalTarget();
}
