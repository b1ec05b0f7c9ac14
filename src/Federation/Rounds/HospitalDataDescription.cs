namespace FederatedHe.Federation.Rounds;

/// <summary>
/// What a hospital tells the coordinator about its data when it registers, and nothing more: the digest of its
/// schema, its feature names in column order and its label (column name and encoding), so that the coordinator can
/// refuse to start a federation whose hospitals' files disagree and name the first differing column; and, when the
/// hospital cannot take part with its file, why, in a sentence made of fixed words and column names. Never a value.
/// </summary>
/// <param name="SchemaDigest">SHA-256 of the schema's canonical text (the coordinator checks it against the names).</param>
/// <param name="Features">The feature columns' names, in order.</param>
/// <param name="Label">The label column and its encoding, e.g. <c>diagnosis: 1=malignant(M);0=benign(B)</c>.</param>
/// <param name="Problem">Why the hospital's file cannot be used (one class only, columns unlike the common test file's), or null.</param>
public sealed record HospitalDataDescription(string SchemaDigest, EquatableArray<string> Features, string Label, string? Problem = null)
{
    /// <summary>
    /// The first way this hospital's data differ from <paramref name="reference"/>, as words that follow the hospital's
    /// name (<c>'s feature 5 is 'area_avg' where hospital-1 and hospital-2 have 'area_mean'</c>), or null when the schemas agree.
    /// </summary>
    /// <param name="reference">The schema the others agree on.</param>
    /// <param name="referenceHolders">Who holds <paramref name="reference"/>, for the sentence.</param>
    public string? FirstDifference(HospitalDataDescription reference, IReadOnlyList<string> referenceHolders)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(referenceHolders);
        if (SchemaDigest == reference.SchemaDigest)
            return null;
        var holders = referenceHolders.Count switch
        {
            0 => "the federation",
            1 => referenceHolders[0],
            _ => $"{string.Join(", ", referenceHolders.Take(referenceHolders.Count - 1))} and {referenceHolders[^1]}",
        };
        var verb = referenceHolders.Count > 1 ? "have" : "has";
        for (var i = 0; i < Math.Max(Features.Length, reference.Features.Length); i++)
        {
            var mine = i < Features.Length ? $"'{Features[i]}'" : "missing";
            var theirs = i < reference.Features.Length ? $"'{reference.Features[i]}'" : "no such column";
            if (i >= Features.Length || i >= reference.Features.Length || !string.Equals(Features[i], reference.Features[i], StringComparison.Ordinal))
                return $"feature {i + 1} is {mine} where {holders} {verb} {theirs}";
        }

        return string.Equals(Label, reference.Label, StringComparison.Ordinal)
            ? $"schema digest {SchemaDigest[..Math.Min(12, SchemaDigest.Length)]}… differs from {holders}'s {reference.SchemaDigest[..Math.Min(12, reference.SchemaDigest.Length)]}…"
            : $"label is '{Label}' where {holders} {verb} '{reference.Label}'";
    }

    /// <summary>
    /// The schema most of <paramref name="described"/> agree on (ties go to the one held by the hospital first in ordinal
    /// order) and, for every hospital whose schema differs, the words of <see cref="FirstDifference"/>; empty when all agree.
    /// </summary>
    public static (HospitalDataDescription? Agreed, IReadOnlyList<(string HospitalId, string Difference)> Disagreements) Compare(
        IReadOnlyDictionary<string, HospitalDataDescription> described)
    {
        ArgumentNullException.ThrowIfNull(described);
        if (described.Count == 0)
            return (null, []);
        var groups = described
            .OrderBy(d => d.Key, StringComparer.Ordinal)
            .GroupBy(d => d.Value.SchemaDigest, StringComparer.Ordinal)
            .OrderByDescending(g => g.Count())
            .ThenBy(g => g.First().Key, StringComparer.Ordinal)
            .ToList();
        var agreed = groups[0].First().Value;
        var holders = groups[0].Select(d => d.Key).ToList();
        var disagreements = groups.Skip(1)
            .SelectMany(g => g)
            .OrderBy(d => d.Key, StringComparer.Ordinal)
            .Select(d => (d.Key, d.Value.FirstDifference(agreed, holders)!))
            .ToList();
        return (agreed, disagreements);
    }
}
