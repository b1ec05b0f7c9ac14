using FederatedHe.Crypto.Ckks;
using FederatedHe.Crypto.Rlwe;

namespace FederatedHe.Crypto.Tests;

/// <summary>Insecure parameter sets for fast tests; they exist only here, under tests/.</summary>
internal static class TestInsecureParameters
{
    /// <summary>N = 64 (32 slots), Q = 50 + 40 bits: small enough for exhaustive fuzzing.</summary>
    public static CkksParameters TestInsecureLogN6 { get; } = CkksParameters.Create(
        new CkksParametersLiteral { LogN = 6, LogQ = [50, 40], LogScale = 30 }, allowInsecure: true);

    /// <summary>N = 64 with complex slots (64 values per ciphertext), one 50-bit prime: aggregation chunks for fuzzing.</summary>
    public static CkksParameters TestInsecureLogN6Aggregation { get; } = CkksParameters.Create(
        new CkksParametersLiteral { LogN = 6, LogQ = [50], LogScale = 30, Packing = SlotPacking.ComplexSlots }, allowInsecure: true);

    /// <summary>N = 1024, three primes (exercises the multi-limb CRT path of decoding).</summary>
    public static CkksParameters TestInsecureLogN10ThreePrimes { get; } = CkksParameters.Create(
        new CkksParametersLiteral { LogN = 10, LogQ = [55, 40, 40], LogScale = 40 }, allowInsecure: true);
}

/// <summary>Keys and helpers for one parameter set, shared by the tests of a class.</summary>
internal sealed class CkksContext
{
    public CkksContext(CkksParameters parameters)
    {
        Parameters = parameters;
        var keyGenerator = new KeyGenerator(parameters);
        (SecretKey, PublicKey) = keyGenerator.GenerateKeyPair();
        Encoder = new CkksEncoder(parameters);
        PublicEncryptor = new Encryptor(parameters, PublicKey);
        SecretEncryptor = new Encryptor(parameters, SecretKey);
        Decryptor = new Decryptor(parameters, SecretKey);
        Evaluator = new Evaluator(parameters);
    }

    public CkksParameters Parameters { get; }

    public SecretKey SecretKey { get; }

    public PublicKey PublicKey { get; }

    public CkksEncoder Encoder { get; }

    public Encryptor PublicEncryptor { get; }

    public Encryptor SecretEncryptor { get; }

    public Decryptor Decryptor { get; }

    public Evaluator Evaluator { get; }

    public Ciphertext Encrypt(double[] values, bool compact = false) =>
        (compact ? SecretEncryptor : PublicEncryptor).EncryptNew(Encoder.EncodeNew(values));

    public double[] Decrypt(Ciphertext ciphertext, int count)
    {
        var result = new double[count];
        Encoder.Decode(Decryptor.DecryptNew(ciphertext), result);
        return result;
    }

    public static double[] RandomValues(Random random, int count, double bound)
    {
        var values = new double[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = ((random.NextDouble() * 2) - 1) * bound;
        }

        return values;
    }

    public static double MaxError(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual)
    {
        double max = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            max = Math.Max(max, Math.Abs(expected[i] - actual[i]));
        }

        return max;
    }
}

/// <summary>One shared context per preset (key generation once per test run).</summary>
internal static class SharedContexts
{
    private static readonly Lazy<CkksContext> FedAvg = new(() => new CkksContext(CkksPresets.Params128BitLogN13FedAvg));
    private static readonly Lazy<CkksContext> LogN13 = new(() => new CkksContext(CkksPresets.Params128BitLogN13LogQ101));
    private static readonly Lazy<CkksContext> Aggregation = new(() => new CkksContext(CkksPresets.Params128BitLogN12LogQ60Aggregation));
    private static readonly Lazy<CkksContext> LogN14 = new(() => new CkksContext(CkksPresets.Params128BitLogN14LogQ101));
    private static readonly Lazy<CkksContext> Small = new(() => new CkksContext(TestInsecureParameters.TestInsecureLogN6));
    private static readonly Lazy<CkksContext> ThreePrimes = new(() => new CkksContext(TestInsecureParameters.TestInsecureLogN10ThreePrimes));

    public static CkksContext For(string preset) => preset switch
    {
        nameof(CkksPresets.Params128BitLogN13FedAvg) => FedAvg.Value,
        nameof(CkksPresets.Params128BitLogN13LogQ101) => LogN13.Value,
        nameof(CkksPresets.Params128BitLogN14LogQ101) => LogN14.Value,
        nameof(CkksPresets.Params128BitLogN12LogQ60Aggregation) => Aggregation.Value,
        nameof(TestInsecureParameters.TestInsecureLogN6) => Small.Value,
        nameof(TestInsecureParameters.TestInsecureLogN10ThreePrimes) => ThreePrimes.Value,
        _ => throw new ArgumentException(preset),
    };

    public static TheoryData<string> Presets => new()
    {
        nameof(CkksPresets.Params128BitLogN13FedAvg),
        nameof(CkksPresets.Params128BitLogN13LogQ101),
        nameof(CkksPresets.Params128BitLogN14LogQ101),
        nameof(CkksPresets.Params128BitLogN12LogQ60Aggregation), // real slots through the generic types
    };
}
