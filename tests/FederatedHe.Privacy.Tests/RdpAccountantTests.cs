using FederatedHe.Privacy.Accounting;

namespace FederatedHe.Privacy.Tests;

public sealed class RdpAccountantTests
{
    // TensorFlow Privacy, tensorflow_privacy/privacy/analysis/rdp_accountant_test.py,
    // test_compute_rdp_sequence: compute_rdp(q = 0.01, σ = 2.5, steps = 50, orders) to within 1e-5.
    [Theory]
    [InlineData(1.5, 0.00065)]
    [InlineData(2.5, 0.001085)]
    [InlineData(5, 0.00218075)]
    [InlineData(50, 0.023846)]
    [InlineData(100, 167.416307)]
    public void Fifty_steps_at_q_one_percent_and_sigma_2_5_cost_what_TensorFlow_Privacy_publishes(double order, double expectedRdp)
    {
        var accountant = new RdpAccountant([order]).Compose(0.01, 2.5, 50);

        Assert.Equal(expectedRdp, accountant.Rdp[0], 1e-5);
    }

    // TensorFlow Privacy rdp_accountant_test.py, test_compute_rdp_scalar: compute_rdp(0.1, 2, 10, 5) = 0.07737 to 5 places.
    [Fact]
    public void Ten_steps_at_q_ten_percent_and_sigma_2_cost_0_07737_at_order_5()
    {
        Assert.Equal(0.07737, new RdpAccountant([5]).Compose(0.1, 2, 10).Rdp[0], 5e-6);
    }

    // Google dp-accounting, python/dp_accounting/dp_accounting/rdp/rdp_privacy_accountant_test.py,
    // test_compute_rdp_poisson_sampled_gaussian, relative tolerance 1e-4 (integer orders; that library now
    // reports a larger upper bound at fractional orders, which the TF-Privacy values above pin instead).
    [Theory]
    [InlineData(5, 2.18075656e-03)]
    [InlineData(50, 2.38460375e-02)]
    [InlineData(100, 1.67416308e02)]
    public void Integer_orders_agree_with_Google_dp_accounting(double order, double expectedRdp)
    {
        var rdp = new RdpAccountant([order]).Compose(0.01, 2.5, 50).Rdp[0];

        Assert.InRange(rdp, expectedRdp * (1 - 1e-4), expectedRdp * (1 + 1e-4));
    }

    // dp-accounting test_compute_epsilon_delta_pure_dp (and TF-Privacy test_get_privacy_spent_check_target_delta):
    // RDP 1.1 at every order 2…32 gives ε = 1.32783806176 at order 32 for δ = 1e-5 under the Balle et al. 2020
    // conversion, which both libraries use.
    [Fact]
    public void Constant_rdp_converts_to_the_published_epsilon_at_the_largest_order()
    {
        var orders = Enumerable.Range(2, 31).Select(order => (double)order).ToArray();
        var rdp = orders.Select(_ => 1.1).ToArray();

        var (epsilon, order) = RdpAccountant.ToEpsilon(orders, rdp, 1, 1e-5, RdpConversion.BalleEtAl2020);

        Assert.Equal(1.32783806176, epsilon, 1e-10);
        Assert.Equal(32, order);
    }

    // dp-accounting test_compute_epsilon_delta_gaussian: σ = 4.530877117 without sampling is exactly
    // (1, 1e-6)-DP over the orders 1.000, 1.001, …, 99.999 (to 7 places).
    [Fact]
    public void The_plain_Gaussian_calibrated_for_epsilon_one_gives_epsilon_one()
    {
        var orders = Enumerable.Range(1000, 99000).Select(i => 0.001 * i).Where(order => order > 1);

        var guarantee = new RdpAccountant(orders).Compose(1, 4.530877117).Epsilon(1e-6);

        Assert.Equal(1, guarantee.Epsilon, 1e-7);
    }

    // TensorFlow Privacy tutorials/README.md, MNIST DP-SGD table (δ = 1e-5, N = 60000, batch 256, so
    // q = 256/60000 and 234 steps per epoch as in mnist_dpsgd_tutorial.py), ε to two decimals. The tutorial
    // used orders 1.1…10.9 and 12…63 and, in 2018–2019, the classic conversion, so both are matched here.
    [Theory]
    [InlineData(1.12, 60, 2.92)]
    [InlineData(1.2, 10, 1.20)]
    public void The_TensorFlow_Privacy_MNIST_tutorial_epsilons_are_reproduced(double noiseMultiplier, int epochs, double publishedEpsilon)
    {
        var tutorialOrders = Enumerable.Range(1, 99).Select(x => 1 + x / 10.0).Concat(Enumerable.Range(12, 52).Select(x => (double)x));
        var accountant = new RdpAccountant(tutorialOrders).Compose(256 / 60000.0, noiseMultiplier, epochs * (60000 / 256));

        var guarantee = accountant.Epsilon(1e-5, RdpConversion.Classic);

        Assert.Equal(publishedEpsilon, Math.Round(guarantee.Epsilon, 2));
        Assert.True(accountant.Epsilon(1e-5).Epsilon < guarantee.Epsilon, "The Balle et al. conversion is tighter.");
    }

    // Points from TF-Privacy's and dp-accounting's test_compute_log_a_equals_mp, plus fractional orders
    // of our own; the reference is the definition A_α = ∫ N(z; 0, σ²)·((1 − q) + q·e^{(2z − 1)/(2σ²)})^α dz.
    [Theory]
    [InlineData(1e-4, 1.0, 1.5)]
    [InlineData(1e-3, 1.0, 2)]
    [InlineData(0.01, 10, 20)]
    [InlineData(0.1, 100, 20.5)]
    [InlineData(0.99, 0.1, 256)]
    [InlineData(1e-5, 0.1, 256.1)]
    [InlineData(0.999, 100, 256.1)]
    [InlineData(1e-6, 1.0, 27)]
    [InlineData(0.01, 2.5, 1.5)]
    [InlineData(0.1, 1.0, 7.3)]
    [InlineData(0.3, 0.8, 3.75)]
    public void The_moment_agrees_with_numerical_integration_of_its_definition(double q, double sigma, double order)
    {
        var series = SampledGaussianRdp.LogA(q, sigma, order);
        var integral = NumericalLogA(q, sigma, order);

        Assert.True(series >= integral - 1e-6 * Math.Abs(integral), $"series {series:R} below integral {integral:R}");
        Assert.True(series - integral <= 1e-6 * Math.Abs(integral) + 2 * SampledGaussianRdp.FractionalSeriesErrorAllowance, $"series {series:R}, integral {integral:R}");
    }

    [Theory]
    [InlineData(1.5, 0.7)]
    [InlineData(2, 1.0)]
    [InlineData(20.5, 3.0)]
    [InlineData(64, 10.0)]
    public void Without_sampling_the_cost_is_the_plain_Gaussian_alpha_over_two_sigma_squared(double order, double sigma)
    {
        Assert.Equal(order / (2 * sigma * sigma), RdpAccountant.SampledGaussianRdp(1, sigma, order), 12);
    }

    // At order 2 the moment has the closed form A₂ = 1 + q²(e^{1/σ²} − 1); tiny costs keep full relative precision.
    [Theory]
    [InlineData(1e-8, 10.0)]
    [InlineData(1e-4, 50.0)]
    [InlineData(0.3, 1.5)]
    public void Order_two_matches_its_closed_form_even_for_tiny_costs(double q, double sigma)
    {
        var expected = double.LogP1(q * q * double.ExpM1(1 / (sigma * sigma)));

        var rdp = RdpAccountant.SampledGaussianRdp(q, sigma, 2);

        Assert.True(Math.Abs(rdp - expected) <= 1e-12 * expected, $"{rdp:R} against {expected:R}");
    }

    [Fact]
    public void Sampling_nobody_costs_nothing_and_no_noise_costs_everything()
    {
        Assert.Equal(0, RdpAccountant.SampledGaussianRdp(0, 1, 2.5));
        Assert.Equal(0, new RdpAccountant().Compose(0, 0, 1000).Epsilon(1e-5).Epsilon);
        Assert.Equal(double.PositiveInfinity, new RdpAccountant().Compose(0.1, 0, 1).Epsilon(1e-5).Epsilon);
    }

    [Fact]
    public void The_cost_grows_with_the_sampling_rate_and_the_order_and_falls_with_the_noise()
    {
        double[] rates = [0.001, 0.01, 0.05, 0.2, 0.5, 0.9, 1];
        double[] orders = [1.25, 1.5, 2, 2.5, 4, 8, 16.5, 32];
        double[] sigmas = [0.5, 0.8, 1, 2, 4];
        foreach (var sigma in sigmas)
        {
            foreach (var order in orders)
            {
                var byRate = rates.Select(q => RdpAccountant.SampledGaussianRdp(q, sigma, order)).ToArray();
                Assert.True(byRate.Zip(byRate.Skip(1)).All(pair => pair.First < pair.Second), $"q ↦ RDP not increasing at σ = {sigma}, α = {order}");
            }
            foreach (var q in rates)
            {
                var byOrder = orders.Select(order => RdpAccountant.SampledGaussianRdp(q, sigma, order)).ToArray();
                Assert.True(byOrder.Zip(byOrder.Skip(1)).All(pair => pair.First <= pair.Second), $"α ↦ RDP not increasing at σ = {sigma}, q = {q}");
            }
        }
        var bySigma = sigmas.Select(sigma => RdpAccountant.SampledGaussianRdp(0.05, sigma, 4)).ToArray();
        Assert.True(bySigma.Zip(bySigma.Skip(1)).All(pair => pair.First > pair.Second));
    }

    [Theory]
    [InlineData(1e-8)]
    [InlineData(1e-5)]
    [InlineData(1e-3)]
    [InlineData(0.01)]
    [InlineData(0.1)]
    [InlineData(0.5)]
    [InlineData(0.9)]
    [InlineData(0.999)]
    public void Every_default_order_gives_a_finite_non_negative_cost_that_grows_with_the_order_up_to_the_rounding_allowance(double q)
    {
        foreach (var sigma in new[] { 0.3, 0.5, 0.8, 1.0, 2.0, 5.0, 20.0, 100.0 })
        {
            var rdp = RdpAccountant.DefaultOrders.Select(order => RdpAccountant.SampledGaussianRdp(q, sigma, order)).ToArray();

            Assert.All(rdp, value => Assert.True(value >= 0 && !double.IsNaN(value), $"q = {q}, σ = {sigma}: {value}"));
            for (var i = 1; i < rdp.Length; i++)
            {
                Assert.True(rdp[i] >= rdp[i - 1] * (1 - 1e-9) - 10 * SampledGaussianRdp.FractionalSeriesErrorAllowance, $"q = {q}, σ = {sigma}: RDP falls from {rdp[i - 1]} at α = {RdpAccountant.DefaultOrders[i - 1]} to {rdp[i]} at α = {RdpAccountant.DefaultOrders[i]}");
            }
        }
    }

    [Fact]
    public void Composing_adds_up_and_leaves_the_original_accountant_unchanged()
    {
        var empty = new RdpAccountant();
        var tenThenTwenty = empty.Compose(0.02, 1.1, 10).Compose(0.02, 1.1, 20);
        var thirty = empty.Compose(0.02, 1.1, 30);

        Assert.All(empty.Rdp, rdp => Assert.Equal(0, rdp));
        Assert.Equal(30, tenThenTwenty.Steps);
        Assert.Equal(thirty.Rdp, tenThenTwenty.Rdp, (a, b) => Math.Abs(a - b) <= 1e-12 * Math.Max(1, Math.Abs(a)));
        Assert.True(thirty.Epsilon(1e-5).Epsilon > empty.Compose(0.02, 1.1, 10).Epsilon(1e-5).Epsilon);
    }

    [Fact]
    public void The_improved_conversion_is_never_looser_than_the_classic_one()
    {
        foreach (var steps in new long[] { 1, 10, 100, 1000, 10000 })
        {
            var accountant = new RdpAccountant().Compose(0.05, 1.0, steps);
            Assert.True(accountant.Epsilon(1e-5).Epsilon <= accountant.Epsilon(1e-5, RdpConversion.Classic).Epsilon);
        }
    }

    [Theory]
    [InlineData(0.05, 1.0, 3.0)]
    [InlineData(0.01, 1.1, 3.0)]
    [InlineData(0.2, 4.0, 0.5)]
    public void MaxSteps_is_the_last_step_count_within_the_budget(double q, double sigma, double budget)
    {
        var steps = RdpAccountant.MaxSteps(q, sigma, budget, 1e-5);

        Assert.True(steps > 0);
        Assert.True(new RdpAccountant().Compose(q, sigma, steps).Epsilon(1e-5).Epsilon <= budget);
        Assert.True(new RdpAccountant().Compose(q, sigma, steps + 1).Epsilon(1e-5).Epsilon > budget);
    }

    [Fact]
    public void MaxSteps_is_zero_when_one_step_already_exceeds_the_budget()
    {
        Assert.Equal(0, RdpAccountant.MaxSteps(1, 0.3, 0.1, 1e-5));
    }

    [Fact]
    public void The_calibrated_noise_multiplier_spends_the_budget_and_no_less_noise_would()
    {
        var sigma = RdpAccountant.NoiseMultiplierFor(0.05, 400, 2.0, 1e-5);

        Assert.True(new RdpAccountant().Compose(0.05, sigma, 400).Epsilon(1e-5).Epsilon <= 2.0);
        Assert.True(new RdpAccountant().Compose(0.05, sigma * 0.995, 400).Epsilon(1e-5).Epsilon > 2.0);
    }

    [Fact]
    public void Epsilon_per_round_is_the_cumulative_cost_after_each_round()
    {
        var perRound = RdpAccountant.EpsilonPerRound(0.05, 1.2, 20, 5, 1e-5);

        Assert.Equal(5, perRound.Count);
        for (var round = 1; round <= 5; round++)
        {
            Assert.Equal(new RdpAccountant().Compose(0.05, 1.2, 20L * round).Epsilon(1e-5).Epsilon, perRound[round - 1], 12);
        }
        Assert.True(perRound.Zip(perRound.Skip(1)).All(pair => pair.First < pair.Second));
    }

    [Fact]
    public void Invalid_parameters_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => RdpAccountant.SampledGaussianRdp(1.5, 1, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => RdpAccountant.SampledGaussianRdp(0.1, -1, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => RdpAccountant.SampledGaussianRdp(0.1, 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RdpAccountant().Epsilon(0));
        Assert.Throws<ArgumentException>(() => new RdpAccountant([0.5]));
    }

    /// <summary>log A_α by Simpson's rule on a fine grid, in log space; independent of the series code.</summary>
    private static double NumericalLogA(double q, double sigma, double order)
    {
        var low = -40 * sigma - 10;
        var high = 40 * sigma + 2 * order + 10;
        const int Intervals = 400_000;
        var step = (high - low) / Intervals;
        var logQ = Math.Log(q);
        var logOneMinusQ = Math.Log(1 - q);
        var logIntegrand = new double[Intervals + 1];
        for (var i = 0; i <= Intervals; i++)
        {
            var z = low + i * step;
            var a = logOneMinusQ;
            var b = logQ + (2 * z - 1) / (2 * sigma * sigma);
            var logMixtureRatio = Math.Max(a, b) + Math.Log(1 + Math.Exp(-Math.Abs(a - b)));
            logIntegrand[i] = -z * z / (2 * sigma * sigma) - 0.5 * Math.Log(2 * Math.PI * sigma * sigma) + order * logMixtureRatio;
        }
        var peak = logIntegrand.Max();
        var sum = 0.0;
        for (var i = 0; i <= Intervals; i++)
        {
            var weight = i == 0 || i == Intervals ? 1 : i % 2 == 1 ? 4 : 2;
            sum += weight * Math.Exp(logIntegrand[i] - peak);
        }
        return peak + Math.Log(sum * step / 3);
    }
}
