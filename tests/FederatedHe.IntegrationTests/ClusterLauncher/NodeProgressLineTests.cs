using FederatedHe.Actors.Protocol;
using FederatedHe.Host.Hosting;
using static FederatedHe.Actors.Protocol.FederationEvents;

namespace FederatedHe.IntegrationTests.ClusterLauncher;

/// <summary>The aggregator's milestone lines, by which `fedhe cluster up` follows rounds.</summary>
public class NodeProgressLineTests
{
    [Fact]
    public void A_round_start_and_an_aggregate_distribution_read_back_as_the_same_milestones()
    {
        Assert.True(NodeProgressLine.TryParse(NodeProgressLine.Format(new RoundStarted(3, 2, ["hospital-1", "hospital-2"]))!, out var started));
        Assert.True(NodeProgressLine.TryParse(NodeProgressLine.Format(new AggregateDistributed(3, ["hospital-1"]))!, out var distributed));

        Assert.Equal(new NodeProgressLine.Milestone(NodeProgressLine.RoundStartedEvent, 3, Attempt: 2), started);
        Assert.Equal(new NodeProgressLine.Milestone(NodeProgressLine.AggregateDistributedEvent, 3), distributed);
    }

    [Fact]
    public void A_completed_round_carries_its_figures_and_every_hospitals_evaluation_even_an_undefined_AUC_and_reads_back_as_the_event()
    {
        var completed = new RoundCompleted(4, ["hospital-1", "hospital-3"], ["hospital-2"], 2, 1, 2000, 4000, 59, 12.5, 830.25,
            new FederatedEvaluation(2, 60, 0.9, 0.25, 0.95), new FederationProtocol.HospitalTimings(10, 2, 3))
        {
            Sites = [new SiteEvaluation("hospital-1", 30, 1.0, 0.1, double.NaN), new SiteEvaluation("hospital-3", 30, 0.8, 0.4, 0.9)],
        };

        Assert.True(NodeProgressLine.TryParse(NodeProgressLine.Format(completed)!, out var milestone));
        var read = Assert.IsType<RoundCompleted>(NodeProgressLine.ToEvent(milestone));

        Assert.Equal((4, 2, 1, 2000L, 4000L, 59, 12.5, 830.25), (read.RoundId, read.Attempts, read.IgnoredMessages, read.CiphertextBytesReceived,
            read.CiphertextBytesSent, read.VectorLength, read.AggregationMs, read.RoundMs));
        Assert.Equal(completed.Contributors, read.Contributors);
        Assert.Equal(completed.Dropouts, read.Dropouts);
        Assert.Equal(completed.Evaluation, read.Evaluation);
        Assert.Equal(completed.Timings, read.Timings);
        Assert.Equal(completed.Sites, read.Sites);
    }

    [Fact]
    public void Key_generation_deadlines_and_the_federations_end_read_back_as_their_events()
    {
        IFederationEvent[] events =
        [
            new KeyGenerationStarted(0, 3), new DeadlinePassed(2, 1, Evaluation: false), new DeadlinePassed(2, 2, Evaluation: true),
            new FederationCompleted(5, true, "completed 5 rounds"),
        ];

        var read = events.Select(e => NodeProgressLine.TryParse(NodeProgressLine.Format(e)!, out var m) ? NodeProgressLine.ToEvent(m) : null);

        Assert.Equal(events, read);
    }

    [Theory]
    [InlineData("round 3 started with 2 participants (attempt 1)")]
    [InlineData("round 3: 2 updates, 0 dropouts, 1 attempts")]
    [InlineData("fedhe-progress: {not json")]
    [InlineData("fedhe-progress: {\"round\":3}")]
    public void Human_output_and_malformed_lines_are_not_milestones(string line) =>
        Assert.False(NodeProgressLine.TryParse(line, out _));
}
