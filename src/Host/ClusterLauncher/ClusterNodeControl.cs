using FederatedHe.Actors.Harness;
using FederatedHe.Actors.Spec;

namespace FederatedHe.Host.ClusterLauncher;

/// <summary>
/// A local cluster's processes as the harness's fault schedule acts on them (<see cref="IClusterNodeControl"/>): kills and
/// restarts through <see cref="ClusterProcesses"/>, fault commands on the nodes' standard input, addresses from the plan's ports.
/// </summary>
/// <remarks>Thread-safe, as <see cref="ClusterProcesses"/> is.</remarks>
internal sealed class ClusterNodeControl(ClusterProcesses processes, LocalClusterPlan plan) : IClusterNodeControl
{
    /// <inheritdoc />
    public IReadOnlyDictionary<string, int> LiveNodes() =>
        processes.LiveByName().ToDictionary(n => n.Key, n => n.Value.Id, StringComparer.Ordinal);

    /// <inheritdoc />
    public Task KillAsync(string node) => processes.KillAsync(node);

    /// <inheritdoc />
    public void Restart(string node)
    {
        try
        {
            processes.Restart(node);
        }
        catch (ClusterLaunchException exception)
        {
            throw new NodeRestartException(exception.Message, exception);
        }
    }

    /// <inheritdoc />
    public Task SendFaultCommandAsync(string node, string command) =>
        processes.Live(node) is { } process ? process.SendLineAsync(command) : Task.CompletedTask;

    /// <inheritdoc />
    /// <remarks>The failure injector and the throttler match peers by host and port only, so the plain scheme names any node.</remarks>
    public string AddressOf(string node) =>
        plan.SeedNodeAt(node == SimulatedFault.Aggregator ? plan.BasePort : plan.BasePort + FaultNames.HospitalNumber(node)!.Value);
}
