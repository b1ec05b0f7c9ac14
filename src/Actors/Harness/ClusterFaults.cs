using FederatedHe.Actors.Spec;

namespace FederatedHe.Actors.Harness;

/// <summary>
/// A local cluster's fault schedule (<see cref="IFederationHarness.ScheduleClusterFaults"/>): the launcher tells it where
/// the federation is, and it strikes the faults due.
/// </summary>
/// <remarks>Thread-safe: moments are queued from any thread; one loop (<see cref="RunAsync"/>) strikes the faults.</remarks>
public interface IClusterFaultSchedule
{
    /// <summary>Queues the faults due at a moment of the federation the launcher saw.</summary>
    void OnMoment(int round, FaultMoment moment);

    /// <summary>Strikes faults as their moments come, and keeps network faults in force, until cancelled.</summary>
    Task RunAsync(CancellationToken cancellationToken);
}

/// <summary>
/// The nodes of a local cluster of processes as a fault schedule acts on them, by name (<c>aggregator</c>,
/// <c>hospital-k</c>): process control, and commands to the <c>--fault-control</c> input of the nodes started with it.
/// </summary>
/// <remarks>Implementations are thread-safe.</remarks>
public interface IClusterNodeControl
{
    /// <summary>Every node whose process runs and was not killed by a fault, with its process id (a restarted node has a new one).</summary>
    IReadOnlyDictionary<string, int> LiveNodes();

    /// <summary>Kills the node's process with SIGKILL (no shutdown of any kind) and waits until it is gone; does nothing if it is not running.</summary>
    Task KillAsync(string node);

    /// <summary>Starts the node's process again, as it was first started.</summary>
    /// <exception cref="NodeRestartException">The process could not be started.</exception>
    void Restart(string node);

    /// <summary>Writes one command line to the node's fault-control input; does nothing if the node is not running.</summary>
    Task SendFaultCommandAsync(string node, string command);

    /// <summary>The node's Akka address, as the failure injector and the throttler match a peer (by host and port).</summary>
    string AddressOf(string node);
}

/// <summary>A node of a local cluster could not be started again; the message says which and why.</summary>
public sealed class NodeRestartException(string message, Exception? inner = null) : Exception(message, inner);
