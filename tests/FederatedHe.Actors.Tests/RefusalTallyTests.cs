using FederatedHe.Actors.Diagnostics;

namespace FederatedHe.Actors.Tests;

public sealed class RefusalTallyTests
{
    [Fact]
    public void The_first_refusals_of_a_source_are_logged_then_only_one_in_every_n()
    {
        var tally = new RefusalTally(logFirst: 3, thenEvery: 100);

        var logged = Enumerable.Range(1, 1000).Count(attempt => tally.Record("flooder", out var _));

        Assert.Equal(3 + 10, logged);
        Assert.Equal(1000, tally.Total);
        Assert.Equal(1000, tally.BySource["flooder"]);
        Assert.True(tally.Record("honest", out var count));
        Assert.Equal(1, count);
    }

    [Fact]
    public void Sources_beyond_the_limit_share_one_count_so_many_senders_cannot_grow_the_tally()
    {
        var tally = new RefusalTally(logFirst: 1, thenEvery: 10, maxSources: 2);

        foreach (var i in Enumerable.Range(0, 500))
            tally.Record($"node-{i}", out _);

        Assert.Equal(3, tally.BySource.Count);
        Assert.Equal(498, tally.BySource[RefusalTally.OtherSources]);
        Assert.Equal([RefusalTally.OtherSources], tally.PartlyLogged.Select(p => p.Key));
        tally.Reset();
        Assert.Equal(0, tally.Total);
        Assert.Empty(tally.BySource);
    }
}
