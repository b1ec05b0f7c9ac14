using FederatedHe.Actors.Spec;
using FederatedHe.Host.Monitor;
using static FederatedHe.Actors.Protocol.ObserverNotices;

namespace FederatedHe.IntegrationTests.Monitor;

/// <summary>The monitor's state projection, (state, event) → state: pure, without a cluster, a clock or a browser.</summary>
public class MonitorProjectionTests
{
    private static readonly DateTime T0 = new(2026, 12, 2, 3, 0, 0, DateTimeKind.Utc);
    private const string Aggregator = "akka.tcp://federation@127.0.0.1:4053";
    private const string Hospital1 = "akka.tcp://federation@127.0.0.1:4054";
    private const string Hospital2 = "akka.tcp://federation@127.0.0.1:4055";

    private static MonitorEvent At(int seconds, IObserverNotice notice) => new NoticeObserved(T0.AddSeconds(seconds), notice);

    private static RoundCompleted Completed(int round, double accuracy, string[] contributors, string[]? dropouts = null, int attempts = 1) =>
        new(round, contributors, dropouts ?? [], attempts, 0, 1000 * contributors.Length, 2000 * contributors.Length, 32, 4.5, 200,
            new PooledFigures(contributors.Length, 38 * contributors.Length, accuracy, 0.2, 0.99), 10, 20, 5, [], null);

    private static EvaluationReceived Evaluation(int round, string hospital, double accuracy) =>
        new(round, hospital, 38, accuracy, 0.25, double.NaN, 10, 20, 5);

    [Fact]
    public void Members_are_listed_with_their_role_and_health_and_hospitals_take_the_id_they_registered_with()
    {
        var state = MonitorProjection.ApplyAll(MonitorState.Empty,
        [
            new MemberObserved(T0, Aggregator, ["aggregator"], "Up", true),
            new MemberObserved(T0, Hospital1, ["hospital"], "Up", true),
            At(1, new HospitalRegistered(0, "hospital-1", Hospital1)),
            new MemberObserved(T0.AddSeconds(2), Hospital1, ["hospital"], "Up", false),
        ]);

        Assert.Equal(4, state.Sequence);
        Assert.Equal(["aggregator", "hospital"], state.Members.Select(m => m.Role));
        var hospital = state.Members[1];
        Assert.Equal(("hospital-1", "unreachable"), (hospital.HospitalId, hospital.Health));
        Assert.Equal("up", state.Members[0].Health);
    }

    [Fact]
    public void A_hospital_that_rejoins_from_a_new_address_takes_its_id_there_and_its_old_member_is_gone()
    {
        var state = MonitorProjection.ApplyAll(MonitorState.Empty,
        [
            new MemberObserved(T0, Hospital1, ["hospital"], "Up", true),
            At(1, new HospitalRegistered(0, "hospital-1", Hospital1)),
            new MemberObserved(T0.AddSeconds(2), Hospital1, ["hospital"], "Removed", false),
            new MemberObserved(T0.AddSeconds(3), Hospital2, ["hospital"], "Up", true),
            At(4, new HospitalRegistered(2, "hospital-1", Hospital2)),
        ]);

        Assert.Equal([(Hospital1, (string?)null, "gone"), (Hospital2, "hospital-1", "up")], state.Members.Select(m => (m.Address, m.HospitalId, m.Health)));
    }

    [Fact]
    public void The_current_round_records_who_was_asked_who_sent_an_update_who_got_the_aggregate_and_who_reported()
    {
        var state = MonitorProjection.ApplyAll(MonitorState.Empty,
        [
            At(0, new RoundStarted(2, 1, ["hospital-1", "hospital-2"])),
            At(1, new UpdateReceived(2, "hospital-2", 4096)),
            At(2, new PhaseEntered(2, "Aggregating")),
            At(3, new AggregateDistributed(2, ["hospital-2"])),
            At(4, new EvaluationReceived(2, "hospital-2", 38, 0.95, 0.2, 0.99, 10, 20, 5)),
            At(5, new UpdateReceived(1, "hospital-1", 4096)), // late, from an earlier round: not this round's
        ]);

        Assert.Equal((2, "Aggregating"), (state.Round, state.Phase));
        Assert.Equal(["hospital-1", "hospital-2"], state.Current.Participants);
        Assert.Equal(["hospital-2"], state.Current.Updates.Keys);
        Assert.Equal(["hospital-2"], state.Current.AggregateRecipients);
        Assert.Equal(0.95, state.Current.Evaluations["hospital-2"].Accuracy);
    }

    [Fact]
    public void A_retry_keeps_the_updates_already_received_and_a_new_round_starts_afresh()
    {
        var retried = MonitorProjection.ApplyAll(MonitorState.Empty,
        [
            At(0, new RoundStarted(3, 1, ["hospital-1", "hospital-2"])),
            At(1, new UpdateReceived(3, "hospital-1", 10)),
            At(2, new RoundStarted(3, 2, ["hospital-1", "hospital-2"])),
        ]);
        var next = MonitorProjection.Apply(retried, At(3, new RoundStarted(4, 1, ["hospital-1"])));

        Assert.Equal((3, 2, 1), (retried.Current.Round, retried.Current.Attempt, retried.Current.Updates.Count));
        Assert.Equal((4, 1, 0), (next.Current.Round, next.Current.Attempt, next.Current.Updates.Count));
    }

    [Fact]
    public void A_concluded_round_keeps_the_pooled_figures_each_hospitals_own_the_worst_hospital_and_the_cost()
    {
        var state = MonitorProjection.ApplyAll(MonitorState.Empty,
        [
            At(0, new RoundStarted(1, 1, ["hospital-1", "hospital-2", "hospital-3"])),
            At(1, Evaluation(1, "hospital-1", 0.97)),
            At(2, Evaluation(1, "hospital-2", 0.91)),
            At(3, Completed(1, 0.94, ["hospital-1", "hospital-2"], dropouts: ["hospital-3"], attempts: 2)),
        ]);

        var round = Assert.Single(state.Rounds);
        Assert.Equal((1, 0.94, "hospital-2", 0.91), (round.Round, round.Accuracy!.Value, round.WorstHospital, round.WorstAccuracy!.Value));
        Assert.Equal(["hospital-1", "hospital-2"], round.Hospitals.Keys);
        Assert.Null(round.Hospitals["hospital-1"].RocAuc); // a one-class hold-out's NaN AUC: no number, not a broken page
        Assert.Equal((2, 1), (round.Contributors, round.Retries));
        Assert.Equal(["hospital-3"], round.Dropouts);
        Assert.Equal((2000L, 4000L, 4.5, 20.0, 5.0), (round.CiphertextBytesReceived, round.CiphertextBytesSent, round.AggregationMs, round.EncryptionMs, round.DecryptionMs));
        Assert.Equal(1000.0 / 32, round.CiphertextBytesPerParameter);
        Assert.Equal(T0.AddSeconds(3), round.CompletedAt);
    }

    [Fact]
    public void A_round_a_resumed_coordinator_concludes_again_is_listed_once_with_its_latest_figures()
    {
        var state = MonitorProjection.ApplyAll(MonitorState.Empty,
        [
            At(0, Completed(1, 0.90, ["hospital-1"])),
            At(1, Completed(2, 0.92, ["hospital-1"])),
            At(2, Completed(2, 0.93, ["hospital-1"])),
        ]);

        Assert.Equal([(1, 0.90), (2, 0.93)], state.Rounds.Select(r => (r.Round, r.Accuracy!.Value)));
    }

    [Fact]
    public void Each_fault_of_the_schedule_is_marked_once_at_the_first_moment_it_is_due()
    {
        var spec = FederationSpec.Default.WithHospitals(3).WithFaults(
        [
            new SimulatedFault(2, FaultMoment.RoundStarted, FaultKind.KillHospital, "hospital-1"),
            new SimulatedFault(2, FaultMoment.AggregateDistributed, FaultKind.RestartHospital, "hospital-3"),
        ]);
        var start = MonitorState.ForSpec(spec);

        var state = MonitorProjection.ApplyAll(start,
        [
            At(0, new RoundStarted(1, 1, ["hospital-1"])),
            At(1, new AggregateDistributed(1, ["hospital-1"])),
            At(2, new RoundStarted(2, 1, ["hospital-1"])),
            At(3, new RoundStarted(2, 2, ["hospital-1"])), // a retry of the same round strikes nothing again
        ]);

        Assert.All(start.Faults, f => Assert.Null(f.StruckAt));
        Assert.Equal("round 2 (round-started): kill-hospital hospital-1", state.Faults[0].Description);
        Assert.Equal((T0.AddSeconds(2), 1), (state.Faults[0].StruckAt, state.Faults[0].StruckInAttempt));
        Assert.Null(state.Faults[1].StruckAt);
        var distributed = MonitorProjection.Apply(state, At(4, new AggregateDistributed(2, ["hospital-1"])));
        Assert.Equal(T0.AddSeconds(4), distributed.Faults[1].StruckAt);
    }

    [Fact]
    public void The_end_of_the_federation_and_the_latest_decisions_are_kept()
    {
        var events = Enumerable.Range(0, MonitorProjection.DecisionsKept + 5).Select(i => At(i, new Decision(0, $"decision {i}")))
            .Append(At(100, new FederationCompleted(3, true, "completed 3 rounds")));

        var state = MonitorProjection.ApplyAll(MonitorState.Empty, events);

        Assert.Equal(MonitorProjection.DecisionsKept, state.Decisions.Count);
        Assert.Equal($"decision {MonitorProjection.DecisionsKept + 4}", state.Decisions[^1].Text);
        Assert.Equal(("Finished", true, "completed 3 rounds"), (state.Phase, state.Outcome!.Succeeded, state.Outcome.Status));
    }
}
