namespace FederatedHe.Federation.Rounds;

/// <summary>The federation a checkpoint belongs to: a checkpoint of another one is never resumed.</summary>
/// <param name="ParameterSetId">The CKKS parameter set's id.</param>
/// <param name="Seed">The federation's seed.</param>
/// <param name="Mode">The key mode's name (<c>SharedKey</c>, <c>Threshold</c>).</param>
public sealed record FederationIdentity(string ParameterSetId, int Seed, string Mode);

/// <summary>
/// The round machine's numbers (the strategy holds the policy's own: quorum, attempts, fractions). Immutable; the
/// coordinator builds it once from <c>fedhe.federation</c> and <c>fedhe.persistence</c>.
/// </summary>
/// <param name="Rounds">Training rounds after the statistics round 0.</param>
/// <param name="MinHospitals">Registered hospitals needed before the federation starts.</param>
/// <param name="RegistrationTimeout">How long registration may take.</param>
/// <param name="CollectTimeout">How long one collection attempt waits for updates.</param>
/// <param name="EvaluateTimeout">How long the evaluations of a round's aggregate are awaited.</param>
/// <param name="MaxFetchesPerAggregate">Times one hospital may have one round's aggregate re-sent.</param>
/// <param name="CheckpointsEnabled">Whether each concluded round is journalled before the next starts, and a journalled one is recovered first.</param>
/// <param name="Identity">What a recovered checkpoint must match.</param>
public sealed record RoundMachineSettings(
    int Rounds,
    int MinHospitals,
    TimeSpan RegistrationTimeout,
    TimeSpan CollectTimeout,
    TimeSpan EvaluateTimeout,
    int MaxFetchesPerAggregate,
    bool CheckpointsEnabled,
    FederationIdentity Identity)
{
    /// <summary>Checks every value.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    /// <exception cref="ArgumentNullException"><see cref="Identity"/> is null.</exception>
    public RoundMachineSettings Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Rounds, 1, nameof(Rounds));
        ArgumentOutOfRangeException.ThrowIfLessThan(MinHospitals, 1, nameof(MinHospitals));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(RegistrationTimeout, TimeSpan.Zero, nameof(RegistrationTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(CollectTimeout, TimeSpan.Zero, nameof(CollectTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(EvaluateTimeout, TimeSpan.Zero, nameof(EvaluateTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxFetchesPerAggregate, 0, nameof(MaxFetchesPerAggregate));
        ArgumentNullException.ThrowIfNull(Identity, nameof(Identity));
        return this;
    }
}
