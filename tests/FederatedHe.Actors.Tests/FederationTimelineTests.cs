using FederatedHe.Actors.Diagnostics;
using static FederatedHe.Actors.Protocol.FederationEvents;
using static FederatedHe.Actors.Protocol.FederationProtocol;

namespace FederatedHe.Actors.Tests;

/// <summary>Where a federation's time went: parts named by the coordinator's events that add up to the whole.</summary>
public sealed class FederationTimelineTests
{
    private static TimeSpan S(double seconds) => TimeSpan.FromSeconds(seconds);

    private static RoundCompleted Completed(int round, int attempts) =>
        new(round, ["hospital-1"], [], attempts, 0, 0, 0, 1, 0, 0, null, new HospitalTimings(0, 0, 0));

    [Fact]
    public void A_run_with_a_retry_and_an_evaluation_timeout_is_split_into_parts_that_add_up_to_its_time()
    {
        var timeline = new FederationTimeline();
        timeline.Record(new KeyGenerationStarted(0, 3), S(4));
        timeline.Record(new RoundStarted(0, 1, []), S(6));
        timeline.Record(new RoundStarted(1, 1, []), S(7));
        // Round 1: attempt 1 waits out its 10 s deadline, attempt 2 takes 2 s, the aggregate is out at 19 s.
        timeline.Record(new DeadlinePassed(1, 1, Evaluation: false), S(17));
        timeline.Record(new AggregateDistributed(1, []), S(19));
        timeline.Record(Completed(1, attempts: 2), S(20));
        timeline.Record(new RoundStarted(2, 1, []), S(20.5));
        // Round 2: the evaluations' deadline passes 5 s after the aggregate went out.
        timeline.Record(new AggregateDistributed(2, []), S(21.5));
        timeline.Record(new DeadlinePassed(2, 1, Evaluation: true), S(26.5));
        timeline.Record(Completed(2, attempts: 1), S(26.6));
        timeline.Record(new FederationCompleted(2, true, "completed 2 rounds"), S(27));

        var breakdown = timeline.Breakdown(S(30));

        Assert.Equal(S(4), breakdown.Registration);
        Assert.Equal(S(2), breakdown.KeyGeneration);
        Assert.Equal(S(1), breakdown.Standardisation);
        Assert.Equal(S(2), breakdown.Retries);
        Assert.Equal(S(15), breakdown.Timeouts);
        // Round 1: 13.5 s less 10 s waited and 2 s retried; round 2: 6.5 s less 5 s waited.
        Assert.Equal(S(3), breakdown.Rounds);
        Assert.Equal(S(3), breakdown.Shutdown);
        Assert.Equal(S(30), breakdown.Total);
        Assert.Equal(["start-up and registration", "key generation", "standardisation (round 0)", "rounds", "retries",
            "timeouts (deadlines waited out)", "stopping the nodes"], breakdown.Parts.Select(p => p.Name));
        // A fedhe process leaves its in-process nodes to end with it: the last part is then the hospitals' finishing.
        Assert.Equal(("finishing (final models; the nodes end with the process)", S(3)), (breakdown with { NodesEndWithProcess = true }).Parts[^1]);
    }

    [Fact]
    public void A_round_aggregated_with_a_quorum_at_its_deadline_counts_the_wait_as_timeout_and_no_retry()
    {
        var timeline = new FederationTimeline();
        timeline.Record(new RoundStarted(0, 1, []), S(1));
        timeline.Record(new RoundStarted(1, 1, []), S(2));
        timeline.Record(new DeadlinePassed(1, 1, Evaluation: false), S(12));
        timeline.Record(new AggregateDistributed(1, []), S(12.5));
        timeline.Record(Completed(1, attempts: 1), S(13));
        timeline.Record(new FederationCompleted(1, true, "completed 1 rounds"), S(13));

        var breakdown = timeline.Breakdown(S(14));

        Assert.Equal((S(10), TimeSpan.Zero, S(1)), (breakdown.Timeouts, breakdown.Retries, breakdown.Rounds));
        Assert.Equal(S(14), breakdown.Total);
    }

    [Fact]
    public void A_federation_that_never_started_is_all_registration_and_shutdown_and_a_resumed_round_counts_from_its_first_start()
    {
        var failed = new FederationTimeline();
        failed.Record(new FederationCompleted(0, false, "only 1 of 3 hospitals registered"), S(30));
        var breakdown = failed.Breakdown(S(31));
        Assert.Equal((S(30), S(1), S(31)), (breakdown.Registration, breakdown.Shutdown, breakdown.Total));

        var resumed = new FederationTimeline();
        resumed.Record(new RoundStarted(0, 1, []), S(1));
        resumed.Record(new RoundStarted(1, 1, []), S(2));
        resumed.Record(new RoundStarted(1, 1, []), S(9)); // a restarted aggregator announces the interrupted round again
        resumed.Record(new FederationCompleted(1, true, "completed 1 rounds"), S(10));
        var again = resumed.Breakdown(S(10));
        Assert.Equal((S(8), S(10)), (again.Rounds, again.Total));
    }
}
