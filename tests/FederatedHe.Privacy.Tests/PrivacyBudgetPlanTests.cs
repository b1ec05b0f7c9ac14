using FederatedHe.Privacy.Accounting;
using FederatedHe.Privacy.Distributed;

namespace FederatedHe.Privacy.Tests;

/// <summary>The runtime's plan: ε after r rounds is the accountant's composition of r equal rounds, and the budget's last affordable round.</summary>
public sealed class PrivacyBudgetPlanTests
{
    [Fact]
    public void Local_training_spends_after_r_rounds_what_the_accountant_charges_for_r_times_the_steps()
    {
        var plan = PrivacyBudgetPlan.ForLocalTraining(samplingRate: 0.05, noiseMultiplier: 1.1, stepsPerRound: 40, plannedRounds: 10, delta: 1e-5, targetEpsilon: 3.2);

        Assert.Equal(0, plan.EpsilonAfter(0));
        foreach (var rounds in new[] { 1, 2, 7 })
            Assert.Equal(new RdpAccountant().Compose(0.05, 1.1, 40L * rounds).Epsilon(1e-5).Epsilon, plan.EpsilonAfter(rounds), 12);
        Assert.Equal("one patient record", plan.ProtectedUnit);
    }

    [Fact]
    public void The_budget_allows_the_last_round_whose_epsilon_stays_within_it()
    {
        var plan = PrivacyBudgetPlan.ForLocalTraining(0.05, 1.1, 40, plannedRounds: 10, delta: 1e-5, targetEpsilon: 3.2);

        var allowed = plan.RoundsWithinBudget;
        Assert.True(plan.EpsilonAfter(allowed) <= 3.2 && plan.EpsilonAfter(allowed + 1) > 3.2, $"{allowed}: {plan.EpsilonAfter(allowed)}, {plan.EpsilonAfter(allowed + 1)}");
        Assert.False(plan.WouldExceed(allowed));
        Assert.True(plan.WouldExceed(allowed + 1));
        Assert.Equal(10, PrivacyBudgetPlan.ForLocalTraining(0.05, 1.1, 40, 10, 1e-5, targetEpsilon: 1000).RoundsWithinBudget);
        Assert.Equal(0, PrivacyBudgetPlan.ForLocalTraining(0.05, 1.1, 40, 10, 1e-5, targetEpsilon: 0.1).RoundsWithinBudget);
    }

    [Fact]
    public void Distributed_noise_spends_per_round_one_release_of_the_sum_at_the_calibrated_noise_of_the_fewest_survivors()
    {
        var calibration = new DistributedNoiseCalibration(hospitalCount: 4, toleratedDropouts: 1, noiseMultiplier: 2, clipNorm: 1, dimension: 1);
        var plan = PrivacyBudgetPlan.ForDistributedNoise(calibration, plannedRounds: 5, delta: 1e-5, targetEpsilon: 10);

        var accountant = new RdpAccountant();
        for (var round = 1; round <= 5; round++)
        {
            accountant = accountant.ComposeDistributedRound(calibration, survivingHospitals: 3);
            Assert.Equal(accountant.Epsilon(1e-5).Epsilon, plan.EpsilonAfter(round), 9);
        }

        Assert.Equal(0, accountant.WeakenedRounds);
        Assert.Equal("one hospital's whole contribution", plan.ProtectedUnit);
    }
}
