using Akka.Actor;

namespace FederatedHe.Actors.CryptoPool;

/// <summary>
/// Work for the CKKS worker pool. Each request is one ciphertext's worth of work, so a router can
/// spread a long vector's chunks across workers. Local only: these never cross the wire.
/// </summary>
public static class CryptoPoolProtocol
{
    /// <summary>Marker for pool requests.</summary>
    public interface ICryptoRequest : INoSerializationVerificationNeeded
    {
        /// <summary>Position of the chunk in its vector.</summary>
        int ChunkIndex { get; }
    }

    /// <summary>
    /// Encode and encrypt chunk <paramref name="ChunkIndex"/> of <paramref name="Vector"/> (shared, not copied); in the seeded
    /// threshold format for <paramref name="Context"/>, the round the update belongs to (<see cref="SeededUpdateContext"/>).
    /// </summary>
    public sealed record EncryptChunk(int ChunkIndex, ReadOnlyMemory<double> Vector, byte[]? Context = null) : ICryptoRequest;

    /// <summary>
    /// Add the same chunk of several hospitals' vectors of <paramref name="VectorLength"/> values; in the seeded threshold
    /// format, updates of a <paramref name="PartyCount"/>-party key set.
    /// </summary>
    public sealed record SumChunk(int ChunkIndex, int VectorLength, IReadOnlyList<byte[]> Ciphertexts, int? PartyCount = null) : ICryptoRequest;

    /// <summary>
    /// Decrypt and decode chunk <paramref name="ChunkIndex"/> of a vector of <paramref name="VectorLength"/> values. In the
    /// aggregation format a sum must hold <paramref name="ExpectedContributors"/> contributions when that is given, and
    /// must include <paramref name="OwnContribution"/> (the node's own update chunk) when that is given.
    /// </summary>
    public sealed record DecryptChunk(int ChunkIndex, int VectorLength, byte[] Ciphertext, int? ExpectedContributors = null,
        byte[]? OwnContribution = null) : ICryptoRequest;

    /// <summary>
    /// Check that a peer's chunk is well formed, of the node's parameter set, and fresh (a ciphertext at the top level and
    /// default scale; an aggregation chunk of this index and vector length with one contribution), as every honest
    /// hospital's is, so it can be added to the others without failing the sum.
    /// </summary>
    /// <remarks>In the seeded threshold format the chunk must also be party <see cref="ValidateChunk.Party"/>'s, encrypted for <see cref="ValidateChunk.Context"/>.</remarks>
    public sealed record ValidateChunk(int ChunkIndex, int VectorLength, byte[] Ciphertext, int? Party = null, byte[]? Context = null) : ICryptoRequest;

    /// <summary>
    /// The chunk passed <see cref="ValidateChunk"/>; an aggregation chunk's <paramref name="Seed"/> (null for a ciphertext)
    /// lets the aggregator refuse a chunk replayed under another sender or round before it reaches the sum.
    /// </summary>
    public sealed record ChunkValidResponse(int ChunkIndex, byte[]? Seed = null) : INoSerializationVerificationNeeded;

    /// <summary>A chunk's ciphertext (after encryption or summation).</summary>
    public sealed record CiphertextResponse(int ChunkIndex, byte[] Ciphertext) : INoSerializationVerificationNeeded;

    /// <summary>A chunk's decrypted values.</summary>
    public sealed record PlaintextResponse(int ChunkIndex, double[] Values) : INoSerializationVerificationNeeded;

    /// <summary>A chunk's work failed; the reason names the chunk and the problem.</summary>
    public sealed record CryptoFailureResponse(int ChunkIndex, string Reason) : INoSerializationVerificationNeeded;
}
