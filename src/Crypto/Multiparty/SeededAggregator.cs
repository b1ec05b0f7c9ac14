using FederatedHe.Crypto.Ckks;
using FederatedHe.Crypto.Ring;
using FederatedHe.Crypto.Rlwe;

namespace FederatedHe.Crypto.Multiparty;

/// <summary>
/// The untrusted aggregator's running sum of seeded updates for one vector and one context: adds each chunk as
/// it arrives (c0 modulo Q, the party and seed recorded) and writes the sum as <see cref="SeededAggregateChunk"/>s.
/// It holds no key: it only adds.
/// </summary>
/// <remarks>
/// <para>Refuses a chunk of another parameter set, vector length or context, a party outside 1..n, a party that
/// already contributed to the chunk, and a seed already in the sum: at most n contributions per chunk, one per party.</para>
/// <para>Thread-safe: additions to the same chunk are serialized by a lock per chunk.</para>
/// </remarks>
public sealed class SeededAggregator
{
    private readonly ThresholdParameters _parameters;
    private readonly Slot[] _slots;
    private readonly object _contextLock = new();
    private Sha256Digest? _contextDigest;

    /// <summary>Creates an empty sum for a vector of <paramref name="vectorLength"/> values from parties 1..<paramref name="partyCount"/>.</summary>
    /// <exception cref="ArgumentException">The parameter set is not a seeded-threshold set.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The length is not positive.</exception>
    /// <exception cref="ThresholdProtocolException">The party count is outside 1..MaxParties.</exception>
    public SeededAggregator(ThresholdParameters parameters, int vectorLength, int partyCount)
    {
        SeededChecks.RequireSeeded(parameters);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(vectorLength);
        MultipartyMath.CheckPartyCount(parameters, 1, partyCount);
        _parameters = parameters;
        VectorLength = vectorLength;
        PartyCount = partyCount;
        _slots = new Slot[AggregationChunk.ChunkCountFor(parameters.Ckks, vectorLength)];
        for (int k = 0; k < _slots.Length; k++)
        {
            _slots[k] = new Slot();
        }
    }

    /// <summary>The length of the vector being summed.</summary>
    public int VectorLength { get; }

    /// <summary>The number of parties n; contributors are in 1..n.</summary>
    public int PartyCount { get; }

    /// <summary>Number of chunks of the vector.</summary>
    public int ChunkCount => _slots.Length;

    /// <summary>How many contributions chunk <paramref name="chunkIndex"/> holds.</summary>
    /// <exception cref="ArgumentOutOfRangeException">No such chunk.</exception>
    public int ContributorCount(int chunkIndex)
    {
        var slot = SlotAt(chunkIndex);
        lock (slot)
        {
            return slot.Contributors.Count;
        }
    }

    /// <summary>Adds one update chunk to the sum.</summary>
    /// <exception cref="ParameterSetMismatchException">The chunk belongs to another parameter set.</exception>
    /// <exception cref="ArgumentException">The chunk belongs to a vector of another length.</exception>
    /// <exception cref="ThresholdProtocolException">The chunk was encrypted for another context than the sum's (ContextMismatch), its party is outside 1..n (PartyOutOfRange), or that party already contributed to this chunk (DuplicateParty).</exception>
    /// <exception cref="SeedReuseException">The chunk's seed is already in the sum.</exception>
    public void Add(SeededUpdateChunk update)
    {
        ArgumentNullException.ThrowIfNull(update);
        _parameters.Ckks.EnsureSameSet(update.Parameters.Ckks.Id, "seeded update chunk");
        if (update.VectorLength != VectorLength)
        {
            throw new ArgumentException($"The chunk belongs to a vector of {update.VectorLength} values; this sum is of {VectorLength}.", nameof(update));
        }

        MultipartyMath.CheckParty(update.PartyId, PartyCount, "contributor");
        lock (_contextLock)
        {
            _contextDigest ??= update.ContextDigest;
            if (_contextDigest != update.ContextDigest)
            {
                throw new ThresholdProtocolException(ThresholdProtocolFailure.ContextMismatch, update.PartyId, "the update was encrypted for another context (round) than the sum's.");
            }
        }

        int limbs = _parameters.Ckks.MaxLevel + 1;
        var slot = _slots[update.ChunkIndex];
        lock (slot)
        {
            if (slot.Contributors.ContainsKey(update.PartyId))
            {
                throw new ThresholdProtocolException(ThresholdProtocolFailure.DuplicateParty, update.PartyId, $"chunk {update.ChunkIndex}: this party already contributed to the sum.");
            }

            var seed = Sha256Digest.FromBytes(update.Seed);
            if (!slot.Seeds.Add(seed))
            {
                throw new SeedReuseException($"chunk {update.ChunkIndex}: the seed of party {update.PartyId}'s update is already in the sum (a replayed update, or a seed reused).");
            }

            slot.Contributors.Add(update.PartyId, update.Seed.ToArray());
            if (slot.Sum is null)
            {
                slot.Sum = update.C0.Clone();
            }
            else
            {
                _parameters.Ckks.Ring.Add(slot.Sum, update.C0, slot.Sum, limbs);
            }
        }
    }

    /// <summary>The sum in chunk <paramref name="chunkIndex"/>, with every contributor's party and seed.</summary>
    /// <exception cref="ArgumentOutOfRangeException">No such chunk.</exception>
    /// <exception cref="InvalidOperationException">Nothing was added to the chunk.</exception>
    public SeededAggregateChunk ToChunk(int chunkIndex)
    {
        var slot = SlotAt(chunkIndex);
        lock (slot)
        {
            if (slot.Sum is null)
            {
                throw new InvalidOperationException($"Nothing was added to chunk {chunkIndex}.");
            }

            var contributors = slot.Contributors.Select(c => (c.Key, c.Value)).ToArray();
            return new SeededAggregateChunk(_parameters, _contextDigest!.Value, chunkIndex, VectorLength, PartyCount, contributors, slot.Sum.Clone());
        }
    }

    private Slot SlotAt(int chunkIndex) =>
        (uint)chunkIndex < (uint)_slots.Length ? _slots[chunkIndex]
            : throw new ArgumentOutOfRangeException(nameof(chunkIndex), chunkIndex, $"The vector has {_slots.Length} chunks.");

    private sealed class Slot
    {
        public RnsPolynomial? Sum { get; set; }

        public SortedDictionary<int, byte[]> Contributors { get; } = [];

        public HashSet<Sha256Digest> Seeds { get; } = [];
    }
}
