using Akka.Configuration;
using FederatedHe.Actors.Harness;
using FederatedHe.Actors.Spec;

namespace FederatedHe.Testing;

/// <summary>
/// The harness's entry point, which the <c>fedhe</c> program loads by this type's name (it references no harness type):
/// the in-process federation, a node's fault injection and a local cluster's fault schedule, each handed over as the
/// production seam (<see cref="IFederationHarness"/>) describes it.
/// </summary>
/// <remarks>Stateless: thread-safe.</remarks>
public sealed class FederationHarness : IFederationHarness
{
    /// <inheritdoc />
    public NodeFaultHooks NodeFaults { get; } =
        new(ConfigurationFactory.ParseString(NetworkChaos.TransportAdapters), StragglingTrainer.DecorateFor, NodeFaultControl.RunAsync);

    /// <inheritdoc />
    public void CheckSimulation(SimulationOptions options) => FederationSimulation.Check(options);

    /// <inheritdoc />
    public Task<SimulationResult> SimulateAsync(SimulationOptions options, Action<SimulationRound>? onRound, CancellationToken cancellationToken) =>
        FederationSimulation.RunAsync(options, onRound, cancellationToken);

    /// <inheritdoc />
    public IClusterFaultSchedule ScheduleClusterFaults(IReadOnlyList<SimulatedFault> faults, IClusterNodeControl nodes, Action<string> status) =>
        new ClusterFaultSchedule(faults, nodes, status);
}
