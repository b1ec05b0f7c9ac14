using System.Text.Json;
using FederatedHe.Actors.Protocol;
using FederatedHe.Host.Monitor;
using static FederatedHe.Actors.Protocol.FederationEvents;
using Notices = FederatedHe.Actors.Protocol.ObserverNotices;

namespace FederatedHe.IntegrationTests.Monitor;

/// <summary>
/// The monitor's feed as `fedhe cluster up` reads it: each coordinator notice travels whole (as JSON over server-sent
/// events) and reads back as the coordinator event the run report is built from.
/// </summary>
public class MonitorFeedEventsTests
{
    private static readonly DateTime T0 = new(2026, 12, 2, 5, 0, 0, DateTimeKind.Utc);

    /// <summary>The notice through the feed: an entry, its JSON line, the entry read back, and the event it stands for.</summary>
    private static IFederationEvent? ThroughTheFeed(Notices.IObserverNotice notice)
    {
        var entry = MonitorFeedEntry.Of(7, new NoticeObserved(T0, notice));
        var read = JsonSerializer.Deserialize<MonitorFeedEntry>(JsonSerializer.Serialize(entry, DashboardServer.Json), DashboardServer.Json)!;
        Assert.Equal((entry.Sequence, entry.Kind, entry.Round, entry.Text), (read.Sequence, read.Kind, read.Round, read.Text));
        return ObservedEvents.ToFederationEvent(read.Notice!);
    }

    [Fact]
    public void A_completed_round_carries_its_figures_every_hospitals_evaluation_even_an_undefined_AUC_and_the_privacy_spent()
    {
        var notice = new Notices.RoundCompleted(4, ["hospital-1", "hospital-3"], ["hospital-2"], 2, 1, 2000, 4000, 59, 12.5, 830.25,
            new Notices.PooledFigures(2, 60, 0.9, 0.25, 0.95), 10, 2, 3,
            [new Notices.SiteFigures("hospital-1", 30, 1.0, 0.1, double.NaN), new Notices.SiteFigures("hospital-3", 30, 0.8, 0.4, 0.9)],
            new Notices.PrivacyFigures(1.25, 1e-5, 3.5));

        var read = Assert.IsType<RoundCompleted>(ThroughTheFeed(notice));

        Assert.Equal((4, 2, 1, 2000L, 4000L, 59, 12.5, 830.25), (read.RoundId, read.Attempts, read.IgnoredMessages, read.CiphertextBytesReceived,
            read.CiphertextBytesSent, read.VectorLength, read.AggregationMs, read.RoundMs));
        Assert.Equal(["hospital-1", "hospital-3"], read.Contributors);
        Assert.Equal(["hospital-2"], read.Dropouts);
        Assert.Equal(new FederatedEvaluation(2, 60, 0.9, 0.25, 0.95), read.Evaluation);
        Assert.Equal(new FederationProtocol.HospitalTimings(10, 2, 3), read.Timings);
        Assert.Equal([new SiteEvaluation("hospital-1", 30, 1.0, 0.1, double.NaN), new SiteEvaluation("hospital-3", 30, 0.8, 0.4, 0.9)], read.Sites);
        Assert.Equal(new FederatedHe.Federation.Rounds.PrivacySpent(1.25, 1e-5, 3.5), read.Privacy);
    }

    [Fact]
    public void Key_generation_round_starts_deadlines_failures_and_the_federations_end_read_back_as_their_events()
    {
        Notices.IObserverNotice[] notices =
        [
            new Notices.KeyGenerationStarted(0, 3), new Notices.RoundStarted(2, 1, ["hospital-1", "hospital-2"]),
            new Notices.DeadlinePassed(2, 1, Evaluation: false), new Notices.DeadlinePassed(2, 2, Evaluation: true),
            new Notices.AggregateDistributed(2, ["hospital-1"]), new Notices.RoundFailed(3, 3, 1, 2, "quorum not reached"),
            new Notices.FederationCompleted(5, true, "completed 5 rounds"),
        ];

        var read = notices.Select(ThroughTheFeed).ToList();

        Assert.Equal(new KeyGenerationStarted(0, 3), read[0]);
        var started = Assert.IsType<RoundStarted>(read[1]);
        Assert.Equal((2, 1), (started.RoundId, started.Attempt));
        Assert.Equal(["hospital-1", "hospital-2"], started.Participants);
        Assert.Equal(new DeadlinePassed(2, 1, false), read[2]);
        Assert.Equal(new DeadlinePassed(2, 2, true), read[3]);
        Assert.Equal(["hospital-1"], Assert.IsType<AggregateDistributed>(read[4]).Recipients);
        Assert.Equal(new RoundFailed(3, 3, 1, 2, "quorum not reached"), read[5]);
        Assert.Equal(new FederationCompleted(5, true, "completed 5 rounds"), read[6]);
    }

    [Fact]
    public void A_notice_that_is_no_coordinator_event_and_a_membership_change_stand_for_none()
    {
        Assert.Null(ThroughTheFeed(new Notices.PhaseEntered(1, "Collecting")));
        Assert.Null(ThroughTheFeed(new Notices.UpdateReceived(1, "hospital-1", 4096)));
        var member = MonitorFeedEntry.Of(1, new MemberObserved(T0, "akka.tcp://federation@127.0.0.1:4054", ["hospital"], "Up", true));
        Assert.Null(JsonSerializer.Deserialize<MonitorFeedEntry>(JsonSerializer.Serialize(member, DashboardServer.Json), DashboardServer.Json)!.Notice);
    }
}
