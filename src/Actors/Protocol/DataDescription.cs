using FederatedHe.Federation;
using FederatedHe.Training.Data;
using static FederatedHe.Actors.Protocol.FederationProtocol;
using Core = FederatedHe.Federation.Rounds;

namespace FederatedHe.Actors.Protocol;

/// <summary>
/// The preflight's two ends: a hospital describes its data for its registration (schema only), and the coordinator reads
/// that description back into the round machine's terms after checking it is well-formed and its digest is its names'.
/// </summary>
public static class DataDescription
{
    /// <summary>The most feature names a description may carry (the control-message size bounds it anyway).</summary>
    public const int MaxFeatures = 4096;

    private const int MaxNameLength = 256;

    /// <summary>What a hospital sends of its data: the schema of its training data and, if it cannot use the file, why.</summary>
    public static HospitalDataSchema Of(DatasetSchema schema, string? problem) =>
        new(schema.Digest, [.. schema.FeatureNames], schema.LabelColumn, schema.LabelEncoding.CanonicalText, problem);

    /// <summary>
    /// The round machine's description of what a hospital sent, or why it is malformed (too many or too long names, or a
    /// digest that is not its names'); (null, null) when the hospital sent none.
    /// </summary>
    public static (Core.HospitalDataDescription? Description, string? Malformed) Read(HospitalDataSchema? sent)
    {
        if (sent is null)
            return (null, null);
        if (sent.FeatureNames is null || sent.Digest is null || sent.LabelColumn is null || sent.LabelEncoding is null)
            return (null, "its data schema is incomplete");
        if (sent.FeatureNames.Length is 0 or > MaxFeatures || sent.FeatureNames.Any(n => n is null || n.Length > MaxNameLength)
            || sent.LabelColumn.Length > MaxNameLength || sent.LabelEncoding.Length > MaxNameLength || sent.Problem is { Length: > 4 * MaxNameLength })
            return (null, "its data schema is malformed (no features, too many, or names too long)");
        if (!string.Equals(DatasetSchema.DigestOf(sent.FeatureNames, sent.LabelColumn, sent.LabelEncoding), sent.Digest, StringComparison.Ordinal))
            return (null, "its data schema's digest is not the digest of the column names it sent");
        return (new Core.HospitalDataDescription(sent.Digest, EquatableArray.Create<string>(sent.FeatureNames),
            $"{sent.LabelColumn}: {sent.LabelEncoding}", sent.Problem), null);
    }
}
