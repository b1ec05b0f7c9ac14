using FederatedHe.Actors.Diagnostics;
using FederatedHe.Actors.Harness;
using FederatedHe.Actors.Spec;
using static FederatedHe.Actors.Protocol.FederationEvents;

namespace FederatedHe.Host.Reports;

/// <summary>
/// Builds a run's report figures from the coordinator's events as a run without a view of the model sees them
/// (`cluster up`, through its monitor member's feed; a hand-started aggregator, from its own events): each round's figures and the hospitals' own evaluations,
/// never a model value; the test-set columns stay empty. Times are taken as the events are recorded.
/// </summary>
/// <remarks>Thread-safe: lines arrive on the node processes' reader threads.</remarks>
internal sealed class RunRecorder(FederationSpec spec)
{
    private readonly object _gate = new();
    private readonly FederationTimeline _timeline = new();
    private readonly SortedDictionary<int, SimulationRound> _rounds = [];
    private FederatedEvaluation? _finalEvaluation;
    private FederationCompleted? _completion;

    /// <summary>Notes an event <paramref name="at"/> after the run's start.</summary>
    public void Record(IFederationEvent federationEvent, TimeSpan at)
    {
        lock (_gate)
        {
            _timeline.Record(federationEvent, at);
            switch (federationEvent)
            {
                // A resumed coordinator may conclude a round again: the last word on it stands.
                case RoundCompleted { RoundId: > 0 } completed:
                    _rounds[completed.RoundId] = SimulationRound.FromCoordinator(completed, spec);
                    if (completed.Evaluation is { } evaluation && completed.RoundId >= _rounds.Keys.Max())
                        _finalEvaluation = evaluation;
                    break;
                case FederationCompleted done:
                    _completion ??= done;
                    break;
            }
        }
    }

    /// <summary>The run as a report sees it, ended <paramref name="end"/> after its start.</summary>
    /// <param name="end">When the last node had stopped.</param>
    /// <param name="succeeded">Whether the run as a whole succeeded (the federation and every node).</param>
    /// <param name="status">How it ended, when the coordinator never said (it died, or the run timed out).</param>
    public SimulationResult Result(TimeSpan end, bool succeeded, string status)
    {
        lock (_gate)
        {
            var ok = succeeded && _completion?.Succeeded == true;
            // The coordinator's own words first; the run's where it never spoke, or where it succeeded but a node did not.
            var said = _completion is null ? status : ok || !_completion.Succeeded ? _completion.Status : $"{_completion.Status}, but {status}";
            return new SimulationResult(ok, said, [.. _rounds.Values], null, null, end)
            {
                TimeBreakdown = _timeline.Breakdown(end),
                FinalFederatedEvaluation = _finalEvaluation,
            };
        }
    }
}

/// <summary>`fedhe node --report`: the aggregator's report, from the events it saw (see <see cref="Hosting.NodeRunReportWriter"/>).</summary>
internal static class NodeRunReport
{
    /// <inheritdoc cref="Hosting.NodeRunReportWriter"/>
    public static void Write(string directory, FederationSpec spec, IReadOnlyList<(IFederationEvent Event, TimeSpan At)> events, TimeSpan elapsed, bool succeeded)
    {
        var recorder = new RunRecorder(spec);
        foreach (var (federationEvent, at) in events)
            recorder.Record(federationEvent, at);
        var name = spec.Experiment.Name.Length > 0 ? spec.Experiment.Name : "node";
        RunReport.Write(directory, name, new SimulationOptions { Spec = spec }, recorder.Result(elapsed, succeeded, succeeded ? "the node stopped" : "the node stopped before the federation ended"));
    }
}
