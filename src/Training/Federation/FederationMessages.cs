using FederatedHe.Training.Evaluation;
using FederatedHe.Training.Local;

namespace FederatedHe.Training.Federation;

/// <summary>What the strategy asks one hospital to do in a training round.</summary>
/// <param name="ClientId">The hospital.</param>
/// <param name="Round">The 1-based round.</param>
/// <param name="GlobalParameters">The global model to start from. Treat as read-only.</param>
/// <param name="Options">Local training options, with a seed specific to this round and hospital.</param>
public sealed record FitInstruction(string ClientId, int Round, float[] GlobalParameters, TrainingOptions Options);

/// <summary>A hospital's trained model for a round.</summary>
/// <param name="ClientId">The hospital.</param>
/// <param name="Round">The round it answers.</param>
/// <param name="Parameters">The locally trained parameters.</param>
/// <param name="SampleCount">Local training samples: the FedAvg weight.</param>
/// <param name="MeanLoss">Mean training loss of the last local epoch.</param>
/// <param name="Duration">Time spent training.</param>
public sealed record ClientUpdate(string ClientId, int Round, float[] Parameters, int SampleCount, double MeanLoss, TimeSpan Duration);

/// <summary>A hospital that did not deliver a result for a round (dropped out, timed out, failed).</summary>
/// <param name="ClientId">The hospital.</param>
/// <param name="Round">The round.</param>
/// <param name="Reason">Why, for logs and reports.</param>
public sealed record ClientFailure(string ClientId, int Round, string Reason);

/// <summary>What the strategy asks one hospital to evaluate.</summary>
/// <param name="ClientId">The hospital.</param>
/// <param name="Round">The round.</param>
/// <param name="Parameters">The model to evaluate. Treat as read-only.</param>
public sealed record EvaluateInstruction(string ClientId, int Round, float[] Parameters);

/// <summary>A hospital's evaluation of a model on its own data.</summary>
/// <param name="ClientId">The hospital.</param>
/// <param name="Round">The round.</param>
/// <param name="Metrics">The metrics, including the sample count.</param>
public sealed record ClientEvaluation(string ClientId, int Round, EvaluationMetrics Metrics);

/// <summary>The new global model from a training round.</summary>
/// <param name="Round">The round.</param>
/// <param name="Parameters">The aggregated parameters.</param>
/// <param name="TotalSampleCount">Samples behind the aggregate.</param>
/// <param name="ClientCount">Hospitals whose updates were aggregated.</param>
/// <param name="MeanTrainingLoss">Sample-weighted mean of the hospitals' training losses.</param>
public sealed record FitAggregate(int Round, float[] Parameters, long TotalSampleCount, int ClientCount, double MeanTrainingLoss);

/// <summary>The hospitals' evaluations of a round, pooled.</summary>
/// <param name="Round">The round.</param>
/// <param name="Metrics">
/// Pooled metrics: confusion matrix summed (so accuracy, precision, recall and F1 are exact for the
/// union of the hospitals' data), log-loss weighted by samples, ROC-AUC a sample-weighted mean of the
/// hospitals' (an approximation: AUC does not pool).
/// </param>
/// <param name="ClientCount">Hospitals whose evaluations were pooled.</param>
public sealed record EvaluationAggregate(int Round, EvaluationMetrics Metrics, int ClientCount);
