using Akka.Actor;
using FederatedHe.Actors.CryptoPool;
using FederatedHe.Crypto.Ckks;
using FederatedHe.Crypto.Multiparty;
using FederatedHe.Training.Data;
using FederatedHe.Training.Evaluation;
using FederatedHe.Training.Federation;
using FederatedHe.Training.Models;

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
public sealed record HospitalData(string HospitalId, Dataset Train, Dataset Evaluation);

/// <summary>
/// How a hospital trains: the model, the round policy (whose <c>ConfigureFit</c> hook gives each round's local
/// training options, as in the plaintext baseline) and the seed every hospital initialises the first global model from.
/// </summary>
public sealed record HospitalTrainingPlan(ModelSpec Model, IFederatedStrategy Strategy, int InitialisationSeed);

/// <summary>
/// Sees a hospital's plaintext side (local only, never over the wire): the simulation harness uses it to
/// compute a plaintext shadow FedAvg of the very same updates. Implementations must be thread-safe.
/// </summary>
public interface IHospitalObserver
{
    /// <summary>A hospital encrypted and sent its update for a round.</summary>
    void UpdateSent(string hospitalId, int round, ReadOnlySpan<float> parameters, int sampleCount);

    /// <summary>A hospital decrypted a round's aggregate: Σ n_i·w_i followed by Σ n_i.</summary>
    void AggregateDecrypted(string hospitalId, int round, ReadOnlySpan<double> aggregate);

    /// <summary>A hospital evaluated a round's global model on its own held-out data.</summary>
    void GlobalModelEvaluated(string hospitalId, int round, EvaluationMetrics metrics);
}

/// <summary>Messages between a hospital and its local training worker (same process only, never serialized).</summary>
internal static class LocalTrainingProtocol
{
    /// <summary>The hospital's data, scaled with the federation's global statistics.</summary>
    public sealed record PrepareData(Dataset ScaledTrain, Dataset ScaledEvaluation) : INoSerializationVerificationNeeded;

    public sealed record TrainLocally(FitInstruction Instruction) : INoSerializationVerificationNeeded;

    public sealed record LocalTrainingCompleted(ClientUpdate Update) : INoSerializationVerificationNeeded;

    public sealed record EvaluateLocally(int Round, float[] Parameters) : INoSerializationVerificationNeeded;

    public sealed record LocalEvaluationCompleted(ClientEvaluation Evaluation) : INoSerializationVerificationNeeded;

    public sealed record LocalWorkFailed(int Round, string Reason) : INoSerializationVerificationNeeded;
}

/// <summary>
/// Faults a hospital's own process can inject into it, for fault-injection experiments. Local only: the types are
/// on no serializer's allow-list, so no peer can send them.
/// </summary>
public static class HospitalFaultProtocol
{
    /// <summary>From now on, each local training takes <paramref name="Delay"/> longer (a straggler); zero ends it.</summary>
    public sealed record SlowDownTraining(TimeSpan Delay) : INoSerializationVerificationNeeded;
}
