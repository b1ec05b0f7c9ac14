using static FederatedHe.Actors.Protocol.FederationEvents;
using Notices = FederatedHe.Actors.Protocol.ObserverNotices;

namespace FederatedHe.Host.Monitor;

/// <summary>
/// The coordinator's events as an observer elsewhere in the cluster learns them (<see cref="Notices"/>): what a run report
/// is built from (<see cref="Reports.RunRecorder"/>), whether the events were seen in the aggregator's process or through
/// the monitor member's feed.
/// </summary>
public static class ObservedEvents
{
    /// <summary>The coordinator event a notice stands for, or null for a notice that is not one (a phase, an update received, …).</summary>
    public static IFederationEvent? ToFederationEvent(Notices.IObserverNotice notice) => notice switch
    {
        Notices.KeyGenerationStarted k => new KeyGenerationStarted(k.RoundId, k.Hospitals),
        Notices.DeadlinePassed d => new DeadlinePassed(d.RoundId, d.Attempt, d.Evaluation),
        Notices.RoundStarted s => new RoundStarted(s.RoundId, s.Attempt, s.Participants),
        Notices.AggregateDistributed d => new AggregateDistributed(d.RoundId, d.Recipients),
        Notices.RoundCompleted c => new RoundCompleted(c.RoundId, c.Contributors, c.Dropouts, c.Attempts, c.IgnoredMessages,
            c.CiphertextBytesReceived, c.CiphertextBytesSent, c.VectorLength, c.AggregationMs, c.RoundMs,
            c.Evaluation is { } e ? new FederatedEvaluation(e.Reports, e.SampleCount, e.Accuracy, e.LogLoss, e.RocAuc) : null,
            new Actors.Protocol.FederationProtocol.HospitalTimings(c.MeanTrainingMs, c.MeanEncryptionMs, c.MeanDecryptionMs))
        {
            Sites = [.. (c.Sites ?? []).Select(s => new SiteEvaluation(s.HospitalId, s.SampleCount, s.Accuracy, s.LogLoss, s.RocAuc))],
            Privacy = c.Privacy is { } p ? new FederatedHe.Federation.Rounds.PrivacySpent(p.Epsilon, p.Delta, p.TargetEpsilon) : null,
        },
        Notices.RoundFailed f => new RoundFailed(f.RoundId, f.Attempts, f.Received, f.Quorum, f.Reason),
        Notices.FederationCompleted f => new FederationCompleted(f.RoundId, f.Succeeded, f.Status),
        Notices.Decision d => new CoordinatorDecision(d.RoundId, d.Text),
        _ => null,
    };
}
