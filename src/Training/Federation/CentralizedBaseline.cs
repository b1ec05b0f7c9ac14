using FederatedHe.Training.Data;
using FederatedHe.Training.Evaluation;
using FederatedHe.Training.Local;
using FederatedHe.Training.Models;

namespace FederatedHe.Training.Federation;

/// <summary>The result of centralised training.</summary>
/// <param name="Parameters">The trained model.</param>
/// <param name="Test">Metrics on the held-out test set.</param>
/// <param name="Training">The training call's result (loss, duration).</param>
/// <param name="Standardizer">The standardizer fitted to the pooled training set and applied to both sets.</param>
public sealed record CentralizedResult(float[] Parameters, EvaluationMetrics Test, LocalTrainingResult Training, Standardizer Standardizer);

/// <summary>
/// The upper reference for federation: one model trained on the pooled training set, as if the
/// hospitals had shared their data.
/// </summary>
/// <remarks>Deterministic by <see cref="TrainingOptions.Seed"/>; runs on the caller's thread.</remarks>
public static class CentralizedBaseline
{
    /// <summary>
    /// Standardizes both sets with the training set's statistics, trains a model initialised from
    /// <paramref name="options"/>' seed for <see cref="TrainingOptions.Epochs"/> epochs, and evaluates it on the test set.
    /// </summary>
    /// <param name="train">Raw (unstandardized) pooled training data.</param>
    /// <param name="test">Raw held-out test data.</param>
    /// <param name="spec">The architecture.</param>
    /// <param name="options">Training options.</param>
    /// <param name="cancellationToken">Checked before each batch.</param>
    /// <exception cref="ArgumentException">The sets are empty or disagree in features.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public static CentralizedResult Run(Dataset train, Dataset test, ModelSpec spec, TrainingOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(options);
        var standardizer = Standardizer.Fit(train);
        var scaledTest = standardizer.Apply(test);
        using var model = ModelFactory.Create(spec, train.FeatureCount, options.Seed);
        var training = LocalTrainer.Train(model, standardizer.Apply(train), options, cancellationToken);
        return new CentralizedResult(training.Parameters, ModelEvaluator.Evaluate(model, scaledTest), training, standardizer);
    }
}
