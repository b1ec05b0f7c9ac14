using FederatedHe.Actors.Spec;
using FederatedHe.Training.Data;

namespace FederatedHe.Actors.Harness;

/// <summary>
/// The harness (FederatedHe.Testing) as production sees it: the in-process federation with its plaintext shadow FedAvg and
/// baselines, the fault injection of one node, and the fault schedule of a local cluster of processes. No production
/// assembly references the harness; the <c>fedhe</c> program loads it by assembly and type name, only in the commands that
/// run it (<c>simulate</c>, <c>demo</c>, <c>experiment run</c>, <c>cluster up</c> with a fault schedule,
/// <c>node --fault-control</c>), as Akka loads a transport adapter by the type name its configuration gives.
/// </summary>
/// <remarks>Implementations are stateless and thread-safe: every call stands alone.</remarks>
public interface IFederationHarness
{
    /// <summary>
    /// Checks, before anything starts or is printed, what <see cref="SimulateAsync"/> would refuse: the options, the spec,
    /// the machine's capacity and the data.
    /// </summary>
    /// <exception cref="FederationSpecException">The spec is invalid.</exception>
    /// <exception cref="DatasetFormatException">A data file is malformed.</exception>
    /// <exception cref="FederationSimulationException">More hospitals than this machine can run in one process.</exception>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    void CheckSimulation(SimulationOptions options);

    /// <summary>
    /// Runs the federation in this process (an aggregator and N hospitals, each its own actor system in one cluster over
    /// loopback TCP) to its end, reporting each round as it completes.
    /// </summary>
    /// <exception cref="FederationSimulationException">The federation could not run on this machine.</exception>
    /// <exception cref="DatasetFormatException">A data file is malformed.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; every node has been stopped.</exception>
    Task<SimulationResult> SimulateAsync(SimulationOptions options, Action<SimulationRound>? onRound, CancellationToken cancellationToken);

    /// <summary>What <c>fedhe node --fault-control</c> adds to a node: the chaos transport, the straggler, the command reader.</summary>
    NodeFaultHooks NodeFaults { get; }

    /// <summary>
    /// The fault schedule of a local cluster of processes: it strikes each fault once at its moment, killing and restarting
    /// processes and telling the nodes' fault control what to do with their links and their training.
    /// </summary>
    /// <param name="faults">The spec's fault schedule.</param>
    /// <param name="nodes">The cluster's processes, as the schedule may act on them.</param>
    /// <param name="status">Receives one line per fault struck (or failing to strike).</param>
    IClusterFaultSchedule ScheduleClusterFaults(IReadOnlyList<SimulatedFault> faults, IClusterNodeControl nodes, Action<string> status);
}
