using FederatedHe.Actors.Protocol;

namespace FederatedHe.Host.Monitor;

/// <summary>What the monitor node learns, stamped with the time it learnt it: the input of <see cref="MonitorProjection"/>.</summary>
/// <param name="At">When the monitor received it (UTC).</param>
public abstract record MonitorEvent(DateTime At);

/// <summary>A notice of the round coordinator, from the cluster-wide topic.</summary>
public sealed record NoticeObserved(DateTime At, ObserverNotices.IObserverNotice Notice) : MonitorEvent(At);

/// <summary>A cluster member's status or reachability changed, as the monitor's own cluster membership sees it.</summary>
/// <param name="At">When.</param>
/// <param name="Address">The member's Akka address.</param>
/// <param name="Roles">Its roles (aggregator, hospital, monitor).</param>
/// <param name="Status">Joining, Up, Leaving, Exiting, Down or Removed.</param>
/// <param name="Reachable">Whether the failure detector reaches it.</param>
public sealed record MemberObserved(DateTime At, string Address, string[] Roles, string Status, bool Reachable) : MonitorEvent(At);
