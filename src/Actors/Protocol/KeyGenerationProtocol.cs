namespace FederatedHe.Actors.Protocol;

/// <summary>
/// Threshold key generation's messages that carry key material or signatures: commit, reveal, the coordinator's
/// announcement of the collective key, and the Shamir shares parties seal for one another. They travel through
/// <see cref="Serialization.KeyGenerationSerializer"/>, a binary format of their own (a public-key share is about 164 KB at
/// N = 8192: far too big for the control serializer, always under the 1 MiB frame).
/// </summary>
/// <remarks>
/// The coordinator relays commitments and reveals unchanged: each is signed by its party's certificate key, so a
/// coordinator can withhold them but not alter or invent them. Every party sums the revealed shares itself.
/// </remarks>
public static class KeyGenerationProtocol
{
    /// <summary>Marker for the messages <see cref="Serialization.KeyGenerationSerializer"/> carries.</summary>
    public interface IKeyGenerationMessage : FederationProtocol.IFederationMessage
    {
        /// <summary>The key-generation session the message belongs to.</summary>
        string SessionId { get; }
    }

    /// <summary>
    /// Step 1, party → coordinator, then relayed to every party once all n are in: a party's commitment to its public-key
    /// share b_i and its key-agreement key, signed with its certificate's key over
    /// <see cref="Security.KeyGenerationTranscript.CommitmentSignedBytes"/>.
    /// </summary>
    /// <param name="RoundId">Always 0: key generation precedes round 0.</param>
    /// <param name="SessionId">The key-generation session.</param>
    /// <param name="HospitalId">The committing party's hospital id.</param>
    /// <param name="PartyId">Its 1-based party id.</param>
    /// <param name="Commitment">SHA-256 over b_i and the key-agreement public key (<see cref="Security.KeyGenerationTranscript.Commitment"/>).</param>
    /// <param name="Certificate">The party's certificate, DER: the key the other parties verify this and its reveal with.</param>
    /// <param name="Signature">ECDSA P-256 with SHA-256, r‖s.</param>
    public sealed record PublicKeyShareCommitment(int RoundId, string SessionId, string HospitalId, int PartyId, byte[] Commitment, byte[] Certificate,
        byte[] Signature) : IKeyGenerationMessage;

    /// <summary>
    /// Step 2, party → coordinator once it has verified every commitment, then relayed to every party once all n are in:
    /// the committed public-key share and key-agreement key, signed over <see cref="Security.KeyGenerationTranscript.RevealSignedBytes"/>.
    /// </summary>
    /// <param name="RoundId">Always 0.</param>
    /// <param name="SessionId">The key-generation session.</param>
    /// <param name="HospitalId">The revealing party's hospital id.</param>
    /// <param name="PartyId">Its 1-based party id.</param>
    /// <param name="PublicKeyShare">b_i = −a·s_i + e_i in FederatedHe.Crypto's wire format (public).</param>
    /// <param name="KeyAgreementKey">The party's ECDH P-256 public key for this session, DER SubjectPublicKeyInfo.</param>
    /// <param name="Signature">ECDSA P-256 with SHA-256, r‖s, by the certificate sent with the commitment.</param>
    public sealed record PublicKeyShareReveal(int RoundId, string SessionId, string HospitalId, int PartyId, byte[] PublicKeyShare, byte[] KeyAgreementKey,
        byte[] Signature) : IKeyGenerationMessage;

    /// <summary>
    /// Step 3, coordinator → every party: the collective key the coordinator computed (it keeps it for its checkpoint). A
    /// party compares it with the sum it computed itself and refuses it, failing the key generation, if they differ.
    /// </summary>
    /// <param name="RoundId">Always 0.</param>
    /// <param name="SessionId">The key-generation session.</param>
    /// <param name="KeyId">SHA-256 of the collective public key's bytes, hex.</param>
    /// <param name="PublicKey">The collective public key (Σ b_i, a), in FederatedHe.Crypto's wire format.</param>
    public sealed record CollectivePublicKeyAnnounced(int RoundId, string SessionId, string KeyId, byte[] PublicKey) : IKeyGenerationMessage;

    /// <summary>
    /// Step 4, party i → party j (by the path the coordinator announced; whoever carries it cannot read it): i's Shamir
    /// share for j, sealed with AES-256-GCM under the key only i and j can derive (<see cref="Security.ShamirShareSeal"/>).
    /// </summary>
    /// <param name="RoundId">Always 0.</param>
    /// <param name="SessionId">The key-generation session.</param>
    /// <param name="KeyId">The collective key the share re-shares a secret of.</param>
    /// <param name="SenderParty">i.</param>
    /// <param name="SenderId">i's hospital id.</param>
    /// <param name="RecipientParty">j.</param>
    /// <param name="RecipientId">j's hospital id.</param>
    /// <param name="Nonce">The AES-GCM nonce.</param>
    /// <param name="Ciphertext">The encrypted share.</param>
    /// <param name="Tag">The AES-GCM tag.</param>
    public sealed record EncryptedShamirShare(int RoundId, string SessionId, string KeyId, int SenderParty, string SenderId, int RecipientParty,
        string RecipientId, byte[] Nonce, byte[] Ciphertext, byte[] Tag) : IKeyGenerationMessage;
}
