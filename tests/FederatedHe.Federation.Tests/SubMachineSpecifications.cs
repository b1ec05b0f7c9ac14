using FederatedHe.Federation.Rounds;
using static FederatedHe.Federation.Tests.MachineDriver;

namespace FederatedHe.Federation.Tests;

/// <summary>The key-generation and decryption-committee seams, with their minimal threshold implementations.</summary>
public sealed class SubMachineSpecifications
{
    private static readonly string[] Three = Hospitals(3);
    private static readonly TimeSpan KeyTimeout = TimeSpan.FromSeconds(20);

    private static MachineDriver Threshold(bool checkpoints = false, int quorum = 2) => new(
        settings: DefaultSettings with { CheckpointsEnabled = checkpoints, Identity = Identity with { Mode = "Threshold" } },
        policy: DefaultPolicy with { Quorum = quorum },
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

    private static readonly CollectiveKey FormedKey = new("session-1", "key-abc", [1, 2, 3]);

    [Fact]
    public void The_collective_key_formed_by_the_relay_is_what_parties_must_hold_and_what_checkpoints_journal()
    {
        var driver = Threshold(checkpoints: true);
        driver.On(new CheckpointRecovered(null));
        driver.Register(Three);
        driver.On(new KeyGenerationMessage(new CollectiveKeyFormed(FormedKey)));
        foreach (var id in Three)
            driver.On(new KeyGenerationMessage(new PartyHoldsKey(id, "key-abc")));

        Assert.Equal(0, driver.Single<RequestUpdates>().Round);
        driver.Arrive(0, Three);
        driver.AggregateIsReady(0);
        var journalled = Assert.IsType<ThresholdKeyRecord>(driver.Single<SaveCheckpoint>().KeyMaterial);
        Assert.Equal(FormedKey, journalled.Key);
        Assert.Equal(new ThresholdKeyRecord([.. Three], 2) { Key = FormedKey }, journalled);
    }

    [Fact]
    public void A_party_that_combined_its_share_for_another_key_fails_key_generation_naming_both_keys()
    {
        var driver = Threshold();
        driver.Register(Three);
        driver.On(new KeyGenerationMessage(new CollectiveKeyFormed(FormedKey)));

        driver.On(new KeyGenerationMessage(new PartyHoldsKey("hospital-2", "another-key")));

        Assert.Equal("hospital-2 combined a key share for key another-key, the key it computed from the signed shares, not for the collective key key-abc this coordinator computed",
            driver.Single<FinishFederation>().Status);
    }

    [Fact]
    public void An_aborted_key_generation_fails_the_federation_with_the_relay_reason_but_not_after_the_key_exists()
    {
        var aborted = Threshold();
        aborted.Register(Three);
        aborted.On(new KeyGenerationMessage(new KeyGenerationAborted("key generation failed: hospital-2 refused it: bad signature")));
        Assert.Equal("key generation failed: hospital-2 refused it: bad signature", aborted.Single<FinishFederation>().Status);

        var done = Threshold();
        done.Register(Three);
        foreach (var id in Three)
            done.On(new KeyGenerationMessage(new PartyHoldsKey(id)));
        done.On(new KeyGenerationMessage(new KeyGenerationAborted("too late")));
        Assert.Empty(done.History.OfType<FinishFederation>());
    }

    [Fact]
    public void A_resumed_key_keeps_its_collective_key_for_the_next_checkpoint()
    {
        var driver = Threshold(checkpoints: true);
        var key = new ThresholdKeyRecord([.. Three], 2) { Key = FormedKey };
        driver.On(new CheckpointRecovered(new RecoveredCheckpoint(1, Identity with { Mode = "Threshold" }, 0, 1, key)));
        driver.Register(Three);
        foreach (var id in Three)
            driver.On(new KeyGenerationMessage(new KeyShareConfirmed(id, true, "resumed")));

        driver.Arrive(2, Three);
        driver.AggregateIsReady(2);
        driver.Evaluate(2, Three);
        Assert.Equal(key, driver.Single<SaveCheckpoint>().KeyMaterial);
    }

    [Fact]
    public void A_party_rejoining_without_its_share_after_the_key_exists_is_excluded_and_the_round_goes_on_without_it()
    {
        var driver = Threshold();
        driver.Register(Three);
        foreach (var id in Three)
            driver.On(new KeyGenerationMessage(new PartyHoldsKey(id)));
        driver.On(new HospitalRegistered("hospital-3"));

        driver.On(new KeyGenerationMessage(new KeyShareConfirmed("hospital-3", false, "share file missing")));

        Assert.Equal(new ExcludeHospital("hospital-3", "share file missing"), driver.Single<ExcludeHospital>());
        Assert.False(driver.State.Hospitals.ContainsKey("hospital-3"));
        Assert.Contains("lost its share", RoundMachine.RegistrationRefusal(driver.State, "hospital-3"));
        Assert.Equal(RoundPhase.Collecting, driver.State.Phase);
    }

    [Fact]
    public void A_party_back_from_a_restart_while_a_round_it_missed_collects_is_caught_up_and_invited_into_it()
    {
        // hospital-3 stopped after its round-1 update, so round 2 started without it. With quorum 3 the round needs it,
        // and re-requesting only from the round's first participants would never ask it.
        var driver = Threshold(quorum: 3);
        driver.Register(Three);
        foreach (var id in Three)
            driver.On(new KeyGenerationMessage(new PartyHoldsKey(id)));
        driver.Arrive(0, Three);
        driver.AggregateIsReady(0);
        driver.Arrive(1, Three);
        driver.On(new HospitalLeft("hospital-3", "stopped"));
        driver.AggregateIsReady(1);
        driver.Evaluate(1, "hospital-1", "hospital-2");
        Assert.Equal(new RequestUpdates(2, 1, ["hospital-1", "hospital-2"]), driver.Single<RequestUpdates>());

        driver.On(new HospitalRegistered("hospital-3"));

        Assert.Equal("hospital-3", driver.Single<CatchUp>().HospitalId);
        // Round 1's committee is named again to the members too, so that they send hospital-3 the shares it missed.
        Assert.Contains(new AnnounceCommittee(1, 1, ["hospital-1", "hospital-2"], ["hospital-3", "hospital-1", "hospital-2"]), driver.Last);
        Assert.Equal(new RequestUpdates(2, 1, ["hospital-3"]), driver.Single<RequestUpdates>());
        driver.Arrive(2, Three);
        Assert.Equal(Three, driver.Single<RequestAggregation>().Contributors);
    }

    [Fact]
    public void Commitments_are_relayed_once_all_parties_committed_and_reveals_once_all_revealed_with_the_key_formed_from_them()
    {
        var driver = Threshold();
        driver.Register(Three);

        driver.On(new KeyGenerationMessage(new ShareCommitted("hospital-1")));
        driver.On(new KeyGenerationMessage(new ShareCommitted("hospital-2")));
        Assert.Empty(driver.Last.OfType<RelayCommitments>());
        driver.On(new KeyGenerationMessage(new ShareCommitted("hospital-3")));
        Assert.Equal(new RelayCommitments([.. Three]), driver.Single<RelayCommitments>());

        foreach (var id in Three[..2])
            driver.On(new KeyGenerationMessage(new ShareRevealed(id)));
        Assert.Empty(driver.Last.OfType<RelayRevealsAndFormKey>());
        driver.On(new KeyGenerationMessage(new ShareRevealed("hospital-3")));
        Assert.Equal(new RelayRevealsAndFormKey([.. Three]), driver.Single<RelayRevealsAndFormKey>());
        Assert.Equal(RoundPhase.KeyGeneration, driver.State.Phase);
    }

    [Fact]
    public void A_reveal_before_every_commitment_and_a_second_commitment_or_reveal_are_ignored_and_counted()
    {
        var driver = Threshold();
        driver.Register(Three);
        driver.On(new KeyGenerationMessage(new ShareCommitted("hospital-1")));

        driver.On(new KeyGenerationMessage(new ShareRevealed("hospital-1")));
        Assert.Equal("reveal from hospital-1 before every party committed", driver.Single<LogIgnored>().What);
        driver.On(new KeyGenerationMessage(new ShareCommitted("hospital-1")));
        Assert.Equal("second commitment from hospital-1: the first one stands", driver.Single<LogIgnored>().What);
        driver.On(new KeyGenerationMessage(new ShareCommitted("hospital-2")));
        driver.On(new KeyGenerationMessage(new ShareCommitted("hospital-3")));
        driver.On(new KeyGenerationMessage(new ShareRevealed("hospital-2")));
        driver.On(new KeyGenerationMessage(new ShareRevealed("hospital-2")));
        Assert.Equal("second reveal from hospital-2: the first one stands", driver.Single<LogIgnored>().What);
        Assert.Equal(3, driver.State.Ignored);
    }

    [Fact]
    public void Key_generation_timeout_after_commitments_names_the_commitments_and_reveals()
    {
        var driver = Threshold();
        driver.Register(Three);
        foreach (var id in Three)
            driver.On(new KeyGenerationMessage(new ShareCommitted(id)));
        driver.On(new KeyGenerationMessage(new ShareRevealed("hospital-1")));

        driver.On(new TimerFired(new RoundTimer(TimerKind.KeyGeneration, 0, 1)));

        Assert.Equal("key generation incomplete after 00:00:20: 3 commitments, 1 reveals, 0 of 3 parties hold their threshold key", driver.Single<FinishFederation>().Status);
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
