using FederatedHe.Federation.Rounds;
using static FederatedHe.Federation.Tests.MachineDriver;

namespace FederatedHe.Federation.Tests;

/// <summary>The round machine with a differential-privacy budget: ε in every round's report, and a clean stop before the budget is exceeded.</summary>
public sealed class PrivacyBudgetSpecifications
{
    private static readonly string[] Three = Hospitals(3);

    private static readonly RoundMachineSettings FiveRounds = DefaultSettings with { Rounds = 5 };

    /// <summary>A budget where each round costs <paramref name="perRound"/> (linear, as pure composition of equal rounds gives at worst).</summary>
    private sealed class LinearBudget(double perRound, double target) : IPrivacyBudget
    {
        public double TargetEpsilon => target;

        public double Delta => 1e-5;

        public double EpsilonAfter(int rounds) => perRound * rounds;
    }

    [Fact]
    public void Every_concluded_training_round_reports_the_epsilon_spent_once_it_is_released()
    {
        var driver = new MachineDriver(FiveRounds, privacy: new LinearBudget(1.5, target: 100));
        driver.ThroughStatisticsRound(Three);
        driver.CompleteRound(1, Three);
        driver.CompleteRound(2, Three);

        var completed = driver.Notices<RoundCompleted>().ToDictionary(c => c.Round);
        Assert.Null(completed[0].Privacy); // the statistics round trains nothing
        Assert.Equal(new PrivacySpent(1.5, 1e-5, 100), completed[1].Privacy);
        Assert.Equal(new PrivacySpent(3.0, 1e-5, 100), completed[2].Privacy);
    }

    [Fact]
    public void Without_a_budget_rounds_report_no_epsilon()
    {
        var driver = new MachineDriver();
        driver.ThroughStatisticsRound(Three);
        driver.CompleteRound(1, Three);

        Assert.All(driver.Notices<RoundCompleted>(), c => Assert.Null(c.Privacy));
    }

    [Fact]
    public void The_federation_finishes_successfully_before_the_round_that_would_exceed_the_budget_saying_why()
    {
        // 1, 2, 3 fit a budget of 3.5; round 4 would spend 4.
        var driver = new MachineDriver(FiveRounds, privacy: new LinearBudget(1, target: 3.5));
        driver.ThroughStatisticsRound(Three);
        driver.CompleteRound(1, Three);
        driver.CompleteRound(2, Three);
        driver.CompleteRound(3, Three);

        var finished = driver.Single<FinishFederation>();
        Assert.True(finished.Succeeded);
        Assert.Equal(3, finished.Round);
        Assert.Equal("privacy budget spent: ε=3 of target 3.5 (δ=1E-5) after round 3; round 4 would bring it to ε=4", finished.Status);
        Assert.Equal(RoundPhase.Finished, driver.State.Phase);
        Assert.DoesNotContain(driver.History.OfType<RequestUpdates>(), r => r.Round == 4);
        Assert.Equal(finished.Status, Assert.Single(driver.Notices<FederationCompleted>()).Status);
    }

    [Fact]
    public void A_budget_that_affords_no_training_round_fails_the_federation_after_the_statistics_round()
    {
        var driver = new MachineDriver(FiveRounds, privacy: new LinearBudget(2, target: 1));
        driver.ThroughStatisticsRound(Three);

        var finished = driver.Single<FinishFederation>();
        Assert.False(finished.Succeeded);
        Assert.StartsWith("privacy budget too small: one training round would spend ε=2", finished.Status);
        Assert.DoesNotContain(driver.History.OfType<RequestUpdates>(), r => r.Round >= 1);
    }

    [Fact]
    public void A_budget_that_covers_every_round_ends_the_federation_as_usual()
    {
        var driver = new MachineDriver(privacy: new LinearBudget(1, target: 2));
        driver.ThroughStatisticsRound(Three);
        driver.CompleteRound(1, Three);
        driver.CompleteRound(2, Three);

        var finished = driver.Single<FinishFederation>();
        Assert.True(finished.Succeeded);
        Assert.Equal("completed 2 rounds", finished.Status);
    }

    [Fact]
    public void A_federation_resumed_from_a_checkpoint_spends_by_its_round_number_and_stops_at_the_same_round()
    {
        var settings = FiveRounds with { CheckpointsEnabled = true };
        var driver = new MachineDriver(settings, privacy: new LinearBudget(1, target: 3.5));
        driver.On(new CheckpointRecovered(new RecoveredCheckpoint(3, Identity, StatisticsRound: 0, ModelRound: 3, KeyMaterial: null)));
        driver.Register(Three);

        var finished = driver.Single<FinishFederation>();
        Assert.True(finished.Succeeded);
        Assert.Contains("after round 3; round 4 would bring it to ε=4", finished.Status);
        Assert.DoesNotContain(driver.History.OfType<RequestUpdates>(), r => r.Round == 4);
    }
}
