using FederatedHe.Federation.Participation;

namespace FederatedHe.Federation.Tests;

/// <summary>The hospital's decisions, one transition per test, played without an actor system.</summary>
public sealed class HospitalMachineSpecifications
{
    private static readonly TimeSpan Retry = TimeSpan.FromSeconds(2);
    private const string Coordinator = "akka.tcp://fedhe@127.0.0.1:4070";
    private static readonly MessageSource FromCoordinator = new(Coordinator, Coordinator + "/user/coordinator", true);
    private static readonly MessageSource FromOtherAggregator = new("akka.tcp://fedhe@127.0.0.1:4071", "akka.tcp://fedhe@127.0.0.1:4071/user/coordinator", true);
    private static readonly MessageSource FromHospitalNode = new("akka.tcp://fedhe@127.0.0.1:4072", "akka.tcp://fedhe@127.0.0.1:4072/user/hospital", false);
    private static readonly MessageSource WithoutSender = new(null, "akka://fedhe/deadLetters", false);

    /// <summary>Plays events against one machine, checking on every step that the same step gives the same result.</summary>
    private sealed class Hospital
    {
        private readonly HospitalMachine _machine;

        public Hospital(bool threshold = false, bool restoresKeyFirst = false, int savedModelRound = 0)
        {
            _machine = new HospitalMachine(new HospitalMachineSettings(threshold, restoresKeyFirst, Retry));
            (State, Last) = _machine.Start(savedModelRound);
        }

        public HospitalState State { get; private set; }

        public EquatableArray<HospitalCommand> Last { get; private set; }

        public Hospital On(params HospitalEvent[] events)
        {
            foreach (var message in events)
            {
                var transition = _machine.Handle(State, message);
                Assert.Equal(transition, _machine.Handle(State, message));
                (State, Last) = transition;
            }

            return this;
        }

        public Hospital Admitted() => On(new RegistrationAnswered(Coordinator, true, "accepted"));

        /// <summary>Admitted, with the statistics decrypted and adopted.</summary>
        public Hospital WithStatistics() => Admitted()
            .On(new AggregateAssembled(0, AggregateKind.Statistics), new AggregateDecrypted(0, AggregateKind.Statistics, true),
                new AggregateAdopted(0, AggregateKind.Statistics));

        /// <summary>Holds the global model of <paramref name="round"/>.</summary>
        public Hospital WithModel(int round) =>
            On(new AggregateAssembled(round, AggregateKind.Model), new AggregateDecrypted(round, AggregateKind.Model, true),
                new AggregateAdopted(round, AggregateKind.Model));
    }

    private static TrainingRequested Training(int round, int fromModel, MessageSource? from = null) =>
        new(from ?? FromCoordinator, $"StartTraining of round {round}", round, fromModel);

    private static HospitalCommand[] Commands(params HospitalCommand[] commands) => commands;

    private static StatisticsRequested Statistics(MessageSource? from = null) => new(from ?? FromCoordinator, "CollectFeatureStatistics of round 0", 0);

    [Fact]
    public void A_hospital_registers_at_start_and_retries_on_its_timer()
    {
        var hospital = new Hospital();

        Assert.Equal(HospitalPhase.Registering, hospital.State.Phase);
        Assert.Equal(Commands(SendRegistration.Instance, new StartRegistrationTimer(Retry)), hospital.Last);

        hospital.On(RegistrationTimerFired.Instance);
        Assert.Equal(Commands(SendRegistration.Instance, new StartRegistrationTimer(Retry)), hospital.Last);
        Assert.Equal(2, hospital.State.RegistrationAttempts);
    }

    [Fact]
    public void Every_fifteenth_unanswered_registration_warns_and_keeps_trying()
    {
        var hospital = new Hospital();
        for (var attempt = 2; attempt < 15; attempt++)
            hospital.On(RegistrationTimerFired.Instance);
        Assert.DoesNotContain(hospital.Last, c => c is WarnNoRegistrationAnswer);

        hospital.On(RegistrationTimerFired.Instance);

        Assert.Equal(Commands(new WarnNoRegistrationAnswer(15), SendRegistration.Instance, new StartRegistrationTimer(Retry)), hospital.Last);
    }

    [Fact]
    public void A_threshold_hospital_with_a_saved_key_registers_only_once_the_key_is_loaded()
    {
        var hospital = new Hospital(threshold: true, restoresKeyFirst: true);
        Assert.Equal(HospitalPhase.RestoringKey, hospital.State.Phase);
        Assert.Empty(hospital.Last);

        hospital.On(RegistrationTimerFired.Instance);
        Assert.Empty(hospital.Last);

        hospital.On(new KeyRestoreEnded(SavedStatisticsFound: false));
        Assert.Equal(HospitalPhase.Registering, hospital.State.Phase);
        Assert.Equal(Commands(SendRegistration.Instance, new StartRegistrationTimer(Retry)), hospital.Last);
    }

    [Fact]
    public void Saved_statistics_are_replayed_as_a_decrypted_aggregate_before_registering()
    {
        var hospital = new Hospital(threshold: true, restoresKeyFirst: true);

        hospital.On(new KeyRestoreEnded(SavedStatisticsFound: true));

        Assert.Equal(Commands(ReplaySavedStatistics.Instance, SendRegistration.Instance, new StartRegistrationTimer(Retry)), hospital.Last);
        Assert.Equal(1, hospital.State.AggregatesInFlight);
        hospital.On(new AggregateDecrypted(0, AggregateKind.Statistics, true));
        Assert.Equal(Commands(new AdoptAggregate(0, AggregateKind.Statistics)), hospital.Last);
    }

    [Fact]
    public void An_accepted_registration_admits_the_hospital_and_watches_the_coordinator()
    {
        var hospital = new Hospital().Admitted();

        Assert.Equal(HospitalPhase.Participating, hospital.State.Phase);
        Assert.Equal(Coordinator, hospital.State.CoordinatorNode);
        Assert.Equal(Commands(CancelRegistrationTimer.Instance, WatchCoordinator.Instance, new LogRegistration(true, "accepted")), hospital.Last);

        hospital.On(RegistrationTimerFired.Instance);
        Assert.Empty(hospital.Last);
    }

    [Fact]
    public void A_refused_registration_stops_retrying_and_says_why()
    {
        var hospital = new Hospital().On(new RegistrationAnswered(Coordinator, false, "not on the roster"));

        Assert.Equal(HospitalPhase.Registering, hospital.State.Phase);
        Assert.Equal(Commands(CancelRegistrationTimer.Instance, new LogRegistration(false, "not on the roster")), hospital.Last);
    }

    [Fact]
    public void Losing_the_coordinator_registers_again_with_its_successor()
    {
        var hospital = new Hospital().Admitted();

        hospital.On(CoordinatorLost.Instance);

        Assert.Equal(HospitalPhase.Registering, hospital.State.Phase);
        Assert.Equal(Commands(WarnCoordinatorLost.Instance, SendRegistration.Instance, new StartRegistrationTimer(Retry)), hospital.Last);
    }

    [Fact]
    public void A_round_request_from_an_aggregator_node_admits_a_hospital_whose_registration_answer_was_lost()
    {
        var hospital = new Hospital();

        hospital.On(Statistics());

        Assert.Equal(HospitalPhase.Participating, hospital.State.Phase);
        Assert.Equal(Commands(CancelRegistrationTimer.Instance, WatchCoordinator.Instance, new SendStatistics(0)), hospital.Last);
    }

    [Fact]
    public void Before_admission_a_round_request_from_a_node_without_the_aggregator_role_is_refused()
    {
        var hospital = new Hospital().On(Statistics(FromHospitalNode));

        Assert.Equal(HospitalPhase.Registering, hospital.State.Phase);
        var refusal = Assert.IsType<LogRefusal>(Assert.Single(hospital.Last));
        Assert.Contains("not an aggregator node", refusal.What);
    }

    [Fact]
    public void Once_admitted_only_the_coordinators_node_may_ask_for_a_round()
    {
        var hospital = new Hospital().Admitted().On(Training(1, 0, FromOtherAggregator));

        var refusal = Assert.IsType<LogRefusal>(Assert.Single(hospital.Last));
        Assert.Equal($"StartTraining of round 1 from {FromOtherAggregator.Path}, which is not the coordinator's node {Coordinator}", refusal.What);
    }

    [Fact]
    public void A_request_without_a_sender_is_refused()
    {
        var hospital = new Hospital().On(Statistics(WithoutSender));

        Assert.Equal(Commands(new LogRefusal("CollectFeatureStatistics of round 0 without a sender")), hospital.Last);
    }

    [Fact]
    public void A_repeated_statistics_request_resends_the_encrypted_statistics_instead_of_encrypting_again()
    {
        var hospital = new Hospital().Admitted().On(Statistics(), new UpdateEncrypted(0, UpdateKind.FeatureStatistics));
        Assert.Equal(Commands(new SendUpdate(0, UpdateKind.FeatureStatistics)), hospital.Last);

        hospital.On(Statistics());

        Assert.Equal(new ResendUpdate(0, UpdateKind.FeatureStatistics), hospital.Last[^1]);
    }

    [Fact]
    public void Training_waits_for_the_statistics_and_fetches_them_when_nothing_is_being_decrypted()
    {
        var hospital = new Hospital().Admitted().On(Training(1, 0));

        Assert.Equal(new FetchMissedAggregate(0), hospital.Last[^1]);
        Assert.Equal(new PendingTraining(1, 0), hospital.State.Pending);
    }

    [Fact]
    public void Training_waits_without_fetching_while_an_aggregate_is_being_decrypted()
    {
        var hospital = new Hospital().Admitted().On(new AggregateAssembled(0, AggregateKind.Statistics), Training(1, 0));

        Assert.DoesNotContain(hospital.Last, c => c is FetchMissedAggregate or StartLocalTraining);

        hospital.On(new AggregateDecrypted(0, AggregateKind.Statistics, true), new AggregateAdopted(0, AggregateKind.Statistics));

        Assert.Equal(Commands(new StartLocalTraining(1)), hospital.Last);
        Assert.Null(hospital.State.Pending);
        Assert.Equal(1, hospital.State.TrainingRound);
    }

    [Fact]
    public void Training_from_a_global_model_not_yet_held_fetches_that_aggregate_and_starts_once_it_is_adopted()
    {
        var hospital = new Hospital().WithStatistics().WithModel(1).On(Training(3, 2));
        Assert.Equal(new FetchMissedAggregate(2), hospital.Last[^1]);

        hospital.WithModel(2);

        Assert.Equal(Commands(new EvaluateModel(2), new StartLocalTraining(3)), hospital.Last);
    }

    [Fact]
    public void A_training_request_for_the_round_in_training_is_a_duplicate()
    {
        var hospital = new Hospital().WithStatistics().On(Training(1, 0));
        Assert.Equal(new StartLocalTraining(1), hospital.Last[^1]);

        hospital.On(Training(1, 0));

        Assert.Equal(Commands(CancelRegistrationTimer.Instance, WatchCoordinator.Instance), hospital.Last);
    }

    [Fact]
    public void A_trained_update_is_encrypted_sent_and_resent_when_asked_again()
    {
        var hospital = new Hospital().WithStatistics().On(Training(1, 0), new UpdateTrained(1));
        Assert.Equal(Commands(new EncryptUpdate(1, UpdateKind.ModelUpdate)), hospital.Last);

        hospital.On(new UpdateEncrypted(1, UpdateKind.ModelUpdate));
        Assert.Equal(Commands(new SendUpdate(1, UpdateKind.ModelUpdate)), hospital.Last);

        hospital.On(Training(1, 0));
        Assert.Equal(new ResendUpdate(1, UpdateKind.ModelUpdate), hospital.Last[^1]);
    }

    [Fact]
    public void Aggregate_chunks_are_assembled_only_from_the_coordinators_node()
    {
        var hospital = new Hospital().Admitted();

        hospital.On(new AggregateChunkArrived(FromCoordinator, AggregateKind.Model, "AggregatedModel", 1));
        Assert.Equal(Commands(new AssembleChunk(1, AggregateKind.Model)), hospital.Last);

        hospital.On(new AggregateChunkArrived(FromOtherAggregator, AggregateKind.Model, "AggregatedModel", 1));
        Assert.Equal(Commands(new LogRefusal($"a AggregatedModel chunk of round 1 from {FromOtherAggregator.Path}")), hospital.Last);
    }

    [Fact]
    public void A_chunk_of_a_kind_no_coordinator_sends_a_hospital_is_refused()
    {
        var hospital = new Hospital().Admitted().On(new AggregateChunkArrived(FromCoordinator, null, "ModelUpdate", 1));

        Assert.Equal(Commands(new LogRefusal($"a ModelUpdate chunk of round 1 from {FromCoordinator.Path}")), hospital.Last);
    }

    [Fact]
    public void Aggregated_statistics_claiming_a_round_other_than_zero_are_refused()
    {
        var hospital = new Hospital().Admitted().On(new AggregateChunkArrived(FromCoordinator, AggregateKind.Statistics, "AggregatedStatistics", 2));

        Assert.Equal(Commands(new LogRefusal("aggregated statistics claiming round 2; statistics belong to round 0")), hospital.Last);
    }

    [Fact]
    public void A_chunk_of_a_model_already_held_or_older_is_dropped_silently()
    {
        var hospital = new Hospital().WithStatistics().WithModel(2);

        hospital.On(new AggregateChunkArrived(FromCoordinator, AggregateKind.Model, "AggregatedModel", 2));
        Assert.Empty(hospital.Last);
        hospital.On(new AggregateChunkArrived(FromCoordinator, AggregateKind.Model, "AggregatedModel", 1));
        Assert.Empty(hospital.Last);
    }

    [Fact]
    public void In_shared_key_mode_an_assembled_aggregate_is_decrypted_by_the_hospitals_own_pool()
    {
        var hospital = new Hospital().Admitted().On(new AggregateAssembled(1, AggregateKind.Model));

        Assert.Equal(Commands(new DecryptAggregate(1, AggregateKind.Model)), hospital.Last);
        Assert.Equal(1, hospital.State.AggregatesInFlight);
    }

    [Fact]
    public void In_threshold_mode_an_assembled_aggregate_goes_to_the_decryption_committee()
    {
        var hospital = new Hospital(threshold: true).Admitted().On(new AggregateAssembled(1, AggregateKind.Model));

        Assert.Equal(Commands(new DecryptWithCommittee(1, AggregateKind.Model)), hospital.Last);
        Assert.Equal(1, hospital.State.AggregatesInFlight);
    }

    [Fact]
    public void In_threshold_mode_statistics_sent_again_to_a_hospital_that_has_them_are_not_decrypted_again()
    {
        var hospital = new Hospital(threshold: true).WithStatistics();

        hospital.On(new AggregateAssembled(0, AggregateKind.Statistics));

        Assert.Empty(hospital.Last);
        Assert.Equal(0, hospital.State.AggregatesInFlight);
    }

    [Fact]
    public void A_decrypted_aggregate_with_a_non_finite_value_is_not_adopted_and_the_model_stays()
    {
        var hospital = new Hospital().WithStatistics().On(new AggregateAssembled(1, AggregateKind.Model), Training(2, 1));

        hospital.On(new AggregateDecrypted(1, AggregateKind.Model, Finite: false));

        Assert.Empty(hospital.Last);
        Assert.Equal((0, 0), (hospital.State.GlobalRound, hospital.State.AggregatesInFlight));
    }

    [Fact]
    public void A_decrypted_model_not_newer_than_the_one_held_is_stale()
    {
        var hospital = new Hospital().WithStatistics().WithModel(2).On(new AggregateAssembled(2, AggregateKind.Model));

        hospital.On(new AggregateDecrypted(2, AggregateKind.Model, true));

        Assert.Empty(hospital.Last);
        Assert.Equal(2, hospital.State.GlobalRound);
    }

    [Fact]
    public void An_adopted_model_becomes_the_global_model_and_is_evaluated_once_the_data_is_standardised()
    {
        var withoutStatistics = new Hospital().Admitted().WithModel(1);
        Assert.Empty(withoutStatistics.Last);
        Assert.Equal(1, withoutStatistics.State.GlobalRound);

        var hospital = new Hospital().WithStatistics().WithModel(1);
        Assert.Equal(Commands(new EvaluateModel(1)), hospital.Last);
    }

    [Fact]
    public void A_failed_decryption_releases_the_aggregate_so_a_waiting_request_fetches_again()
    {
        var hospital = new Hospital().WithStatistics().On(new AggregateAssembled(1, AggregateKind.Model), Training(2, 1));
        Assert.DoesNotContain(hospital.Last, c => c is FetchMissedAggregate);

        hospital.On(AggregateDecryptionFailed.Instance, AggregateDecryptionFailed.Instance, Training(2, 1));

        Assert.Equal(0, hospital.State.AggregatesInFlight);
        Assert.Equal(new FetchMissedAggregate(1), hospital.Last[^1]);
    }

    [Fact]
    public void Unconcluded_aggregates_dropped_for_a_restarted_coordinator_are_no_longer_in_flight()
    {
        var hospital = new Hospital(threshold: true).WithStatistics()
            .On(new AggregateAssembled(1, AggregateKind.Model), new AggregateAssembled(2, AggregateKind.Model));

        hospital.On(new UnconcludedAggregatesDropped(5));

        Assert.Equal(0, hospital.State.AggregatesInFlight);
    }

    [Fact]
    public void A_hospital_resumed_from_a_saved_model_trains_from_it_without_fetching()
    {
        var hospital = new Hospital(savedModelRound: 3).WithStatistics().On(Training(4, 3));

        Assert.Equal(new StartLocalTraining(4), hospital.Last[^1]);
    }

    [Fact]
    public void A_new_key_generation_from_the_coordinator_forgets_the_statistics_and_the_model()
    {
        var hospital = new Hospital(threshold: true).WithStatistics().WithModel(2);

        hospital.On(new KeyGenerationRequested(FromCoordinator, "BeginKeyGeneration of round 0", null));

        Assert.Equal(Commands(CancelRegistrationTimer.Instance, WatchCoordinator.Instance, StartKeyGeneration.Instance), hospital.Last);
        Assert.Equal((false, 0), (hospital.State.StatisticsKnown, hospital.State.GlobalRound));
    }

    [Fact]
    public void A_key_generation_the_hospital_cannot_follow_is_refused_without_admitting_the_sender()
    {
        var hospital = new Hospital(threshold: true);

        hospital.On(new KeyGenerationRequested(FromCoordinator, "BeginKeyGeneration of round 0", "key generation session s: this hospital is not a party"));

        Assert.Equal(Commands(new LogRefusal("key generation session s: this hospital is not a party")), hospital.Last);
        Assert.Equal(HospitalPhase.Registering, hospital.State.Phase);
    }

    [Fact]
    public void Only_the_coordinators_node_ends_the_federation()
    {
        var hospital = new Hospital().Admitted();

        hospital.On(new FederationEnded(FromOtherAggregator, 3, true, "done"));
        Assert.Equal(Commands(new LogRefusal($"FederationFinished from {FromOtherAggregator.Path}, which is not the coordinator's node ({Coordinator})")), hospital.Last);

        hospital.On(new FederationEnded(FromCoordinator, 3, true, "done"));
        Assert.Equal(HospitalPhase.Finished, hospital.State.Phase);
        Assert.Equal(Commands(UnwatchCoordinator.Instance, new EndFederation(3, true, "done")), hospital.Last);
    }

    [Fact]
    public void Before_any_coordinator_is_known_an_end_of_federation_is_refused()
    {
        var hospital = new Hospital().On(new FederationEnded(FromCoordinator, 3, false, "failed"));

        Assert.Equal(Commands(new LogRefusal($"FederationFinished from {FromCoordinator.Path}, which is not the coordinator's node (none yet)")), hospital.Last);
    }

    [Fact]
    public void A_finished_hospital_stays_finished_when_the_coordinator_answers_or_asks_again()
    {
        var hospital = new Hospital().Admitted().On(new FederationEnded(FromCoordinator, 3, true, "done"));

        hospital.On(new RegistrationAnswered(Coordinator, true, "accepted"), Training(4, 3));

        Assert.Equal(HospitalPhase.Finished, hospital.State.Phase);
    }
}
