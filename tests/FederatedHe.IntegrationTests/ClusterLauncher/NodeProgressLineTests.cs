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

    [Theory]
    [InlineData("round 3 started with 2 participants (attempt 1)")]
    [InlineData("round 3: 2 updates, 0 dropouts, 1 attempts")]
    [InlineData("fedhe-progress: {not json")]
    [InlineData("fedhe-progress: {\"round\":3}")]
    public void Human_output_and_malformed_lines_are_not_milestones(string line) =>
        Assert.False(NodeProgressLine.TryParse(line, out _));
}
