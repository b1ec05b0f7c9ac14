using FederatedHe.Crypto.Ckks;
using FederatedHe.Crypto.Multiparty;
using FederatedHe.Crypto.Rlwe;

namespace FederatedHe.Benchmarks;

/// <summary>
/// Threshold aggregation of the 1 M model (1,082,369 values) by 4 hospitals, 3-of-4, one thread: the seeded scheme
/// at <see cref="ThresholdPresets.Params128BitLogN13LogQ108SeededThreshold"/> (encrypt per hospital, sum of 4,
/// decryption share per member, fusion) beside the collective-key path at
/// <see cref="ThresholdPresets.Params128BitLogN13LogQ160Threshold"/> measured in the same run, with the bytes per
/// parameter of an update and of what one hospital receives (the sum and the committee's shares).
/// Stopwatch harness (1 warm-up and 5 timed calls; --quick: 1 and 3), median per whole vector.
/// </summary>
public static class SeededThresholdBenchmarks
{
    private const int ModelLength = 1_082_369;
    private const int Parties = 4;
    private const int Threshold = 3;
    private static readonly int[] Committee = [1, 2, 3];

    /// <summary>Runs the benchmark; options: --quick, --json path.</summary>
    /// <returns>0 on success, 2 for an unknown option.</returns>
    public static int Run(string[] args)
    {
        if (!ThresholdBenchmarks.TryReadOptions(args, out string? json, out bool quick))
        {
            return 2;
        }

        Console.WriteLine($"FederatedHe seeded threshold benchmark: {ModelLength:N0} values, {Parties} hospitals, {Threshold}-of-{Parties}, one thread; {Environment.ProcessorCount} CPUs, load average {LoadAverage()}, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}");
        var harness = quick ? new Harness(1, 3) : new Harness(1, 5);
        var random = new Random(1); // benchmark inputs only
        var updates = Enumerable.Range(0, Parties).Select(_ => Enumerable.Range(0, ModelLength).Select(_ => (random.NextDouble() * 2) - 1).ToArray()).ToArray();
        var expected = Enumerable.Range(0, ModelLength).Select(i => updates.Sum(u => u[i])).ToArray();
        Seeded(harness, updates, expected);
        CollectiveKey(harness, updates, expected);
        Console.WriteLine($"load average after the run: {LoadAverage()}");
        if (json is not null)
        {
            harness.WriteJson(json);
            Console.WriteLine($"wrote {json}");
        }

        return 0;
    }

    private static void Seeded(Harness h, double[][] updates, double[] expected)
    {
        var parameters = ThresholdPresets.Params128BitLogN13LogQ108SeededThreshold;
        string tag = "seeded logN=13 Q=108";
        var keyId = Sha256Digest.Of("benchmark key set"u8);
        var generator = new KeyGenerator(parameters.Ckks);
        var secrets = Enumerable.Range(0, Parties).Select(_ => generator.GenerateSecretKey()).ToArray();
        var sharer = new ThresholdSecretSharer(parameters);
        var dealt = secrets.Select((s, i) => sharer.GenShares(s, i + 1, Threshold, Parties, keyId)).ToArray();
        var keys = Enumerable.Range(0, Parties).Select(j => DealtSecretShares.FromShares(parameters, dealt.Select(sent => sent[j]))).ToArray();
        var encryptors = secrets.Select((s, i) => new SeededThresholdEncryptor(parameters, s, i + 1, keyId)).ToArray();
        var masks = ThresholdBenchmarks.PairwiseMaskSeeds(Parties);
        var combiner = new SeededThresholdCombiner(parameters, keyId, Threshold, Parties);
        byte[] context = "round 1 / model"u8.ToArray();

        h.Time($"SeededThreshold/Encrypt 1M per hospital/{tag}", () => encryptors[0].Encrypt(updates[0], context));
        var chunks = encryptors.Select((e, i) => e.Encrypt(updates[i], context)).ToArray();
        SeededAggregator Sum()
        {
            var aggregator = new SeededAggregator(parameters, ModelLength, Parties);
            foreach (var update in chunks)
            {
                foreach (var chunk in update)
                {
                    aggregator.Add(chunk);
                }
            }

            return aggregator;
        }

        h.Time($"SeededThreshold/Sum of 4 updates (aggregator)/{tag}", () => Sum());
        var aggregator = Sum();
        var sums = Enumerable.Range(0, aggregator.ChunkCount).Select(aggregator.ToChunk).ToArray();

        // A member decrypts each sum once per committee: a fresh decryptor per timed call keeps its memory empty.
        DecryptionShare[] SharesOf(int member)
        {
            var decryptor = new SeededThresholdDecryptor(parameters, keys[member - 1]);
            return sums.Select(s => decryptor.GenShare(s, Committee, context, masks[member - 1], Parties)).ToArray();
        }

        h.Time($"SeededThreshold/Decryption shares of 1M per member/{tag}", () => SharesOf(1));
        var shares = Committee.Select(SharesOf).ToArray();
        var fused = new double[ModelLength];
        void Fuse()
        {
            for (int k = 0; k < sums.Length; k++)
            {
                var (offset, count) = AggregationChunk.ChunkRange(parameters.Ckks, ModelLength, k);
                combiner.FuseValues(sums[k], shares.Select(s => s[k]), context, fused.AsSpan(offset, count));
            }
        }

        h.Time($"SeededThreshold/Fuse+Decode 1M, 3 shares/{tag}", Fuse);
        Fuse();
        h.Record($"SeededThreshold/max error of the sum of 4, |x| <= 1/{tag}", ThresholdBenchmarks.MaxError(expected, fused), $"stated bound {parameters.FusedErrorBound(Threshold):E2}");
        long updateBytes = chunks[0].Sum(c => (long)c.SerializedSize);
        long sumBytes = sums.Sum(s => (long)s.SerializedSize);
        long shareBytes = shares[0].Sum(s => (long)s.SerializedSize);
        h.Record($"SeededThreshold/bytes per parameter, update/{tag}", (double)updateBytes / ModelLength, $"{updateBytes:N0} B");
        h.Record($"SeededThreshold/bytes per parameter, sum of 4/{tag}", (double)sumBytes / ModelLength, $"{sumBytes:N0} B");
        h.Record($"SeededThreshold/bytes per parameter, one share/{tag}", (double)shareBytes / ModelLength, $"{shareBytes:N0} B");
        h.Record($"SeededThreshold/bytes per parameter received by a hospital (sum + 3 shares)/{tag}", (double)(sumBytes + (3 * shareBytes)) / ModelLength, "a member computes its own share: sum + 2 shares in practice");
    }

    private static void CollectiveKey(Harness h, double[][] updates, double[] expected)
    {
        var parameters = ThresholdPresets.Params128BitLogN13LogQ160Threshold;
        var ckks = parameters.Ckks;
        string tag = "collective logN=13 Q=160";
        var generator = new CollectivePublicKeyGenerator(parameters);
        byte[] seed = CollectivePublicKeyGenerator.NewCommonSeed();
        var secrets = Enumerable.Range(0, Parties).Select(_ => generator.GenSecretShare()).ToArray();
        var publicKey = generator.AggregateShares(secrets.Select((s, i) => generator.GenShare(s, seed, i + 1, Parties)).ToArray());
        var keyId = CollectivePublicKeyGenerator.KeyIdOf(publicKey);
        var sharer = new ThresholdSecretSharer(parameters);
        var shamir = secrets.Select((s, i) => sharer.GenShares(s, i + 1, Threshold, Parties, keyId)).ToArray();
        var decryptors = Enumerable.Range(0, Parties).Select(j => new ThresholdDecryptor(parameters, sharer.Combine(shamir.Select(sent => sent[j])))).ToArray();
        var masks = ThresholdBenchmarks.PairwiseMaskSeeds(Parties);
        var combiner = new ThresholdCombiner(parameters, keyId, Threshold, Parties);
        var encryptor = new VectorEncryptor(ckks, publicKey);
        var evaluator = new VectorEvaluator(ckks);
        byte[] context = "round 1 / model"u8.ToArray();

        h.Time($"CollectiveThreshold/Encrypt 1M per hospital/{tag}", () => encryptor.Encrypt(updates[0]));
        var vectors = updates.Select(u => encryptor.Encrypt(u)).ToArray();
        h.Time($"CollectiveThreshold/Sum of 4 updates (aggregator)/{tag}", () => evaluator.Sum(vectors));
        var sum = evaluator.Sum(vectors);
        h.Time($"CollectiveThreshold/Decryption shares of 1M per member/{tag}", () => decryptors[0].GenShares(sum, Committee, context, masks[0]));
        var shares = Committee.Select(id => (IReadOnlyList<DecryptionShare>)decryptors[id - 1].GenShares(sum, Committee, context, masks[id - 1])).ToArray();
        h.Time($"CollectiveThreshold/Fuse+Decode 1M, 3 shares/{tag}", () => combiner.FuseVector(sum, shares, context));
        var fused = combiner.FuseVector(sum, shares, context);
        h.Record($"CollectiveThreshold/max error of the sum of 4, |x| <= 1/{tag}", ThresholdBenchmarks.MaxError(expected, fused), $"stated bound {parameters.FusedErrorBound(Threshold):E2}");
        long updateBytes = vectors[0].SerializedSize;
        long shareBytes = shares[0].Sum(s => (long)s.SerializedSize);
        h.Record($"CollectiveThreshold/bytes per parameter, update/{tag}", (double)updateBytes / ModelLength, $"{updateBytes:N0} B");
        h.Record($"CollectiveThreshold/bytes per parameter, one share/{tag}", (double)shareBytes / ModelLength, $"{shareBytes:N0} B");
        h.Record($"CollectiveThreshold/bytes per parameter received by a hospital (sum + 3 shares)/{tag}", (double)(sum.SerializedSize + (3 * shareBytes)) / ModelLength, $"sum {sum.SerializedSize:N0} B");
    }

    private static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ').Take(3).Aggregate((a, b) => $"{a} {b}");
        }
        catch (IOException)
        {
            return "unknown";
        }
    }
}
