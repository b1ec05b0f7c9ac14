using Akka.Actor;
using FederatedHe.Actors.CryptoPool;
using FederatedHe.Crypto.Ckks;
using FederatedHe.Crypto.Multiparty;
using FederatedHe.Training.Data;
using FederatedHe.Training.Evaluation;
using FederatedHe.Training.Federation;
using FederatedHe.Training.Models;
using FederatedHe.Training.Privacy;

namespace FederatedHe.Actors.Hospitals;

/// <summary>
/// A hospital's CKKS setup: in shared-key mode the provisioned keys; in threshold mode the threshold
/// parameters (its key share is generated with the other hospitals at the start of the federation).
/// </summary>
/// <param name="Parameters">The federation's CKKS parameter set.</param>
/// <param name="SharedKeys">Shared-key mode: the key pair every hospital holds.</param>
/// <param name="Threshold">Threshold mode: the parameters with room for smudging noise.</param>
public sealed record HospitalCrypto(CkksParameters Parameters, CkksKeyMaterial? SharedKeys, ThresholdParameters? Threshold)
{
    /// <summary>Shared-key mode.</summary>
    /// <exception cref="ArgumentException">The material holds no secret key.</exception>
    public static HospitalCrypto WithSharedKeys(CkksKeyMaterial keys) =>
        keys.CanDecrypt ? new(keys.Parameters, keys, null) : throw new ArgumentException("a hospital needs the secret key in shared-key mode", nameof(keys));

    /// <summary>Threshold mode.</summary>
    public static HospitalCrypto WithThreshold(ThresholdParameters parameters) => new(parameters.Ckks, null, parameters);
}

/// <summary>What a hospital brings to the federation: its own data, never shared.</summary>
/// <param name="HospitalId">The hospital's id in the federation's roster.</param>
/// <param name="Train">The hospital's training partition, unscaled (global statistics scale it).</param>
/// <param name="Evaluation">The hospital's own held-out data for evaluating global models.</param>
/// <param name="Problem">
/// Why the hospital's own file cannot be used (one class only, columns unlike the common test file's), in words made of
/// column names and fixed text, never values: the hospital registers with it so that the coordinator stops the federation
/// before round 0 naming it, rather than the hospital leaving and the federation waiting for it. Null when the data are usable.
/// </param>
public sealed record HospitalData(string HospitalId, Dataset Train, Dataset Evaluation, string? Problem = null);

/// <summary>
/// How a hospital trains: the model, the round policy (whose <c>ConfigureFit</c> hook gives each round's local
/// training options, as in the plaintext baseline) and the seed every hospital initialises the first global model from.
/// </summary>
public sealed record HospitalTrainingPlan(ModelSpec Model, IFederatedStrategy Strategy, int InitialisationSeed)
{
    /// <summary>Local mode: train with DP-SGD with these options instead of minibatch SGD; null otherwise.</summary>
    public DpSgdOptions? DpSgd { get; init; }

    /// <summary>Distributed mode: add a share of the sum's noise to the clipped update before encryption; null otherwise.</summary>
    public DistributedNoiseSettings? DistributedNoise { get; init; }
}

/// <summary>
/// What a hospital publishes on its own node's event stream. Local only: an event stream never crosses the network and
/// the types are on no serializer's allow-list. The plaintext they carry is the hospital's own, already in its process;
/// a subscriber there (the in-process harness's shadow FedAvg, an operator's audit of its own hospital) learns nothing
/// the process does not hold. Published by reference: subscribers must not change the arrays.
/// </summary>
public static class HospitalEvents
{
    /// <summary>The hospital trained its update for <paramref name="Round"/> and is about to encrypt and send it.</summary>
    /// <param name="HospitalId">The hospital.</param>
    /// <param name="Round">The round.</param>
    /// <param name="Parameters">Its locally trained model, in plaintext.</param>
    /// <param name="SampleCount">The samples it trained on (what FedAvg weights the update by).</param>
    /// <param name="EncodedWeight">
    /// The weight it encrypted the update with: νᵢ = nᵢ·W/N₀ for FedAvg over a single-modulus sum, nᵢ where the range is
    /// unbounded, 1 in distributed mode.
    /// </param>
    public sealed record LocalUpdateTrained(string HospitalId, int Round, float[] Parameters, int SampleCount, double EncodedWeight)
        : INoSerializationVerificationNeeded;

    /// <summary>The hospital decrypted and accepted the aggregate of <paramref name="Round"/>.</summary>
    /// <param name="HospitalId">The hospital.</param>
    /// <param name="Round">The round.</param>
    /// <param name="Values">Σ ν_i·w_i followed by Σ ν_i (the weights encrypted), as decrypted.</param>
    public sealed record AggregateDecrypted(string HospitalId, int Round, double[] Values) : INoSerializationVerificationNeeded;

    /// <summary>The hospital encrypted its update (or statistics) for <paramref name="Round"/> and sent it: sizes and time only.</summary>
    /// <param name="HospitalId">The hospital.</param>
    /// <param name="Round">The round.</param>
    /// <param name="VectorLength">Plaintext values encrypted (model parameters + 1 sample count, or the statistics).</param>
    /// <param name="CiphertextBytes">Ciphertext bytes sent to the coordinator.</param>
    /// <param name="EncryptionMs">Time spent encrypting.</param>
    public sealed record UpdateSent(string HospitalId, int Round, int VectorLength, long CiphertextBytes, double EncryptionMs) : INoSerializationVerificationNeeded;

    /// <summary>The hospital reported its evaluation of the global model of <paramref name="Round"/> to the coordinator (figures only).</summary>
    /// <param name="HospitalId">The hospital.</param>
    /// <param name="Round">The round.</param>
    /// <param name="Accuracy">Its accuracy on its own held-out data.</param>
    /// <param name="LogLoss">Its log-loss there.</param>
    /// <param name="RocAuc">Its ROC-AUC there (NaN for a one-class hold-out).</param>
    /// <param name="Timings">Its training, encryption and decryption time in the round.</param>
    public sealed record EvaluationSent(string HospitalId, int Round, double Accuracy, double LogLoss, double RocAuc,
        Protocol.FederationProtocol.HospitalTimings Timings) : INoSerializationVerificationNeeded;
}

/// <summary>
/// Messages between a hospital and its local training worker (same process only, never serialized). Public so that a
/// decorator around the worker's props (<c>decorateTrainer</c> of <c>FederationNode.StartHospital</c>)
/// can be written outside this assembly, as the harness's straggler is; the worker replies to its message's sender.
/// </summary>
public static class LocalTrainingProtocol
{
    /// <summary>The hospital's data, scaled with the federation's global statistics.</summary>
    public sealed record PrepareData(Dataset ScaledTrain, Dataset ScaledEvaluation) : INoSerializationVerificationNeeded;

    public sealed record TrainLocally(FitInstruction Instruction) : INoSerializationVerificationNeeded;

    public sealed record LocalTrainingCompleted(ClientUpdate Update) : INoSerializationVerificationNeeded;

    public sealed record EvaluateLocally(int Round, float[] Parameters) : INoSerializationVerificationNeeded;

    public sealed record LocalEvaluationCompleted(ClientEvaluation Evaluation) : INoSerializationVerificationNeeded;

    public sealed record LocalWorkFailed(int Round, string Reason) : INoSerializationVerificationNeeded;
}
