using FederatedHe.Crypto.Ring;
using FederatedHe.Crypto.Rlwe;

namespace FederatedHe.Crypto.Ckks;

/// <summary>
/// The aggregator's running sum of <see cref="AggregationChunk"/>s for one vector: adds each chunk as it
/// arrives (c0 coefficient by coefficient modulo q0, the seeds appended), so no update is ever held whole,
/// and writes the sum as chunks that carry c0 and every contributor's seed.
/// </summary>
/// <remarks>
/// <para>Holds N words per chunk of the vector (8 MB for 1 M values at N = 4096 with complex slots) and
/// the seeds. It never needs a key: it only adds.</para>
/// <para>Refuses a chunk whose seed is already in the sum (<see cref="SeedReuseException"/>): a replayed
/// or duplicated update, or a reused seed.</para>
/// <para>Thread-safe: additions to the same chunk are serialized by a lock per chunk, so chunks from
/// several senders may be added concurrently.</para>
/// </remarks>
public sealed class AggregationAccumulator
{
    private readonly CkksParameters _parameters;
    private readonly Slot[] _slots;

    /// <summary>Creates an empty sum for a vector of <paramref name="vectorLength"/> values.</summary>
    /// <param name="parameters">A single-modulus set.</param>
    /// <param name="vectorLength">The length of every update.</param>
    /// <param name="droppedBits">Low bits of c0 dropped when the sum is written; null for <see cref="AggregationEncryptor.DefaultDroppedBits"/>.</param>
    /// <exception cref="CkksParameterException">The set has more than one ciphertext prime.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The length is not positive or <paramref name="droppedBits"/> is outside [0, LogScale).</exception>
    public AggregationAccumulator(CkksParameters parameters, int vectorLength, int? droppedBits = null)
    {
        AggregationChunk.CheckParameters(parameters);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(vectorLength);
        DroppedBits = droppedBits ?? AggregationEncryptor.DefaultDroppedBits(parameters);
        AggregationChunk.CheckDroppedBits(parameters, DroppedBits, nameof(droppedBits));
        _parameters = parameters;
        VectorLength = vectorLength;
        _slots = new Slot[AggregationChunk.ChunkCountFor(parameters, vectorLength)];
        for (int k = 0; k < _slots.Length; k++)
        {
            _slots[k] = new Slot();
        }
    }

    /// <summary>The length of the vector being summed.</summary>
    public int VectorLength { get; }

    /// <summary>Number of chunks of the vector.</summary>
    public int ChunkCount => _slots.Length;

    /// <summary>Low bits of c0 dropped when the sum is written.</summary>
    public int DroppedBits { get; }

    /// <summary>How many contributions chunk <paramref name="chunkIndex"/> holds.</summary>
    /// <exception cref="ArgumentOutOfRangeException">No such chunk.</exception>
    public int ContributorCount(int chunkIndex)
    {
        var slot = SlotAt(chunkIndex);
        lock (slot)
        {
            return slot.Seeds.Count;
        }
    }

    /// <summary>Adds one chunk (an update's or a partial sum's) to the sum.</summary>
    /// <exception cref="ParameterSetMismatchException">The chunk belongs to another parameter set.</exception>
    /// <exception cref="ArgumentException">The chunk belongs to a vector of another length.</exception>
    /// <exception cref="SeedReuseException">A seed of the chunk is already in the sum.</exception>
    public void Add(AggregationChunk chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        _parameters.EnsureSameSet(chunk.Parameters.Id, "aggregation chunk");
        if (chunk.VectorLength != VectorLength)
        {
            throw new ArgumentException($"The chunk belongs to a vector of {chunk.VectorLength} values; this sum is of {VectorLength}.", nameof(chunk));
        }

        int n = _parameters.N;
        Modulus q = _parameters.Ring.Moduli[0];
        var c0 = new ulong[n];
        chunk.ReadC0(c0);
        var seeds = chunk.SeedArrays;
        var slot = _slots[chunk.ChunkIndex];
        lock (slot)
        {
            if (slot.Seeds.Count + seeds.Length > AggregationChunk.MaxContributors)
            {
                throw new ArgumentException($"Chunk {chunk.ChunkIndex} would exceed {AggregationChunk.MaxContributors} contributions.", nameof(chunk));
            }

            foreach (var seed in seeds)
            {
                if (slot.Known.Contains(AggregationChunk.Seed.From(seed)))
                {
                    throw new SeedReuseException($"chunk {chunk.ChunkIndex}: a seed of this contribution is already in the sum (the same update added twice, or a seed reused).");
                }
            }

            foreach (var seed in seeds)
            {
                slot.Known.Add(AggregationChunk.Seed.From(seed));
                slot.Seeds.Add(seed);
            }

            if (slot.Sum is null)
            {
                slot.Sum = c0;
            }
            else
            {
                var sum = slot.Sum;
                for (int j = 0; j < n; j++)
                {
                    sum[j] = q.Add(sum[j], c0[j]);
                }
            }
        }
    }

    /// <summary>Reads one chunk payload from <paramref name="stream"/> and adds it.</summary>
    /// <exception cref="CkksFormatException">The payload is malformed or truncated.</exception>
    /// <exception cref="ParameterSetMismatchException">The payload belongs to another parameter set.</exception>
    /// <exception cref="ArgumentException">The chunk belongs to a vector of another length.</exception>
    /// <exception cref="SeedReuseException">A seed of the chunk is already in the sum.</exception>
    public void AddFrom(Stream stream) => Add(AggregationChunk.ReadFrom(_parameters, stream));

    /// <summary>The sum in chunk <paramref name="chunkIndex"/>, with the seeds of every contribution.</summary>
    /// <exception cref="ArgumentOutOfRangeException">No such chunk.</exception>
    /// <exception cref="InvalidOperationException">Nothing was added to the chunk.</exception>
    public AggregationChunk ToChunk(int chunkIndex)
    {
        var slot = SlotAt(chunkIndex);
        lock (slot)
        {
            if (slot.Sum is null)
            {
                throw new InvalidOperationException($"Nothing was added to chunk {chunkIndex}.");
            }

            return AggregationChunk.FromResidues(_parameters, chunkIndex, VectorLength, DroppedBits, slot.Seeds.ToArray(), slot.Sum);
        }
    }

    /// <summary>Writes every chunk of the sum to <paramref name="destination"/>, in order; returns the bytes written.</summary>
    /// <exception cref="InvalidOperationException">A chunk received nothing.</exception>
    public long WriteTo(Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        long written = 0;
        for (int k = 0; k < _slots.Length; k++)
        {
            var chunk = ToChunk(k);
            chunk.WriteTo(destination);
            written += chunk.SerializedSize;
        }

        return written;
    }

    private Slot SlotAt(int chunkIndex) =>
        (uint)chunkIndex < (uint)_slots.Length ? _slots[chunkIndex]
            : throw new ArgumentOutOfRangeException(nameof(chunkIndex), chunkIndex, $"The vector has {_slots.Length} chunks.");

    private sealed class Slot
    {
        public ulong[]? Sum { get; set; }

        public List<byte[]> Seeds { get; } = [];

        public HashSet<AggregationChunk.Seed> Known { get; } = [];
    }
}
