namespace FederatedHe.Federation.Participation;

/// <summary>One threshold key generation as the coordinator asked this party to run it.</summary>
/// <param name="SessionId">The coordinator's session id, fresh per key generation.</param>
/// <param name="Parties">The parties' hospital ids in party order (party p is element p − 1).</param>
/// <param name="Threshold">How many parties decrypt together (t).</param>
/// <param name="PartyId">This hospital's party id (1-based).</param>
public sealed record PartyKeyGenerationSession(string SessionId, EquatableArray<string> Parties, int Threshold, int PartyId)
{
    /// <summary>The number of parties (n).</summary>
    public int PartyCount => Parties.Length;

    /// <summary>The hospital id of party <paramref name="party"/> (1-based).</summary>
    public string HospitalOf(int party) => Parties[party - 1];
}

/// <summary>This party's own contribution: its public-key share b_i, its key-agreement public key, and its commitment to both.</summary>
public sealed record OwnContribution(EquatableArray<byte> PublicKeyShare, EquatableArray<byte> KeyAgreementKey, EquatableArray<byte> Commitment);

/// <summary>A party's commitment whose certificate and signature were verified; its certificate (DER) must sign the reveal too.</summary>
public sealed record VerifiedCommitment(EquatableArray<byte> Commitment, EquatableArray<byte> Certificate);

/// <summary>A party's reveal that matched its commitment and signature and whose share fits the session.</summary>
public sealed record VerifiedReveal(EquatableArray<byte> PublicKeyShare, EquatableArray<byte> KeyAgreementKey);

/// <summary>The collective key this party summed from the verified reveals (its id and the key itself, opaque here).</summary>
public sealed record ComputedKey<TCollectiveKey>(string KeyId, TCollectiveKey Key);

/// <summary>The collective key the coordinator announced: its claimed id and its bytes.</summary>
public sealed record AnnouncedKey(string KeyId, EquatableArray<byte> PublicKey);

/// <summary>Where a party's key generation stands (derived from <see cref="PartyKeyGenerationState{TSealedShare, TCollectiveKey}"/>).</summary>
public enum PartyKeyGenerationStage
{
    /// <summary>No key generation has begun here.</summary>
    Idle,

    /// <summary>The key holder is making this party's public-key share and key-agreement key.</summary>
    MakingShare,

    /// <summary>This party has committed; it verifies the relayed commitments and reveals once all n are verified.</summary>
    Committing,

    /// <summary>This party has revealed; it verifies the relayed reveals and sums them once all n are verified.</summary>
    Revealing,

    /// <summary>This party summed the key and sent its sealed Shamir shares; it opens the others', combines, and checks the coordinator's key.</summary>
    Sharing,

    /// <summary>The threshold key is combined (and saved) and the coordinator's key is this party's sum: the party encrypts under it.</summary>
    Completed,

    /// <summary>The key generation was refused for good; nothing is encrypted under any key it produced.</summary>
    Failed,
}

/// <summary>
/// One party's view of a threshold key generation (immutable, compared by value). Material the party must give back to
/// the crypto code (shares, certificates, the computed key, sealed Shamir shares) is held opaque or as bytes.
/// </summary>
/// <typeparam name="TSealedShare">A sealed Shamir share that arrived before this party could open it; only kept.</typeparam>
/// <typeparam name="TCollectiveKey">The collective public key this party computed; only kept.</typeparam>
/// <param name="Session">The key generation in progress, or null before the first.</param>
/// <param name="Own">This party's share, key-agreement key and commitment, once the key holder made them.</param>
/// <param name="Commitments">Verified commitments by party (element p − 1), null where none is verified yet.</param>
/// <param name="Revealed">Whether this party has revealed.</param>
/// <param name="Reveals">Verified reveals by party (element p − 1), null where none is verified yet.</param>
/// <param name="OwnKey">The collective key this party computed from the verified reveals.</param>
/// <param name="Announced">The collective key the coordinator announced.</param>
/// <param name="KeyConfirmed">Whether the announced key is exactly this party's sum.</param>
/// <param name="Combined">Whether the key holder combined (and saved) the threshold key.</param>
/// <param name="Completed">Whether key generation completed here.</param>
/// <param name="Failure">Why the key generation was refused, or null.</param>
/// <param name="PendingShares">Sealed shares that arrived before this party computed the key, in arrival order.</param>
/// <param name="OpenedFrom">Parties whose sealed share was opened, ascending.</param>
public sealed record PartyKeyGenerationState<TSealedShare, TCollectiveKey>(
    PartyKeyGenerationSession? Session,
    OwnContribution? Own,
    EquatableArray<VerifiedCommitment?> Commitments,
    bool Revealed,
    EquatableArray<VerifiedReveal?> Reveals,
    ComputedKey<TCollectiveKey>? OwnKey,
    AnnouncedKey? Announced,
    bool KeyConfirmed,
    bool Combined,
    bool Completed,
    string? Failure,
    EquatableArray<TSealedShare> PendingShares,
    EquatableArray<int> OpenedFrom)
{
    /// <summary>No key generation yet.</summary>
    public static readonly PartyKeyGenerationState<TSealedShare, TCollectiveKey> Idle =
        new(null, null, [], false, [], null, null, false, false, false, null, [], []);

    /// <summary>Where the key generation stands.</summary>
    public PartyKeyGenerationStage Stage =>
        Session is null ? PartyKeyGenerationStage.Idle
        : Failure is not null ? PartyKeyGenerationStage.Failed
        : Completed ? PartyKeyGenerationStage.Completed
        : Own is null ? PartyKeyGenerationStage.MakingShare
        : !Revealed ? PartyKeyGenerationStage.Committing
        : OwnKey is null ? PartyKeyGenerationStage.Revealing
        : PartyKeyGenerationStage.Sharing;

    /// <summary>How many commitments are verified.</summary>
    public int CommitmentCount => Commitments.Count(c => c is not null);

    /// <summary>How many reveals are verified.</summary>
    public int RevealCount => Reveals.Count(r => r is not null);
}
