using Akka.Actor;
using Akka.Configuration;
using FederatedHe.Actors.Configuration;
using FederatedHe.Actors.CryptoPool;
using FederatedHe.Crypto.Ckks;
using FederatedHe.Crypto.Rlwe;

namespace FederatedHe.Benchmarks;

/// <summary>
/// The actors' CKKS worker pool on the "4 hospitals × 1,000,000 doubles" workload at N = 16384: a
/// hospital's encryption, the aggregator's sum of 4 updates and a hospital's decryption, each split
/// into one request per ciphertext and spread over 1 and then 2 workers, to show the pool's speed-up.
/// Named <c>Pool/…/workers=k</c>.
/// </summary>
internal static class CryptoPoolBenchmarks
{
    private const int Values = 1_000_000;

    public static int Run(string[] args)
    {
        string? json = null;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--json" && i + 1 < args.Length)
                json = args[++i];
        }

        var parameters = CkksPresets.Params128BitLogN14LogQ101;
        var (secretKey, publicKey) = new KeyGenerator(parameters).GenerateKeyPair();
        var material = new CkksKeyMaterial(parameters, publicKey, secretKey);
        var values = new double[Values];
        for (var i = 0; i < values.Length; i++)
            values[i] = Math.Sin(i) * 10;

        Console.WriteLine($"crypto pool, {Values:N0} values in {EncryptedVector.ChunkCountFor(parameters, Values)} ciphertexts, N = {parameters.N}, {Environment.ProcessorCount} cores");
        var harness = new Harness(warmup: 1, repetitions: 5);
        var medians = new Dictionary<(string Phase, int Workers), double>();
        foreach (var workers in new[] { 1, 2 })
        {
            var config = ConfigurationFactory.ParseString($"""
                akka.loglevel = WARNING
                fedhe.crypto-dispatcher.dedicated-thread-pool.thread-count = {workers}
                """).WithFallback(FederationConfig.Default);
            using var system = ActorSystem.Create($"pool-benchmark-{workers}", config);
            var pool = system.ActorOf(CryptoWorker.PoolProps(material, workers));
            var client = new CryptoPoolClient(pool, parameters.SlotCount, TimeSpan.FromMinutes(10));

            byte[][] encrypted = [];
            medians[("encrypt", workers)] = harness.Time($"Pool/Encrypt1M/logN=14/workers={workers}",
                () => encrypted = client.EncryptAsync(values).GetAwaiter().GetResult()).MedianMs;
            var updates = Enumerable.Repeat<IReadOnlyList<byte[]>>(encrypted, 4).ToList();
            byte[][] sum = [];
            medians[("sum", workers)] = harness.Time($"Pool/Sum4x1M/logN=14/workers={workers}",
                () => sum = client.SumAsync(updates, Values).GetAwaiter().GetResult()).MedianMs;
            double[] decrypted = [];
            medians[("decrypt", workers)] = harness.Time($"Pool/Decrypt1M/logN=14/workers={workers}",
                () => decrypted = client.DecryptAsync(sum, Values).GetAwaiter().GetResult()).MedianMs;

            var error = decrypted.Select((v, i) => Math.Abs(v - 4 * values[i])).Max();
            harness.Record($"Pool/MaxAbsError/workers={workers}", error, "max |Dec(sum) - 4x|");
            system.Terminate().Wait();
        }

        foreach (var phase in new[] { "encrypt", "sum", "decrypt" })
            harness.Record($"Pool/SpeedUp/{phase}", medians[(phase, 1)] / medians[(phase, 2)], "1 worker / 2 workers");

        if (json is not null)
            harness.WriteJson(json);
        return 0;
    }
}
