using System.Text.Json;
using System.Text.Json.Serialization;
using static FederatedHe.Actors.Protocol.FederationEvents;

namespace FederatedHe.Host.Hosting;

/// <summary>
/// The aggregator node's round milestones as machine-readable lines on its standard output: <see cref="Prefix"/>, then one
/// JSON object. <c>fedhe cluster up</c> follows rounds by them (counts completed rounds, strikes a fault schedule's faults
/// at their moment), so the human lines printed beside them are free to change.
/// </summary>
public static class NodeProgressLine
{
    /// <summary>What every milestone line starts with.</summary>
    public const string Prefix = "fedhe-progress: ";

    /// <summary>The coordinator started (or retried) a round.</summary>
    public const string RoundStartedEvent = "round-started";

    /// <summary>The coordinator handed a round's aggregate to the hospitals.</summary>
    public const string AggregateDistributedEvent = "aggregate-distributed";

    /// <summary>A round completed.</summary>
    public const string RoundCompletedEvent = "round-completed";

    /// <summary>Every hospital registered; key generation began.</summary>
    public const string KeyGenerationStartedEvent = "key-generation-started";

    /// <summary>A round's collection or evaluation deadline passed with replies missing.</summary>
    public const string DeadlinePassedEvent = "deadline-passed";

    /// <summary>The federation ended.</summary>
    public const string FederationCompletedEvent = "federation-completed";

    // A hospital whose held-out data has one class reports an undefined (NaN) AUC: it travels as "NaN".
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>The milestone line for a coordinator event, or null if the event is not a milestone.</summary>
    public static string? Format(IFederationEvent federationEvent)
    {
        Milestone? milestone = federationEvent switch
        {
            RoundStarted started => new(RoundStartedEvent, started.RoundId, Attempt: started.Attempt),
            AggregateDistributed distributed => new(AggregateDistributedEvent, distributed.RoundId),
            // The round's figures and the hospitals' evaluations (never a model value), for the run report `cluster up` writes.
            RoundCompleted completed => new(RoundCompletedEvent, completed.RoundId, completed.Contributors.Count, completed.Dropouts.Count)
            {
                Completed = completed,
                Epsilon = completed.Privacy?.Epsilon,
            },
            KeyGenerationStarted started => new(KeyGenerationStartedEvent, started.RoundId, Hospitals: started.Hospitals),
            DeadlinePassed deadline => new(DeadlinePassedEvent, deadline.RoundId, Attempt: deadline.Attempt) { Evaluation = deadline.Evaluation },
            FederationCompleted done => new(FederationCompletedEvent, done.RoundId) { Succeeded = done.Succeeded, Status = done.Status },
            _ => null,
        };
        return milestone is null ? null : Prefix + JsonSerializer.Serialize(milestone, Json);
    }

    /// <summary>Reads a milestone line; false for any other line (a malformed milestone included).</summary>
    public static bool TryParse(string line, out Milestone milestone)
    {
        milestone = null!;
        // A node logging JSON (--log-format json) carries the milestone line in its entry's "milestone" field.
        if (line.StartsWith('{') && MilestoneField(line) is { } embedded)
            line = embedded;
        if (!line.StartsWith(Prefix, StringComparison.Ordinal))
            return false;
        try
        {
            milestone = JsonSerializer.Deserialize<Milestone>(line.AsSpan(Prefix.Length), Json)!;
            return milestone is { Event: not null };
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>The coordinator event a milestone line stands for (a started round's participants are not carried), or null.</summary>
    public static IFederationEvent? ToEvent(Milestone milestone) => milestone.Event switch
    {
        RoundStartedEvent => new RoundStarted(milestone.Round, milestone.Attempt ?? 1, []),
        AggregateDistributedEvent => new AggregateDistributed(milestone.Round, []),
        RoundCompletedEvent => milestone.Completed,
        KeyGenerationStartedEvent => new KeyGenerationStarted(milestone.Round, milestone.Hospitals ?? 0),
        DeadlinePassedEvent => new DeadlinePassed(milestone.Round, milestone.Attempt ?? 1, milestone.Evaluation ?? false),
        FederationCompletedEvent => new FederationCompleted(milestone.Round, milestone.Succeeded ?? false, milestone.Status ?? string.Empty),
        _ => null,
    };

    /// <summary>What a line of a node's output says: the message of a JSON log entry (--log-format json), or the line itself.</summary>
    public static string Text(string line) => line.StartsWith('{') ? StringField(line, "message") ?? line : line;

    private static string? MilestoneField(string line) => StringField(line, "milestone");

    private static string? StringField(string line, string name)
    {
        try
        {
            using var entry = JsonDocument.Parse(line);
            return entry.RootElement.ValueKind == JsonValueKind.Object
                   && entry.RootElement.TryGetProperty(name, out var field) && field.ValueKind == JsonValueKind.String
                ? field.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>One milestone.</summary>
    /// <param name="Event">One of the <c>…Event</c> names.</param>
    /// <param name="Round">The round.</param>
    /// <param name="Contributors">Completed rounds: the updates aggregated.</param>
    /// <param name="Dropouts">Completed rounds: the hospitals that did not contribute.</param>
    /// <param name="Attempt">Started rounds and deadlines: the collection attempt (1 = first).</param>
    /// <param name="Hospitals">Key generation: the hospitals registered.</param>
    public sealed record Milestone(string Event, int Round, int? Contributors = null, int? Dropouts = null, int? Attempt = null, int? Hospitals = null)
    {
        /// <summary>Completed rounds: the coordinator's whole event (figures, evaluations, timings).</summary>
        public RoundCompleted? Completed { get; init; }

        /// <summary>Deadlines: whether it was the evaluations' deadline.</summary>
        public bool? Evaluation { get; init; }

        /// <summary>The federation's end: whether it succeeded.</summary>
        public bool? Succeeded { get; init; }

        /// <summary>Completed rounds with differential privacy: the ε spent once the round was released.</summary>
        public double? Epsilon { get; init; }

        /// <summary>The federation's end: its status line.</summary>
        public string? Status { get; init; }
    }
}
