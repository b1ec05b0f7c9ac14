namespace FederatedHe.Training.Evaluation;

/// <summary>How well a model classifies a dataset (threshold 0.5 where a threshold applies).</summary>
/// <param name="SampleCount">Number of samples evaluated.</param>
/// <param name="Accuracy">Fraction classified correctly.</param>
/// <param name="Precision">Of the samples predicted malignant, the fraction that are; 0 when none are predicted malignant.</param>
/// <param name="Recall">Of the malignant samples, the fraction found; 0 when there are none.</param>
/// <param name="F1">Harmonic mean of precision and recall; 0 when both are 0.</param>
/// <param name="RocAuc">Area under the ROC curve (ties count half); NaN when only one class is present.</param>
/// <param name="LogLoss">Mean binary cross-entropy, computed from logits so it stays finite.</param>
/// <param name="ConfusionMatrix">The outcome counts.</param>
public sealed record EvaluationMetrics(
    int SampleCount,
    double Accuracy,
    double Precision,
    double Recall,
    double F1,
    double RocAuc,
    double LogLoss,
    ConfusionMatrix ConfusionMatrix);
