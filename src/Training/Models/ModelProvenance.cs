using FederatedHe.Training.Evaluation;

namespace FederatedHe.Training.Models;

/// <summary>Where a trained model came from and how well it did, as recorded in its <see cref="ModelFile"/>.</summary>
/// <param name="RunId">The federation run (or other training run) that produced it; not empty.</param>
/// <param name="CkksParameterSetId">
/// The CKKS parameter set its updates were aggregated under (e.g. <c>Params128BitLogN13LogQ101</c>), or null
/// for a model trained without encryption, such as the centralised baseline.
/// </param>
/// <param name="Rounds">Federation rounds (or, for centralised training, epochs) it was trained for; not negative.</param>
/// <param name="CreatedUtc">When the model file was built.</param>
/// <param name="FinalMetrics">Its metrics at the end of training, or null when none were measured.</param>
/// <param name="FinalMetricsOn">What <paramref name="FinalMetrics"/> were measured on, e.g. <c>wdbc.csv#test (114 samples)</c>.</param>
public sealed record ModelProvenance(
    string RunId,
    string? CkksParameterSetId,
    int Rounds,
    DateTimeOffset CreatedUtc,
    EvaluationMetrics? FinalMetrics = null,
    string? FinalMetricsOn = null);
