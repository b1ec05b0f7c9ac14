using Akka.Actor;
using Akka.Configuration;
using FederatedHe.Actors.Transfer;

namespace FederatedHe.Actors.Configuration;

/// <summary>How decryption keys are held.</summary>
public enum KeyMode
{
    /// <summary>All hospitals hold one CKKS secret key.</summary>
    SharedKey,

    /// <summary>A t-of-n collective key: any t hospitals decrypt together, fewer cannot.</summary>
    Threshold,

    /// <summary>
    /// INSECURE, for comparison only: the same actors, rounds, chunking and transport as shared-key mode, with updates and
    /// aggregates in plaintext (the aggregator reads every hospital's update). Measures what encryption costs.
    /// </summary>
    InsecurePlaintext,
}

/// <summary>
/// The actors' view of the federation spec (<see cref="FederatedHe.Actors.Spec.FederationSpec.ToFederationSettings"/>): the round policy,
/// CKKS preset and transfer bounds; immutable, changed with <c>with</c>.
/// </summary>
public sealed record FederationSettings(
    KeyMode Mode,
    int Rounds,
    int MinHospitals,
    int Quorum,
    TimeSpan RegistrationTimeout,
    TimeSpan CollectTimeout,
    TimeSpan EvaluateTimeout,
    int MaxAttempts,
    int Threshold,
    int Seed,
    string CryptoPreset,
    int CryptoPoolSize,
    int MaxChunksPerVector,
    int MaxOpenVectors,
    int MaxOpenVectorsPerParticipant)
{
    /// <summary>Reads the settings of an actor system (its config over the reference config).</summary>
    /// <exception cref="FederationConfigurationException">A value is missing or out of range.</exception>
    public static FederationSettings Create(ActorSystem system) => Create(system.Settings.Config);

    /// <summary>Reads the settings from a config (falling back to the reference config).</summary>
    /// <exception cref="FederatedHe.Actors.Spec.FederationSpecException">A value is mistyped or out of range.</exception>
    public static FederationSettings Create(Config config) =>
        FederatedHe.Actors.Spec.FederationSpecBinder.Bind(config).ToFederationSettings().Validate();

    /// <summary>Fraction of the reachable hospitals asked to train each round, in (0, 1] (<c>fedhe.federation.fraction-fit</c>).</summary>
    public double FractionFit { get; init; } = 1.0;

    /// <summary>What the federation spends in differential privacy, round by round, and its budget; null without DP (<c>fedhe.privacy</c>).</summary>
    public FederatedHe.Privacy.Accounting.PrivacyBudgetPlan? PrivacyBudget { get; init; }

    /// <summary>Workers in the crypto pool: the configured number, or one per core.</summary>
    public int EffectiveCryptoPoolSize => CryptoPoolSize > 0 ? CryptoPoolSize : Environment.ProcessorCount;

    /// <summary>
    /// The reassembly bounds for a node whose CKKS parameter set serializes a ciphertext in at most
    /// <paramref name="maxCiphertextBytes"/> bytes (<c>Ciphertext.MaxSerializedSize</c>).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxCiphertextBytes"/> is not positive.</exception>
    public TransferLimits TransferLimits(long maxCiphertextBytes) =>
        new TransferLimits(MaxChunksPerVector, MaxOpenVectors, MaxOpenVectorsPerParticipant, maxCiphertextBytes).Validate();

    /// <summary>Checks every value's range.</summary>
    /// <exception cref="FederationConfigurationException">A value is out of range.</exception>
    public FederationSettings Validate()
    {
        Require(Rounds >= 1, "fedhe.federation.rounds", $"{Rounds} must be at least 1");
        Require(MinHospitals >= 1, "fedhe.federation.hospitals", $"{MinHospitals} must be at least 1");
        Require(Quorum >= 1 && Quorum <= MinHospitals, "fedhe.federation.quorum", $"{Quorum} must be between 1 and hospitals ({MinHospitals})");
        Require(CollectTimeout > TimeSpan.Zero, "fedhe.federation.collect-timeout", "must be positive");
        Require(EvaluateTimeout > TimeSpan.Zero, "fedhe.federation.evaluate-timeout", "must be positive");
        Require(RegistrationTimeout > TimeSpan.Zero, "fedhe.federation.registration-timeout", "must be positive");
        Require(MaxAttempts >= 1, "fedhe.federation.max-attempts", $"{MaxAttempts} must be at least 1");
        Require(FractionFit > 0 && FractionFit <= 1, "fedhe.federation.fraction-fit", $"{FractionFit} must be in (0, 1]");
        Require(Mode != KeyMode.Threshold || (Threshold >= 1 && Threshold <= MinHospitals),
            "fedhe.crypto.threshold", $"{Threshold} must be between 1 and hospitals ({MinHospitals})");
        Require(CryptoPoolSize >= 0, "fedhe.crypto.pool-size", $"{CryptoPoolSize} must be 0 (one per core) or more");
        Require(MaxChunksPerVector >= 1, "fedhe.transfer.max-chunks-per-vector", "must be at least 1");
        Require(MaxOpenVectors >= 1, "fedhe.transfer.max-open-vectors", "must be at least 1");
        Require(MaxOpenVectorsPerParticipant >= 1 && MaxOpenVectorsPerParticipant <= MaxOpenVectors,
            "fedhe.transfer.max-open-vectors-per-participant", $"{MaxOpenVectorsPerParticipant} must be between 1 and max-open-vectors ({MaxOpenVectors})");
        return this;
    }

    private static void Require(bool condition, string path, string problem)
    {
        if (!condition)
            throw new FederationConfigurationException(path, problem);
    }
}
