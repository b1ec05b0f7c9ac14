using System.Diagnostics;
using FederatedHe.Crypto.Ckks;
using FederatedHe.Crypto.Rlwe;

namespace FederatedHe.Benchmarks;

/// <summary>
/// CKKS benchmarks at the OpenFHE anchor's parameters (N = 8192 and 16384, Q = 60 + 41 bits,
/// Δ = 2^40), one thread, plus the 4-hospital, 1,000,000-value pipeline on 1 and 2 threads.
/// </summary>
internal static class CryptoBenchmarks
{
    public static int Run(string[] args)
    {
        string? json = null;
        bool quick = false;
        bool pipeline = true;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--json":
                    json = args[++i];
                    break;
                case "--quick":
                    quick = true;
                    break;
                case "--skip-pipeline":
                    pipeline = false;
                    break;
                default:
                    Console.Error.WriteLine($"unknown option {args[i]}");
                    return 2;
            }
        }

        Console.WriteLine($"FederatedHe.Crypto benchmarks: {Environment.ProcessorCount} CPUs, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}, AVX2 {System.Runtime.Intrinsics.X86.Avx2.IsSupported}, Vector512 accelerated {System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated}");
        var harness = quick ? new Harness(2, 7) : new Harness();
        RingOperations(harness, CkksPresets.Params128BitLogN13LogQ101);
        RingOperations(harness, CkksPresets.Params128BitLogN14LogQ101);
        PerOperation(harness, CkksPresets.Params128BitLogN13LogQ101);
        PerOperation(harness, CkksPresets.Params128BitLogN14LogQ101);
        if (pipeline)
        {
            Pipeline(harness, CkksPresets.Params128BitLogN14LogQ101, 1_000_000, quick ? 1 : 3);
        }

        if (json is not null)
        {
            harness.WriteJson(json);
            Console.WriteLine($"wrote {json}");
        }

        return 0;
    }

    private static void RingOperations(Harness h, CkksParameters parameters)
    {
        var ring = parameters.Ring;
        var polynomial = ring.NewPolynomial(1);
        var random = new Random(3);
        for (int j = 0; j < parameters.N; j++)
        {
            polynomial.Limb(0)[j] = (ulong)random.NextInt64() % parameters.CiphertextPrimes[0];
        }

        var ntt = ring.Ntt(0);
        h.Time($"Ring/NTT/logN={parameters.LogN}", () => ntt.Forward(polynomial.Limb(0)), 200, 101);
        h.Time($"Ring/InverseNTT/logN={parameters.LogN}", () => ntt.Inverse(polynomial.Limb(0)), 200, 101);
    }

    private static void PerOperation(Harness h, CkksParameters parameters)
    {
        string tag = $"logN={parameters.LogN}";
        int slots = parameters.SlotCount;
        var random = new Random(1); // benchmark inputs only; never used for key material
        double[] values = Enumerable.Range(0, slots).Select(_ => (random.NextDouble() * 2) - 1).ToArray();
        var keyGenerator = new KeyGenerator(parameters);
        h.Time($"Ckks/KeyGen/{tag}", () => keyGenerator.GenerateKeyPair());
        var (secretKey, publicKey) = keyGenerator.GenerateKeyPair();
        var encoder = new CkksEncoder(parameters);
        var encryptor = new Encryptor(parameters, publicKey);
        var secretEncryptor = new Encryptor(parameters, secretKey);
        var decryptor = new Decryptor(parameters, secretKey);
        var evaluator = new Evaluator(parameters);
        var plaintext = new Plaintext(parameters, parameters.MaxLevel, parameters.DefaultScale);
        var ciphertext = new Ciphertext(parameters, parameters.MaxLevel, parameters.DefaultScale);
        var decoded = new double[slots];

        h.Time($"Ckks/Encode/{tag}", () => encoder.Encode(values, plaintext));
        encoder.Encode(values, plaintext);
        h.Time($"Ckks/Encrypt/{tag}", () => encryptor.Encrypt(plaintext, ciphertext));
        h.Time($"Ckks/EncryptSecretKeyCompact/{tag}", () => secretEncryptor.Encrypt(plaintext, ciphertext));
        h.Time($"Ckks/Encode+Encrypt/{tag}", () =>
        {
            encoder.Encode(values, plaintext);
            encryptor.Encrypt(plaintext, ciphertext);
        });

        var a = encryptor.EncryptNew(encoder.EncodeNew(values));
        var b = encryptor.EncryptNew(encoder.EncodeNew(values));
        var c = encryptor.EncryptNew(encoder.EncodeNew(values));
        var d = encryptor.EncryptNew(encoder.EncodeNew(values));
        var destination = new Ciphertext(parameters, parameters.MaxLevel, parameters.DefaultScale);
        h.Time($"Ckks/Add/{tag}", () => evaluator.Add(a, b, destination), "out of place into an existing ciphertext");
        h.Time($"Ckks/AddNew/{tag}", () => evaluator.AddNew(a, b), "allocates the result");
        var accumulator = a.Clone();
        h.Time($"Ckks/AddInPlace/{tag}", () => evaluator.AddInPlace(accumulator, b));
        h.Time($"Ckks/MultiplyConst/{tag}", () => evaluator.MultiplyConst(a, 0.25, destination));
        var product = evaluator.MultiplyConstNew(a, 0.25);
        var rescaled = new Ciphertext(parameters, parameters.MaxLevel, parameters.DefaultScale);
        h.Time($"Ckks/Rescale/{tag}", () => evaluator.Rescale(product, rescaled));
        h.Time($"Ckks/MultiplyConst+Rescale/{tag}", () =>
        {
            evaluator.MultiplyConst(a, 0.25, destination);
            evaluator.Rescale(destination, destination);
        });
        var decryptedPlaintext = new Plaintext(parameters, parameters.MaxLevel, parameters.DefaultScale);
        h.Time($"Ckks/Decrypt+Decode/fresh2Towers/{tag}", () =>
        {
            decryptor.Decrypt(a, decryptedPlaintext);
            encoder.Decode(decryptedPlaintext, decoded);
        });
        var mean = new Ciphertext(parameters, parameters.MaxLevel, parameters.DefaultScale);
        void MeanOf4()
        {
            evaluator.Add(a, b, mean);
            evaluator.AddInPlace(mean, c);
            evaluator.AddInPlace(mean, d);
            evaluator.MultiplyConst(mean, 0.25, mean);
            evaluator.Rescale(mean, mean);
        }

        h.Time($"Ckks/MeanOf4/{tag}", MeanOf4, "3 Add + MultiplyConst 0.25 + Rescale");
        MeanOf4();
        h.Time($"Ckks/Decrypt+Decode/rescaled1Tower/{tag}", () =>
        {
            decryptor.Decrypt(mean, decryptedPlaintext);
            encoder.Decode(decryptedPlaintext, decoded);
        });

        byte[] serialized = a.ToBytes();
        // OpenFHE's figure serializes into a stream; the counterpart is WriteTo into a reusable buffer.
        var buffer = new byte[a.SerializedSize];
        h.Time($"Ckks/Serialize/{tag}", () => a.WriteTo(buffer.AsSpan()), "WriteTo(Span<byte>), no allocation");
        h.Time($"Ckks/SerializeToBytes/{tag}", () => a.ToBytes(), "allocates the exact-size result array");
        using var stream = new MemoryStream(a.SerializedSize);
        h.Time($"Ckks/SerializeToStream/{tag}", () =>
        {
            stream.Position = 0;
            a.WriteTo(stream);
        }, "WriteTo(Stream) into a reused MemoryStream");
        h.Time($"Ckks/Deserialize/{tag}", () => Ciphertext.FromBytes(parameters, serialized));
        var compact = secretEncryptor.EncryptNew(plaintext);
        byte[] compactBytes = compact.ToBytes();
        h.Time($"Ckks/DeserializeCompact/{tag}", () => Ciphertext.FromBytes(parameters, compactBytes), "re-expands c1 from the seed");

        h.Record($"Ckks/Bytes/freshCiphertext/{tag}", serialized.Length, $"{(double)serialized.Length / slots:F1} B/slot");
        h.Record($"Ckks/Bytes/compactCiphertext/{tag}", compactBytes.Length, $"{(double)compactBytes.Length / slots:F1} B/slot");
        h.Record($"Ckks/Bytes/rescaledCiphertext/{tag}", mean.SerializedSize, $"{(double)mean.SerializedSize / slots:F1} B/slot");
        h.Record($"Ckks/Bytes/publicKey/{tag}", publicKey.SerializedSize, "bytes");
        h.Record($"Ckks/Bytes/secretKey/{tag}", secretKey.SerializedSize, "bytes");

        double worstFresh = 0;
        for (int i = 0; i < 10; i++)
        {
            var x = Enumerable.Range(0, slots).Select(_ => (random.NextDouble() * 2) - 1).ToArray();
            encoder.Decode(decryptor.DecryptNew(encryptor.EncryptNew(encoder.EncodeNew(x))), decoded);
            worstFresh = Math.Max(worstFresh, x.Zip(decoded, (u, v) => Math.Abs(u - v)).Max());
        }

        double worstMean = 0;
        for (int i = 0; i < 5; i++)
        {
            var xs = Enumerable.Range(0, 4).Select(_ => Enumerable.Range(0, slots).Select(_ => (random.NextDouble() * 2) - 1).ToArray()).ToArray();
            var cts = xs.Select(x => encryptor.EncryptNew(encoder.EncodeNew(x))).ToArray();
            var m = evaluator.AddNew(cts[0], cts[1]);
            evaluator.AddInPlace(m, cts[2]);
            evaluator.AddInPlace(m, cts[3]);
            evaluator.MultiplyConst(m, 0.25, m);
            evaluator.Rescale(m, m);
            encoder.Decode(decryptor.DecryptNew(m), decoded);
            worstMean = Math.Max(worstMean, Enumerable.Range(0, slots).Max(j => Math.Abs(decoded[j] - (xs.Sum(x => x[j]) / 4))));
        }

        h.Record($"Ckks/Error/fresh/{tag}", worstFresh, "max |dec(enc(x)) - x|, 10 encryptions");
        h.Record($"Ckks/Error/meanOf4/{tag}", worstMean, "max |mean error|, 5 trials");
    }

    private static void Pipeline(Harness h, CkksParameters parameters, int length, int repetitions)
    {
        var random = new Random(2);
        var updates = Enumerable.Range(0, 4).Select(_ => Enumerable.Range(0, length).Select(_ => (random.NextDouble() * 2) - 1).ToArray()).ToArray();
        var expectedSum = Enumerable.Range(0, length).Select(j => updates.Sum(u => u[j])).ToArray();
        var (secretKey, publicKey) = new KeyGenerator(parameters).GenerateKeyPair();
        var encryptor = new VectorEncryptor(parameters, publicKey);
        var evaluator = new VectorEvaluator(parameters);
        var decryptor = new VectorDecryptor(parameters, secretKey);
        string tag = $"logN={parameters.LogN}";
        foreach (int threads in new[] { 1, 2 })
        {
            var encryptTimes = new List<double>();
            var sumTimes = new List<double>();
            var decryptTimes = new List<double>();
            var meanTimes = new List<double>();
            var meanDecryptTimes = new List<double>();
            double worstSum = 0;
            for (int r = 0; r < repetitions + 1; r++)
            {
                var watch = Stopwatch.StartNew();
                var encrypted = updates.Select(u => threads == 1 ? encryptor.Encrypt(u) : encryptor.EncryptParallel(u, threads)).ToList();
                double encrypt = watch.Elapsed.TotalMilliseconds;

                watch.Restart();
                var sum = evaluator.SumParallel(encrypted, threads);
                double add = watch.Elapsed.TotalMilliseconds;

                watch.Restart();
                var decrypted = threads == 1 ? decryptor.Decrypt(sum) : decryptor.DecryptParallel(sum, threads);
                double decrypt = watch.Elapsed.TotalMilliseconds;

                watch.Restart();
                var mean = evaluator.MultiplyConstAndRescaleNew(sum, 0.25, threads);
                double meanTime = watch.Elapsed.TotalMilliseconds;
                watch.Restart();
                _ = threads == 1 ? decryptor.Decrypt(mean) : decryptor.DecryptParallel(mean, threads);
                double meanDecrypt = watch.Elapsed.TotalMilliseconds;
                if (r == 0)
                {
                    worstSum = expectedSum.Zip(decrypted, (u, v) => Math.Abs(u - v)).Max();
                    continue; // warm-up round
                }

                encryptTimes.Add(encrypt);
                sumTimes.Add(add);
                decryptTimes.Add(decrypt);
                meanTimes.Add(meanTime);
                meanDecryptTimes.Add(meanDecrypt);
            }

            string note = $"{length:N0} doubles, 4 hospitals, {EncryptedVector.ChunkCountFor(parameters, length)} ciphertexts each, median of {repetitions}";
            Report(h, $"Pipeline/EncodeEncrypt4x1M/{tag}/threads={threads}", encryptTimes, note);
            Report(h, $"Pipeline/Sum/{tag}/threads={threads}", sumTimes, "SumParallel: Add into a new chunk, then 2 AddInPlace (allocation included)");
            Report(h, $"Pipeline/DecryptDecode/{tag}/threads={threads}", decryptTimes, "2-tower sums");
            Report(h, $"Pipeline/Total/{tag}/threads={threads}", encryptTimes.Zip(sumTimes, decryptTimes).Select(t => t.First + t.Second + t.Third).ToList(), "encrypt + sum + decrypt");
            Report(h, $"Pipeline/MultiplyConst+Rescale/{tag}/threads={threads}", meanTimes, "MultiplyConstAndRescaleNew of the sums (allocation included)");
            Report(h, $"Pipeline/DecryptDecodeMean/{tag}/threads={threads}", meanDecryptTimes, "1-tower means");
            h.Record($"Pipeline/Error/sum/{tag}/threads={threads}", worstSum, "max |sum error| over 1M values");
        }
    }

    private static void Report(Harness h, string name, List<double> samples, string note)
    {
        var sorted = samples.Order().ToArray();
        h.Record(name, sorted[sorted.Length / 2], $"ms ({note}; min {sorted[0]:F0}, max {sorted[^1]:F0})");
    }
}
