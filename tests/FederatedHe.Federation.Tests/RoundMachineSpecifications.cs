using FederatedHe.Federation.Rounds;
using FederatedHe.Federation.Strategies;
using static FederatedHe.Federation.Tests.MachineDriver;

namespace FederatedHe.Federation.Tests;

/// <summary>The round machine, one phase transition per test, played without an actor system.</summary>
public sealed class RoundMachineSpecifications
{
    private static readonly string[] Three = Hospitals(3);

    [Fact]
    public void Registration_opens_with_its_timer_and_waits_for_the_minimum_number_of_hospitals()
    {
        var driver = new MachineDriver();
        Assert.Equal(new StartTimer(new RoundTimer(TimerKind.Registration, 0, 0), DefaultSettings.RegistrationTimeout), driver.Single<StartTimer>());

        driver.Register("hospital-1", "hospital-2");

        Assert.Equal(RoundPhase.Registering, driver.State.Phase);
        Assert.Empty(driver.History.OfType<RequestUpdates>());
    }

    [Fact]
    public void Registration_of_the_minimum_hospitals_starts_the_statistics_round_with_all_of_them()
    {
        var driver = new MachineDriver();

        driver.Register(Three);

        Assert.Equal((RoundPhase.Collecting, 0, 1), (driver.State.Phase, driver.State.Round, driver.State.Attempt));
        Assert.Contains(new CancelTimer(TimerKind.Registration), driver.Last);
        var request = driver.Single<RequestUpdates>();
        Assert.True(request.IsStatistics);
        Assert.Equal(Three, request.Hospitals);
        Assert.Equal(new RoundTimer(TimerKind.Collect, 0, 1), driver.Single<StartTimer>().Timer);
        Assert.Equal(Three, Assert.Single(driver.NoticesOfLastStep<RoundStarted>()).Participants);
    }

    [Fact]
    public void Registration_timeout_below_the_minimum_fails_the_federation_naming_the_shortfall()
    {
        var driver = new MachineDriver();
        driver.Register("hospital-1");

        driver.On(new TimerFired(new RoundTimer(TimerKind.Registration, 0, 0)));

        Assert.Equal(RoundPhase.Finished, driver.State.Phase);
        var finished = driver.Single<FinishFederation>();
        Assert.False(finished.Succeeded);
        Assert.Equal("only 1 of 3 hospitals registered within 00:00:30", finished.Status);
    }

    [Fact]
    public void The_statistics_aggregate_is_distributed_and_round_one_starts_without_evaluation()
    {
        var driver = new MachineDriver();
        driver.Register(Three);
        driver.Arrive(0, Three);

        driver.AggregateIsReady(0);

        Assert.Equal(Three, driver.Single<DistributeAggregate>().Recipients);
        var completed = Assert.Single(driver.NoticesOfLastStep<RoundCompleted>());
        Assert.Equal((0, (PooledEvaluation?)null), (completed.Round, completed.Evaluation));
        var request = driver.Single<RequestUpdates>();
        Assert.Equal((1, 1, false), (request.Round, request.Attempt, request.IsStatistics));
        Assert.Equal(0, driver.State.LatestStatisticsRound);
    }

    [Fact]
    public void Collect_moves_to_aggregation_as_soon_as_every_update_arrived()
    {
        var driver = new MachineDriver();
        driver.ThroughStatisticsRound(Three);

        driver.Arrive(1, Three);

        Assert.Equal(RoundPhase.Aggregating, driver.State.Phase);
        Assert.Contains(new CancelTimer(TimerKind.Collect), driver.Last);
        var aggregation = driver.Single<RequestAggregation>();
        Assert.Equal(Three, aggregation.Contributors);
        Assert.Equal(AggregationRule.HomomorphicSum, aggregation.Rule);
    }

    [Fact]
    public void Collect_waits_for_outstanding_hospitals_even_with_quorum_before_the_deadline()
    {
        var driver = new MachineDriver();
        driver.ThroughStatisticsRound(Three);

        driver.Arrive(1, "hospital-1", "hospital-2");

        Assert.Equal(RoundPhase.Collecting, driver.State.Phase);
        Assert.Empty(driver.Last.OfType<RequestAggregation>());
    }

    [Fact]
    public void Collect_timeout_with_quorum_aggregates_the_updates_that_arrived()
    {
        var driver = new MachineDriver();
        driver.ThroughStatisticsRound(Three);
        driver.Arrive(1, "hospital-1", "hospital-2");

        driver.ExpireCollect();

        Assert.Equal(["hospital-1", "hospital-2"], driver.Single<RequestAggregation>().Contributors);
        driver.AggregateIsReady(1);
        driver.Evaluate(1, Three);
        var completed = driver.Notices<RoundCompleted>().Single(c => c.Round == 1);
        Assert.Equal(["hospital-3"], completed.Dropouts);
        Assert.Equal(1, completed.Attempts);
    }

    [Fact]
    public void Collect_timeout_below_quorum_re_requests_the_missing_reachable_hospitals()
    {
        var driver = new MachineDriver(policy: DefaultPolicy with { Quorum = 3 });
        driver.ThroughStatisticsRound(Hospitals(4));
        driver.Arrive(1, "hospital-1", "hospital-2");
        driver.On(new HospitalUnreachable("hospital-4"));

        driver.ExpireCollect();

        var retry = driver.Single<ReRequestMissingUpdates>();
        Assert.Equal((1, 2), (retry.Round, retry.Attempt));
        Assert.Equal(["hospital-3"], retry.Missing);
        Assert.Equal(new RoundTimer(TimerKind.Collect, 1, 2), driver.Single<StartTimer>().Timer);
        Assert.Equal((RoundPhase.Collecting, 2), (driver.State.Phase, driver.State.Attempt));
    }

    [Fact]
    public void Collect_retries_exhausted_fail_the_round_and_the_federation_with_a_clear_status()
    {
        var driver = new MachineDriver(policy: DefaultPolicy with { Quorum = 3 });
        driver.ThroughStatisticsRound(Three);
        driver.Arrive(1, "hospital-1", "hospital-2");
        driver.ExpireCollect();

        driver.ExpireCollect();

        var failed = Assert.Single(driver.NoticesOfLastStep<RoundFailed>());
        Assert.Equal((1, 2, 2, 3), (failed.Round, failed.Attempts, failed.Received, failed.Required));
        var finished = driver.Single<FinishFederation>();
        Assert.False(finished.Succeeded);
        Assert.Equal("round 1 failed: 2 updates after 2 attempts, below quorum 3", finished.Status);
        Assert.Equal(Three, finished.Hospitals);
        Assert.Contains(CancelAllTimers.Instance, driver.Last);
        Assert.Equal(new FederationOutcome(false, finished.Status), driver.State.Outcome);
        Assert.False(Assert.Single(driver.NoticesOfLastStep<FederationCompleted>()).Succeeded);
    }

    [Fact]
    public void A_hospital_becoming_unreachable_mid_collect_is_no_longer_waited_for()
    {
        var driver = new MachineDriver();
        driver.ThroughStatisticsRound(Three);
        driver.Arrive(1, "hospital-1", "hospital-2");

        driver.On(new HospitalUnreachable("hospital-3"));

        Assert.Equal(["hospital-1", "hospital-2"], driver.Single<RequestAggregation>().Contributors);
        driver.AggregateIsReady(1);
        Assert.Equal(["hospital-1", "hospital-2"], driver.Single<DistributeAggregate>().Recipients);
    }

    [Fact]
    public void An_unreachable_hospital_is_excluded_from_the_next_round_until_it_returns()
    {
        var driver = new MachineDriver(settings: DefaultSettings with { Rounds = 3 });
        driver.ThroughStatisticsRound(Three);
        driver.On(new HospitalUnreachable("hospital-3"));
        driver.CompleteRound(1, "hospital-1", "hospital-2");
        Assert.Equal(["hospital-1", "hospital-2"], driver.Single<RequestUpdates>().Hospitals);

        driver.On(new HospitalReachable("hospital-3"));
        driver.Arrive(2, "hospital-1", "hospital-2"); // hospital-3 was not asked in round 2: the round does not wait for it
        Assert.Equal(["hospital-1", "hospital-2"], driver.Single<RequestAggregation>().Contributors);
        driver.AggregateIsReady(2);
        Assert.Equal(Three, driver.Single<DistributeAggregate>().Recipients);
        driver.Evaluate(2, Three);

        Assert.Equal(new RequestUpdates(3, 1, [.. Three]), driver.Single<RequestUpdates>());
    }

    [Fact]
    public void A_hospital_that_leaves_mid_collect_is_dropped_and_the_rest_aggregate_at_once()
    {
        var driver = new MachineDriver();
        driver.ThroughStatisticsRound(Three);
        driver.Arrive(1, "hospital-1", "hospital-2");

        driver.On(new HospitalLeft("hospital-3", "left the cluster"));

        Assert.False(driver.State.Hospitals.ContainsKey("hospital-3"));
        Assert.Equal(["hospital-1", "hospital-2"], driver.Single<RequestAggregation>().Contributors);
    }

    [Fact]
    public void A_late_update_for_a_past_round_is_ignored_and_counted()
    {
        var driver = new MachineDriver();
        driver.ThroughStatisticsRound(Three);

        driver.On(new UpdateArrived(0, "hospital-1", Shape));

        Assert.Equal("late update of round 0 from hospital-1 while Collecting round 1", driver.Single<LogIgnored>().What);
        Assert.Equal(IgnoredReason.Late, driver.Single<LogIgnored>().Reason);
        Assert.Empty(driver.State.Received);
        driver.CompleteRound(1, Three);
        Assert.Equal(1, driver.Notices<RoundCompleted>().Single(c => c.Round == 1).IgnoredMessages);
    }

    [Fact]
    public void A_duplicate_update_is_ignored_and_counted()
    {
        var driver = new MachineDriver();
        driver.ThroughStatisticsRound(Three);
        driver.Arrive(1, "hospital-1");

        driver.On(new UpdateArrived(1, "hospital-1", Shape));

        Assert.StartsWith("duplicate update", driver.Single<LogIgnored>().What);
        Assert.Equal(IgnoredReason.Duplicate, driver.Single<LogIgnored>().Reason);
        Assert.Equal("duplicate update from hospital-1", driver.State.UpdateRefusal("hospital-1", 1));
        Assert.Single(driver.State.Received);
        Assert.Equal(1, driver.State.Ignored);
    }

    [Fact]
    public void An_update_from_a_hospital_not_asked_to_train_is_ignored()
    {
        var driver = new MachineDriver();
        driver.ThroughStatisticsRound(Three);

        driver.On(new UpdateArrived(1, "hospital-9", Shape));

        Assert.Single(driver.Last.OfType<LogIgnored>());
        Assert.Empty(driver.State.Received);
    }

    [Fact]
    public void A_stale_timer_is_ignored()
    {
        var driver = new MachineDriver(policy: DefaultPolicy with { Quorum = 3 });
        driver.ThroughStatisticsRound(Three);
        driver.Arrive(1, "hospital-1");
        driver.ExpireCollect(); // attempt 2
        var before = driver.State;

        driver.On(new TimerFired(new RoundTimer(TimerKind.Collect, 1, 1)));
        driver.On(new TimerFired(new RoundTimer(TimerKind.Collect, 0, 1)));
        driver.On(new TimerFired(new RoundTimer(TimerKind.Evaluate, 1, 2)));
        driver.On(new TimerFired(new RoundTimer(TimerKind.Registration, 0, 0)));

        Assert.Empty(driver.Last);
        Assert.Same(before, driver.State);
    }

    [Fact]
    public void A_refused_update_sits_out_the_round_and_the_others_aggregate_at_once()
    {
        var driver = new MachineDriver();
        driver.ThroughStatisticsRound(Three);
        driver.Arrive(1, "hospital-1", "hospital-2");

        driver.On(new UpdateRefused(1, "hospital-3", "not a ciphertext of the parameter set"));

        Assert.Equal(["hospital-1", "hospital-2"], driver.Single<RequestAggregation>().Contributors);
        Assert.Equal(1, driver.State.Ignored);
        Assert.NotNull(driver.State.UpdateRefusal("hospital-3", 1));
    }

    [Fact]
    public void An_update_of_another_form_is_left_out_of_the_sum_and_counted()
    {
        var driver = new MachineDriver();
        driver.ThroughStatisticsRound(Three);
        driver.Arrive(1, "hospital-1", "hospital-2");

        driver.On(new UpdateArrived(1, "hospital-3", Shape with { VectorLength = 99 }));

        Assert.Equal(["hospital-1", "hospital-2"], driver.Single<RequestAggregation>().Contributors);
        Assert.Contains("hospital-3", driver.Single<LogIgnored>().What);
    }

    [Fact]
    public void Evaluation_completes_the_round_once_every_recipient_reported_and_the_last_round_finishes_the_federation()
    {
        var driver = new MachineDriver();
        driver.ThroughStatisticsRound(Three);
        driver.CompleteRound(1, Three);
        Assert.Equal(2, driver.Single<RequestUpdates>().Round);

        driver.CompleteRound(2, Three);

        var completed = driver.Notices<RoundCompleted>().Single(c => c.Round == 2);
        Assert.Equal((3, 300, 0.8), (completed.Evaluation!.Reports, completed.Evaluation.SampleCount, completed.Evaluation.Accuracy));
        Assert.Equal(new ReportedTimings(10, 2, 1), completed.MeanTimings);
        var finished = driver.Single<FinishFederation>();
        Assert.True(finished.Succeeded);
        Assert.Equal("completed 2 rounds", finished.Status);
    }

    [Fact]
    public void Evaluation_timeout_pools_the_evaluations_that_arrived()
    {
        var driver = new MachineDriver();
        driver.ThroughStatisticsRound(Three);
        driver.Arrive(1, Three);
        driver.AggregateIsReady(1);
        driver.On(new EvaluationReported(Report(1, "hospital-1", samples: 100, accuracy: 0.9)));
        driver.On(new EvaluationReported(Report(1, "hospital-2", samples: 300, accuracy: 0.5)));
        Assert.Equal(RoundPhase.Evaluating, driver.State.Phase);

        driver.ExpireEvaluate();

        var evaluation = Assert.Single(driver.NoticesOfLastStep<RoundCompleted>()).Evaluation!;
        Assert.Equal((2, 400), (evaluation.Reports, evaluation.SampleCount));
        Assert.Equal(0.6, evaluation.Accuracy, 12);
        Assert.Equal(2, driver.Single<RequestUpdates>().Round);
    }

    [Fact]
    public void Observers_learn_when_key_generation_began_which_deadlines_passed_and_each_hospitals_own_evaluation()
    {
        var driver = new MachineDriver();
        driver.ThroughStatisticsRound(Three);
        Assert.Equal(new KeyGenerationStarted(0, 3), Assert.Single(driver.Notices<KeyGenerationStarted>()));
        driver.Arrive(1, "hospital-1", "hospital-2");
        driver.ExpireCollect();
        Assert.Equal(new DeadlinePassed(1, 1, TimerKind.Collect), Assert.Single(driver.NoticesOfLastStep<DeadlinePassed>()));
        if (driver.State.Phase == RoundPhase.Collecting)
            driver.Arrive(1, "hospital-3");
        driver.AggregateIsReady(1);
        driver.On(new EvaluationReported(Report(1, "hospital-2", samples: 300, accuracy: 0.5)));
        driver.On(new EvaluationReported(Report(1, "hospital-1", samples: 100, accuracy: 0.9)));
        var attempt = driver.State.Attempt;

        driver.ExpireEvaluate();

        Assert.Equal(new DeadlinePassed(1, attempt, TimerKind.Evaluate), Assert.Single(driver.NoticesOfLastStep<DeadlinePassed>()));
        var completed = Assert.Single(driver.NoticesOfLastStep<RoundCompleted>());
        Assert.Equal([("hospital-1", 0.9), ("hospital-2", 0.5)], completed.SiteEvaluations.Select(e => (e.HospitalId, e.Accuracy)));
    }

    [Fact]
    public void A_nan_auc_from_one_hospital_keeps_the_rounds_pooled_accuracy_and_loss()
    {
        var driver = new MachineDriver();
        driver.ThroughStatisticsRound(Three);
        driver.Arrive(1, Three);
        driver.AggregateIsReady(1);

        driver.On(new EvaluationReported(Report(1, "hospital-1", samples: 100, accuracy: 1.0, logLoss: 0.1, rocAuc: double.NaN)));
        driver.On(new EvaluationReported(Report(1, "hospital-2", samples: 100, accuracy: 0.5, logLoss: 0.5, rocAuc: 0.8)));
        driver.On(new EvaluationReported(Report(1, "hospital-3", samples: 200, accuracy: 0.5, logLoss: 0.6, rocAuc: 0.5)));

        var evaluation = Assert.Single(driver.NoticesOfLastStep<RoundCompleted>()).Evaluation!;
        Assert.Equal((3, 400, 2), (evaluation.Reports, evaluation.SampleCount, evaluation.RocAucReports));
        Assert.Equal(0.625, evaluation.Accuracy, 12);
        Assert.Equal(0.45, evaluation.LogLoss, 12);
        Assert.Equal(0.6, evaluation.RocAuc, 12);
        Assert.Equal(0, driver.State.Ignored);
    }

    [Fact]
    public void An_impossible_a_second_or_a_foreign_evaluation_is_ignored_and_the_first_one_stands()
    {
        var driver = new MachineDriver();
        driver.ThroughStatisticsRound(Three);
        driver.Arrive(1, Three);
        driver.AggregateIsReady(1);

        driver.On(new EvaluationReported(Report(1, "hospital-1", accuracy: 1.5)));
        driver.On(new EvaluationReported(Report(1, "hospital-2", rocAuc: double.PositiveInfinity)));
        driver.On(new EvaluationReported(Report(1, "hospital-3", accuracy: 0.7)));
        driver.On(new EvaluationReported(Report(1, "hospital-3", accuracy: 0.1)));
        driver.On(new EvaluationReported(Report(0, "hospital-1")));

        Assert.Equal(4, driver.State.Ignored);
        Assert.Equal(0.7, driver.State.Evaluations["hospital-3"].Accuracy);
        Assert.Equal(RoundPhase.Evaluating, driver.State.Phase);
    }

    [Fact]
    public void A_hospital_unreachable_during_evaluation_is_not_waited_for()
    {
        var driver = new MachineDriver();
        driver.ThroughStatisticsRound(Three);
        driver.Arrive(1, Three);
        driver.AggregateIsReady(1);
        driver.Evaluate(1, "hospital-1", "hospital-2");

        driver.On(new HospitalUnreachable("hospital-3"));

        Assert.Equal(2, Assert.Single(driver.NoticesOfLastStep<RoundCompleted>()).Evaluation!.Reports);
    }

    [Fact]
    public void Checkpoint_the_next_round_starts_only_after_the_save_is_confirmed()
    {
        var driver = new MachineDriver(settings: DefaultSettings with { CheckpointsEnabled = true });
        driver.On(new CheckpointRecovered(null));
        driver.Register(Three);
        driver.Arrive(0, Three);
        driver.AggregateIsReady(0);

        Assert.Equal(new SaveCheckpoint(0, 0, null, null), driver.Single<SaveCheckpoint>());
        Assert.Equal(RoundPhase.Checkpointing, driver.State.Phase);
        Assert.Empty(driver.Last.OfType<RequestUpdates>());

        driver.On(new CheckpointSaved(7));
        Assert.Empty(driver.Last);

        driver.On(new CheckpointSaved(0));
        Assert.Equal(1, driver.Single<RequestUpdates>().Round);
    }

    [Fact]
    public void Checkpoint_the_federation_finishes_only_after_the_last_rounds_save_is_confirmed()
    {
        var driver = new MachineDriver(settings: DefaultSettings with { Rounds = 1, CheckpointsEnabled = true });
        driver.On(new CheckpointRecovered(null));
        driver.ThroughStatisticsRound(Three);
        driver.On(new CheckpointSaved(0));
        driver.CompleteRound(1, Three);

        Assert.Equal(new SaveCheckpoint(1, 0, 1, null), driver.Single<SaveCheckpoint>());
        Assert.Empty(driver.Last.OfType<FinishFederation>());

        driver.On(new CheckpointSaved(1));
        Assert.True(driver.Single<FinishFederation>().Succeeded);
    }

    [Fact]
    public void Registration_waits_for_checkpoint_recovery_before_starting()
    {
        var driver = new MachineDriver(settings: DefaultSettings with { CheckpointsEnabled = true });
        driver.Register(Three);
        Assert.Equal(RoundPhase.Registering, driver.State.Phase);

        driver.On(new CheckpointRecovered(null));

        Assert.Equal(0, driver.Single<RequestUpdates>().Round);
    }

    [Fact]
    public void Resume_after_a_recovered_checkpoint_catches_everyone_up_and_starts_at_the_next_round()
    {
        var driver = new MachineDriver(settings: DefaultSettings with { Rounds = 3, CheckpointsEnabled = true });

        driver.On(new CheckpointRecovered(new RecoveredCheckpoint(1, Identity, StatisticsRound: 0, ModelRound: 1, KeyMaterial: null)));
        driver.Register(Three);

        Assert.Equal(Three, driver.Last.OfType<CatchUp>().Select(c => c.HospitalId));
        var request = driver.Single<RequestUpdates>();
        Assert.Equal((2, 1), (request.Round, request.Attempt));
        Assert.Equal((0, 1), (driver.State.LatestStatisticsRound, driver.State.LatestModelRound));
    }

    [Fact]
    public void A_checkpoint_of_a_finished_federation_starts_a_new_one_at_the_statistics_round()
    {
        var driver = new MachineDriver(settings: DefaultSettings with { CheckpointsEnabled = true });

        driver.On(new CheckpointRecovered(new RecoveredCheckpoint(2, Identity, 0, 2, null)));
        driver.Register(Three);

        Assert.Equal(0, driver.Single<RequestUpdates>().Round);
    }

    [Fact]
    public void A_checkpoint_of_another_federation_is_not_resumed()
    {
        var driver = new MachineDriver(settings: DefaultSettings with { CheckpointsEnabled = true });

        driver.On(new CheckpointRecovered(new RecoveredCheckpoint(1, Identity with { Seed = 7 }, 0, 1, null)));

        var finished = driver.Single<FinishFederation>();
        Assert.False(finished.Succeeded);
        Assert.Contains("belongs to another federation", finished.Status);
    }

    [Fact]
    public void A_hospital_joining_mid_collect_is_caught_up_and_invited_into_the_round()
    {
        var driver = new MachineDriver();
        driver.ThroughStatisticsRound(Three);

        driver.On(new HospitalRegistered("hospital-4"));

        Assert.Equal("hospital-4", driver.Single<CatchUp>().HospitalId);
        Assert.Equal(new RequestUpdates(1, 1, ["hospital-4"]), driver.Single<RequestUpdates>());
        Assert.Contains("hospital-4", driver.State.Expected);
    }

    [Fact]
    public void Aggregate_fetches_are_served_up_to_the_limit_and_only_for_held_aggregates()
    {
        var driver = new MachineDriver();
        driver.ThroughStatisticsRound(Three);

        driver.On(new AggregateFetchRequested("hospital-1", 0));
        Assert.Equal(new ResendAggregate("hospital-1", 0), driver.Single<ResendAggregate>());
        driver.On(new AggregateFetchRequested("hospital-1", 0));
        Assert.Single(driver.Last.OfType<ResendAggregate>());

        driver.On(new AggregateFetchRequested("hospital-1", 0));
        Assert.Equal("request 3 from hospital-1 for the aggregate of round 0: it was re-sent 2 times already", driver.Single<LogIgnored>().What);
        Assert.Equal(IgnoredReason.OverLimit, driver.Single<LogIgnored>().Reason);
        driver.On(new AggregateFetchRequested("hospital-2", 1));
        Assert.Equal("hospital-2 asked for the aggregate of round 1, which is not held", driver.Single<LogIgnored>().What);
        Assert.Equal(IgnoredReason.Unexpected, driver.Single<LogIgnored>().Reason);
    }

    [Fact]
    public void A_finished_federation_serves_fetches_and_ignores_everything_else()
    {
        var driver = new MachineDriver(settings: DefaultSettings with { Rounds = 1 });
        driver.ThroughStatisticsRound(Three);
        driver.CompleteRound(1, Three);
        Assert.Equal(RoundPhase.Finished, driver.State.Phase);

        driver.On(new HospitalRegistered("hospital-4"));
        Assert.Empty(driver.Last);
        Assert.Equal("the federation has finished: completed 1 rounds", RoundMachine.RegistrationRefusal(driver.State, "hospital-4"));

        driver.On(new AggregateFetchRequested("hospital-2", 1));
        Assert.Single(driver.Last.OfType<ResendAggregate>());
    }

    [Fact]
    public void A_fatal_error_fails_the_federation_with_its_reason()
    {
        var driver = new MachineDriver();
        driver.ThroughStatisticsRound(Three);

        driver.On(new FatalError("aggregation failed: out of memory"));

        Assert.Equal("aggregation failed: out of memory", driver.Single<FinishFederation>().Status);
    }

    [Fact]
    public void The_registration_decision_names_where_the_hospital_registered_from()
    {
        var driver = new MachineDriver();

        driver.On(new HospitalRegistered("hospital-1", "akka.tcp://federation@10.0.0.7:4053"));

        Assert.Contains(driver.NoticesOfLastStep<Decision>(), d => d.Text == "registered hospital-1 from akka.tcp://federation@10.0.0.7:4053 (1 hospitals)");
    }

    [Fact]
    public void Too_few_updates_of_one_form_publish_round_failed_before_the_federation_fails()
    {
        var driver = new MachineDriver();
        driver.ThroughStatisticsRound(Three);

        driver.On(new UpdateArrived(1, "hospital-1", Shape));
        driver.On(new UpdateArrived(1, "hospital-2", Shape with { VectorLength = 98 }));
        driver.On(new UpdateArrived(1, "hospital-3", Shape with { VectorLength = 99 }));

        var failed = Assert.Single(driver.Notices<RoundFailed>());
        Assert.Equal(1, failed.Round);
        var publications = driver.History.Select((c, i) => (c, i)).ToList();
        var failedAt = publications.Single(p => p.c is Publish { Notice: RoundFailed }).i;
        var finishedAt = publications.Single(p => p.c is FinishFederation).i;
        Assert.True(failedAt < finishedAt, "RoundFailed is published before the federation finishes");
        Assert.False(driver.Single<FinishFederation>().Succeeded);
        Assert.StartsWith("round 1 failed: only 1 consistent updates", driver.Single<FinishFederation>().Status);
    }

    [Fact]
    public void A_validation_refusal_arriving_after_its_round_is_ignored_and_counted()
    {
        var driver = new MachineDriver();
        driver.ThroughStatisticsRound(Three);

        driver.On(new UpdateRefused(0, "hospital-2", "not a ciphertext of the parameter set"));

        Assert.Contains("refused update of round 0 from hospital-2", driver.Single<LogIgnored>().What);
        Assert.Empty(driver.State.Refused);
        driver.CompleteRound(1, Three);
        Assert.Equal(1, driver.Notices<RoundCompleted>().Single(c => c.Round == 1).IgnoredMessages);
    }
}
