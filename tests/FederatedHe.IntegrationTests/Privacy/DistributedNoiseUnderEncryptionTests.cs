using FederatedHe.Crypto.Ckks;
using FederatedHe.Crypto.Rlwe;
using FederatedHe.Training.Federation;

namespace FederatedHe.IntegrationTests.Privacy;

/// <summary>
/// Distributed mode end to end through real CKKS: hospitals encode their updates with noise shares (the production encoding,
/// noise from the operating system's CSPRNG), encrypt them under the shared key at the default 128-bit preset, the
/// ciphertexts are summed as the aggregator sums them, and the decrypted sum is decoded as every hospital decodes it.
/// </summary>
/// <remarks>
/// Variances are checked with Σx²/σ² against the χ² interval a correct implementation leaves with probability 1e-6
/// (Wilson–Hilferty, 5e-7 each side). With 8000 coordinates that interval is about ±8% of σ², so it tells apart the
/// calibrated scale from 3/4 of it (no over-provisioning for the dropout), 1/3 of it (one hospital's share) and 4/3 of it
/// (everyone's over-provisioned share): none of those can pass by accident.
/// </remarks>
public sealed class DistributedNoiseUnderEncryptionTests
{
    private const int Dimension = 8000;
    private const double NoiseMultiplier = 1.0;
    private const double ClipNorm = 1.0;

    // Four hospitals with a quorum of three: every share is over-provisioned for one dropout.
    private static readonly DistributedNoiseSettings Settings = new(HospitalCount: 4, ToleratedDropouts: 1, NoiseMultiplier, ClipNorm, GridBits: 16);

    [Fact]
    public void The_decrypted_sum_of_the_fewest_hospitals_a_round_may_aggregate_carries_the_single_node_calibrated_noise()
    {
        var (noise, offGrid) = DecodedNoiseSum(survivors: 3);

        var central = CentralVariance();
        AssertVariance(noise, central, "3 of 4 hospitals (the quorum)");
        AssertNotVariance(noise, central * 3 / 4, "3 shares calibrated without over-provisioning");
        AssertNotVariance(noise, central / 3, "one hospital's share");
        // CKKS put every decrypted coordinate within a quarter grid step of its grid point, so rounding restored the exact noisy sum.
        Assert.True(offGrid < Settings.Calibration(Dimension).Resolution / 4, $"CKKS error {offGrid:E2} against a grid step of {Settings.Calibration(Dimension).Resolution:E2}");
    }

    [Fact]
    public void When_nobody_drops_out_the_sum_holds_the_over_provisioned_noise_of_all_four_shares()
    {
        var (noise, _) = DecodedNoiseSum(survivors: 4);

        var central = CentralVariance();
        AssertVariance(noise, central * 4 / 3, "4 of 4 hospitals");
        AssertNotVariance(noise, central, "the calibrated noise alone");
    }

    /// <summary>The calibrated noise variance of the sum, in the update's units: σ²_grid·γ² ≥ (σ·C)².</summary>
    private static double CentralVariance()
    {
        var calibration = Settings.Calibration(Dimension);
        var variance = (double)calibration.CentralGridVariance * calibration.Resolution * calibration.Resolution;
        Assert.InRange(variance, NoiseMultiplier * NoiseMultiplier * ClipNorm * ClipNorm, NoiseMultiplier * NoiseMultiplier * ClipNorm * ClipNorm * (1 + 1e-6));
        return variance;
    }

    /// <summary>
    /// <paramref name="survivors"/> hospitals, each holding the same global model and an update of zero, go through encode,
    /// encrypt, sum, decrypt and decode; returns s·(next model − global model), which is then the noise of the sum alone, and the
    /// largest distance of a decrypted coordinate from the grid.
    /// </summary>
    private static (double[] Noise, double OffGrid) DecodedNoiseSum(int survivors)
    {
        var parameters = CkksPresets.All["Params128BitLogN13LogQ101"];
        using var secretKey = new KeyGenerator(parameters).GenerateSecretKey();
        var encryptor = new VectorEncryptor(parameters, secretKey);
        var evaluator = new VectorEvaluator(parameters);
        var decryptor = new VectorDecryptor(parameters, secretKey);

        var random = new Random(17);
        var global = Enumerable.Range(0, Dimension).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();
        var encrypted = Enumerable.Range(0, survivors).Select(_ =>
        {
            var hospital = UpdateEncoding.For(Settings, Dimension);
            return encryptor.Encrypt(hospital.Encode(global, sampleCount: 100, global, federationSampleCount: 400));
        }).ToList();
        var decrypted = decryptor.Decrypt(evaluator.Sum(encrypted));

        Assert.Equal(Dimension + 1, decrypted.Length);
        Assert.Equal(survivors, decrypted[^1], 3);
        var calibration = Settings.Calibration(Dimension);
        var regridded = calibration.RoundToGrid(decrypted.AsSpan(0, Dimension));
        var offGrid = Enumerable.Range(0, Dimension).Max(i => Math.Abs(decrypted[i] - regridded[i]));

        var next = UpdateEncoding.For(Settings, Dimension).Decode(decrypted, global);
        var snapped = calibration.RoundToGrid(global.Select(v => (double)v).ToArray());
        // Computed from the decrypted sum in double precision (the float model would round away 1e-7 of each value).
        var noise = Enumerable.Range(0, Dimension).Select(i => regridded[i] - survivors * snapped[i]).ToArray();
        // The model every hospital adopts is the global model plus the mean of the noisy updates.
        Assert.All(Enumerable.Range(0, Dimension), i => Assert.Equal(snapped[i] + noise[i] / survivors, next[i], tolerance: 1e-6));
        return (noise, offGrid);
    }

    private static (double Lower, double Upper) ChiSquareInterval(int degreesOfFreedom)
    {
        // Wilson–Hilferty at z = 4.8916: a one-sided tail of 5e-7 on each side.
        const double z = 4.8916;
        var a = 2.0 / (9 * degreesOfFreedom);
        return (degreesOfFreedom * Math.Pow(1 - a - z * Math.Sqrt(a), 3), degreesOfFreedom * Math.Pow(1 - a + z * Math.Sqrt(a), 3));
    }

    private static void AssertVariance(double[] samples, double variance, string what)
    {
        var statistic = samples.Sum(x => x * x) / variance;
        var (lower, upper) = ChiSquareInterval(samples.Length);
        Assert.True(statistic >= lower && statistic <= upper,
            $"{what}: Σx²/σ² = {statistic:F1} outside [{lower:F1}, {upper:F1}] (variance ratio {statistic / samples.Length:F4})");
    }

    private static void AssertNotVariance(double[] samples, double variance, string what)
    {
        var statistic = samples.Sum(x => x * x) / variance;
        var (lower, upper) = ChiSquareInterval(samples.Length);
        Assert.False(statistic >= lower && statistic <= upper, $"{what} would also pass: the test could not tell it apart");
    }
}
