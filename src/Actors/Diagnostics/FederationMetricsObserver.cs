using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster;
using FederatedHe.Actors.Hospitals;
using IgnoredReason = FederatedHe.Federation.Rounds.IgnoredReason;
using static FederatedHe.Actors.Protocol.FederationEvents;

namespace FederatedHe.Actors.Diagnostics;

/// <summary>
/// Records a node's <see cref="FederationMetrics"/> from what its actors already publish: the coordinator's notices
/// (<see cref="Protocol.FederationEvents"/>), a hospital's <see cref="HospitalEvents"/> and the cluster's membership events. An
/// observer only: it never sends to a federation actor, and the round machine and hospital know nothing of it. Model
/// values in <see cref="HospitalEvents.LocalUpdateTrained"/> and <see cref="HospitalEvents.AggregateDecrypted"/> are never
/// subscribed to.
/// </summary>
internal sealed class FederationMetricsObserver : ReceiveActor
{
    private readonly TagList _node;
    private readonly HashSet<Address> _up = [];
    private readonly HashSet<Address> _unreachable = [];
    private string? _phase;

    public FederationMetricsObserver(string nodeId, string role)
    {
        _node = new TagList { { FederationMetrics.NodeTag, nodeId }, { FederationMetrics.RoleTag, role } };

        Receive<RoundStarted>(started =>
        {
            FederationMetrics.Round.Record(started.RoundId, _node);
            FederationMetrics.RoundAttempt.Record(started.Attempt, _node);
            if (started.Attempt > 1)
                FederationMetrics.Retries.Add(1, _node);
            Phase("collecting");
        });
        Receive<AggregateDistributed>(_ => Phase("evaluating"));
        Receive<RoundCompleted>(Record);
        Receive<RoundFailed>(_ =>
        {
            FederationMetrics.RoundsFailed.Add(1, _node);
            Phase("failed");
        });
        Receive<FederationCompleted>(_ => Phase("finished"));
        Receive<MessageIgnored>(ignored => FederationMetrics.MessagesIgnored.Add(1, With("reason", ReasonLabel(ignored.Reason))));
        Receive<CheckpointWritten>(_ => FederationMetrics.CheckpointWrites.Add(1, _node));

        Receive<HospitalEvents.UpdateSent>(sent =>
        {
            FederationMetrics.TransferBytes.Add(sent.CiphertextBytes, With("direction", "sent"));
            FederationMetrics.HeDuration.Record(sent.EncryptionMs / 1000, With("operation", "encrypt"));
            if (sent.VectorLength > 0)
                FederationMetrics.CiphertextBytesPerParameter.Record((double)sent.CiphertextBytes / sent.VectorLength, _node);
        });
        Receive<HospitalEvents.EvaluationSent>(evaluation =>
        {
            FederationMetrics.HeDuration.Record(evaluation.Timings.DecryptionMs / 1000, With("operation", "decrypt"));
            FederationMetrics.TrainingDuration.Record(evaluation.Timings.TrainingMs / 1000, _node);
            Evaluation("hospital", evaluation.Accuracy, evaluation.LogLoss, evaluation.RocAuc);
        });

        Receive<ClusterEvent.CurrentClusterState>(state =>
        {
            _up.Clear();
            _up.UnionWith(state.Members.Where(m => m.Status == MemberStatus.Up).Select(m => m.Address));
            _unreachable.Clear();
            _unreachable.UnionWith(state.Unreachable.Select(m => m.Address));
            RecordMembership();
        });
        Receive<ClusterEvent.MemberUp>(up => Membership(() => _up.Add(up.Member.Address)));
        Receive<ClusterEvent.MemberRemoved>(removed => Membership(() => _up.Remove(removed.Member.Address) | _unreachable.Remove(removed.Member.Address)));
        // Joining, leaving, exiting, downed: not (or no longer) up.
        Receive<ClusterEvent.MemberStatusChange>(change => Membership(() => _up.Remove(change.Member.Address)));
        Receive<ClusterEvent.UnreachableMember>(unreachable => Membership(() => _unreachable.Add(unreachable.Member.Address)));
        Receive<ClusterEvent.ReachableMember>(reachable => Membership(() => _unreachable.Remove(reachable.Member.Address)));
        ReceiveAny(_ => { });
    }

    /// <summary>The observer's props for a node.</summary>
    public static Props Props(string nodeId, string role) => Akka.Actor.Props.Create(() => new FederationMetricsObserver(nodeId, role));

    private void Record(RoundCompleted completed)
    {
        FederationMetrics.RoundsCompleted.Add(1, _node);
        FederationMetrics.RoundDuration.Record(completed.RoundMs / 1000, _node);
        FederationMetrics.UpdatesReceived.Add(completed.Contributors.Count, _node);
        FederationMetrics.Dropouts.Add(completed.Dropouts.Count, _node);
        FederationMetrics.TransferBytes.Add(completed.CiphertextBytesReceived, With("direction", "received"));
        FederationMetrics.TransferBytes.Add(completed.CiphertextBytesSent, With("direction", "sent"));
        FederationMetrics.HeDuration.Record(completed.AggregationMs / 1000, With("operation", "aggregate"));
        if (completed.Contributors.Count > 0 && completed.VectorLength > 0)
            FederationMetrics.CiphertextBytesPerParameter.Record(completed.CiphertextBytesPerValue, _node);
        if (completed.Evaluation is { } pooled)
            Evaluation("pooled", pooled.Accuracy, pooled.LogLoss, pooled.RocAuc);
        Phase("completed");
    }

    private void Evaluation(string scope, double accuracy, double logLoss, double rocAuc)
    {
        var tags = With("scope", scope);
        FederationMetrics.Accuracy.Record(accuracy, tags);
        FederationMetrics.LogLoss.Record(logLoss, tags);
        // A one-class hold-out has no AUC: leave the last defined value rather than export NaN.
        if (double.IsFinite(rocAuc))
            FederationMetrics.RocAuc.Record(rocAuc, tags);
    }

    private void Phase(string phase)
    {
        if (_phase == phase)
            return;
        if (_phase is not null)
            FederationMetrics.RoundPhase.Record(0, With("phase", _phase));
        FederationMetrics.RoundPhase.Record(1, With("phase", phase));
        _phase = phase;
    }

    private void Membership(Func<bool> change)
    {
        if (change())
            RecordMembership();
    }

    private void RecordMembership()
    {
        FederationMetrics.ClusterMembers.Record(_up.Count, _node);
        FederationMetrics.ClusterUnreachable.Record(_unreachable.Count, _node);
    }

    private TagList With(string key, string value)
    {
        var tags = _node;
        tags.Add(key, value);
        return tags;
    }

    private static string ReasonLabel(IgnoredReason reason) => reason switch
    {
        IgnoredReason.Late => "late",
        IgnoredReason.Duplicate => "duplicate",
        IgnoredReason.NotSelected => "not-selected",
        IgnoredReason.Refused => "refused",
        IgnoredReason.OverLimit => "over-limit",
        _ => "unexpected",
    };

    protected override void PreStart()
    {
        var events = Context.System.EventStream;
        foreach (var type in new[]
                 {
                     typeof(RoundStarted), typeof(AggregateDistributed), typeof(RoundCompleted), typeof(RoundFailed), typeof(FederationCompleted),
                     typeof(MessageIgnored), typeof(CheckpointWritten), typeof(HospitalEvents.UpdateSent), typeof(HospitalEvents.EvaluationSent),
                 })
            events.Subscribe(Self, type);
        Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));
    }

    protected override void PostStop()
    {
        Context.System.EventStream.Unsubscribe(Self);
        Cluster.Get(Context.System).Unsubscribe(Self);
    }
}
