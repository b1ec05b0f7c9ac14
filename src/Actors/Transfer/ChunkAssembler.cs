using FederatedHe.Actors.Protocol;
using static FederatedHe.Actors.Protocol.FederationProtocol;

namespace FederatedHe.Actors.Transfer;

/// <summary>What became of a chunk offered to a <see cref="ChunkAssembler"/>.</summary>
public enum ChunkOutcome
{
    /// <summary>Stored; the vector is still incomplete.</summary>
    Stored,

    /// <summary>Stored, and it was the last missing chunk: the vector is complete.</summary>
    Completed,

    /// <summary>The same chunk arrived before; ignored.</summary>
    Duplicate,

    /// <summary>Inconsistent with the chunks before it, out of range or over the limits; refused.</summary>
    Refused,
}

/// <summary>
/// Reassembles encrypted vectors from <see cref="EncryptedChunk"/> messages, one vector per
/// (round, participant, kind). Pure and single-threaded: an actor owns one.
/// </summary>
/// <remarks>Not thread-safe. Memory is bounded by <c>maxChunksPerVector</c> × <c>maxOpenVectors</c>.</remarks>
public sealed class ChunkAssembler
{
    private readonly int _maxChunksPerVector;
    private readonly int _maxOpenVectors;
    private readonly Dictionary<(int Round, string Participant, PayloadKind Kind), PartialVector> _open = new();

    /// <summary>Creates an assembler with explicit bounds, so a hostile peer cannot make it allocate without limit.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A bound is not positive.</exception>
    public ChunkAssembler(int maxChunksPerVector, int maxOpenVectors)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxChunksPerVector);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxOpenVectors);
        _maxChunksPerVector = maxChunksPerVector;
        _maxOpenVectors = maxOpenVectors;
    }

    /// <summary>Why the last chunk was refused, for the log.</summary>
    public string LastRefusal { get; private set; } = string.Empty;

    /// <summary>Offers a chunk; when it completes its vector, <paramref name="completed"/> holds the ciphertexts in order.</summary>
    public ChunkOutcome Offer(EncryptedChunk chunk, out AssembledVector? completed)
    {
        completed = null;
        if (chunk.ChunkCount <= 0 || chunk.ChunkCount > _maxChunksPerVector)
            return Refuse($"chunk count {chunk.ChunkCount} is outside 1..{_maxChunksPerVector}");
        if (chunk.ChunkIndex < 0 || chunk.ChunkIndex >= chunk.ChunkCount)
            return Refuse($"chunk index {chunk.ChunkIndex} is outside 0..{chunk.ChunkCount - 1}");
        if (chunk.VectorLength <= 0)
            return Refuse($"vector length {chunk.VectorLength} is not positive");
        if (chunk.Ciphertext is null || chunk.Ciphertext.Length == 0)
            return Refuse("the chunk carries no ciphertext");

        var key = (chunk.RoundId, chunk.ParticipantId, chunk.Kind);
        if (!_open.TryGetValue(key, out var partial))
        {
            if (_open.Count >= _maxOpenVectors)
                return Refuse($"{_open.Count} vectors are already being assembled");
            partial = new PartialVector(chunk.ChunkCount, chunk.VectorLength);
            _open[key] = partial;
        }
        else if (partial.Chunks.Length != chunk.ChunkCount || partial.VectorLength != chunk.VectorLength)
        {
            return Refuse($"chunk {chunk.ChunkIndex} says {chunk.ChunkCount} chunks of a {chunk.VectorLength}-value vector, " +
                          $"earlier chunks said {partial.Chunks.Length} of {partial.VectorLength}");
        }

        if (partial.Chunks[chunk.ChunkIndex] is not null)
            return ChunkOutcome.Duplicate;

        partial.Chunks[chunk.ChunkIndex] = chunk.Ciphertext;
        partial.Received++;
        if (partial.Received < partial.Chunks.Length)
            return ChunkOutcome.Stored;

        _open.Remove(key);
        completed = new AssembledVector(chunk.RoundId, chunk.ParticipantId, chunk.Kind, partial.VectorLength, Array.ConvertAll(partial.Chunks, c => c!));
        return ChunkOutcome.Completed;
    }

    /// <summary>Drops every partial vector of rounds before <paramref name="round"/>.</summary>
    public void DiscardBefore(int round)
    {
        foreach (var key in _open.Keys.Where(k => k.Round < round).ToList())
            _open.Remove(key);
    }

    /// <summary>Drops every partial vector of one participant (it left the federation).</summary>
    public void DiscardFrom(string participantId)
    {
        foreach (var key in _open.Keys.Where(k => k.Participant == participantId).ToList())
            _open.Remove(key);
    }

    private ChunkOutcome Refuse(string reason)
    {
        LastRefusal = reason;
        return ChunkOutcome.Refused;
    }

    private sealed class PartialVector(int chunkCount, int vectorLength)
    {
        public byte[]?[] Chunks { get; } = new byte[]?[chunkCount];
        public int VectorLength { get; } = vectorLength;
        public int Received { get; set; }
    }
}

/// <summary>An encrypted vector whose chunks have all arrived.</summary>
public sealed record AssembledVector(
    int RoundId,
    string ParticipantId,
    PayloadKind Kind,
    int VectorLength,
    IReadOnlyList<byte[]> Ciphertexts);
