using FederatedHe.Actors.Configuration;
using FederatedHe.Actors.Persistence;
using FederatedHe.Federation.Rounds;
using FederatedHe.Federation.Strategies;
using FederatedHe.Privacy.Accounting;

namespace FederatedHe.Actors.Coordination;

/// <summary>
/// Builds the federation core the coordinator adapts from <c>fedhe.federation</c>: the round machine's settings, the
/// strategy (<see cref="EncryptedAggregation"/> around <see cref="FederatedAveraging"/>) and the sub-machines of the key
/// mode; and translates the threshold key between the checkpoint journal's record and the sub-machine's.
/// </summary>
internal static class FederationCore
{
    /// <summary>The federation a checkpoint must belong to, to be resumed.</summary>
    public static FederationIdentity Identity(FederationSettings settings, string parameterSetId) =>
        new(parameterSetId, settings.Seed, settings.Mode.ToString());

    /// <summary>The server-side policy: quorum, attempts and the seeded FractionFit sample, summing ciphertexts.</summary>
    /// <remarks>At least a quorum of hospitals is sampled, so that a round with FractionFit below 1 can still conclude.</remarks>
    public static FederationStrategyOptions StrategyOptions(FederationSettings settings) => new FederationStrategyOptions
    {
        FractionFit = settings.FractionFit,
        MinFitHospitals = settings.Quorum,
        Quorum = settings.Quorum,
        MaxAttempts = settings.MaxAttempts,
        Seed = settings.Seed,
    }.Validate();

    /// <summary>The round machine for a coordinator with these settings.</summary>
    /// <param name="settings">The federation's settings.</param>
    /// <param name="parameterSetId">The CKKS parameter set's id (checkpoints of another are not resumed).</param>
    /// <param name="checkpointsEnabled">Whether persistence is on.</param>
    /// <param name="threshold">Whether the key is a t-of-n collective key (key generation and decryption committees).</param>
    public static RoundMachine Machine(FederationSettings settings, string parameterSetId, bool checkpointsEnabled, bool threshold)
    {
        var machineSettings = new RoundMachineSettings(settings.Rounds, settings.MinHospitals, settings.RegistrationTimeout, settings.CollectTimeout,
            settings.EvaluateTimeout, MaxFetchesPerAggregate: settings.MaxAttempts, checkpointsEnabled, Identity(settings, parameterSetId));
        var strategy = new EncryptedAggregation(new FederatedAveraging(StrategyOptions(settings)));
        var privacy = settings.PrivacyBudget is { } plan ? new PlannedPrivacyBudget(plan) : null;
        return threshold
            ? new RoundMachine(machineSettings, strategy, new AllPartiesKeyGeneration(settings.Threshold, settings.CollectTimeout * settings.MaxAttempts),
                new FirstReachablePartiesCommittee(settings.Threshold), privacy)
            : new RoundMachine(machineSettings, strategy, SharedKeySetup.Instance, NoDecryptionCommittee.Instance, privacy);
    }

    /// <summary>The round machine's budget seam over the accountant's plan (every round costs the same; see <see cref="PrivacyBudgetPlan"/>).</summary>
    private sealed class PlannedPrivacyBudget(PrivacyBudgetPlan plan) : IPrivacyBudget
    {
        public double TargetEpsilon => plan.TargetEpsilon;

        public double Delta => plan.Delta;

        public double EpsilonAfter(int rounds) => plan.EpsilonAfter(rounds);
    }

    /// <summary>The sub-machine's record of a journalled collective key, or null if the checkpoint holds none.</summary>
    public static ThresholdKeyRecord? KeyRecord(ThresholdKeyCheckpoint? key) =>
        key is null
            ? null
            : new ThresholdKeyRecord([.. key.Parties], key.Threshold) { Key = new CollectiveKey(key.SessionId, key.KeyId, [.. key.CollectivePublicKey]) };

    /// <summary>The journal's record of the sub-machine's checkpoint material, or null before the collective key exists.</summary>
    public static ThresholdKeyCheckpoint? KeyCheckpoint(object? material) =>
        material is ThresholdKeyRecord { Key: { } key } record
            ? new ThresholdKeyCheckpoint(key.SessionId, key.KeyId, record.Threshold, record.Parties.ToArray(), key.PublicKey.ToArray())
            : null;
}
