using System.Numerics;
using FederatedHe.Crypto.Ckks;
using FederatedHe.Crypto.Multiparty;
using FederatedHe.Crypto.Ring;
using FederatedHe.Crypto.Rlwe;

namespace FederatedHe.Crypto.Tests.Multiparty;

/// <summary>An insecure seeded set for fast exhaustive tests; it exists only here, under tests/.</summary>
internal static class TestInsecureSeededThresholdParameters
{
    /// <summary>N = 64, two primes, complex slots, κ = 10: small enough to fuzz every reader 10,000 times.</summary>
    public static ThresholdParameters TestInsecureLogN6SeededThreshold { get; } = ThresholdParameters.Create(
        new ThresholdParametersLiteral
        {
            Ckks = new CkksParametersLiteral { LogN = 6, LogQ = [50, 50], LogScale = 60, Packing = SlotPacking.ComplexSlots },
            MaxParties = 8,
            StatisticalSecurity = 10,
            LogCiphertextNoiseBound = 9,
            Scheme = ThresholdScheme.SeededSecretKey,
        },
        allowInsecure: true);
}

/// <summary>
/// A whole seeded-threshold federation of n parties in-process: each party's own secret s_i, dealt as Shamir
/// shares to every party (<see cref="ThresholdSecretSharer.GenShares"/>), kept per dealer
/// (<see cref="DealtSecretShares"/>), and the pairwise mask seeds the runtime would agree.
/// </summary>
internal sealed class SeededFederation
{
    public SeededFederation(ThresholdParameters parameters, int partyCount, int threshold)
    {
        Parameters = parameters;
        PartyCount = partyCount;
        Threshold = threshold;
        KeyId = Sha256Digest.Of(System.Text.Encoding.UTF8.GetBytes($"seeded key set {Guid.NewGuid()}"));
        var generator = new KeyGenerator(parameters.Ckks);
        Secrets = Enumerable.Range(1, partyCount).Select(_ => generator.GenerateSecretKey()).ToArray();
        var sharer = new ThresholdSecretSharer(parameters);
        Dealt = Secrets.Select((s, i) => sharer.GenShares(s, i + 1, threshold, partyCount, KeyId)).ToArray();
        Keys = Enumerable.Range(0, partyCount).Select(j => DealtSecretShares.FromShares(parameters, Dealt.Select(sent => sent[j]))).ToArray();
        Encryptors = Secrets.Select((s, i) => new SeededThresholdEncryptor(parameters, s, i + 1, KeyId)).ToArray();
        Decryptors = Keys.Select(k => new SeededThresholdDecryptor(parameters, k)).ToArray();
        MaskSeeds = ThresholdFederation.PairwiseMaskSeeds(partyCount);
        Combiner = new SeededThresholdCombiner(parameters, KeyId, threshold, partyCount);
    }

    public ThresholdParameters Parameters { get; }

    public int PartyCount { get; }

    public int Threshold { get; }

    public Sha256Digest KeyId { get; }

    /// <summary>Secrets[i - 1]: party i's own secret s_i.</summary>
    public SecretKey[] Secrets { get; }

    /// <summary>Dealt[i - 1][j - 1]: f_i(j), sent by dealer i to party j.</summary>
    public ShamirShare[][] Dealt { get; }

    public DealtSecretShares[] Keys { get; }

    public SeededThresholdEncryptor[] Encryptors { get; }

    public SeededThresholdDecryptor[] Decryptors { get; }

    public DecryptionMaskSeeds[] MaskSeeds { get; }

    public SeededThresholdCombiner Combiner { get; }

    public SeededThresholdEncryptor Encryptor(int id) => Encryptors[id - 1];

    public SeededThresholdDecryptor Party(int id) => Decryptors[id - 1];

    public DecryptionMaskSeeds Masks(int id) => MaskSeeds[id - 1];

    /// <summary>Chunk 0 of the sum of the given parties' updates (values[k] from party contributors[k]).</summary>
    public SeededAggregateChunk Sum(int[] contributors, double[][] values, byte[] context)
    {
        var aggregator = new SeededAggregator(Parameters, values[0].Length, PartyCount);
        for (int k = 0; k < contributors.Length; k++)
        {
            aggregator.Add(Encryptor(contributors[k]).EncryptChunk(values[k], 0, context));
        }

        return aggregator.ToChunk(0);
    }

    public DecryptionShare[] Shares(SeededAggregateChunk sum, int[] committee, byte[] context, int minimumContributors = 1) =>
        committee.Select(id => Party(id).GenShare(sum, committee, context, Masks(id), minimumContributors)).ToArray();

    /// <summary>The centred integers of the first limbs of a polynomial (coefficient form, a copy) by CRT.</summary>
    public static BigInteger[] Lift(RingContext ring, RnsPolynomial value, int limbs)
    {
        var copy = value.Clone();
        if (copy.IsNttForm)
        {
            for (int l = 0; l < limbs; l++)
            {
                ring.Ntt(l).Inverse(copy.Limb(l));
            }
        }

        BigInteger q = BigInteger.One;
        for (int l = 0; l < limbs; l++)
        {
            q *= ring.Moduli[l].Value;
        }

        var basis = new BigInteger[limbs];
        for (int l = 0; l < limbs; l++)
        {
            BigInteger hat = q / ring.Moduli[l].Value;
            basis[l] = hat * ring.Moduli[l].Inverse((ulong)(hat % ring.Moduli[l].Value));
        }

        var result = new BigInteger[ring.N];
        for (int i = 0; i < ring.N; i++)
        {
            BigInteger x = BigInteger.Zero;
            for (int l = 0; l < limbs; l++)
            {
                x += basis[l] * copy.Limb(l)[i];
            }

            x %= q;
            result[i] = x > q / 2 ? x - q : x;
        }

        return result;
    }
}

/// <summary>The 3-of-5 seeded federation at the model-scale preset, built once per test run.</summary>
internal static class SharedSeededFederations
{
    private static readonly Lazy<SeededFederation> ThreeOfFive = new(() => new SeededFederation(ThresholdPresets.Params128BitLogN13LogQ108SeededThreshold, 5, 3));
    private static readonly Lazy<SeededFederation> Small = new(() => new SeededFederation(TestInsecureSeededThresholdParameters.TestInsecureLogN6SeededThreshold, 5, 3));

    public static SeededFederation ThreeOfFiveLogN13 => ThreeOfFive.Value;

    public static SeededFederation ThreeOfFiveSmall => Small.Value;
}
