using FederatedHe.Federation.Rounds;
using static FederatedHe.Federation.Tests.MachineDriver;

namespace FederatedHe.Federation.Tests;

/// <summary>The key-generation and decryption-committee seams, with their minimal threshold implementations.</summary>
public sealed class SubMachineSpecifications
{
    private static readonly string[] Three = Hospitals(3);
    private static readonly TimeSpan KeyTimeout = TimeSpan.FromSeconds(20);

    private static MachineDriver Threshold(bool checkpoints = false) => new(
        settings: DefaultSettings with { CheckpointsEnabled = checkpoints, Identity = Identity with { Mode = "Threshold" } },
        keyGeneration: new AllPartiesKeyGeneration(Threshold: 2, KeyTimeout),
        committee: new FirstReachablePartiesCommittee(Threshold: 2));

    [Fact]
    public void Threshold_mode_waits_for_key_generation_before_the_statistics_round()
    {
        var driver = Threshold();

        driver.Register(Three);

        Assert.Equal(RoundPhase.KeyGeneration, driver.State.Phase);
        Assert.Equal(new BeginKeyGeneration([.. Three], 2), driver.Single<BeginKeyGeneration>());
        Assert.Equal(new RoundTimer(TimerKind.KeyGeneration, 0, 1), driver.Single<StartTimer>().Timer);
        Assert.Empty(driver.History.OfType<RequestUpdates>());

        driver.On(new KeyGenerationMessage(new PartyHoldsKey("hospital-1")));
        driver.On(new KeyGenerationMessage(new PartyHoldsKey("hospital-2")));
        Assert.Empty(driver.Last);
        driver.On(new KeyGenerationMessage(new PartyHoldsKey("hospital-3")));

        Assert.Contains(new CancelTimer(TimerKind.KeyGeneration), driver.Last);
        Assert.Equal(0, driver.Single<RequestUpdates>().Round);
    }

    [Fact]
    public void Key_generation_timeout_fails_the_federation_naming_how_far_it_got()
    {
        var driver = Threshold();
        driver.Register(Three);
        driver.On(new KeyGenerationMessage(new PartyHoldsKey("hospital-1")));

        driver.On(new TimerFired(new RoundTimer(TimerKind.KeyGeneration, 0, 1)));

        Assert.Equal("key generation incomplete after 00:00:20: 1 of 3 parties hold their threshold key", driver.Single<FinishFederation>().Status);
    }

    [Fact]
    public void Once_the_key_exists_only_its_parties_may_register()
    {
        var driver = Threshold();
        driver.Register(Three);
        foreach (var id in Three)
            driver.On(new KeyGenerationMessage(new PartyHoldsKey(id)));

        Assert.Equal("the collective threshold key is already generated; new hospitals cannot join it", RoundMachine.RegistrationRefusal(driver.State, "hospital-4"));
        Assert.Null(RoundMachine.RegistrationRefusal(driver.State, "hospital-2"));
    }

    [Fact]
    public void The_committee_is_named_with_the_aggregate_and_replaced_when_a_member_drops_out()
    {
        var driver = Threshold();
        driver.Register(Three);
        foreach (var id in Three)
            driver.On(new KeyGenerationMessage(new PartyHoldsKey(id)));
        driver.Arrive(0, Three);

        driver.AggregateIsReady(0);
        Assert.Equal(new AnnounceCommittee(0, 1, ["hospital-1", "hospital-2"], [.. Three]), driver.Single<AnnounceCommittee>());

        driver.On(new HospitalUnreachable("hospital-1"));
        Assert.Equal(new AnnounceCommittee(0, 2, ["hospital-2", "hospital-3"], ["hospital-2", "hospital-3"]), driver.Single<AnnounceCommittee>());

        driver.On(new HospitalUnreachable("hospital-2"));
        Assert.Equal("round 0: only 1 parties reachable, fewer than the threshold 2 needed to decrypt", driver.Single<FinishFederation>().Status);
    }

    [Fact]
    public void A_checkpoint_journals_the_key_and_a_resumed_federation_confirms_the_shares_before_the_next_round()
    {
        var driver = Threshold(checkpoints: true);
        var key = new ThresholdKeyRecord([.. Three], 2);

        driver.On(new CheckpointRecovered(new RecoveredCheckpoint(1, Identity with { Mode = "Threshold" }, 0, 1, key)));
        driver.Register(Three);
        Assert.Equal(RoundPhase.KeyGeneration, driver.State.Phase);
        Assert.Equal(Three, driver.Single<ConfirmKeyShares>().Asked);

        driver.On(new KeyGenerationMessage(new KeyShareConfirmed("hospital-1", true, "resumed")));
        driver.On(new KeyGenerationMessage(new KeyShareConfirmed("hospital-3", false, "share file missing")));
        Assert.Equal(new ExcludeHospital("hospital-3", "share file missing"), driver.Single<ExcludeHospital>());
        driver.On(new KeyGenerationMessage(new KeyShareConfirmed("hospital-2", true, "resumed")));

        Assert.Equal(new RequestUpdates(2, 1, ["hospital-1", "hospital-2"]), driver.Single<RequestUpdates>());
        Assert.Contains("lost its share", RoundMachine.RegistrationRefusal(driver.State, "hospital-3"));
        driver.Arrive(2, "hospital-1", "hospital-2");
        driver.AggregateIsReady(2);
        driver.Evaluate(2, "hospital-1", "hospital-2");
        Assert.Equal(key, driver.Single<SaveCheckpoint>().KeyMaterial);
    }

    [Fact]
    public void A_resumed_federation_fails_when_fewer_than_t_parties_hold_their_share()
    {
        var driver = Threshold(checkpoints: true);
        driver.On(new CheckpointRecovered(new RecoveredCheckpoint(1, Identity with { Mode = "Threshold" }, 0, 1, new ThresholdKeyRecord([.. Three], 2))));
        driver.Register(Three);
        driver.On(new KeyGenerationMessage(new KeyShareConfirmed("hospital-1", true, "resumed")));

        driver.On(new TimerFired(new RoundTimer(TimerKind.KeyGeneration, 1, 1)));

        Assert.StartsWith("cannot resume under the collective key: only 1 parties hold their key share", driver.Single<FinishFederation>().Status);
    }

    [Fact]
    public void A_threshold_checkpoint_without_the_key_or_for_another_threshold_is_refused_with_the_reason()
    {
        var withoutKey = Threshold(checkpoints: true);
        withoutKey.On(new CheckpointRecovered(new RecoveredCheckpoint(1, Identity with { Mode = "Threshold" }, 0, 1, null)));
        Assert.Contains("records no collective threshold key", withoutKey.Single<FinishFederation>().Status);

        var otherThreshold = Threshold(checkpoints: true);
        otherThreshold.On(new CheckpointRecovered(new RecoveredCheckpoint(1, Identity with { Mode = "Threshold" }, 0, 1, new ThresholdKeyRecord([.. Three], 3))));
        Assert.Contains("needs 3 parties to decrypt", otherThreshold.Single<FinishFederation>().Status);
    }

    [Fact]
    public void Shared_key_mode_starts_round_zero_at_once_and_names_no_committee()
    {
        var driver = new MachineDriver();
        driver.ThroughStatisticsRound(Three);

        Assert.Empty(driver.History.OfType<BeginKeyGeneration>());
        Assert.Empty(driver.History.OfType<AnnounceCommittee>());
    }
}
