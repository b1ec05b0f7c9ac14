namespace FederatedHe.Actors.Protocol;

/// <summary>
/// What the round coordinator publishes on its node's event stream for observers (the CLI's live
/// progress, reports, tests). Local only: these never cross the wire.
/// </summary>
public static class FederationEvents
{
    /// <summary>Marker for coordinator events.</summary>
    public interface IFederationEvent
    {
        /// <summary>The round the event is about.</summary>
        int RoundId { get; }
    }

    /// <summary>Every expected hospital registered: key generation begins (instant in shared-key mode), then round 0.</summary>
    /// <param name="RoundId">0, or the checkpointed round a resumed federation continues after.</param>
    /// <param name="Hospitals">Hospitals registered.</param>
    public sealed record KeyGenerationStarted(int RoundId, int Hospitals) : IFederationEvent;

    /// <summary>A round's collection (or evaluation) deadline passed with replies missing.</summary>
    /// <param name="RoundId">The round.</param>
    /// <param name="Attempt">The collection attempt whose deadline it was.</param>
    /// <param name="Evaluation">True for the evaluations' deadline, false for the updates'.</param>
    public sealed record DeadlinePassed(int RoundId, int Attempt, bool Evaluation) : IFederationEvent;

    /// <summary>A round began collecting updates (or, in round 0, feature statistics).</summary>
    public sealed record RoundStarted(int RoundId, int Attempt, IReadOnlyList<string> Participants) : IFederationEvent;

    /// <summary>A round's encrypted aggregate was handed out to the hospitals for decryption.</summary>
    public sealed record AggregateDistributed(int RoundId, IReadOnlyList<string> Recipients) : IFederationEvent;

    /// <summary>A round's aggregate was handed out and its evaluations collected.</summary>
    /// <param name="RoundId">The round.</param>
    /// <param name="Contributors">Hospitals whose updates were aggregated.</param>
    /// <param name="Dropouts">Hospitals expected in the round that did not contribute.</param>
    /// <param name="Attempts">Collection attempts the round needed (1 = no retry).</param>
    /// <param name="IgnoredMessages">Stale, duplicate, late or refused messages ignored during the round.</param>
    /// <param name="CiphertextBytesReceived">Ciphertext bytes of the updates aggregated.</param>
    /// <param name="CiphertextBytesSent">Ciphertext bytes of the aggregate handed out, over all recipients.</param>
    /// <param name="VectorLength">Plaintext values in each update (model parameters + 1 sample count).</param>
    /// <param name="AggregationMs">Time the aggregator spent summing ciphertexts.</param>
    /// <param name="RoundMs">Wall time of the whole round.</param>
    /// <param name="Evaluation">Sample-weighted mean of the hospitals' reports, if any arrived.</param>
    /// <param name="Timings">Mean per-hospital training, encryption and decryption time.</param>
    public sealed record RoundCompleted(
        int RoundId,
        IReadOnlyList<string> Contributors,
        IReadOnlyList<string> Dropouts,
        int Attempts,
        int IgnoredMessages,
        long CiphertextBytesReceived,
        long CiphertextBytesSent,
        int VectorLength,
        double AggregationMs,
        double RoundMs,
        FederatedEvaluation? Evaluation,
        FederationProtocol.HospitalTimings Timings) : IFederationEvent
    {
        /// <summary>Each hospital's own evaluation of the round's model, in hospital order; empty when none arrived.</summary>
        public IReadOnlyList<SiteEvaluation> Sites { get; init; } = [];

        /// <summary>The differential privacy spent once this round is released (ε, δ, budget), or null without DP.</summary>
        public FederatedHe.Federation.Rounds.PrivacySpent? Privacy { get; init; }

        /// <summary>Ciphertext bytes per plaintext value of one hospital's update.</summary>
        public double CiphertextBytesPerValue =>
            Contributors.Count == 0 ? 0 : (double)CiphertextBytesReceived / Contributors.Count / VectorLength;
    }

    /// <summary>The hospitals' reports on a round's global model, weighted by their sample counts.</summary>
    public sealed record FederatedEvaluation(int Reports, int SampleCount, double Accuracy, double LogLoss, double RocAuc);

    /// <summary>One hospital's evaluation of a round's model on its own held-out (or the common test) data.</summary>
    public sealed record SiteEvaluation(string HospitalId, int SampleCount, double Accuracy, double LogLoss, double RocAuc);

    /// <summary>A round could not reach quorum within its attempts; the federation stops.</summary>
    public sealed record RoundFailed(int RoundId, int Attempts, int Received, int Quorum, string Reason) : IFederationEvent;

    /// <summary>The federation ended, successfully or not.</summary>
    public sealed record FederationCompleted(int RoundId, bool Succeeded, string Status) : IFederationEvent;

    /// <summary>A decision the coordinator took, for the log and for observers.</summary>
    /// <param name="RoundId">The round it concerns.</param>
    /// <param name="Decision">What was decided, for people.</param>
    /// <param name="Attempt">The round's collection attempt when it was taken (1 = first).</param>
    public sealed record CoordinatorDecision(int RoundId, string Decision, int Attempt = 1) : IFederationEvent;

    /// <summary>The coordinator ignored a message (counted in <see cref="RoundCompleted.IgnoredMessages"/>); only its category, never its content.</summary>
    public sealed record MessageIgnored(int RoundId, FederatedHe.Federation.Rounds.IgnoredReason Reason) : IFederationEvent;

    /// <summary>The round's checkpoint is durable in the coordinator's journal.</summary>
    public sealed record CheckpointWritten(int RoundId) : IFederationEvent;
}
