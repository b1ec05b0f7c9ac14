using FederatedHe.Actors.Spec;
using static FederatedHe.Actors.Protocol.FederationEvents;

namespace FederatedHe.Host.Hosting;

/// <summary>
/// Writes an aggregator node's run report (<c>fedhe node --report</c>) from the coordinator events it saw, each with its time
/// since the node started: the same files `experiment run` and `cluster up` write. The composition root
/// (<see cref="Program"/>) hands it to the node command, so the node path names no report type of its own.
/// </summary>
/// <param name="directory">Where the report goes.</param>
/// <param name="spec">The federation.</param>
/// <param name="events">The coordinator's events, in order, each with the time since the node started.</param>
/// <param name="elapsed">The node's whole run, up to its stop.</param>
/// <param name="succeeded">Whether the node ended with the federation's success.</param>
public delegate void NodeRunReportWriter(string directory, FederationSpec spec, IReadOnlyList<(IFederationEvent Event, TimeSpan At)> events,
    TimeSpan elapsed, bool succeeded);
