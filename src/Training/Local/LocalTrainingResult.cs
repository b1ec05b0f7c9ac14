namespace FederatedHe.Training.Local;

/// <summary>What one call to <see cref="LocalTrainer.Train"/> produced.</summary>
/// <param name="Parameters">The trained parameter vector (a copy; the model holds the same values).</param>
/// <param name="SampleCount">Number of local samples trained on: the FedAvg weight.</param>
/// <param name="MeanLoss">Mean binary cross-entropy per sample over the last epoch, without the proximal term.</param>
/// <param name="Duration">Wall-clock time spent training.</param>
public sealed record LocalTrainingResult(float[] Parameters, int SampleCount, double MeanLoss, TimeSpan Duration);
