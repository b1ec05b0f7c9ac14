using System.Diagnostics;
using FederatedHe.Crypto.Ckks;
using FederatedHe.Crypto.Rlwe;

namespace FederatedHe.Benchmarks;

/// <summary>
/// Issue 15, encryption at model scale: 4 hospitals × 1,000,000 FedAvg-update values (n_i·w_i), one
/// thread, shared-key mode. Today's path (<c>Params128BitLogN13LogQ101</c>: VectorEncryptor's compact
/// ciphertexts, the aggregator's full-size sum) beside the aggregation path
/// (<c>Params128BitLogN12LogQ60Aggregation</c>: AggregationEncryptor → AggregationAccumulator →
/// AggregationDecryptor over streams), in the same run. Reports ms, bytes per parameter and the error of
/// the decrypted sum, plus the bytes each choice (one modulus, complex slots, seeded sum, dropped bits)
/// saves on its own.
/// </summary>
internal static class HeScaleBenchmarks
{
    private const int Hospitals = 4;
    private static int _totalPatients;

    public static int Run(string[] args)
    {
        string? json = null;
        int length = 1_000_000;
        int repetitions = 5;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--json":
                    json = args[++i];
                    break;
                case "--length":
                    length = int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture);
                    break;
                case "--repetitions":
                    repetitions = int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture);
                    break;
                default:
                    Console.Error.WriteLine($"unknown option {args[i]}");
                    return 2;
            }
        }

        Console.WriteLine($"he-scale: {Hospitals} hospitals × {length:N0} values, 1 thread; {Environment.ProcessorCount} CPUs, load average {LoadAverage()}");
        var harness = new Harness(1, repetitions);
        var random = new Random(15); // benchmark inputs only; never used for key material
        var updates = new double[Hospitals][];
        var sum = new double[length];
        for (int i = 0; i < Hospitals; i++)
        {
            // A FedAvg numerator: n_i patients times weights of a trained MLP (|w| mostly below 1, up to 10).
            int patients = random.Next(100, 501);
            _totalPatients += patients;
            updates[i] = Enumerable.Range(0, length).Select(_ => patients * Math.Clamp(0.3 * Gaussian(random), -10, 10)).ToArray();
            for (int j = 0; j < length; j++)
            {
                sum[j] += updates[i][j];
            }
        }

        Today(harness, CkksPresets.Params128BitLogN13LogQ101, updates, sum);
        Aggregation(harness, CkksPresets.Params128BitLogN12LogQ60Aggregation, updates, sum, null);
        var realSlots = CkksParameters.Create(CkksPresets.LiteralLogN12LogQ60Aggregation with { Packing = SlotPacking.RealSlots });
        Aggregation(harness, realSlots, updates, sum, "RealSlots");
        Ladder(harness, length);
        DroppedBitsPrecision(harness, CkksPresets.Params128BitLogN12LogQ60Aggregation, updates, sum);
        Console.WriteLine($"load average after the run: {LoadAverage()}");
        if (json is not null)
        {
            harness.WriteJson(json);
            Console.WriteLine($"wrote {json}");
        }

        return 0;
    }

    /// <summary>Today's shared-key path, as the actors' crypto pool runs it, chunk by chunk through bytes.</summary>
    private static void Today(Harness h, CkksParameters parameters, double[][] updates, double[] sum)
    {
        string tag = $"HeScale/{Name(parameters)}";
        using var secretKey = new KeyGenerator(parameters).GenerateSecretKey();
        var encryptor = new VectorEncryptor(parameters, secretKey);
        var decryptor = new VectorDecryptor(parameters, secretKey);
        var evaluator = new Evaluator(parameters);
        int length = sum.Length;
        int chunks = EncryptedVector.ChunkCountFor(parameters, length);
        var wire = new byte[Hospitals][][];
        for (int i = 0; i < Hospitals; i++)
        {
            wire[i] = Enumerable.Range(0, chunks).Select(k => encryptor.EncryptChunk(updates[i], k).ToBytes()).ToArray();
        }

        Time(h, $"{tag}/EncryptAndSerialize/1 hospital", () =>
        {
            for (int k = 0; k < chunks; k++)
            {
                _ = encryptor.EncryptChunk(updates[0], k).ToBytes();
            }
        });
        byte[][] aggregate = new byte[chunks][];
        Time(h, $"{tag}/DeserializeAndSum/{Hospitals} updates", () =>
        {
            for (int k = 0; k < chunks; k++)
            {
                var total = Ciphertext.FromBytes(parameters, wire[0][k]);
                total.ForgetSeed();
                for (int i = 1; i < Hospitals; i++)
                {
                    evaluator.AddInPlace(total, Ciphertext.FromBytes(parameters, wire[i][k]));
                }

                aggregate[k] = total.ToBytes();
            }
        });
        var decrypted = new double[length];
        Time(h, $"{tag}/DeserializeAndDecrypt/sum", () =>
        {
            for (int k = 0; k < chunks; k++)
            {
                var (offset, count) = EncryptedVector.ChunkRange(parameters, length, k);
                decryptor.DecryptChunk(Ciphertext.FromBytes(parameters, aggregate[k]), decrypted.AsSpan(offset, count));
            }
        });
        Report(h, tag, wire[0].Sum(b => (long)b.Length), aggregate.Sum(b => (long)b.Length), sum, decrypted);
    }

    /// <summary>The aggregation path over streams, one chunk in memory at a time on each side.</summary>
    private static void Aggregation(Harness h, CkksParameters parameters, double[][] updates, double[] sum, string? variant)
    {
        string tag = $"HeScale/{Name(parameters)}{(variant is null ? "" : "/" + variant)}";
        using var secretKey = new KeyGenerator(parameters).GenerateSecretKey();
        var encryptor = new AggregationEncryptor(parameters, secretKey);
        var decryptor = new AggregationDecryptor(parameters, secretKey);
        int length = sum.Length;
        var wire = new MemoryStream[Hospitals];
        for (int i = 0; i < Hospitals; i++)
        {
            wire[i] = new MemoryStream();
            encryptor.EncryptTo(updates[i], wire[i]);
        }

        var scratch = new MemoryStream((int)wire[0].Length);
        Time(h, $"{tag}/EncryptAndSerialize/1 hospital", () =>
        {
            scratch.SetLength(0);
            encryptor.EncryptTo(updates[0], scratch);
        });
        var aggregate = new MemoryStream();
        Time(h, $"{tag}/DeserializeAndSum/{Hospitals} updates", () =>
        {
            var accumulator = new AggregationAccumulator(parameters, length);
            foreach (var stream in wire)
            {
                stream.Position = 0;
                while (stream.Position < stream.Length)
                {
                    accumulator.AddFrom(stream);
                }
            }

            aggregate.SetLength(0);
            accumulator.WriteTo(aggregate);
        });
        var decrypted = new double[length];
        Time(h, $"{tag}/DeserializeAndDecrypt/sum", () =>
        {
            aggregate.Position = 0;
            decryptor.DecryptFrom(aggregate, decrypted);
        });
        Report(h, tag, wire[0].Length, aggregate.Length, sum, decrypted);
    }

    /// <summary>Bytes per parameter of update and sum as each choice is added (sizes are exact, not timed).</summary>
    private static void Ladder(Harness h, int length)
    {
        var today = CkksPresets.Params128BitLogN13LogQ101;
        var oneModulus = CkksPresets.Params128BitLogN13FedAvg;
        var complex = CkksPresets.Params128BitLogN12LogQ60Aggregation;
        double PerValue(long bytes) => (double)bytes / length;
        long Vector(CkksParameters p, bool compact) =>
            EncryptedVector.ChunkCountFor(p, length) * (long)(WireFormat.HeaderLength + 10 + p.PackedPolynomialLength(1 + p.MaxLevel) + (compact ? 32 : p.PackedPolynomialLength(1 + p.MaxLevel)));
        long Chunks(int droppedBits, int contributors) =>
            AggregationChunk.ChunkCountFor(complex, length) * (long)AggregationChunk.SerializedSizeFor(complex, droppedBits, contributors);
        long complexFullSum = AggregationChunk.ChunkCountFor(complex, length) * (long)(WireFormat.HeaderLength + 10 + (2 * complex.PackedPolynomialLength(1)));
        h.Record("HeScale/Bytes/a today: N=8192, Q=60+41, real slots", PerValue(Vector(today, true)), $"B/param update, {PerValue(Vector(today, false)):F2} sum");
        h.Record("HeScale/Bytes/b one 58-bit modulus (Params128BitLogN13FedAvg)", PerValue(Vector(oneModulus, true)), $"B/param update, {PerValue(Vector(oneModulus, false)):F2} sum");
        h.Record("HeScale/Bytes/c + complex slots, N=4096, one 60-bit prime", PerValue(Chunks(0, 1)), $"B/param update, {PerValue(complexFullSum):F2} sum with c1 sent");
        h.Record("HeScale/Bytes/d + sum carries seeds instead of c1", PerValue(Chunks(0, 1)), $"B/param update, {PerValue(Chunks(0, Hospitals)):F2} sum");
        int b = AggregationEncryptor.DefaultDroppedBits(complex);
        h.Record($"HeScale/Bytes/e + {b} low bits of c0 dropped", PerValue(Chunks(b, 1)), $"B/param update, {PerValue(Chunks(b, Hospitals)):F2} sum");
    }

    /// <summary>Error of the decrypted sum of the 4 updates, and float32 identity of the mean, against the dropped bits.</summary>
    private static void DroppedBitsPrecision(Harness h, CkksParameters parameters, double[][] updates, double[] sum)
    {
        using var secretKey = new KeyGenerator(parameters).GenerateSecretKey();
        var decryptor = new AggregationDecryptor(parameters, secretKey);
        foreach (int droppedBits in new[] { 0, 4, 6, 8, 10, 12 })
        {
            var encryptor = new AggregationEncryptor(parameters, secretKey, droppedBits);
            var accumulator = new AggregationAccumulator(parameters, sum.Length, droppedBits);
            long updateBytes = 0;
            foreach (var update in updates)
            {
                using var wire = new MemoryStream();
                updateBytes = encryptor.EncryptTo(update, wire);
                wire.Position = 0;
                while (wire.Position < wire.Length)
                {
                    accumulator.AddFrom(wire);
                }
            }

            using var aggregate = new MemoryStream();
            long aggregateBytes = accumulator.WriteTo(aggregate);
            aggregate.Position = 0;
            var decrypted = new double[sum.Length];
            decryptor.DecryptFrom(aggregate, decrypted);
            Report(h, $"HeScale/DroppedBits={droppedBits}/{Name(parameters)}", updateBytes, aggregateBytes, sum, decrypted);
        }
    }

    private static void Report(Harness h, string tag, long updateBytes, long aggregateBytes, double[] sum, double[] decrypted)
    {
        double worstAbsolute = 0;
        double worstRelative = 0;
        double maxSum = 0;
        for (int j = 0; j < sum.Length; j++)
        {
            double error = Math.Abs(decrypted[j] - sum[j]);
            worstAbsolute = Math.Max(worstAbsolute, error);
            worstRelative = Math.Max(worstRelative, error / Math.Max(1.0, Math.Abs(sum[j])));
            maxSum = Math.Max(maxSum, Math.Abs(sum[j]));
        }

        h.Record($"{tag}/UpdateBytesPerParameter", (double)updateBytes / sum.Length, $"B/param ({updateBytes:N0} bytes)");
        h.Record($"{tag}/SumBytesPerParameter", (double)aggregateBytes / sum.Length, $"B/param ({aggregateBytes:N0} bytes)");
        h.Record($"{tag}/SumMaxAbsoluteError", worstAbsolute, $"(max |sum| {maxSum:F1}; worst error / max(1, |sum|) = {worstRelative:E2})");

        // What the model sees: the FedAvg mean Σ n_i·w_i / Σ n_i rounded to float32, beside the plaintext mean.
        int differing = 0;
        long worstUlps = 0;
        for (int j = 0; j < sum.Length; j++)
        {
            int a = BitConverter.SingleToInt32Bits((float)(decrypted[j] / _totalPatients));
            int b = BitConverter.SingleToInt32Bits((float)(sum[j] / _totalPatients));
            if (a != b)
            {
                differing++;
                worstUlps = Math.Max(worstUlps, Math.Abs((long)a - b));
            }
        }

        h.Record($"{tag}/Float32MeanWeightsDiffering", differing, $"of {sum.Length:N0}; largest difference {worstUlps} float32 ulp");
    }

    /// <summary>
    /// Times <paramref name="action"/> with the harness (wall clock) and records the process CPU time per call
    /// beside it: on a shared machine the wall clock includes time spent descheduled, CPU time does not.
    /// </summary>
    private static void Time(Harness h, string name, Action action)
    {
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var before = process.TotalProcessorTime;
        int calls = 1 + h.Time(name, action).Repetitions;
        process.Refresh();
        h.Record($"{name}/cpu", (process.TotalProcessorTime - before).TotalMilliseconds / calls, "ms CPU per call (mean over warm-up and timed calls)");
    }

    private static string Name(CkksParameters parameters) =>
        CkksPresets.All.FirstOrDefault(p => p.Value.Id == parameters.Id).Key ?? $"logN={parameters.LogN}";

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0..3].Aggregate((a, b) => $"{a} {b}");
        }
        catch (IOException)
        {
            return "unknown";
        }
    }
}
