using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using FederatedHe.Actors.Configuration;
using FederatedHe.Actors.Diagnostics;
using FederatedHe.Actors.Hospitals;
using IgnoredReason = FederatedHe.Federation.Rounds.IgnoredReason;
using static FederatedHe.Actors.Protocol.FederationEvents;
using static FederatedHe.Actors.Protocol.FederationProtocol;

namespace FederatedHe.Actors.Tests;

/// <summary>
/// The metrics observer turns what a node's actors publish into the FederatedHe meter's measurements, tagged with the node,
/// and never records from the events that carry model values.
/// </summary>
public sealed class FederationMetricsObserverTests : TestKit
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<Measurement> _measurements = new();

    public FederationMetricsObserverTests() : base(ConfigurationFactory.ParseString("""
        akka.actor.provider = cluster
        akka.remote.dot-netty.tcp.hostname = "127.0.0.1"
        akka.remote.dot-netty.tcp.port = 0
        akka.loglevel = WARNING
        """).WithFallback(FederationConfig.Default))
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == FederationMetrics.MeterName)
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        _listener.Start();
    }

    [Fact]
    public void A_completed_round_records_duration_updates_dropouts_bytes_aggregation_time_and_pooled_accuracy_for_the_aggregator()
    {
        Start("aggregator-observed", "aggregator");

        Sys.EventStream.Publish(new RoundStarted(3, 2, ["hospital-1", "hospital-observed"]));
        Sys.EventStream.Publish(new RoundCompleted(3, ["hospital-1", "hospital-observed"], ["hospital-3"], 2, 4, 2_000, 6_000, 10, 250, 1_500,
            new FederatedEvaluation(2, 100, 0.9, 0.25, 0.95), new HospitalTimings(1, 2, 3)));

        var node = Node("aggregator-observed", "aggregator");
        Await(() => Has("fedhe.evaluation.accuracy", 0.9, node.Add("scope", "pooled")));
        Assert.True(Has("fedhe.round", 3, node));
        Assert.True(Has("fedhe.retries", 1, node));
        Assert.True(Has("fedhe.round.duration", 1.5, node));
        Assert.True(Has("fedhe.updates.received", 2, node));
        Assert.True(Has("fedhe.dropouts", 1, node));
        Assert.True(Has("fedhe.transfer", 2_000, node.Add("direction", "received")));
        Assert.True(Has("fedhe.transfer", 6_000, node.Add("direction", "sent")));
        Assert.True(Has("fedhe.he.duration", 0.25, node.Add("operation", "aggregate")));
        Assert.True(Has("fedhe.ciphertext.bytes_per_parameter", 100, node));
        Assert.True(Has("fedhe.round.phase", 1, node.Add("phase", "completed")));
        Assert.True(Has("fedhe.round.phase", 0, node.Add("phase", "collecting")));
    }

    [Fact]
    public void Ignored_messages_are_counted_by_reason_and_checkpoints_by_write()
    {
        Start("aggregator-ignoring", "aggregator");

        Sys.EventStream.Publish(new MessageIgnored(2, IgnoredReason.Late));
        Sys.EventStream.Publish(new CheckpointWritten(2));

        var node = Node("aggregator-ignoring", "aggregator");
        Await(() => Has("fedhe.checkpoint.writes", 1, node));
        Assert.True(Has("fedhe.messages.ignored", 1, node.Add("reason", "late")));
    }

    [Fact]
    public void A_hospital_records_its_encryption_bytes_and_evaluation_but_nothing_from_its_model_values()
    {
        Start("hospital-observed", "hospital");

        Sys.EventStream.Publish(new HospitalEvents.LocalUpdateTrained("hospital-observed", 1, [0.123f, 4.56f], 70, 70));
        Sys.EventStream.Publish(new HospitalEvents.AggregateDecrypted("hospital-observed", 1, [7.89, 140]));
        Sys.EventStream.Publish(new HospitalEvents.UpdateSent("hospital-observed", 1, 31, 65_536, 40));
        Sys.EventStream.Publish(new HospitalEvents.EvaluationSent("hospital-observed", 1, 0.8, 0.4, double.NaN, new HospitalTimings(10, 40, 20)));

        var node = Node("hospital-observed", "hospital");
        Await(() => Has("fedhe.evaluation.accuracy", 0.8, node.Add("scope", "hospital")));
        Assert.True(Has("fedhe.transfer", 65_536, node.Add("direction", "sent")));
        Assert.True(Has("fedhe.he.duration", 0.04, node.Add("operation", "encrypt")));
        Assert.True(Has("fedhe.he.duration", 0.02, node.Add("operation", "decrypt")));
        Assert.True(Has("fedhe.training.duration", 0.01, node));
        // An undefined AUC is not exported, and no measured value is one of the model's.
        var own = _measurements.Where(m => m.Tags.Contains((FederationMetrics.NodeTag, "hospital-observed"))).ToList();
        Assert.DoesNotContain(own, m => m.Instrument == "fedhe.evaluation.roc_auc");
        Assert.DoesNotContain(own, m => Math.Abs(m.Value - 0.123) < 1e-6 || Math.Abs(m.Value - 4.56) < 1e-6 || m.Value is 7.89 or 140 or 70);
    }

    /// <summary>Starts an observer and waits until it has subscribed (its PreStart has run once it answers).</summary>
    private void Start(string nodeId, string role) =>
        Sys.ActorOf(FederationMetricsObserver.Props(nodeId, role)).Ask<ActorIdentity>(new Identify(null), TimeSpan.FromSeconds(10)).Wait();

    private static Tags Node(string nodeId, string role) => new([(FederationMetrics.NodeTag, nodeId), (FederationMetrics.RoleTag, role)]);

    private bool Has(string instrument, double value, Tags tags) =>
        _measurements.Any(m => m.Instrument == instrument && Math.Abs(m.Value - value) < 1e-9 && tags.Pairs.All(m.Tags.Contains) && m.Tags.Count == tags.Pairs.Count);

    private void Await(Func<bool> condition) => AwaitCondition(condition, TimeSpan.FromSeconds(10));

    private void Record<T>(Instrument instrument, T value, ReadOnlySpan<KeyValuePair<string, object?>> tags) where T : struct
    {
        // The meter is shared by every node of the process (other test classes run theirs): tests look only at their own node ids.
        var pairs = new List<(string, string)>();
        foreach (var tag in tags)
            pairs.Add((tag.Key, tag.Value?.ToString() ?? string.Empty));
        _measurements.Enqueue(new Measurement(instrument.Name, Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture), pairs));
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            _listener.Dispose();
        base.Dispose(disposing);
    }

    private sealed record Measurement(string Instrument, double Value, List<(string Key, string Value)> Tags);

    private sealed record Tags(List<(string Key, string Value)> Pairs)
    {
        public Tags Add(string key, string value) => new([.. Pairs, (key, value)]);
    }
}
