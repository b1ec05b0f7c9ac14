using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using FederatedHe.Actors.Protocol;
using Core = FederatedHe.Federation.Rounds;

namespace FederatedHe.Actors.Coordination;

/// <summary>
/// The coordinator's notices for observers anywhere in the cluster (<see cref="ObserverNotices"/>), published on
/// distributed publish-subscribe: one small message per milestone, whether or not anyone listens, so a round costs the
/// same with a monitor node as without one. Figures only: no model value or ciphertext is ever put on the topic.
/// </summary>
internal sealed partial class RoundCoordinator
{
    private IActorRef? _observers;

    private void StartObserving() => _observers = DistributedPubSub.Get(Context.System).Mediator;

    private void Observe(ObserverNotices.IObserverNotice notice) =>
        _observers?.Tell(new Publish(ObserverNotices.Topic, notice));

    /// <summary>The observers' form of a round machine notice, or null for one they are told otherwise (decisions: see <see cref="Decide"/>).</summary>
    private ObserverNotices.IObserverNotice? ObserverNotice(Core.FederationNotice notice) => notice switch
    {
        Core.RoundStarted started => new ObserverNotices.RoundStarted(started.Round, started.Attempt, [.. started.Participants]),
        Core.KeyGenerationStarted keyGeneration => new ObserverNotices.KeyGenerationStarted(keyGeneration.Round, keyGeneration.Hospitals),
        Core.DeadlinePassed deadline => new ObserverNotices.DeadlinePassed(deadline.Round, deadline.Attempt, deadline.Kind == Core.TimerKind.Evaluate),
        Core.AggregateDistributed distributed => new ObserverNotices.AggregateDistributed(distributed.Round, [.. distributed.Recipients]),
        Core.RoundCompleted completed => new ObserverNotices.RoundCompleted(completed.Round, [.. completed.Contributors], [.. completed.Dropouts],
            completed.Attempts, completed.IgnoredMessages, completed.Aggregate.CiphertextBytesReceived, _bytesSent, completed.Aggregate.VectorLength,
            completed.Aggregate.AggregationMs, _roundClock.Elapsed.TotalMilliseconds,
            completed.Evaluation is { } e ? new ObserverNotices.PooledFigures(e.Reports, e.SampleCount, e.Accuracy, e.LogLoss, e.RocAuc) : null,
            completed.MeanTimings.TrainingMs, completed.MeanTimings.EncryptionMs, completed.MeanTimings.DecryptionMs,
            [.. completed.SiteEvaluations.Select(s => new ObserverNotices.SiteFigures(s.HospitalId, s.SampleCount, s.Accuracy, s.LogLoss, s.RocAuc))],
            completed.Privacy is { } p ? new ObserverNotices.PrivacyFigures(p.Epsilon, p.Delta, p.TargetEpsilon) : null),
        Core.RoundFailed failed => new ObserverNotices.RoundFailed(failed.Round, failed.Attempts, failed.Received, failed.Required, failed.Reason),
        Core.FederationCompleted finished => new ObserverNotices.FederationCompleted(finished.Round, finished.Succeeded, finished.Status),
        _ => null,
    };

    /// <summary>Whether the machine will take this hospital's update now: a new one, of the round being collected.</summary>
    private bool TakesUpdate(string hospitalId, int round) =>
        _state.Phase == Core.RoundPhase.Collecting && round == _state.Round && !_state.Received.ContainsKey(hospitalId);

    /// <summary>Whether the machine will take this hospital's evaluation now: a new one, of the round being evaluated.</summary>
    private bool TakesEvaluation(string hospitalId, int round) =>
        _state.Phase == Core.RoundPhase.Evaluating && round == _state.Round && !_state.Evaluations.ContainsKey(hospitalId);
}
