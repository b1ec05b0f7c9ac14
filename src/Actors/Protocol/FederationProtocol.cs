namespace FederatedHe.Actors.Protocol;

/// <summary>
/// The messages hospitals and the round coordinator exchange. Every federation message carries its
/// round id and participant id; commands are imperative, events past tense.
/// </summary>
/// <remarks>
/// Control messages travel through the allow-listed Hyperion serializer; <see cref="FederationProtocol.EncryptedChunk"/>
/// travels through <see cref="Serialization.EncryptedChunkSerializer"/>; key generation's large messages are in
/// <see cref="KeyGenerationProtocol"/>. Nothing here holds key material: a secret key has no message type, so it cannot
/// cross the wire, and a Shamir share crosses it only sealed for its recipient.
/// </remarks>
public static class FederationProtocol
{
    /// <summary>Marker for every message of the federation protocol.</summary>
    public interface IFederationMessage
    {
        /// <summary>The round the message belongs to (0 is the standardisation round).</summary>
        int RoundId { get; }
    }

    /// <summary>Marker for small control messages (serialized by the allow-listed Hyperion serializer).</summary>
    public interface IControlMessage : IFederationMessage;

    /// <summary>What an encrypted vector carries.</summary>
    public enum PayloadKind : byte
    {
        /// <summary>A hospital's encrypted feature counts, sums and sums of squares.</summary>
        FeatureStatistics = 1,

        /// <summary>A hospital's encrypted ν_i·w_i followed by ν_i, its FedAvg weight (see <c>SampleWeightedEncoding</c>).</summary>
        ModelUpdate = 2,

        /// <summary>The aggregated feature statistics of all contributing hospitals.</summary>
        AggregatedStatistics = 3,

        /// <summary>The aggregated Σ ν_i·w_i followed by Σ ν_i.</summary>
        AggregatedModel = 4,

        // 5, 6 and 7 carried key generation's public-key shares, collective key and Shamir shares in clear chunks; they now
        // have message types of their own (KeyGenerationProtocol), and a chunk of those kinds is refused as unknown.

        /// <summary>Threshold mode: a committee member's decryption share of one aggregate chunk (hospital to hospital only).</summary>
        DecryptionShare = 8,
    }

    /// <summary>
    /// One ciphertext-sized piece of an encrypted vector, always far below the remoting frame size.
    /// </summary>
    /// <param name="RoundId">Round the vector belongs to.</param>
    /// <param name="ParticipantId">Hospital that produced it, or the coordinator's id for aggregates.</param>
    /// <param name="Kind">What the vector carries.</param>
    /// <param name="ChunkIndex">Position of this chunk, from 0.</param>
    /// <param name="ChunkCount">How many chunks make the vector.</param>
    /// <param name="VectorLength">Number of plaintext values in the whole vector.</param>
    /// <param name="Ciphertext">One serialized ciphertext in FederatedHe.Crypto's wire format.</param>
    public sealed record EncryptedChunk(
        int RoundId,
        string ParticipantId,
        PayloadKind Kind,
        int ChunkIndex,
        int ChunkCount,
        int VectorLength,
        byte[] Ciphertext) : IFederationMessage;

    /// <summary>A hospital asks to take part in the federation.</summary>
    /// <param name="HospitalId">The id it claims.</param>
    /// <param name="ParameterSetId">The CKKS parameter-set id it holds keys for.</param>
    /// <param name="Data">What it says of its data for the preflight before round 0 (schema only, never values); null if nothing.</param>
    public sealed record RegisterHospital(string HospitalId, string ParameterSetId, HospitalDataSchema? Data = null) : IControlMessage
    {
        /// <inheritdoc />
        public int RoundId => 0;
    }

    /// <summary>
    /// A hospital's data schema as it travels in its registration (see docs/SECURITY.md, "What a hospital's registration
    /// reveals"): the names of its columns, the label's encoding and their digest, and why its file cannot be used if it
    /// cannot. No value of any cell is ever in it.
    /// </summary>
    /// <param name="Digest">SHA-256 of the schema's canonical text (FederatedHe.Training's DatasetSchema), 64 hex digits.</param>
    /// <param name="FeatureNames">The feature columns' names, in order.</param>
    /// <param name="LabelColumn">The label column's name.</param>
    /// <param name="LabelEncoding">The label encoding's canonical text, e.g. <c>1=malignant(M);0=benign(B)</c>.</param>
    /// <param name="Problem">Why the file cannot be used (one class only; columns unlike the common test file's), or null.</param>
    public sealed record HospitalDataSchema(string Digest, string[] FeatureNames, string LabelColumn, string LabelEncoding, string? Problem);

    /// <summary>
    /// The coordinator's challenge to a <see cref="RegisterHospital"/> when the federation binds ids to certificates:
    /// prove you hold the key of the certificate issued to <paramref name="HospitalId"/> by signing this nonce.
    /// </summary>
    /// <param name="HospitalId">The id the hospital claimed.</param>
    /// <param name="Nonce">A fresh single-use nonce of <see cref="Security.RegistrationProof.NonceLength"/> bytes from a CSPRNG.</param>
    public sealed record ProveHospitalIdentity(string HospitalId, byte[] Nonce) : IControlMessage
    {
        /// <inheritdoc />
        public int RoundId => 0;
    }

    /// <summary>
    /// A hospital's answer to <see cref="ProveHospitalIdentity"/>: its certificate and a signature made with the
    /// certificate's private key over <see cref="Security.RegistrationProof.SignedBytes"/>.
    /// </summary>
    /// <param name="HospitalId">The id the hospital claims.</param>
    /// <param name="ParameterSetId">The CKKS parameter-set id it registers with (signed too).</param>
    /// <param name="Nonce">The nonce answered.</param>
    /// <param name="Certificate">The hospital's X.509 certificate, DER; empty when it has none.</param>
    /// <param name="Signature">ECDSA P-256 with SHA-256, r‖s; empty when it has no certificate.</param>
    public sealed record ProveHospitalIdentityResponse(string HospitalId, string ParameterSetId, byte[] Nonce, byte[] Certificate, byte[] Signature)
        : IControlMessage
    {
        /// <inheritdoc />
        public int RoundId => 0;
    }

    /// <summary>The coordinator's answer to <see cref="RegisterHospital"/> (or to <see cref="ProveHospitalIdentityResponse"/>).</summary>
    public sealed record RegisterHospitalResponse(string HospitalId, bool Accepted, string Reason) : IControlMessage
    {
        /// <inheritdoc />
        public int RoundId => 0;
    }

    /// <summary>Round 0: every hospital encrypts its feature statistics and sends them.</summary>
    public sealed record CollectFeatureStatistics(int RoundId, int Attempt) : IControlMessage;

    /// <summary>
    /// Round r: train from the global model of <paramref name="GlobalModelRound"/> and send the encrypted update.
    /// A repeated request (higher <paramref name="Attempt"/>) makes the hospital resend the update it already made.
    /// </summary>
    public sealed record StartTraining(int RoundId, int GlobalModelRound, int Attempt) : IControlMessage;

    /// <summary>A hospital lacks the aggregate of <paramref name="RoundId"/> and asks for it again.</summary>
    public sealed record FetchAggregate(int RoundId, string HospitalId) : IControlMessage;

    /// <summary>
    /// A hospital's evaluation of the global model of a round, on its own held-out data: only what it chooses to share.
    /// </summary>
    /// <param name="RoundId">Round whose global model was evaluated.</param>
    /// <param name="HospitalId">Reporting hospital.</param>
    /// <param name="SampleCount">Size of the hospital's evaluation set.</param>
    /// <param name="Accuracy">Accuracy of the global model there.</param>
    /// <param name="LogLoss">Log-loss of the global model there.</param>
    /// <param name="RocAuc">ROC-AUC of the global model there.</param>
    /// <param name="Timings">Where the hospital spent its time in this round.</param>
    public sealed record EvaluationReported(
        int RoundId,
        string HospitalId,
        int SampleCount,
        double Accuracy,
        double LogLoss,
        double RocAuc,
        HospitalTimings Timings) : IControlMessage;

    /// <summary>Milliseconds a hospital spent on each step of a round.</summary>
    public sealed record HospitalTimings(double TrainingMs, double EncryptionMs, double DecryptionMs);

    /// <summary>
    /// Threshold mode, before round 0: every party generates its secret share and commits to its public-key share
    /// (see <see cref="KeyGenerationProtocol"/>). Party ids are 1-based positions in <paramref name="Parties"/>;
    /// <paramref name="PartyPaths"/> are the hospitals' actor paths, where sealed Shamir shares and decryption shares are sent.
    /// </summary>
    public sealed record BeginKeyGeneration(int RoundId, string SessionId, string[] Parties, string[] PartyPaths, int Threshold) : IControlMessage;

    /// <summary>
    /// Threshold mode: a hospital combined its Shamir shares into its threshold key, for the collective key
    /// <paramref name="KeyId"/> it computed itself from the signed public-key shares.
    /// </summary>
    public sealed record KeyGenerationCompleted(int RoundId, string HospitalId, string KeyId) : IControlMessage;

    /// <summary>
    /// Threshold mode: a hospital refused key generation <paramref name="SessionId"/> (a commitment or reveal that does not
    /// verify, a collective key that is not the sum of the signed shares) and will not take part in it.
    /// </summary>
    public sealed record KeyGenerationFailed(int RoundId, string SessionId, string HospitalId, string Reason) : IControlMessage;

    /// <summary>
    /// Threshold mode: the aggregate of round <paramref name="RoundId"/> fused, at <paramref name="HospitalId"/>, to more than the
    /// committee's honest noise where real values have none: it was not a sum of well-formed encryptions (a crafted update, or an
    /// altered aggregate), and the collective key <paramref name="KeyId"/> may be exposed. The hospital has retired the key.
    /// </summary>
    public sealed record CollectiveKeyExposureSuspected(int RoundId, string HospitalId, string KeyId, string Reason) : IControlMessage;

    /// <summary>
    /// Threshold mode: the members who decrypt a round's aggregate. Each member sends its decryption shares
    /// to every party; any t of them let each party fuse. A new attempt replaces a member that dropped out.
    /// </summary>
    public sealed record DecryptionCommittee(int RoundId, int Attempt, string[] Members) : IControlMessage;

    /// <summary>
    /// Threshold mode, once the collective key exists: carry on with the key share you hold for <paramref name="KeyId"/>,
    /// reaching the other parties at <paramref name="PartyPaths"/> (empty for a party not registered now). Sent when a
    /// restarted coordinator resumes from its checkpoint (<paramref name="CoordinatorRestarted"/>: forget the committees
    /// and shares of rounds not yet concluded, they are run again) and whenever a party rejoins from a new address.
    /// Answered with <see cref="ResumeThresholdKeyResponse"/>.
    /// </summary>
    public sealed record ResumeThresholdKey(int RoundId, string KeyId, string[] Parties, string[] PartyPaths, int Threshold, bool CoordinatorRestarted)
        : IControlMessage;

    /// <summary>
    /// Threshold mode: whether the hospital holds its key share for <paramref name="KeyId"/> as party of those parties
    /// (<paramref name="Resumed"/>) or, if not, why (its key file is missing, corrupt, or for another key).
    /// </summary>
    public sealed record ResumeThresholdKeyResponse(int RoundId, string HospitalId, string KeyId, bool Resumed, string Reason) : IControlMessage;

    /// <summary>The federation has finished (or failed); hospitals may stop.</summary>
    public sealed record FederationFinished(int RoundId, bool Succeeded, string Status) : IControlMessage;
}
