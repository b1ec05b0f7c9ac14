using FederatedHe.Crypto.Ckks;
using FederatedHe.Crypto.Multiparty;
using FederatedHe.Crypto.Rlwe;

namespace FederatedHe.Benchmarks;

/// <summary>
/// Threshold CKKS at the threshold presets (N = 8192 and 16384, Q = 60 + 60 + 40 bits), one thread,
/// with the step boundaries of OpenFHE's 3-party threshold benchmark: per-party key generation,
/// per-party decryption share, fusion including decoding; plus the Shamir re-sharing round, share
/// sizes and the fused error. Stopwatch harness (5 warm-up, 31 timed calls, median).
/// </summary>
public static class ThresholdBenchmarks
{
    /// <summary>Runs the benchmarks; options: --quick (2 warm-up, 7 timed calls), --json path.</summary>
    /// <returns>0 on success, 2 for an unknown option.</returns>
    public static int Run(string[] args)
    {
        if (!TryReadOptions(args, out string? json, out bool quick))
        {
            return 2;
        }

        Console.WriteLine($"FederatedHe threshold CKKS benchmarks: {Environment.ProcessorCount} CPUs, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}");
        var harness = quick ? new Harness(2, 7) : new Harness();
        foreach (var (name, parameters) in ThresholdPresets.All)
        {
            Console.WriteLine($"== {name}: {parameters}");
            Measure(harness, parameters);
        }

        if (json is not null)
        {
            harness.WriteJson(json);
            Console.WriteLine($"wrote {json}");
        }

        return 0;
    }

    /// <summary>Reads --json path and --quick; prints the first unknown option and returns false.</summary>
    internal static bool TryReadOptions(string[] args, out string? json, out bool quick)
    {
        ArgumentNullException.ThrowIfNull(args);
        json = null;
        quick = false;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--json" when i + 1 < args.Length:
                    json = args[++i];
                    break;
                case "--quick":
                    quick = true;
                    break;
                default:
                    Console.Error.WriteLine($"unknown option {args[i]}");
                    return false;
            }
        }

        return true;
    }

    private static void Measure(Harness h, ThresholdParameters parameters)
    {
        var ckks = parameters.Ckks;
        string tag = $"logN={ckks.LogN}";
        var generator = new CollectivePublicKeyGenerator(parameters);
        var sharer = new ThresholdSecretSharer(parameters);
        var encoder = new CkksEncoder(ckks);
        byte[] seed = CollectivePublicKeyGenerator.NewCommonSeed();

        // Round 1: collective public key of 3 parties (OpenFHE: KeyGen, MultipartyKeyGen).
        var secrets = new SecretKey[3];
        var pkShares = new PublicKeyShare[3];
        for (int i = 0; i < 3; i++)
        {
            secrets[i] = generator.GenSecretShare();
            pkShares[i] = generator.GenShare(secrets[i], seed, i + 1, 3);
        }

        h.Time($"Threshold/KeyGen per party (s_i + pk share)/{tag}", () => generator.GenShare(generator.GenSecretShare(), seed, 1, 3));
        h.Time($"Threshold/AggregatePublicKey n=3/{tag}", () => generator.AggregateShares(pkShares));
        var publicKey = generator.AggregateShares(pkShares);
        var keyId = CollectivePublicKeyGenerator.KeyIdOf(publicKey);

        // Round 2: Shamir re-sharing, 2-of-3 (and the 3-of-5 for the per-party cost).
        var shamir = secrets.Select((s, i) => sharer.GenShares(s, i + 1, 2, 3, keyId)).ToArray();
        h.Time($"Threshold/Reshare GenShares per party t=2 n=3/{tag}", () => sharer.GenShares(secrets[0], 1, 2, 3, keyId));
        h.Time($"Threshold/Reshare GenShares per party t=3 n=5/{tag}", () => sharer.GenShares(secrets[0], 1, 3, 5, keyId));
        var received = Enumerable.Range(0, 3).Select(j => shamir.Select(sent => sent[j]).ToArray()).ToArray();
        h.Time($"Threshold/Reshare Combine per party n=3/{tag}", () => sharer.Combine(received[0]));
        var shamirKeys = received.Select(r => sharer.Combine(r)).ToArray();
        var additiveKeys = secrets.Select((s, i) => ThresholdSecretKey.FromAdditiveShare(parameters, s, i + 1, 3, keyId)).ToArray();

        var values = new double[ckks.SlotCount];
        var random = new Random(1); // benchmark inputs only
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (random.NextDouble() * 2) - 1;
        }

        var encryptor = new Encryptor(ckks, publicKey);
        h.Time($"Threshold/Encode+Encrypt under collective key/{tag}", () => encryptor.EncryptNew(encoder.EncodeNew(values)));
        var ciphertext = encryptor.EncryptNew(encoder.EncodeNew(values));
        byte[] context = "round 1 / chunk 0"u8.ToArray();
        var masks = PairwiseMaskSeeds(3);

        foreach (var (label, keys, committee, threshold) in new[]
        {
            ("3-of-3 additive", additiveKeys, new[] { 1, 2, 3 }, 3),
            ("2-of-3 Shamir", shamirKeys, new[] { 1, 3 }, 2),
        })
        {
            var decryptors = keys.Select(k => new ThresholdDecryptor(parameters, k)).ToArray();
            var combiner = new ThresholdCombiner(parameters, keyId, threshold, 3);
            h.Time($"Threshold/DecryptionShare per party {label}/{tag}", () => decryptors[committee[0] - 1].GenShare(ciphertext, committee, context, masks[committee[0] - 1]));
            h.Time($"Threshold/DecryptionShare per party without masks (unsafe, for comparison) {label}/{tag}", () => decryptors[committee[0] - 1].GenShare(ciphertext, committee, context));
            var shares = committee.Select(id => decryptors[id - 1].GenShare(ciphertext, committee, context, masks[id - 1])).ToArray();
            h.Time($"Threshold/Fuse+Decode {committee.Length} shares {label}/{tag}", () => combiner.FuseValues(ciphertext, shares, context));

            double worst = 0;
            double worst1000 = 0;
            for (int trial = 0; trial < 5; trial++)
            {
                var ct = encryptor.EncryptNew(encoder.EncodeNew(values));
                var fused = combiner.FuseValues(ct, committee.Select(id => decryptors[id - 1].GenShare(ct, committee, context, masks[id - 1])), context);
                worst = Math.Max(worst, MaxError(values, fused));
                var large = values.Select(v => v * 1000).ToArray();
                var ctLarge = encryptor.EncryptNew(encoder.EncodeNew(large));
                var fusedLarge = combiner.FuseValues(ctLarge, committee.Select(id => decryptors[id - 1].GenShare(ctLarge, committee, context, masks[id - 1])), context);
                worst1000 = Math.Max(worst1000, MaxError(large, fusedLarge));
            }

            h.Record($"Threshold/max error |x|<=1 (5 trials) {label}/{tag}", worst, $"stated bound {parameters.FusedErrorBound(committee.Length):E2}");
            h.Record($"Threshold/max error |x|<=1000 (5 trials) {label}/{tag}", worst1000, $"stated bound {parameters.FusedErrorBound(committee.Length):E2}");
            if (label.StartsWith('2'))
            {
                h.Record($"Threshold/bytes decryption share/{tag}", shares[0].SerializedSize, "bytes");
            }
        }

        h.Time($"Threshold/Ciphertext fingerprint (SHA-256)/{tag}", () => ThresholdFingerprintProbe(ciphertext));
        h.Record($"Threshold/bytes public-key share/{tag}", pkShares[0].SerializedSize, "bytes");
        h.Record($"Threshold/bytes Shamir share/{tag}", shamir[0][1].SerializedSize, "bytes");
        h.Record($"Threshold/bytes collective public key/{tag}", publicKey.SerializedSize, "bytes");
        h.Record($"Threshold/bytes ciphertext/{tag}", ciphertext.SerializedSize, "bytes");
    }

    // The runtime agrees these seeds at key generation; here every pair gets a random one, the same at both ends.
    internal static DecryptionMaskSeeds[] PairwiseMaskSeeds(int partyCount)
    {
        var seeds = Enumerable.Range(0, partyCount).Select(_ => new Dictionary<int, byte[]>()).ToArray();
        for (int j = 1; j <= partyCount; j++)
        {
            for (int k = j + 1; k <= partyCount; k++)
            {
                byte[] seed = System.Security.Cryptography.RandomNumberGenerator.GetBytes(DecryptionMaskSeeds.SeedLength);
                seeds[j - 1][k] = seed;
                seeds[k - 1][j] = seed;
            }
        }

        return seeds.Select((bySeed, i) => new DecryptionMaskSeeds(i + 1, bySeed)).ToArray();
    }

    // The fingerprint is internal; hashing the serialized ciphertext costs the same order (pack + SHA-256).
    private static void ThresholdFingerprintProbe(Ciphertext ciphertext) => Sha256Digest.Of(ciphertext.ToBytes());

    internal static double MaxError(double[] expected, double[] actual)
    {
        double max = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            max = Math.Max(max, Math.Abs(expected[i] - actual[i]));
        }

        return max;
    }
}
