namespace FederatedHe.Actors.Protocol;

/// <summary>
/// What the round coordinator tells observers anywhere in the cluster (a monitor node's dashboard, `fedhe cluster up`
/// through it): published on the <see cref="Topic"/> of Akka's distributed publish-subscribe, beside the local
/// <see cref="FederationEvents"/>. Figures only, never a model value, a ciphertext or a record of data: phases, who has
/// sent what, counts, bytes, times, the hospitals' evaluation figures, which they already report to the coordinator, and the
/// differential privacy spent. Enough for a run report (`fedhe cluster up` writes its report from them, through the monitor).
/// </summary>
/// <remarks>Carried by the allow-listed Hyperion serializer, as every control message.</remarks>
public static class ObserverNotices
{
    /// <summary>The distributed publish-subscribe topic the coordinator publishes on.</summary>
    public const string Topic = "fedhe-federation-notices";

    /// <summary>Marker for every notice on <see cref="Topic"/>.</summary>
    public interface IObserverNotice : FederationProtocol.IControlMessage;

    /// <summary>A hospital registered (or rejoined) with the coordinator from <paramref name="Address"/> (its node's Akka address).</summary>
    public sealed record HospitalRegistered(int RoundId, string HospitalId, string Address) : IObserverNotice;

    /// <summary>The coordinator's round machine entered <paramref name="Phase"/> (Registering, Collecting, Aggregating, …).</summary>
    public sealed record PhaseEntered(int RoundId, string Phase) : IObserverNotice;

    /// <summary>Every expected hospital registered (<paramref name="Hospitals"/> of them): key generation begins, then round 0.</summary>
    public sealed record KeyGenerationStarted(int RoundId, int Hospitals) : IObserverNotice;

    /// <summary>A round's collection (or, <paramref name="Evaluation"/>, evaluation) deadline of <paramref name="Attempt"/> passed with replies missing.</summary>
    public sealed record DeadlinePassed(int RoundId, int Attempt, bool Evaluation) : IObserverNotice;

    /// <summary>A round began collecting (or retried, <paramref name="Attempt"/> &gt; 1) from <paramref name="Participants"/>.</summary>
    public sealed record RoundStarted(int RoundId, int Attempt, string[] Participants) : IObserverNotice;

    /// <summary>A hospital's encrypted update (statistics in round 0) arrived whole and passed validation.</summary>
    public sealed record UpdateReceived(int RoundId, string HospitalId, long CiphertextBytes) : IObserverNotice;

    /// <summary>The round's encrypted aggregate was handed out to <paramref name="Recipients"/>.</summary>
    public sealed record AggregateDistributed(int RoundId, string[] Recipients) : IObserverNotice;

    /// <summary>A hospital's evaluation of the round's global model on its own hold-out, and where it spent its time.</summary>
    public sealed record EvaluationReceived(int RoundId, string HospitalId, int SampleCount, double Accuracy, double LogLoss, double RocAuc,
        double TrainingMs, double EncryptionMs, double DecryptionMs) : IObserverNotice;

    /// <summary>A round concluded: its figures (see <see cref="FederationEvents.RoundCompleted"/>).</summary>
    /// <param name="RoundId">The round.</param>
    /// <param name="Contributors">Hospitals whose updates were summed.</param>
    /// <param name="Dropouts">Hospitals asked that did not contribute.</param>
    /// <param name="Attempts">Collection attempts (1 = no retry).</param>
    /// <param name="IgnoredMessages">Stale, duplicate, late or refused messages ignored.</param>
    /// <param name="CiphertextBytesReceived">Ciphertext bytes of the updates summed.</param>
    /// <param name="CiphertextBytesSent">Ciphertext bytes of the aggregate handed out, over all recipients.</param>
    /// <param name="VectorLength">Plaintext values per update.</param>
    /// <param name="AggregationMs">Time spent adding ciphertexts.</param>
    /// <param name="RoundMs">Wall time of the round.</param>
    /// <param name="Evaluation">The sample-weighted pooled evaluation, or null.</param>
    /// <param name="MeanTrainingMs">Mean local training time of the reporting hospitals.</param>
    /// <param name="MeanEncryptionMs">Mean encryption time.</param>
    /// <param name="MeanDecryptionMs">Mean decryption time.</param>
    /// <param name="Sites">Each hospital's own evaluation of the round's model, in hospital order.</param>
    /// <param name="Privacy">The differential privacy spent once the round is released, or null without DP.</param>
    public sealed record RoundCompleted(int RoundId, string[] Contributors, string[] Dropouts, int Attempts, int IgnoredMessages,
        long CiphertextBytesReceived, long CiphertextBytesSent, int VectorLength, double AggregationMs, double RoundMs,
        PooledFigures? Evaluation, double MeanTrainingMs, double MeanEncryptionMs, double MeanDecryptionMs,
        SiteFigures[] Sites, PrivacyFigures? Privacy) : IObserverNotice;

    /// <summary>The hospitals' reports on a round's global model, weighted by their sample counts.</summary>
    public sealed record PooledFigures(int Reports, int SampleCount, double Accuracy, double LogLoss, double RocAuc);

    /// <summary>One hospital's evaluation of a round's model on its own hold-out (AUC NaN for a one-class hold-out).</summary>
    public sealed record SiteFigures(string HospitalId, int SampleCount, double Accuracy, double LogLoss, double RocAuc);

    /// <summary>The (ε, δ) spent so far against the budget's target ε.</summary>
    public sealed record PrivacyFigures(double Epsilon, double Delta, double TargetEpsilon);

    /// <summary>A round could not reach quorum within its attempts.</summary>
    public sealed record RoundFailed(int RoundId, int Attempts, int Received, int Quorum, string Reason) : IObserverNotice;

    /// <summary>The federation ended.</summary>
    public sealed record FederationCompleted(int RoundId, bool Succeeded, string Status) : IObserverNotice;

    /// <summary>A decision the coordinator took (the line it logs).</summary>
    public sealed record Decision(int RoundId, string Text) : IObserverNotice;
}
