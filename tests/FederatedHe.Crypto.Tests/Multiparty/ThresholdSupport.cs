using FederatedHe.Crypto.Ckks;
using FederatedHe.Crypto.Multiparty;
using FederatedHe.Crypto.Rlwe;

namespace FederatedHe.Crypto.Tests.Multiparty;

/// <summary>Insecure threshold sets for fast exhaustive tests; they exist only here, under tests/.</summary>
internal static class TestInsecureThresholdParameters
{
    /// <summary>N = 64, three primes, κ = 10: small enough to fuzz every reader 10,000 times.</summary>
    public static ThresholdParameters TestInsecureLogN6Threshold { get; } = ThresholdParameters.Create(
        new ThresholdParametersLiteral
        {
            Ckks = new CkksParametersLiteral { LogN = 6, LogQ = [50, 50, 40], LogScale = 60 },
            MaxParties = 8,
            StatisticalSecurity = 10,
            LogCiphertextNoiseBound = 16,
        },
        allowInsecure: true);
}

/// <summary>
/// A whole federation of n parties run through both key-generation rounds in-process: collective
/// public key, then Shamir re-sharing into t-of-n threshold keys (or additive n-of-n keys).
/// </summary>
internal sealed class ThresholdFederation
{
    public ThresholdFederation(ThresholdParameters parameters, int partyCount, int threshold, bool additive = false)
    {
        Parameters = parameters;
        PartyCount = partyCount;
        Threshold = threshold;
        var generator = new CollectivePublicKeyGenerator(parameters);
        byte[] seed = CollectivePublicKeyGenerator.NewCommonSeed();
        SecretShares = Enumerable.Range(1, partyCount).Select(_ => generator.GenSecretShare()).ToArray();
        PublicKeyShares = SecretShares.Select((s, i) => generator.GenShare(s, seed, i + 1, partyCount)).ToArray();
        PublicKey = generator.AggregateShares(PublicKeyShares);
        KeyId = CollectivePublicKeyGenerator.KeyIdOf(PublicKey);
        if (additive)
        {
            Keys = SecretShares.Select((s, i) => ThresholdSecretKey.FromAdditiveShare(parameters, s, i + 1, partyCount, KeyId)).ToArray();
        }
        else
        {
            var sharer = new ThresholdSecretSharer(parameters);
            ShamirShares = SecretShares.Select((s, i) => sharer.GenShares(s, i + 1, threshold, partyCount, KeyId)).ToArray();
            Keys = Enumerable.Range(0, partyCount).Select(j => sharer.Combine(ShamirShares.Select(sent => sent[j]))).ToArray();
        }

        Decryptors = Keys.Select(k => new ThresholdDecryptor(parameters, k)).ToArray();
        MaskSeeds = PairwiseMaskSeeds(partyCount);
        Combiner = new ThresholdCombiner(parameters, PublicKey, threshold, partyCount);
        Encoder = new CkksEncoder(parameters.Ckks);
        Encryptor = new Encryptor(parameters.Ckks, PublicKey);
    }

    public ThresholdParameters Parameters { get; }

    public int PartyCount { get; }

    public int Threshold { get; }

    public SecretKey[] SecretShares { get; }

    public PublicKeyShare[] PublicKeyShares { get; }

    public PublicKey PublicKey { get; }

    public Sha256Digest KeyId { get; }

    /// <summary>ShamirShares[i][j]: sent by party i + 1 to party j + 1 (null for additive keys).</summary>
    public ShamirShare[][]? ShamirShares { get; }

    public ThresholdSecretKey[] Keys { get; }

    public ThresholdDecryptor[] Decryptors { get; }

    public ThresholdCombiner Combiner { get; }

    public CkksEncoder Encoder { get; }

    public Encryptor Encryptor { get; }

    /// <summary>MaskSeeds[j - 1]: party j's pairwise seeds, as the runtime agrees them at key generation.</summary>
    public DecryptionMaskSeeds[] MaskSeeds { get; }

    public ThresholdDecryptor Party(int id) => Decryptors[id - 1];

    public DecryptionMaskSeeds Masks(int id) => MaskSeeds[id - 1];

    /// <summary>A random seed for every pair of parties, the same at both ends.</summary>
    public static DecryptionMaskSeeds[] PairwiseMaskSeeds(int partyCount)
    {
        var seeds = new Dictionary<int, byte[]>[partyCount];
        for (int j = 0; j < partyCount; j++)
        {
            seeds[j] = [];
        }

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

    public Ciphertext Encrypt(double[] values) => Encryptor.EncryptNew(Encoder.EncodeNew(values));

    public DecryptionShare[] Shares(Ciphertext ciphertext, int[] committee, byte[] context) =>
        committee.Select(id => Party(id).GenShare(ciphertext, committee, context, Masks(id))).ToArray();

    public double[] Decrypt(Ciphertext ciphertext, int[] committee, byte[] context, int count) =>
        Combiner.FuseValues(ciphertext, Shares(ciphertext, committee, context), context)[..count];

    public static IEnumerable<int[]> Subsets(int n, int size)
    {
        if (size == 0)
        {
            yield return [];
            yield break;
        }

        for (int last = size; last <= n; last++)
        {
            foreach (var rest in Subsets(last - 1, size - 1))
            {
                yield return [.. rest, last];
            }
        }
    }
}

/// <summary>The 3-of-5 federation at the N = 8192 preset, built once per test run.</summary>
internal static class SharedFederations
{
    private static readonly Lazy<ThresholdFederation> ThreeOfFive = new(() => new ThresholdFederation(ThresholdPresets.Params128BitLogN13LogQ160Threshold, 5, 3));
    private static readonly Lazy<ThresholdFederation> Small = new(() => new ThresholdFederation(TestInsecureThresholdParameters.TestInsecureLogN6Threshold, 5, 3));

    public static ThresholdFederation ThreeOfFiveLogN13 => ThreeOfFive.Value;

    public static ThresholdFederation ThreeOfFiveSmall => Small.Value;

    public static byte[] Context(string text) => System.Text.Encoding.UTF8.GetBytes(text);
}
