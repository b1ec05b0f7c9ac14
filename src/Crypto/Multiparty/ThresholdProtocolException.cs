namespace FederatedHe.Crypto.Multiparty;

/// <summary>Why a multiparty protocol step refused its inputs.</summary>
public enum ThresholdProtocolFailure
{
    /// <summary>The share was made under another collective key (its key id differs).</summary>
    KeyMismatch,

    /// <summary>The decryption share was computed for another ciphertext (its fingerprint differs).</summary>
    CiphertextMismatch,

    /// <summary>The decryption share was computed for another caller-supplied context (round, chunk, …).</summary>
    ContextMismatch,

    /// <summary>The shares name different committees, or the committee is malformed.</summary>
    CommitteeMismatch,

    /// <summary>A share comes from a party that is not in the committee it claims.</summary>
    PartyOutsideCommittee,

    /// <summary>Two shares come from the same party.</summary>
    DuplicateParty,

    /// <summary>A share of a committee member (or of a key-generation participant) is missing.</summary>
    MissingShare,

    /// <summary>Fewer parties than the threshold were asked to decrypt.</summary>
    CommitteeTooSmall,

    /// <summary>The shares disagree on the threshold t or the number of parties n, or these are out of range.</summary>
    ThresholdMismatch,

    /// <summary>The public-key shares were made over different common random polynomials.</summary>
    CommonSeedMismatch,

    /// <summary>A Shamir share was addressed to another party.</summary>
    RecipientMismatch,

    /// <summary>A party index is outside 1..n.</summary>
    PartyOutOfRange,

    /// <summary>The caller-supplied context is longer than <see cref="DecryptionShare.MaxContextLength"/>.</summary>
    ContextTooLong,

    /// <summary>The decryption mask seeds belong to another party, or lack the seed shared with a committee member.</summary>
    MaskSeedMismatch,

    /// <summary>Seeded scheme: the sum has fewer contributions than the minimum the caller set (it could single out an update).</summary>
    TooFewContributors,

    /// <summary>Seeded scheme: the sum names a contributor whose dealt share this party does not hold.</summary>
    UnknownDealer,

    /// <summary>
    /// Seeded scheme: this party already made a share for another sum of the same chunk and context (two sums
    /// differing by one contributor would reveal that update), or for the same sum and committee (two noises).
    /// </summary>
    ConflictingDecryption,
}

/// <summary>
/// Thrown when a multiparty protocol step (collective key generation, re-sharing, threshold
/// decryption) receives shares that do not belong together: another key, ciphertext, context,
/// committee or party.
/// </summary>
/// <remarks>Carries the failure kind and, where one share is to blame, the party that sent it.</remarks>
public sealed class ThresholdProtocolException : InvalidOperationException
{
    /// <summary>Creates the exception for <paramref name="failure"/>, blaming <paramref name="partyId"/> when known.</summary>
    public ThresholdProtocolException(ThresholdProtocolFailure failure, int? partyId, string message)
        : base(partyId is { } id ? $"{failure} (party {id}): {message}" : $"{failure}: {message}")
    {
        Failure = failure;
        PartyId = partyId;
    }

    /// <summary>What was wrong.</summary>
    public ThresholdProtocolFailure Failure { get; }

    /// <summary>The party whose share was refused, when a single share is to blame.</summary>
    public int? PartyId { get; }
}
