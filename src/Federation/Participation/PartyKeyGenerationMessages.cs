namespace FederatedHe.Federation.Participation;

/// <summary>What happened in a party's key generation: a relayed message, a sealed share, or the result of crypto work it asked for.</summary>
public abstract record PartyKeyGenerationEvent;

/// <summary>Who relayed a key-generation message, as the actor sees it.</summary>
/// <param name="SenderPath">The sender's path, for refusal lines.</param>
/// <param name="FromCoordinatorNode">Whether it came from the node of the coordinator this hospital follows.</param>
public sealed record RelayedBy(string SenderPath, bool FromCoordinatorNode);

/// <summary>
/// The hospital machine accepted the coordinator's request: this party takes part in <paramref name="Session"/>.
/// <paramref name="CanSign"/> is false when the hospital has no certificate and federation CA to sign and verify with.
/// </summary>
public sealed record KeyGenerationBegun(PartyKeyGenerationSession Session, bool CanSign) : PartyKeyGenerationEvent;

/// <summary>The key holder made this party's public-key share and key-agreement key; <paramref name="Commitment"/> is the hash over both.</summary>
public sealed record OwnShareGenerated(string SessionId, EquatableArray<byte> PublicKeyShare, EquatableArray<byte> KeyAgreementKey,
    EquatableArray<byte> Commitment) : PartyKeyGenerationEvent;

/// <summary>A party's signed commitment, relayed by the coordinator (not yet verified).</summary>
public sealed record CommitmentRelayed(RelayedBy From, string SessionId, string HospitalId, int PartyId, EquatableArray<byte> Commitment,
    EquatableArray<byte> Certificate, EquatableArray<byte> Signature) : PartyKeyGenerationEvent;

/// <summary>What the certificate check said of a certificate presented for a party.</summary>
/// <param name="Accepted">Whether it is that hospital's node certificate in this federation (CA, CN and roster).</param>
/// <param name="Verdict">The check's verdict, named in a refusal (for example <c>NotOnRoster</c>).</param>
/// <param name="Detail">The check's line naming the hospital.</param>
/// <param name="Fingerprint">The certificate's SHA-256, hex, when it could be read.</param>
public sealed record CertificateVerdict(bool Accepted, string Verdict, string Detail, string Fingerprint);

/// <summary>The result of <see cref="VerifyCommitment"/>: the certificate's verdict and, if it was accepted, whether it signed the commitment.</summary>
public sealed record CommitmentChecked(string SessionId, int PartyId, string HospitalId, EquatableArray<byte> Commitment, EquatableArray<byte> Certificate,
    CertificateVerdict CertificateVerdict, bool SignatureValid) : PartyKeyGenerationEvent;

/// <summary>A party's signed reveal, relayed by the coordinator (not yet verified).</summary>
public sealed record RevealRelayed(RelayedBy From, string SessionId, string HospitalId, int PartyId, EquatableArray<byte> PublicKeyShare,
    EquatableArray<byte> KeyAgreementKey, EquatableArray<byte> Signature) : PartyKeyGenerationEvent;

/// <summary>The result of <see cref="VerifyReveal"/>.</summary>
/// <param name="SessionId">The session.</param>
/// <param name="PartyId">The revealing party.</param>
/// <param name="HospitalId">Its hospital id.</param>
/// <param name="PublicKeyShare">The revealed share.</param>
/// <param name="KeyAgreementKey">The revealed key-agreement key.</param>
/// <param name="Commitment">The commitment recomputed from the revealed share and key-agreement key.</param>
/// <param name="SignatureValid">Whether the committed certificate's key signed the reveal of that commitment (false when the commitment differs).</param>
/// <param name="ShareProblem">Why the share cannot be summed with the others (malformed, another party's place or common polynomial), or null
/// (also when an earlier check failed).</param>
public sealed record RevealChecked(string SessionId, int PartyId, string HospitalId, EquatableArray<byte> PublicKeyShare, EquatableArray<byte> KeyAgreementKey,
    EquatableArray<byte> Commitment, bool SignatureValid, string? ShareProblem) : PartyKeyGenerationEvent;

/// <summary>The key holder summed the verified reveals into the collective key and sealed this party's Shamir shares.</summary>
public sealed record CollectiveKeyComputed<TCollectiveKey>(string SessionId, string KeyId, TCollectiveKey Key) : PartyKeyGenerationEvent;

/// <summary>The coordinator announced the collective key it computed.</summary>
public sealed record CollectiveKeyAnnounced(RelayedBy From, string SessionId, string KeyId, EquatableArray<byte> PublicKey) : PartyKeyGenerationEvent;

/// <summary>The result of <see cref="ReadAnnouncedKey"/>: the id the announced bytes hash to, or why they could not be read.</summary>
public sealed record AnnouncedKeyRead(string SessionId, string? BytesKeyId, string? Unreadable) : PartyKeyGenerationEvent;

/// <summary>A sealed Shamir share arrived from another party (from anywhere: only opening it proves who sealed it).</summary>
public sealed record SealedShareArrived<TSealedShare>(string SessionId, int SenderParty, string SenderId, int RecipientParty, string RecipientId,
    TSealedShare Share) : PartyKeyGenerationEvent;

/// <summary>The key holder opened the sealed share from <paramref name="SenderParty"/>: it authenticated and is kept.</summary>
public sealed record SealedShareOpened(string SessionId, int SenderParty) : PartyKeyGenerationEvent;

/// <summary>The key holder combined the opened shares into the threshold key of <paramref name="KeyId"/> and saved it.</summary>
public sealed record KeyCombined(string KeyId) : PartyKeyGenerationEvent;

/// <summary>What a party's key generation asks the actor to do.</summary>
public abstract record PartyKeyGenerationCommand;

/// <summary>Make this party's secret share, public-key share and key-agreement key for the session (the key holder).</summary>
public sealed record GenerateOwnShare(PartyKeyGenerationSession Session) : PartyKeyGenerationCommand;

/// <summary>Sign this party's commitment and send it to the coordinator.</summary>
public sealed record SendCommitment(PartyKeyGenerationSession Session, EquatableArray<byte> Commitment) : PartyKeyGenerationCommand;

/// <summary>Check a relayed commitment's certificate and signature; answer with <see cref="CommitmentChecked"/> before anything else.</summary>
public sealed record VerifyCommitment(PartyKeyGenerationSession Session, int PartyId, string HospitalId, EquatableArray<byte> Commitment,
    EquatableArray<byte> Certificate, EquatableArray<byte> Signature) : PartyKeyGenerationCommand;

/// <summary>Every commitment is verified: sign this party's reveal and send it to the coordinator.</summary>
public sealed record SendReveal(PartyKeyGenerationSession Session, OwnContribution Own) : PartyKeyGenerationCommand;

/// <summary>
/// Recompute a relayed reveal's commitment and, only if it is <paramref name="Committed"/>, check its signature by the
/// certificate the party committed with and then its share against the parameter set and session (a reveal that fails one
/// check is not put through the next: a garbage share is never parsed); answer with <see cref="RevealChecked"/> before
/// anything else.
/// </summary>
public sealed record VerifyReveal(PartyKeyGenerationSession Session, int PartyId, string HospitalId, EquatableArray<byte> PublicKeyShare,
    EquatableArray<byte> KeyAgreementKey, EquatableArray<byte> Signature, EquatableArray<byte> Committed, EquatableArray<byte> Certificate)
    : PartyKeyGenerationCommand;

/// <summary>
/// Every reveal is verified: sum the shares into the collective key, derive the pairwise secrets from the key-agreement
/// keys (salted with the transcript of every commitment), and seal this party's Shamir shares (the key holder).
/// </summary>
/// <param name="Session">The session.</param>
/// <param name="PublicKeyShares">Every party's share, party p at element p − 1.</param>
/// <param name="KeyAgreementKeys">Every party's key-agreement key, in the same order.</param>
/// <param name="Commitments">Every party's commitment, in the same order.</param>
public sealed record ComputeCollectiveKey(PartyKeyGenerationSession Session, EquatableArray<EquatableArray<byte>> PublicKeyShares,
    EquatableArray<EquatableArray<byte>> KeyAgreementKeys, EquatableArray<EquatableArray<byte>> Commitments) : PartyKeyGenerationCommand;

/// <summary>Send the sealed Shamir shares the key holder made to every party, by the paths the coordinator announced.</summary>
public sealed record DistributeSealedShares(string SessionId) : PartyKeyGenerationCommand;

/// <summary>Ask the key holder to open a sealed share addressed to this party.</summary>
public sealed record OpenSealedShare<TSealedShare>(TSealedShare Share) : PartyKeyGenerationCommand;

/// <summary>Read the coordinator's announced key and hash it; answer with <see cref="AnnouncedKeyRead"/> before anything else.</summary>
public sealed record ReadAnnouncedKey(string SessionId, EquatableArray<byte> PublicKey) : PartyKeyGenerationCommand;

/// <summary>Every party's share is opened: combine them into the threshold key and save it (the key holder).</summary>
public sealed record CombineSealedShares(string SessionId) : PartyKeyGenerationCommand;

/// <summary>The key is combined and confirmed: encrypt only under <paramref name="Key"/> from now on and report completion to the coordinator.</summary>
public sealed record CompleteKeyGeneration<TCollectiveKey>(PartyKeyGenerationSession Session, string KeyId, TCollectiveKey Key) : PartyKeyGenerationCommand;

/// <summary>Refuse the key generation for good: log one ERROR line naming <paramref name="Problem"/> and tell the coordinator.</summary>
public sealed record FailKeyGeneration(string SessionId, string Problem) : PartyKeyGenerationCommand;

/// <summary>Log (rate-limited) a key-generation message this party ignored.</summary>
public sealed record RefuseKeyGenerationMessage(string What) : PartyKeyGenerationCommand;

/// <summary>The next key-generation state and the commands to carry out, in order.</summary>
public sealed record PartyKeyGenerationStep<TSealedShare, TCollectiveKey>(
    PartyKeyGenerationState<TSealedShare, TCollectiveKey> State,
    EquatableArray<PartyKeyGenerationCommand> Commands);
