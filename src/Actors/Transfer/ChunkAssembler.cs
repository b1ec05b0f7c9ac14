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
/// How much a <see cref="ChunkAssembler"/> may buffer for its peers.
/// </summary>
/// <param name="MaxChunksPerVector">The most chunks one vector may announce.</param>
/// <param name="MaxOpenVectors">The most incomplete vectors held at once, over all participants.</param>
/// <param name="MaxOpenVectorsPerParticipant">The most incomplete vectors one participant may have open, so one peer cannot take every slot.</param>
/// <param name="MaxCiphertextBytes">
/// The largest serialized ciphertext of the node's CKKS parameter set (<c>Ciphertext.MaxSerializedSize</c>): no honest
/// chunk is longer, so a vector never holds more than its chunk count times this.
/// </param>
public sealed record TransferLimits(int MaxChunksPerVector, int MaxOpenVectors, int MaxOpenVectorsPerParticipant, long MaxCiphertextBytes)
{
    /// <summary>The most bytes an assembler with these limits can hold at once.</summary>
    public long MaxBufferedBytes => (long)MaxOpenVectors * MaxChunksPerVector * MaxCiphertextBytes;

    /// <summary>Checks that every bound is positive.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A bound is not positive.</exception>
    public TransferLimits Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxChunksPerVector);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxOpenVectors);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxOpenVectorsPerParticipant);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxCiphertextBytes);
        return this;
    }
}

/// <summary>
/// Reassembles encrypted vectors from <see cref="EncryptedChunk"/> messages, one vector per
/// (round, participant, kind). Pure and single-threaded: an actor owns one.
/// </summary>
/// <remarks>
/// Not thread-safe. Memory is bounded three ways: no chunk is longer than the parameter set's largest ciphertext,
/// no vector has more than <see cref="TransferLimits.MaxChunksPerVector"/> chunks, and no more than
/// <see cref="TransferLimits.MaxOpenVectors"/> vectors (<see cref="TransferLimits.MaxOpenVectorsPerParticipant"/> per
/// participant) are open at once, so a flood from one peer is refused before it can crowd out the others.
/// </remarks>
public sealed class ChunkAssembler
{
    private readonly TransferLimits _limits;
    private readonly Dictionary<(int Round, string Participant, PayloadKind Kind), PartialVector> _open = new();
    private readonly Dictionary<string, int> _openByParticipant = new(StringComparer.Ordinal);

    /// <summary>Creates an assembler with explicit bounds, so a hostile peer cannot make it allocate without limit.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A bound is not positive.</exception>
    public ChunkAssembler(TransferLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        _limits = limits.Validate();
    }

    /// <summary>Why the last chunk was refused, for the log.</summary>
    public string LastRefusal { get; private set; } = string.Empty;

    /// <summary>Incomplete vectors held now.</summary>
    public int OpenVectors => _open.Count;

    /// <summary>Ciphertext bytes held now in incomplete vectors.</summary>
    public long BufferedBytes { get; private set; }

    /// <summary>The most ciphertext bytes ever held at once, for showing that a flood stayed bounded.</summary>
    public long PeakBufferedBytes { get; private set; }

    /// <summary>Offers a chunk; when it completes its vector, <paramref name="completed"/> holds the ciphertexts in order.</summary>
    public ChunkOutcome Offer(EncryptedChunk chunk, out AssembledVector? completed)
    {
        completed = null;
        if (chunk.ChunkCount <= 0 || chunk.ChunkCount > _limits.MaxChunksPerVector)
            return Refuse($"chunk count {chunk.ChunkCount} is outside 1..{_limits.MaxChunksPerVector}");
        if (chunk.ChunkIndex < 0 || chunk.ChunkIndex >= chunk.ChunkCount)
            return Refuse($"chunk index {chunk.ChunkIndex} is outside 0..{chunk.ChunkCount - 1}");
        if (chunk.VectorLength <= 0)
            return Refuse($"vector length {chunk.VectorLength} is not positive");
        if (chunk.Ciphertext is null || chunk.Ciphertext.Length == 0)
            return Refuse("the chunk carries no ciphertext");
        if (chunk.Ciphertext.Length > _limits.MaxCiphertextBytes)
            return Refuse($"the chunk's {chunk.Ciphertext.Length}-byte ciphertext is longer than any ciphertext of the parameter set ({_limits.MaxCiphertextBytes} bytes)");

        var key = (chunk.RoundId, chunk.ParticipantId, chunk.Kind);
        if (!_open.TryGetValue(key, out var partial))
        {
            var ofParticipant = _openByParticipant.GetValueOrDefault(chunk.ParticipantId);
            if (ofParticipant >= _limits.MaxOpenVectorsPerParticipant)
                return Refuse($"{chunk.ParticipantId} already has {ofParticipant} vectors being assembled (limit {_limits.MaxOpenVectorsPerParticipant})");
            if (_open.Count >= _limits.MaxOpenVectors)
                return Refuse($"{_open.Count} vectors are already being assembled (limit {_limits.MaxOpenVectors})");
            partial = new PartialVector(chunk.ChunkCount, chunk.VectorLength);
            _open[key] = partial;
            _openByParticipant[chunk.ParticipantId] = ofParticipant + 1;
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
        partial.Bytes += chunk.Ciphertext.Length;
        BufferedBytes += chunk.Ciphertext.Length;
        PeakBufferedBytes = Math.Max(PeakBufferedBytes, BufferedBytes);
        if (partial.Received < partial.Chunks.Length)
            return ChunkOutcome.Stored;

        Remove(key);
        completed = new AssembledVector(chunk.RoundId, chunk.ParticipantId, chunk.Kind, partial.VectorLength, Array.ConvertAll(partial.Chunks, c => c!));
        return ChunkOutcome.Completed;
    }

    /// <summary>Drops every partial vector of rounds before <paramref name="round"/>.</summary>
    public void DiscardBefore(int round) => DiscardWhere(k => k.Round < round);

    /// <summary>Drops every partial vector of one kind from rounds before <paramref name="round"/>.</summary>
    public void DiscardBefore(int round, PayloadKind kind) => DiscardWhere(k => k.Round < round && k.Kind == kind);

    /// <summary>Drops every partial vector of one participant (it left the federation).</summary>
    public void DiscardFrom(string participantId) => DiscardWhere(k => k.Participant == participantId);

    private void DiscardWhere(Func<(int Round, string Participant, PayloadKind Kind), bool> predicate)
    {
        foreach (var key in _open.Keys.Where(predicate).ToList())
            Remove(key);
    }

    private void Remove((int Round, string Participant, PayloadKind Kind) key)
    {
        if (!_open.Remove(key, out var partial))
            return;
        BufferedBytes -= partial.Bytes;
        if (--_openByParticipant[key.Participant] == 0)
            _openByParticipant.Remove(key.Participant);
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
        public long Bytes { get; set; }
    }
}

/// <summary>An encrypted vector whose chunks have all arrived.</summary>
public sealed record AssembledVector(
    int RoundId,
    string ParticipantId,
    PayloadKind Kind,
    int VectorLength,
    IReadOnlyList<byte[]> Ciphertexts);
