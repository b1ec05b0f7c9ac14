using FederatedHe.Crypto.Ckks;
using FederatedHe.Crypto.Rlwe;
using FederatedHe.Training.Federation;

namespace FederatedHe.IntegrationTests.Federation;

/// <summary>
/// FedAvg's normalised weights through real CKKS at shared-key mode's default set (one 60-bit prime, Δ = 2^40, complex
/// slots, 10 dropped bits): hospitals encode with the production encoding, encrypt as aggregation chunks, the chunks are
/// summed as the aggregator sums them, and the decrypted sum is decoded as every hospital decodes it. The decoded model must
/// be plaintext FedAvg weighted by the real record counts within 1e-6 relative, at the edges the encoding promises: a round
/// of one small hospital (the smallest Σν) and a round at full capacity with every parameter at the bound (the largest sums).
/// </summary>
public sealed class NormalisedWeightsUnderEncryptionTests
{
    // A whole chunk of the default set: 4095 parameters and the weight.
    private const int Dimension = 4095;

    private static readonly CkksParameters Parameters = CkksPresets.Params128BitLogN12LogQ60Aggregation;

    private static readonly SampleWeightedEncoding Encoding =
        new((double)Parameters.Ring.Moduli[0].Value / (2 * Math.Sqrt(2) * Parameters.DefaultScale));

    [Fact]
    public void A_round_of_one_forty_record_hospital_in_a_federation_of_a_hundred_thousand_decodes_to_its_model_within_1e_6_relative()
    {
        var random = new Random(23);
        var trained = RandomModel(random, magnitude: 4);

        var (next, fedAvg) = Aggregate([(trained, 40)], federationRecords: 100_240);

        // Σν ≈ 0.58: the CKKS error of the sum (about 5e-8) divided by it stays below the 2^-22 grid the model is settled on.
        AssertWithinRelative(next, fedAvg, 1e-6);
    }

    [Fact]
    public void Hospitals_holding_four_times_round_0s_records_with_every_parameter_at_the_bound_sum_without_wrapping()
    {
        var random = new Random(29);
        // Round 0 counted 25,000 records; four hospitals of 25,000 each now contribute (Σν = 4·W), every parameter ±64.
        var updates = Enumerable.Range(0, 4)
            .Select(_ => (Model: Enumerable.Range(0, Dimension).Select(_ => random.Next(2) == 0 ? -64f : 64f).ToArray(), Records: 25_000))
            .ToList();

        var (next, fedAvg) = Aggregate(updates, federationRecords: 25_000);

        // A wrapped sum would be off by about 2·3.7e5/Σν ≈ 128 in a parameter, not by 1e-6 of it.
        AssertWithinRelative(next, fedAvg, 1e-6);
    }

    /// <summary>Encode, encrypt, sum and decrypt as the runtime does; returns the decoded model and plaintext FedAvg by record counts.</summary>
    private static (float[] Next, double[] FedAvg) Aggregate(IReadOnlyList<(float[] Model, int Records)> updates, long federationRecords)
    {
        using var secretKey = new KeyGenerator(Parameters).GenerateSecretKey();
        var encryptor = new AggregationEncryptor(Parameters, secretKey);
        var accumulator = new AggregationAccumulator(Parameters, Dimension + 1);
        var global = new float[Dimension];
        foreach (var (model, records) in updates)
        {
            var vector = Encoding.Encode(model, records, global, federationRecords);
            for (var chunk = 0; chunk < encryptor.ChunkCount(vector.Length); chunk++)
                accumulator.Add(encryptor.EncryptChunk(vector, chunk));
        }

        var decryptor = new AggregationDecryptor(Parameters, secretKey);
        var sum = Enumerable.Range(0, accumulator.ChunkCount).SelectMany(chunk => decryptor.DecryptChunk(accumulator.ToChunk(chunk))).ToArray();
        var totalRecords = updates.Sum(u => (double)u.Records);
        var fedAvg = Enumerable.Range(0, Dimension).Select(j => updates.Sum(u => (double)u.Model[j] * u.Records) / totalRecords).ToArray();
        return (Encoding.Decode(sum, global), fedAvg);
    }

    private static float[] RandomModel(Random random, double magnitude) =>
        Enumerable.Range(0, Dimension).Select(_ => (float)((random.NextDouble() * 2 - 1) * magnitude)).ToArray();

    private static void AssertWithinRelative(float[] next, double[] expected, double relative)
    {
        // Relative to the model's scale: a parameter near zero is held to the same absolute error as the largest.
        var scale = expected.Max(Math.Abs);
        var worst = next.Select((value, j) => Math.Abs(value - expected[j])).Max();
        Assert.True(worst <= relative * scale, $"worst error {worst:E2} against {relative:E0} of {scale:G4}");
    }
}
