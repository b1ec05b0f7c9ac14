using FederatedHe.Federation.Rounds;
using static FederatedHe.Federation.Tests.MachineDriver;

namespace FederatedHe.Federation.Tests;

/// <summary>The strategy's client selection, seen through the round machine: FractionFit takes effect on the aggregator.</summary>
public sealed class FederationSelectionSpecifications
{
    private static readonly string[] Ten = [.. Hospitals(10).Order(StringComparer.Ordinal)];

    private static List<EquatableArray<string>> SelectionsOverRounds(int seed)
    {
        var driver = new MachineDriver(settings: DefaultSettings with { Rounds = 4, MinHospitals = 10 },
            policy: DefaultPolicy with { FractionFit = 0.3, MinFitHospitals = 2, Quorum = 2, Seed = seed });
        driver.ThroughStatisticsRound(Ten);
        var selections = new List<EquatableArray<string>>();
        for (var round = 1; round <= 4; round++)
        {
            var chosen = driver.Single<RequestUpdates>().Hospitals;
            selections.Add(chosen);
            driver.Arrive(round, [.. chosen]);
            driver.AggregateIsReady(round);
            driver.Evaluate(round, Ten); // every hospital receives the aggregate and evaluates it
            if (round < 4)
                Assert.Equal(round + 1, driver.Single<RequestUpdates>().Round);
        }

        return selections;
    }

    [Fact]
    public void FractionFit_below_one_asks_a_seeded_subset_each_round()
    {
        var selections = SelectionsOverRounds(seed: 42);

        Assert.All(selections, chosen => Assert.Equal(3, chosen.Length));
        Assert.True(selections.Distinct().Count() > 1, "every round asked the same hospitals");
        Assert.Equal(selections, SelectionsOverRounds(seed: 42));
        Assert.NotEqual(selections, SelectionsOverRounds(seed: 43));
    }

    [Fact]
    public void The_statistics_round_asks_every_hospital_whatever_the_fraction()
    {
        var driver = new MachineDriver(settings: DefaultSettings with { MinHospitals = 10 }, policy: DefaultPolicy with { FractionFit = 0.3 });

        driver.Register(Ten);

        Assert.Equal(Ten, driver.Single<RequestUpdates>().Hospitals);
    }

    [Fact]
    public void Hospitals_not_selected_are_not_dropouts_and_their_updates_are_refused()
    {
        var driver = new MachineDriver(settings: DefaultSettings with { MinHospitals = 10 }, policy: DefaultPolicy with { FractionFit = 0.3 });
        driver.ThroughStatisticsRound(Ten);
        var chosen = driver.Single<RequestUpdates>().Hospitals;
        var outsider = Ten.First(id => !chosen.Contains(id));

        Assert.Contains("was not asked to train", driver.State.UpdateRefusal(outsider, 1));
        driver.Arrive(1, [.. chosen]);
        driver.AggregateIsReady(1);
        driver.Evaluate(1, Ten);

        var completed = driver.Notices<RoundCompleted>().Single(c => c.Round == 1);
        Assert.Equal(chosen, completed.Contributors);
        Assert.Empty(completed.Dropouts);
    }
}
