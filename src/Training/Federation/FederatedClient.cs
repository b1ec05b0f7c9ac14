using FederatedHe.Training.Data;
using FederatedHe.Training.Evaluation;
using FederatedHe.Training.Local;
using FederatedHe.Training.Models;
using FederatedHe.Training.Privacy;
using FederatedHe.Privacy.Noise;

namespace FederatedHe.Training.Federation;

/// <summary>
/// One hospital's side of federated learning, free of transport: it holds the hospital's data and a
/// model, trains from a global model and evaluates one. The simulation calls it directly; the
/// runtime's hospital actor calls it off its dispatcher.
/// </summary>
/// <remarks>
/// The data given must already be standardized with the global <see cref="Standardizer"/>. Not
/// thread-safe: one call at a time per client. Dispose it to free the model's native memory.
/// </remarks>
public sealed class FederatedClient : IDisposable
{
    private readonly ClassifierModel _model;

    /// <summary>Creates a hospital's client.</summary>
    /// <param name="clientId">The hospital's id, stable across rounds.</param>
    /// <param name="trainingData">Local (standardized) training data; not empty.</param>
    /// <param name="spec">The architecture every hospital shares.</param>
    /// <param name="evaluationData">Local (standardized) evaluation data; null evaluates on the training data.</param>
    /// <exception cref="ArgumentException">The id is blank, the training data is empty, or the two datasets disagree in features.</exception>
    public FederatedClient(string clientId, Dataset trainingData, ModelSpec spec, Dataset? evaluationData = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(clientId);
        ArgumentNullException.ThrowIfNull(trainingData);
        ArgumentNullException.ThrowIfNull(spec);
        if (trainingData.SampleCount == 0)
        {
            throw new ArgumentException($"Hospital {clientId} has no training samples.", nameof(trainingData));
        }
        if (evaluationData is not null && evaluationData.FeatureCount != trainingData.FeatureCount)
        {
            throw new ArgumentException($"Hospital {clientId}'s evaluation data has {evaluationData.FeatureCount} features, its training data {trainingData.FeatureCount}.", nameof(evaluationData));
        }
        ClientId = clientId;
        TrainingData = trainingData;
        EvaluationData = evaluationData ?? trainingData;
        // The initial values are overwritten by the first global model, so any seed will do.
        _model = ModelFactory.Create(spec, trainingData.FeatureCount, seed: 0);
    }

    /// <summary>The hospital's id.</summary>
    public string ClientId { get; }

    /// <summary>The hospital's training data.</summary>
    public Dataset TrainingData { get; }

    /// <summary>The hospital's evaluation data.</summary>
    public Dataset EvaluationData { get; }

    /// <summary>Length of the parameter vectors this client accepts and returns.</summary>
    public int ParameterCount => _model.ParameterCount;

    /// <summary>Trains from the instruction's global model; see <see cref="Fit(int, ReadOnlySpan{float}, TrainingOptions, CancellationToken)"/>.</summary>
    /// <exception cref="ArgumentException">The instruction is for another hospital.</exception>
    public ClientUpdate Fit(FitInstruction instruction, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instruction);
        if (instruction.ClientId != ClientId)
        {
            throw new ArgumentException($"Instruction for {instruction.ClientId} sent to {ClientId}.", nameof(instruction));
        }
        return Fit(instruction.Round, instruction.GlobalParameters, instruction.Options, cancellationToken);
    }

    /// <summary>Loads the global model, trains locally and returns the update with its sample count.</summary>
    /// <param name="round">The round, echoed in the update.</param>
    /// <param name="globalParameters">The global model (and FedProx anchor).</param>
    /// <param name="options">Local training options.</param>
    /// <param name="cancellationToken">Checked before each batch.</param>
    /// <exception cref="ModelParameterException">The global parameters have the wrong length or are not finite.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    /// <exception cref="ModelTrainingDivergedException">Training diverged.</exception>
    public ClientUpdate Fit(int round, ReadOnlySpan<float> globalParameters, TrainingOptions options, CancellationToken cancellationToken = default)
    {
        _model.SetParameters(globalParameters);
        var result = LocalTrainer.Train(_model, TrainingData, options, cancellationToken);
        return new ClientUpdate(ClientId, round, result.Parameters, result.SampleCount, result.MeanLoss, result.Duration);
    }

    /// <summary>
    /// Trains from the instruction's global model with DP-SGD (<see cref="DpSgdTrainer"/>) instead of minibatch SGD: the
    /// instruction's optimiser, learning rate and μ, the privacy options' steps, sampling, clipping and noise. The update is
    /// private for each local record; its loss is computed from raw data and must stay at the hospital.
    /// </summary>
    /// <exception cref="ArgumentException">The instruction is for another hospital.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A privacy option is out of range.</exception>
    /// <exception cref="ModelTrainingDivergedException">Training diverged.</exception>
    public ClientUpdate FitPrivately(FitInstruction instruction, DpSgdOptions privacy, NoiseRandomness randomness, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instruction);
        if (instruction.ClientId != ClientId)
        {
            throw new ArgumentException($"Instruction for {instruction.ClientId} sent to {ClientId}.", nameof(instruction));
        }
        _model.SetParameters(instruction.GlobalParameters);
        var result = DpSgdTrainer.Train(_model, TrainingData, instruction.Options, privacy, randomness, cancellationToken);
        return new ClientUpdate(ClientId, instruction.Round, result.Parameters, result.SampleCount, result.MeanLossNotPrivate, result.Duration);
    }

    /// <summary>Evaluates the instruction's model on the local evaluation data.</summary>
    /// <exception cref="ArgumentException">The instruction is for another hospital.</exception>
    public ClientEvaluation Evaluate(EvaluateInstruction instruction)
    {
        ArgumentNullException.ThrowIfNull(instruction);
        if (instruction.ClientId != ClientId)
        {
            throw new ArgumentException($"Instruction for {instruction.ClientId} sent to {ClientId}.", nameof(instruction));
        }
        return Evaluate(instruction.Round, instruction.Parameters);
    }

    /// <summary>Evaluates the given model on the local evaluation data.</summary>
    /// <exception cref="ModelParameterException">The parameters have the wrong length or are not finite.</exception>
    public ClientEvaluation Evaluate(int round, ReadOnlySpan<float> parameters)
    {
        _model.SetParameters(parameters);
        return new ClientEvaluation(ClientId, round, ModelEvaluator.Evaluate(_model, EvaluationData));
    }

    /// <inheritdoc />
    public void Dispose() => _model.Dispose();
}
