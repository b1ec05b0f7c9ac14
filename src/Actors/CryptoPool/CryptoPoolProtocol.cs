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

    /// <summary>Encode and encrypt up to one ciphertext's worth of values.</summary>
    public sealed record EncryptChunk(int ChunkIndex, double[] Values) : ICryptoRequest;

    /// <summary>Add the same chunk of several hospitals' vectors.</summary>
    public sealed record SumChunk(int ChunkIndex, IReadOnlyList<byte[]> Ciphertexts) : ICryptoRequest;

    /// <summary>Decrypt and decode one chunk, keeping its first <paramref name="ValueCount"/> values.</summary>
    public sealed record DecryptChunk(int ChunkIndex, byte[] Ciphertext, int ValueCount) : ICryptoRequest;

    /// <summary>
    /// Check that a peer's ciphertext is well formed, of the node's parameter set, and fresh (top level, default scale),
    /// as every honest hospital's is, so it can be added to the others without failing the sum.
    /// </summary>
    public sealed record ValidateChunk(int ChunkIndex, byte[] Ciphertext) : ICryptoRequest;

    /// <summary>The chunk passed <see cref="ValidateChunk"/>.</summary>
    public sealed record ChunkValidResponse(int ChunkIndex) : INoSerializationVerificationNeeded;

    /// <summary>A chunk's ciphertext (after encryption or summation).</summary>
    public sealed record CiphertextResponse(int ChunkIndex, byte[] Ciphertext) : INoSerializationVerificationNeeded;

    /// <summary>A chunk's decrypted values.</summary>
    public sealed record PlaintextResponse(int ChunkIndex, double[] Values) : INoSerializationVerificationNeeded;

    /// <summary>A chunk's work failed; the reason names the chunk and the problem.</summary>
    public sealed record CryptoFailureResponse(int ChunkIndex, string Reason) : INoSerializationVerificationNeeded;
}
