using System.Collections.Immutable;

namespace FederatedHe.Federation.Strategies;

/// <summary>
/// The deterministic client sample: the hospitals in ordinal order, shuffled by a SplitMix64 stream of (seed, purpose,
/// round), the first <c>max(minimum, ⌈fraction × available⌉)</c> taken and sorted again. The generator and stream
/// derivation are those of FederatedHe.Training's <c>DeterministicRandom.ForStream</c>, and the purposes those of
/// <c>FedAvgStrategy</c> (0xF17 fit, 0xE7A evaluate), so a plaintext simulation and the aggregator choose alike.
/// </summary>
/// <remarks>Pure and stateless, hence thread-safe.</remarks>
public static class SeededSample
{
    /// <summary>The stream purpose of training selection.</summary>
    public const long FitStream = 0xF17;

    /// <summary>The stream purpose of evaluation selection.</summary>
    public const long EvaluateStream = 0xE7A;

    /// <summary>How many of <paramref name="available"/> hospitals a fraction with a minimum selects (never more than are available).</summary>
    public static int Size(int available, double fraction, int minimum) =>
        Math.Min(available, Math.Max(minimum, (int)Math.Ceiling(fraction * available)));

    /// <summary>Selects hospitals for one purpose and round.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="available"/> is null.</exception>
    public static EquatableArray<string> Choose(IReadOnlyCollection<string> available, double fraction, int minimum, int seed, long stream, int round)
    {
        ArgumentNullException.ThrowIfNull(available);
        var ordered = available.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var count = Size(ordered.Length, fraction, minimum);
        if (count >= ordered.Length)
            return [.. ordered];

        var state = ForStream(seed, stream, round);
        for (var i = ordered.Length - 1; i > 0; i--)
        {
            state += 0x9E3779B97F4A7C15UL;
            var j = (int)(((Mix(state) >> 32) * (ulong)(i + 1)) >> 32);
            (ordered[i], ordered[j]) = (ordered[j], ordered[i]);
        }

        return [.. ordered.Take(count).Order(StringComparer.Ordinal)];
    }

    private static ulong ForStream(long seed, params long[] streamIds)
    {
        var mixed = Mix((ulong)seed);
        foreach (var id in streamIds)
            mixed = Mix(mixed ^ Mix((ulong)id + 0x632BE59BD9B4E019UL));
        return mixed ^ 0x9E3779B97F4A7C15UL;
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
