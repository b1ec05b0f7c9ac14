using FederatedHe.Actors.Harness;
using FederatedHe.Actors.Spec;
using FederatedHe.Testing;

namespace FederatedHe.IntegrationTests.Federation;

/// <summary>
/// A concluded federation is handed to <see cref="SimulationOptions.WhileNodesStop"/> while its nodes stop: a run directory
/// writes its rounds and plots then, instead of after the nodes are gone.
/// </summary>
public sealed class WhileNodesStopTests
{
    [Fact(Timeout = 300_000)]
    public async Task The_callback_gets_the_concluded_rounds_and_baselines_once_without_the_times_only_known_after_the_stop()
    {
        var handedOver = new List<SimulationResult>();
        var options = new SimulationOptions
        {
            Spec = FederationSpec.Default.WithHospitals(2).WithRounds(3).WithQuorum(2),
            WhileNodesStop = concluded =>
            {
                lock (handedOver)
                    handedOver.Add(concluded);
                return Task.CompletedTask;
            },
        };

        var result = await FederationSimulation.RunAsync(options);

        Assert.True(result.Succeeded, result.Status);
        var concluded = Assert.Single(handedOver);
        Assert.Equal(result.Rounds, concluded.Rounds);
        Assert.Equal([1, 2, 3], concluded.Rounds.Select(r => r.Round));
        Assert.NotNull(concluded.CentralizedBaseline);
        Assert.Equal(result.CentralizedBaseline, concluded.CentralizedBaseline);
        Assert.Equal(result.PlaintextFedAvgRounds.Select(r => r.Round), concluded.PlaintextFedAvgRounds.Select(r => r.Round));
        Assert.Null(concluded.TimeBreakdown);
        Assert.NotNull(result.TimeBreakdown);
    }

    [Fact(Timeout = 300_000)]
    public async Task A_callback_that_fails_fails_the_run_with_its_exception()
    {
        var options = new SimulationOptions
        {
            Spec = FederationSpec.Default.WithHospitals(2).WithRounds(1).WithQuorum(2),
            ComputeBaselines = false,
            WhileNodesStop = _ => throw new IOException("disk full"),
        };

        var failure = await Assert.ThrowsAsync<IOException>(() => FederationSimulation.RunAsync(options));

        Assert.Equal("disk full", failure.Message);
    }
}
