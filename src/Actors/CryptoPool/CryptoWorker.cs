using Akka.Actor;
using Akka.Event;
using Akka.Routing;
using FederatedHe.Crypto;
using FederatedHe.Crypto.Ckks;
using FederatedHe.Crypto.Multiparty;
using FederatedHe.Crypto.Rlwe;
using static FederatedHe.Actors.CryptoPool.CryptoPoolProtocol;

namespace FederatedHe.Actors.CryptoPool;

/// <summary>
/// One CKKS worker of a node's pool, on the crypto dispatcher. Every chunk it reads is checked against the node's
/// parameter set by the library's validating reader. Single-modulus sets use the aggregation format
/// (<see cref="UpdateChunking"/>); other sets travel as ciphertexts.
/// </summary>
internal sealed class CryptoWorker : ReceiveActor
{
    public CryptoWorker(CkksKeyMaterial material)
    {
        var chunking = UpdateChunking.For(material.Parameters, material.InsecurePlaintext, material.SeededThreshold);
        if (chunking.IsInsecurePlaintext)
            InsecurePlaintextFormat(chunking);
        else if (chunking.SeededThreshold is { } seeded)
            SeededThresholdFormat(seeded, material.SeededEncryptor);
        else if (chunking.IsAggregationFormat)
            AggregationFormat(material, chunking);
        else
            CiphertextFormat(material);
    }

    private void CiphertextFormat(CkksKeyMaterial material)
    {
        var parameters = material.Parameters;
        var evaluator = new Evaluator(parameters);
        var slots = parameters.SlotCount;

        // In shared-key mode hospitals hold the secret key and encrypt with it: a seeded, compact
        // ciphertext of half the size. Otherwise they encrypt with the (collective) public key.
        VectorEncryptor? encryptor = material.SecretKey is { } secret ? new VectorEncryptor(parameters, secret)
            : material.PublicKey is { } key ? new VectorEncryptor(parameters, key)
            : null;
        var decryptor = material.SecretKey is { } sk ? new VectorDecryptor(parameters, sk) : null;

        Receive<EncryptChunk>(request => Reply(request, () =>
        {
            if (encryptor is null)
                throw new InvalidOperationException("this node holds no key to encrypt with");
            var start = request.ChunkIndex * slots;
            var values = request.Vector.Span.Slice(start, Math.Min(slots, request.Vector.Length - start));
            // The slice holds just this chunk's values: it is chunk 0 of itself.
            return new CiphertextResponse(request.ChunkIndex, encryptor.EncryptChunk(values, 0).ToBytes());
        }));

        Receive<SumChunk>(request => Reply(request, () =>
        {
            if (request.Ciphertexts.Count == 0)
                throw new ArgumentException("nothing to sum");
            var sum = Ciphertext.FromBytes(parameters, request.Ciphertexts[0]);
            sum.ForgetSeed();
            foreach (var bytes in request.Ciphertexts.Skip(1))
                evaluator.AddInPlace(sum, Ciphertext.FromBytes(parameters, bytes));
            return new CiphertextResponse(request.ChunkIndex, sum.ToBytes());
        }));

        Receive<ValidateChunk>(request => Reply(request, () =>
        {
            var ciphertext = Ciphertext.FromBytes(parameters, request.Ciphertext);
            if (ciphertext.Level != parameters.MaxLevel)
                return new CryptoFailureResponse(request.ChunkIndex, $"the ciphertext is at level {ciphertext.Level}, not the fresh level {parameters.MaxLevel}");
            if (ciphertext.Scale != parameters.DefaultScale)
                return new CryptoFailureResponse(request.ChunkIndex, $"the ciphertext's scale {ciphertext.Scale} is not the parameter set's {parameters.DefaultScale}");
            return new ChunkValidResponse(request.ChunkIndex);
        }));

        Receive<DecryptChunk>(request => Reply(request, () =>
        {
            if (decryptor is null)
                throw new InvalidOperationException("this node holds no key to decrypt with");
            var values = new double[Math.Min(slots, request.VectorLength - request.ChunkIndex * slots)];
            decryptor.DecryptChunk(Ciphertext.FromBytes(parameters, request.Ciphertext), values);
            return new PlaintextResponse(request.ChunkIndex, values);
        }));
    }

    private void AggregationFormat(CkksKeyMaterial material, UpdateChunking chunking)
    {
        var parameters = material.Parameters;
        // Seeded encryption needs the secret key: the aggregation format is for shared-key mode only.
        var encryptor = material.SecretKey is { } secret ? new AggregationEncryptor(parameters, secret, chunking.DroppedBits) : null;
        var decryptor = material.SecretKey is { } sk ? new AggregationDecryptor(parameters, sk) : null;

        Receive<EncryptChunk>(request => Reply(request, () =>
        {
            if (encryptor is null)
                throw new InvalidOperationException("this node holds no secret key to encrypt aggregation chunks with");
            return new CiphertextResponse(request.ChunkIndex, encryptor.EncryptChunk(request.Vector.Span, request.ChunkIndex).ToBytes());
        }));

        Receive<SumChunk>(request => Reply(request, () =>
        {
            if (request.Ciphertexts.Count == 0)
                throw new ArgumentException("nothing to sum");
            var sum = new AggregationAccumulator(parameters, request.VectorLength, chunking.DroppedBits);
            foreach (var bytes in request.Ciphertexts)
                sum.Add(Read(bytes, request.ChunkIndex, request.VectorLength));
            return new CiphertextResponse(request.ChunkIndex, sum.ToChunk(request.ChunkIndex).ToBytes());
        }));

        Receive<ValidateChunk>(request => Reply(request, () =>
        {
            var chunk = Read(request.Ciphertext, request.ChunkIndex, request.VectorLength);
            if (chunk.ContributorCount != 1)
                return new CryptoFailureResponse(request.ChunkIndex, $"an update chunk holds {chunk.ContributorCount} contributions, not 1");
            if (chunk.DroppedBits != chunking.DroppedBits)
                return new CryptoFailureResponse(request.ChunkIndex, $"the chunk drops {chunk.DroppedBits} low bits, not the federation's {chunking.DroppedBits}");
            return new ChunkValidResponse(request.ChunkIndex, chunk.Seeds[0].ToArray());
        }));

        Receive<DecryptChunk>(request => Reply(request, () =>
        {
            if (decryptor is null)
                throw new InvalidOperationException("this node holds no key to decrypt with");
            var chunk = Read(request.Ciphertext, request.ChunkIndex, request.VectorLength);
            if (request.ExpectedContributors is { } expected && chunk.ContributorCount != expected)
                return new CryptoFailureResponse(request.ChunkIndex, $"the sum's chunk holds {chunk.ContributorCount} contributions where the others hold {expected}");
            if (request.OwnContribution is { } own && !chunk.Includes(AggregationChunk.FromBytes(parameters, own)))
                return new CryptoFailureResponse(request.ChunkIndex, "the sum does not include this hospital's own update");
            return new PlaintextResponse(request.ChunkIndex, decryptor.DecryptChunk(chunk));
        }));

        AggregationChunk Read(byte[] bytes, int chunkIndex, int vectorLength)
        {
            var chunk = AggregationChunk.FromBytes(parameters, bytes);
            CheckPosition(chunk.ChunkIndex, chunk.VectorLength, chunkIndex, vectorLength);
            return chunk;
        }
    }

    /// <summary>
    /// The seeded threshold scheme: a hospital encrypts under its own secret s_i for the round's context; the aggregator
    /// checks each update is the sender's and of the round, and sums them. Sums are decrypted by the committee (the
    /// hospital's threshold key holder), never by a pool.
    /// </summary>
    private void SeededThresholdFormat(ThresholdParameters parameters, SeededThresholdEncryptor? encryptor)
    {
        Receive<EncryptChunk>(request => Reply(request, () =>
        {
            if (encryptor is null)
                throw new InvalidOperationException("this node holds no secret to encrypt seeded threshold updates with");
            if (request.Context is null)
                throw new ArgumentException("a seeded threshold update needs the round's context");
            return new CiphertextResponse(request.ChunkIndex, encryptor.EncryptChunk(request.Vector.Span, request.ChunkIndex, request.Context).ToBytes());
        }));

        Receive<SumChunk>(request => Reply(request, () =>
        {
            if (request.Ciphertexts.Count == 0)
                throw new ArgumentException("nothing to sum");
            if (request.PartyCount is not { } parties)
                throw new ArgumentException("a seeded threshold sum needs the key set's party count");
            var sum = new SeededAggregator(parameters, request.VectorLength, parties);
            foreach (var bytes in request.Ciphertexts)
                sum.Add(Read(bytes, request.ChunkIndex, request.VectorLength));
            return new CiphertextResponse(request.ChunkIndex, sum.ToChunk(request.ChunkIndex).ToBytes());
        }));

        Receive<ValidateChunk>(request => Reply(request, () =>
        {
            var update = Read(request.Ciphertext, request.ChunkIndex, request.VectorLength);
            if (request.Party is { } party && update.PartyId != party)
                return new CryptoFailureResponse(request.ChunkIndex, $"the update chunk is party {update.PartyId}'s, sent by party {party}");
            if (request.Context is { } context && update.ContextDigest != SeededUpdateChunk.DigestOf(context))
                return new CryptoFailureResponse(request.ChunkIndex, "the update chunk was encrypted for another round or key set");
            return new ChunkValidResponse(request.ChunkIndex, update.Seed.ToArray());
        }));

        Receive<DecryptChunk>(request => Reply(request, () =>
            throw new InvalidOperationException("a seeded threshold sum is decrypted by the committee, not by a crypto pool")));

        SeededUpdateChunk Read(byte[] bytes, int chunkIndex, int vectorLength)
        {
            var chunk = SeededUpdateChunk.FromBytes(parameters, bytes);
            CheckPosition(chunk.ChunkIndex, chunk.VectorLength, chunkIndex, vectorLength);
            return chunk;
        }
    }

    /// <summary>Throws unless a chunk's own index and vector length are those its message gave.</summary>
    private static void CheckPosition(int index, int length, int sentIndex, int sentLength)
    {
        if (index != sentIndex)
            throw new ArgumentException($"the payload is chunk {index}, sent as chunk {sentIndex}");
        if (length != sentLength)
            throw new ArgumentException($"the chunk belongs to a vector of {length} values, sent as one of {sentLength}");
    }

    /// <summary>INSECURE comparison mode: a chunk is its values as little-endian doubles; "encryption" is a copy.</summary>
    private void InsecurePlaintextFormat(UpdateChunking chunking)
    {
        var perChunk = chunking.ValuesPerChunk;

        Receive<EncryptChunk>(request => Reply(request, () =>
        {
            var start = request.ChunkIndex * perChunk;
            var values = request.Vector.Span.Slice(start, Math.Min(perChunk, request.Vector.Length - start));
            return new CiphertextResponse(request.ChunkIndex, System.Runtime.InteropServices.MemoryMarshal.AsBytes(values).ToArray());
        }));

        Receive<SumChunk>(request => Reply(request, () =>
        {
            var sum = new double[ValueCount(request.ChunkIndex, request.VectorLength)];
            foreach (var bytes in request.Ciphertexts)
            {
                var values = Values(bytes, request.ChunkIndex, request.VectorLength);
                for (var i = 0; i < sum.Length; i++)
                    sum[i] += values[i];
            }

            return new CiphertextResponse(request.ChunkIndex, System.Runtime.InteropServices.MemoryMarshal.AsBytes(sum.AsSpan()).ToArray());
        }));

        Receive<ValidateChunk>(request => Reply(request, () =>
        {
            var values = Values(request.Ciphertext, request.ChunkIndex, request.VectorLength);
            var nonFinite = Array.FindIndex(values, v => !double.IsFinite(v));
            return nonFinite < 0 ? new ChunkValidResponse(request.ChunkIndex)
                : new CryptoFailureResponse(request.ChunkIndex, $"value {nonFinite} is not finite");
        }));

        Receive<DecryptChunk>(request => Reply(request, () =>
            new PlaintextResponse(request.ChunkIndex, Values(request.Ciphertext, request.ChunkIndex, request.VectorLength))));

        int ValueCount(int chunkIndex, int vectorLength)
        {
            var count = Math.Min(perChunk, vectorLength - (chunkIndex * perChunk));
            return count > 0 ? count : throw new ArgumentException($"a vector of {vectorLength} values has no chunk {chunkIndex}");
        }

        double[] Values(byte[] bytes, int chunkIndex, int vectorLength)
        {
            var count = ValueCount(chunkIndex, vectorLength);
            if (bytes.Length != count * sizeof(double))
                throw new ArgumentException($"the plaintext chunk has {bytes.Length} bytes, not the {count * sizeof(double)} of {count} values");
            return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, double>(bytes).ToArray();
        }
    }

    /// <summary>
    /// Answers every request, with the work's result or what went wrong. A worker that threw instead would be restarted
    /// without answering, and its caller would wait out its timeout (minutes): the coordinator, which takes checked updates
    /// in order, would hold every later update meanwhile, and a hospital would wait for a decryption that never ends.
    /// </summary>
    private void Reply(ICryptoRequest request, Func<object> work)
    {
        try
        {
            Sender.Tell(work());
        }
        catch (Exception exception) when (exception is CkksFormatException or ParameterSetMismatchException or ThresholdProtocolException
                                              or CkksOperationException or ArgumentException or InvalidOperationException)
        {
            Sender.Tell(new CryptoFailureResponse(request.ChunkIndex, exception.Message));
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // Not a refusal the CKKS code means to make: a bug or an input no check anticipated. Refused all the same.
            Context.GetLogger().Error(exception, "{0} of chunk {1} failed unexpectedly", request.GetType().Name, request.ChunkIndex);
            Sender.Tell(new CryptoFailureResponse(request.ChunkIndex, $"{exception.GetType().Name}: {exception.Message}"));
        }
    }

    /// <summary>A round-robin pool of workers on the crypto dispatcher.</summary>
    public static Props PoolProps(CkksKeyMaterial material, int size) =>
        Props.Create(() => new CryptoWorker(material))
            .WithDispatcher("fedhe.crypto-dispatcher")
            .WithRouter(new RoundRobinPool(size));
}
