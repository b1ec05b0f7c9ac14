using static FederatedHe.Actors.Protocol.FederationEvents;

namespace FederatedHe.Actors.Diagnostics;

/// <summary>
/// Where a federation's wall time went, in parts that add up to it: start-up and registration, key generation,
/// standardisation (round 0), rounds, retries, deadlines waited out, and stopping the nodes.
/// </summary>
/// <param name="Registration">From the start until every expected hospital had registered (nodes starting and joining included).</param>
/// <param name="KeyGeneration">Key generation (threshold mode; near zero with a shared key).</param>
/// <param name="Standardisation">Round 0, the feature statistics, less any deadline waited out in it.</param>
/// <param name="Rounds">Training rounds from their start to the next round's, less retries and deadlines (aggregation, decryption, evaluation and checkpoints included).</param>
/// <param name="Retries">Collection attempts after the first that ended without waiting out their deadline.</param>
/// <param name="Timeouts">Collection attempts that ran to their deadline, and evaluations that did, waiting for replies that never came.</param>
/// <param name="Shutdown">
/// From the federation's end until its nodes had stopped or, if they end with the process (<see cref="NodesEndWithProcess"/>),
/// until every hospital had finished (written its final model).
/// </param>
public sealed record FederationTimeBreakdown(
    TimeSpan Registration,
    TimeSpan KeyGeneration,
    TimeSpan Standardisation,
    TimeSpan Rounds,
    TimeSpan Retries,
    TimeSpan Timeouts,
    TimeSpan Shutdown)
{
    /// <summary>The nodes were left to end with the process once the hospitals had finished, rather than stopped (a `fedhe` in-process run).</summary>
    public bool NodesEndWithProcess { get; init; }

    /// <summary>The sum of the parts: the federation time.</summary>
    public TimeSpan Total => Registration + KeyGeneration + Standardisation + Rounds + Retries + Timeouts + Shutdown;

    /// <summary>The parts with the names reports give them, in order.</summary>
    public IReadOnlyList<(string Name, TimeSpan Time)> Parts =>
    [
        ("start-up and registration", Registration),
        ("key generation", KeyGeneration),
        ("standardisation (round 0)", Standardisation),
        ("rounds", Rounds),
        ("retries", Retries),
        ("timeouts (deadlines waited out)", Timeouts),
        (NodesEndWithProcess ? "finishing (final models; the nodes end with the process)" : "stopping the nodes", Shutdown),
    ];
}

/// <summary>
/// Notes when the coordinator's events happened and splits the federation's wall time by them (see
/// <see cref="FederationTimeBreakdown"/>). The parts partition the time between the start and the end given, so they add up
/// to it whatever events are missing (a federation that failed at registration is all registration and shutdown).
/// </summary>
/// <remarks>Not thread-safe: one observer records events in order.</remarks>
public sealed class FederationTimeline
{
    private TimeSpan? _keyGeneration, _completed;
    private readonly SortedDictionary<int, TimeSpan> _roundStarts = [];
    private readonly Dictionary<int, TimeSpan> _aggregatesDistributed = [];
    private readonly Dictionary<int, int> _attempts = [];
    private readonly List<(int Round, int Attempt, bool Evaluation, TimeSpan At)> _deadlines = [];

    /// <summary>Notes an event of the coordinator, <paramref name="at"/> after the federation's start.</summary>
    public void Record(IFederationEvent federationEvent, TimeSpan at)
    {
        switch (federationEvent)
        {
            case KeyGenerationStarted:
                _keyGeneration ??= at;
                break;
            // A resumed coordinator announces the interrupted round again: the round began at its first announcement.
            case RoundStarted started:
                _roundStarts.TryAdd(started.RoundId, at);
                break;
            case AggregateDistributed distributed:
                _aggregatesDistributed.TryAdd(distributed.RoundId, at);
                break;
            case RoundCompleted roundCompleted:
                _attempts[roundCompleted.RoundId] = roundCompleted.Attempts;
                break;
            case DeadlinePassed deadline:
                _deadlines.Add((deadline.RoundId, deadline.Attempt, deadline.Evaluation, at));
                break;
            case FederationCompleted:
                _completed ??= at;
                break;
        }
    }

    /// <summary>The breakdown of the time from the start to <paramref name="end"/> (when the nodes had stopped).</summary>
    public FederationTimeBreakdown Breakdown(TimeSpan end)
    {
        var completed = Clamp(_completed ?? end, TimeSpan.Zero, end);
        var firstRound = _roundStarts.TryGetValue(0, out var r0) ? r0 : _roundStarts.Values.Cast<TimeSpan?>().FirstOrDefault();
        var roundZero = Clamp(firstRound ?? completed, TimeSpan.Zero, completed);
        var keyGeneration = Clamp(_keyGeneration ?? roundZero, TimeSpan.Zero, roundZero);

        TimeSpan standardisation = TimeSpan.Zero, rounds = TimeSpan.Zero, retries = TimeSpan.Zero, timeouts = TimeSpan.Zero;
        var starts = _roundStarts.Where(s => s.Value >= roundZero).ToList();
        for (var i = 0; i < starts.Count; i++)
        {
            var (round, start) = (starts[i].Key, Clamp(starts[i].Value, roundZero, completed));
            var until = i + 1 < starts.Count ? Clamp(starts[i + 1].Value, start, completed) : completed;
            var (waited, retried) = CarveRound(round, start, until);
            var rest = until - start - waited - retried;
            timeouts += waited;
            retries += retried;
            if (round == 0)
                standardisation += rest;
            else
                rounds += rest;
        }

        return new FederationTimeBreakdown(keyGeneration, roundZero - keyGeneration, standardisation, rounds, retries, timeouts, end - completed);
    }

    /// <summary>Within one round's span: the time its attempts spent running to their deadlines, and the time later attempts took otherwise.</summary>
    private (TimeSpan Waited, TimeSpan Retried) CarveRound(int round, TimeSpan start, TimeSpan until)
    {
        TimeSpan waited = TimeSpan.Zero, retried = TimeSpan.Zero;
        var collectEnd = _aggregatesDistributed.TryGetValue(round, out var distributed) ? Clamp(distributed, start, until) : until;
        var collectDeadlines = _deadlines.Where(d => d.Round == round && !d.Evaluation).GroupBy(d => d.Attempt)
            .ToDictionary(g => g.Key, g => g.Min(d => d.At));
        // Without the round's completion, the attempts known are those whose deadlines passed (and the first).
        var attempts = _attempts.TryGetValue(round, out var known) ? known : Math.Max(1, collectDeadlines.Keys.DefaultIfEmpty(1).Max());
        var attemptStart = start;
        for (var attempt = 1; attempt <= attempts; attempt++)
        {
            if (collectDeadlines.TryGetValue(attempt, out var deadline))
            {
                var at = Clamp(deadline, attemptStart, until);
                waited += at - attemptStart;
                attemptStart = at;
            }
            else
            {
                // The attempt that ended the collection: a retry unless it was the first.
                if (attempt > 1 && collectEnd > attemptStart)
                    retried += collectEnd - attemptStart;
                break;
            }
        }

        foreach (var deadline in _deadlines.Where(d => d.Round == round && d.Evaluation))
            waited += Clamp(deadline.At, collectEnd, until) - collectEnd;

        // Never more than the round's span, so the parts still add up.
        var excess = waited + retried - (until - start);
        if (excess > TimeSpan.Zero)
            waited -= excess;
        return (waited, retried);
    }

    private static TimeSpan Clamp(TimeSpan value, TimeSpan low, TimeSpan high) => value < low ? low : value > high ? high : value;
}
