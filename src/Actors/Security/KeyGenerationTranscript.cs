using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace FederatedHe.Actors.Security;

/// <summary>What every party of one threshold key generation agrees on before any share is made.</summary>
/// <param name="SessionId">The coordinator's session id, fresh per key generation.</param>
/// <param name="Parties">The parties' hospital ids in party order (party j is element j−1).</param>
/// <param name="Threshold">How many parties decrypt together (t).</param>
/// <param name="ParameterSetId">The CKKS parameter-set id of the key.</param>
public sealed record KeyGenerationSession(string SessionId, IReadOnlyList<string> Parties, int Threshold, string ParameterSetId)
{
    /// <summary>The hospital id of party <paramref name="partyId"/> (1-based).</summary>
    public string HospitalOf(int partyId) => Parties[partyId - 1];
}

/// <summary>
/// The bytes of threshold key generation's commit-then-reveal: the commitment to a public-key share and a key-agreement
/// key, the exact bytes each party signs with its certificate's key when it commits and when it reveals, and the salt that
/// binds everything derived from the key agreement to this key generation.
/// </summary>
/// <remarks>
/// Every signed encoding starts with its own label (so a commitment signature is never a reveal signature, a
/// registration proof or a TLS transcript) and prefixes each field with its length (so no two field lists encode alike),
/// in the style of <see cref="RegistrationProof"/>. The session, the ordered party list, t and the parameter set are in
/// every signature, so nothing signed for one key generation can be replayed into another. Pure: thread-safe.
/// </remarks>
public static class KeyGenerationTranscript
{
    /// <summary>The label of the bytes a party signs when it commits.</summary>
    public const string CommitmentLabel = "FederatedHe threshold key generation commitment v1";

    /// <summary>The label of the bytes a party signs when it reveals.</summary>
    public const string RevealLabel = "FederatedHe threshold key generation reveal v1";

    /// <summary>The label hashed in front of a commitment's contents.</summary>
    public const string CommitmentHashLabel = "FederatedHe public-key share commitment v1";

    /// <summary>The label of the key-generation transcript hash (the key-agreement salt).</summary>
    public const string TranscriptLabel = "FederatedHe threshold key generation transcript v1";

    /// <summary>The length of a commitment (SHA-256).</summary>
    public const int CommitmentLength = SHA256.HashSizeInBytes;

    /// <summary>The length of an ECDSA P-256 signature in IEEE P1363 form (r‖s).</summary>
    public const int SignatureLength = 64;

    /// <summary>The commitment to a public-key share b_i and a key-agreement public key: SHA-256 over both, length-prefixed.</summary>
    public static byte[] Commitment(ReadOnlySpan<byte> publicKeyShare, ReadOnlySpan<byte> keyAgreementKey)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Append(hash, Encoding.ASCII.GetBytes(CommitmentHashLabel));
        Append(hash, publicKeyShare);
        Append(hash, keyAgreementKey);
        return hash.GetHashAndReset();
    }

    /// <summary>The bytes party <paramref name="partyId"/> signs to commit to <paramref name="commitment"/>.</summary>
    /// <exception cref="ArgumentException">The party is outside the session or the commitment is not <see cref="CommitmentLength"/> bytes.</exception>
    public static byte[] CommitmentSignedBytes(KeyGenerationSession session, int partyId, ReadOnlySpan<byte> commitment) =>
        SignedBytes(CommitmentLabel, session, partyId, commitment);

    /// <summary>
    /// The bytes party <paramref name="partyId"/> signs when it reveals: the commitment recomputed from what it reveals,
    /// under the reveal label, so the signature covers the revealed share and key-agreement key themselves.
    /// </summary>
    /// <exception cref="ArgumentException">The party is outside the session or the commitment is not <see cref="CommitmentLength"/> bytes.</exception>
    public static byte[] RevealSignedBytes(KeyGenerationSession session, int partyId, ReadOnlySpan<byte> commitment) =>
        SignedBytes(RevealLabel, session, partyId, commitment);

    /// <summary>
    /// The hash of the key-generation transcript (session, parties, t, parameter set and every party's commitment in party
    /// order): the HKDF salt of every key and seed derived from the parties' key agreement.
    /// </summary>
    /// <exception cref="ArgumentException">There is not one commitment of <see cref="CommitmentLength"/> bytes per party.</exception>
    public static byte[] Salt(KeyGenerationSession session, IReadOnlyList<byte[]> commitments)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(commitments);
        if (commitments.Count != session.Parties.Count || commitments.Any(c => c is not { Length: CommitmentLength }))
            throw new ArgumentException($"the transcript needs one {CommitmentLength}-byte commitment per party ({session.Parties.Count})", nameof(commitments));
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Append(hash, Encoding.ASCII.GetBytes(TranscriptLabel));
        AppendSession(hash, session);
        foreach (var commitment in commitments)
            Append(hash, commitment);
        return hash.GetHashAndReset();
    }

    private static byte[] SignedBytes(string label, KeyGenerationSession session, int partyId, ReadOnlySpan<byte> commitment)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (partyId < 1 || partyId > session.Parties.Count)
            throw new ArgumentException($"party {partyId} is outside 1..{session.Parties.Count}", nameof(partyId));
        if (commitment.Length != CommitmentLength)
            throw new ArgumentException($"a commitment is {CommitmentLength} bytes, not {commitment.Length}", nameof(commitment));
        using var buffer = new MemoryStream();
        Append(buffer, Encoding.ASCII.GetBytes(label));
        Append(buffer, SessionBytes(session));
        Append(buffer, BigEndian(partyId));
        Append(buffer, Encoding.UTF8.GetBytes(session.HospitalOf(partyId)));
        Append(buffer, commitment);
        return buffer.ToArray();
    }

    private static void AppendSession(IncrementalHash hash, KeyGenerationSession session) => Append(hash, SessionBytes(session));

    // The session id, the party count and each party's id, t and the parameter-set id, each length-prefixed.
    private static byte[] SessionBytes(KeyGenerationSession session)
    {
        ArgumentException.ThrowIfNullOrEmpty(session.SessionId);
        ArgumentException.ThrowIfNullOrEmpty(session.ParameterSetId);
        using var buffer = new MemoryStream();
        Append(buffer, Encoding.UTF8.GetBytes(session.SessionId));
        Append(buffer, BigEndian(session.Parties.Count));
        foreach (var party in session.Parties)
            Append(buffer, Encoding.UTF8.GetBytes(party));
        Append(buffer, BigEndian(session.Threshold));
        Append(buffer, Encoding.UTF8.GetBytes(session.ParameterSetId));
        return buffer.ToArray();
    }

    private static byte[] BigEndian(int value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bytes, value);
        return bytes;
    }

    private static void Append(MemoryStream buffer, ReadOnlySpan<byte> field)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, field.Length);
        buffer.Write(length);
        buffer.Write(field);
    }

    private static void Append(IncrementalHash hash, ReadOnlySpan<byte> field)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, field.Length);
        hash.AppendData(length);
        hash.AppendData(field);
    }
}
