using Akka.Actor;
using Akka.Routing;
using FederatedHe.Crypto;
using FederatedHe.Crypto.Ckks;
using FederatedHe.Crypto.Rlwe;
using static FederatedHe.Actors.CryptoPool.CryptoPoolProtocol;

namespace FederatedHe.Actors.CryptoPool;

/// <summary>
/// One CKKS worker of a node's pool, on the crypto dispatcher. Every ciphertext it reads is checked
/// against the node's parameter set by the library's validating reader.
/// </summary>
internal sealed class CryptoWorker : ReceiveActor
{
    public CryptoWorker(CkksKeyMaterial material)
    {
        var parameters = material.Parameters;
        var evaluator = new Evaluator(parameters);

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
            // The request holds just this chunk's values: it is chunk 0 of itself.
            return new CiphertextResponse(request.ChunkIndex, encryptor.EncryptChunk(request.Values, 0).ToBytes());
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
            var values = new double[request.ValueCount];
            decryptor.DecryptChunk(Ciphertext.FromBytes(parameters, request.Ciphertext), values);
            return new PlaintextResponse(request.ChunkIndex, values);
        }));
    }

    private void Reply(ICryptoRequest request, Func<object> work)
    {
        try
        {
            Sender.Tell(work());
        }
        catch (Exception exception) when (exception is CkksFormatException or ParameterSetMismatchException
                                              or CkksOperationException or ArgumentException or InvalidOperationException)
        {
            Sender.Tell(new CryptoFailureResponse(request.ChunkIndex, exception.Message));
        }
    }

    /// <summary>A round-robin pool of workers on the crypto dispatcher.</summary>
    public static Props PoolProps(CkksKeyMaterial material, int size) =>
        Props.Create(() => new CryptoWorker(material))
            .WithDispatcher("fedhe.crypto-dispatcher")
            .WithRouter(new RoundRobinPool(size));
}
