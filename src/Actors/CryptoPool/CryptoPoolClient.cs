using Akka.Actor;
using static FederatedHe.Actors.CryptoPool.CryptoPoolProtocol;

namespace FederatedHe.Actors.CryptoPool;

/// <summary>
/// Splits vector-level CKKS work into per-ciphertext requests to the worker pool and gathers the
/// results in order. Callers inside actors pipe the returned task to themselves.
/// </summary>
/// <remarks>Thread-safe: it holds only immutable references.</remarks>
public sealed class CryptoPoolClient
{
    private readonly IActorRef _pool;
    private readonly TimeSpan _timeout;

    /// <summary>Creates a client for a pool whose ciphertexts hold <paramref name="slotsPerCiphertext"/> values.</summary>
    public CryptoPoolClient(IActorRef pool, int slotsPerCiphertext, TimeSpan timeout)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(slotsPerCiphertext);
        _pool = pool;
        SlotsPerCiphertext = slotsPerCiphertext;
        _timeout = timeout;
    }

    /// <summary>Values one ciphertext carries.</summary>
    public int SlotsPerCiphertext { get; }

    /// <summary>How many ciphertexts a vector of <paramref name="length"/> values needs.</summary>
    public int ChunkCount(int length) => (length + SlotsPerCiphertext - 1) / SlotsPerCiphertext;

    /// <summary>
    /// Encrypts a vector of any length, one ciphertext per chunk, in parallel across the pool; in the seeded threshold
    /// format for <paramref name="context"/> (<see cref="SeededUpdateContext"/>).
    /// </summary>
    /// <exception cref="CryptoPoolException">A worker failed or timed out.</exception>
    public Task<byte[][]> EncryptAsync(ReadOnlyMemory<double> values, byte[]? context = null)
    {
        var requests = Enumerable.Range(0, ChunkCount(values.Length)).Select(i => (ICryptoRequest)new EncryptChunk(i, values, context));
        return GatherCiphertexts(requests);
    }

    /// <summary>
    /// Adds several encrypted vectors chunk by chunk; all must have the same chunk count. In the seeded threshold format
    /// the updates belong to a key set of <paramref name="partyCount"/> parties.
    /// </summary>
    /// <exception cref="ArgumentException">The vectors have different chunk counts or there are none.</exception>
    /// <exception cref="CryptoPoolException">A worker failed or timed out.</exception>
    public Task<byte[][]> SumAsync(IReadOnlyList<IReadOnlyList<byte[]>> vectors, int vectorLength, int? partyCount = null)
    {
        if (vectors.Count == 0)
            throw new ArgumentException("nothing to sum", nameof(vectors));
        var chunkCount = vectors[0].Count;
        if (vectors.Any(v => v.Count != chunkCount))
            throw new ArgumentException("the vectors have different chunk counts", nameof(vectors));
        var requests = Enumerable.Range(0, chunkCount)
            .Select(i => (ICryptoRequest)new SumChunk(i, vectorLength, vectors.Select(v => v[i]).ToArray(), partyCount));
        return GatherCiphertexts(requests);
    }

    /// <summary>
    /// Checks every chunk of a peer's vector against the parameter set (format, parameter-set id, fresh level and scale
    /// of a ciphertext; index, vector length, one contribution and dropped bits of an aggregation chunk; index, vector length,
    /// <paramref name="party"/> and <paramref name="context"/> of a seeded threshold update) before it is added to anything.
    /// </summary>
    /// <returns>What is wrong with the first bad chunk (null if none), and the seeded chunks' seeds in order (empty for ciphertexts).</returns>
    public async Task<ChunkValidation> ValidateAsync(IReadOnlyList<byte[]> ciphertexts, int vectorLength, int? party = null, byte[]? context = null)
    {
        try
        {
            var valid = await Task.WhenAll(ciphertexts.Select((c, i) => Ask<ChunkValidResponse>(new ValidateChunk(i, vectorLength, c, party, context))))
                .ConfigureAwait(false);
            return new ChunkValidation(null, valid.OrderBy(v => v.ChunkIndex).Select(v => v.Seed).OfType<byte[]>().ToArray());
        }
        catch (CryptoPoolException exception)
        {
            return new ChunkValidation(exception.Message, []);
        }
    }

    /// <summary>
    /// Decrypts an encrypted vector of <paramref name="length"/> values. In the aggregation format every chunk of a sum
    /// must hold <paramref name="expectedContributors"/> contributions (when given) and include the same chunk of
    /// <paramref name="ownContribution"/> (when given: the node's own update, which a sum it uses must contain).
    /// </summary>
    /// <exception cref="CryptoPoolException">A worker failed or timed out, or a check failed.</exception>
    public async Task<double[]> DecryptAsync(IReadOnlyList<byte[]> ciphertexts, int length, int? expectedContributors = null,
        IReadOnlyList<byte[]>? ownContribution = null)
    {
        if (ownContribution is not null && ownContribution.Count != ciphertexts.Count)
            throw new CryptoPoolException(0, $"the sum has {ciphertexts.Count} chunks, this node's update {ownContribution.Count}");
        var requests = ciphertexts.Select((c, i) =>
            Ask<PlaintextResponse>(new DecryptChunk(i, length, c, expectedContributors, ownContribution?[i])));
        var parts = await Task.WhenAll(requests).ConfigureAwait(false);
        var result = new double[length];
        foreach (var part in parts)
            part.Values.CopyTo(result, part.ChunkIndex * SlotsPerCiphertext);
        return result;
    }

    private async Task<byte[][]> GatherCiphertexts(IEnumerable<ICryptoRequest> requests)
    {
        var responses = await Task.WhenAll(requests.Select(Ask<CiphertextResponse>)).ConfigureAwait(false);
        var result = new byte[responses.Length][];
        foreach (var response in responses)
            result[response.ChunkIndex] = response.Ciphertext;
        return result;
    }

    private async Task<T> Ask<T>(ICryptoRequest request)
    {
        object response;
        try
        {
            response = await _pool.Ask(request, _timeout).ConfigureAwait(false);
        }
        catch (AskTimeoutException)
        {
            throw new CryptoPoolException(request.ChunkIndex, $"no answer within {_timeout}");
        }

        return response switch
        {
            T typed => typed,
            CryptoFailureResponse failure => throw new CryptoPoolException(failure.ChunkIndex, failure.Reason),
            _ => throw new CryptoPoolException(request.ChunkIndex, $"unexpected answer {response.GetType().Name}"),
        };
    }
}

/// <summary>The outcome of <see cref="CryptoPoolClient.ValidateAsync"/>: the first problem, or the chunks' seeds.</summary>
public sealed record ChunkValidation(string? Problem, IReadOnlyList<byte[]> Seeds);

/// <summary>A chunk's CKKS work failed in the pool.</summary>
public sealed class CryptoPoolException(int chunkIndex, string reason)
    : Exception($"crypto pool: chunk {chunkIndex}: {reason}")
{
    /// <summary>The chunk whose work failed.</summary>
    public int ChunkIndex { get; } = chunkIndex;
}
