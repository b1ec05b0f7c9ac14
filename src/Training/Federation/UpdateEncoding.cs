using FederatedHe.Privacy.Distributed;
using FederatedHe.Privacy.Noise;

namespace FederatedHe.Training.Federation;

/// <summary>
/// How a hospital turns its trained model into the vector it encrypts, and the decrypted sum of those vectors into the next
/// global model. Every hospital of a federation uses the same encoding, and decoding is deterministic, so that all of them
/// reach the same global model from the same decrypted sum.
/// </summary>
public abstract class UpdateEncoding
{
    /// <summary>FedAvg: Enc(nᵢ·wᵢ) and Enc(nᵢ) in one vector; the global model is Σ nᵢ·wᵢ / Σ nᵢ.</summary>
    public static UpdateEncoding SampleWeighted { get; } = new SampleWeightedEncoding();

    /// <summary>The encoding of a federation: distributed noise shares when <paramref name="noise"/> is given, otherwise FedAvg.</summary>
    /// <param name="noise">Distributed mode's settings, or null.</param>
    /// <param name="dimension">The model's parameter count.</param>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    public static UpdateEncoding For(DistributedNoiseSettings? noise, int dimension) =>
        noise is null ? SampleWeighted : new DistributedNoiseEncoding(noise.Calibration(dimension), NoiseRandomness.CreateSecure());

    /// <summary>The vector to encrypt: the parameters and one more slot.</summary>
    /// <param name="trained">The hospital's locally trained parameters.</param>
    /// <param name="sampleCount">The records it trained on.</param>
    /// <param name="global">The global model it trained from.</param>
    /// <exception cref="ArgumentException">The lengths differ, or a value is not finite.</exception>
    public abstract double[] Encode(ReadOnlySpan<float> trained, int sampleCount, ReadOnlySpan<float> global);

    /// <summary>The next global model from the decrypted sum of the contributors' vectors.</summary>
    /// <param name="decryptedSum">The decrypted sum: one value per parameter, then the extra slot.</param>
    /// <param name="global">The hospital's current global model (its length is checked; the aggregate is a whole model).</param>
    /// <exception cref="ArgumentException">The sum is unusable (wrong length, no contributor, a value out of range).</exception>
    public abstract float[] Decode(ReadOnlySpan<double> decryptedSum, ReadOnlySpan<float> global);

    private sealed class SampleWeightedEncoding : UpdateEncoding
    {
        public override double[] Encode(ReadOnlySpan<float> trained, int sampleCount, ReadOnlySpan<float> global)
        {
            var weighted = FedAvg.Weight(trained, sampleCount);
            var vector = new double[weighted.Length + 1];
            weighted.CopyTo(vector, 0);
            vector[^1] = sampleCount;
            return vector;
        }

        public override float[] Decode(ReadOnlySpan<double> decryptedSum, ReadOnlySpan<float> global)
        {
            if (decryptedSum.Length != global.Length + 1)
                throw new ArgumentException($"the sum holds {decryptedSum.Length} values, not {global.Length} parameters and a count", nameof(decryptedSum));
            var totalSamples = decryptedSum[^1];
            if (!(totalSamples >= 0.5))
                throw new ArgumentException($"Σn = {totalSamples}: no contributor", nameof(decryptedSum));
            // Settled, so every hospital and every run of the spec reach the same model bit for bit.
            return DecryptedValues.SettledAverage(decryptedSum[..^1], totalSamples);
        }
    }
}

/// <summary>Distributed mode's settings, the same at every hospital (from the federation spec).</summary>
/// <param name="HospitalCount">n, the federation's hospitals.</param>
/// <param name="ToleratedDropouts">d, the dropouts the quorum allows (n − quorum): the noise is over-provisioned for them.</param>
/// <param name="NoiseMultiplier">σ of the sum.</param>
/// <param name="ClipNorm">C, the norm each hospital's whole update is clipped to.</param>
/// <param name="GridBits">The grid γ = C·2^-bits.</param>
public sealed record DistributedNoiseSettings(int HospitalCount, int ToleratedDropouts, double NoiseMultiplier, double ClipNorm, int GridBits)
{
    /// <summary>The calibration for updates of <paramref name="dimension"/> parameters.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    public DistributedNoiseCalibration Calibration(int dimension) =>
        new(HospitalCount, ToleratedDropouts, NoiseMultiplier, ClipNorm, dimension, GridBits);
}

/// <summary>
/// Distributed mode (DP-FedAvg with distributed discrete Gaussian noise): a hospital encrypts w + Δᵢ + noiseᵢ, where w is the
/// global model it trained from (public to every hospital, snapped to the grid), Δᵢ = wᵢ − w its update clipped as a whole to C
/// and put on the grid, and noiseᵢ its share of discrete Gaussian noise; and a 1 in the extra slot. The decrypted sum
/// s·w + Σ(Δᵢ + noiseᵢ) carries at least the calibrated noise σ·C whenever the quorum is met, the extra slot counts the
/// contributors s, and the next global model is RoundToGrid(sum)/s = w + (ΣΔᵢ + noise)/s: an unweighted mean of clipped updates
/// (sample counts would be outside the guarantee). Adding the public w changes nothing for privacy; it makes the aggregate
/// a whole model, so a hospital that missed a round (or restarted) adopts the latest aggregate as it does under FedAvg.
/// </summary>
/// <remarks>
/// Protects one hospital's whole contribution, and only through the sum: one share alone is NOT private at σ, so shares
/// must only ever be decrypted summed (the aggregator adds ciphertexts; it holds no key). Noise comes from the CSPRNG; not
/// thread-safe (one per hospital, used from its actor).
/// </remarks>
public sealed class DistributedNoiseEncoding(DistributedNoiseCalibration calibration, NoiseRandomness randomness) : UpdateEncoding
{
    /// <summary>The calibration every hospital uses.</summary>
    public DistributedNoiseCalibration Calibration { get; } = calibration;

    /// <inheritdoc />
    public override double[] Encode(ReadOnlySpan<float> trained, int sampleCount, ReadOnlySpan<float> global)
    {
        if (trained.Length != global.Length || trained.Length != Calibration.Dimension)
            throw new ArgumentException($"the update has {trained.Length} parameters, the global model {global.Length}, the calibration {Calibration.Dimension}", nameof(trained));
        var update = new double[trained.Length];
        for (var i = 0; i < update.Length; i++)
            update[i] = (double)trained[i] - global[i];
        var share = Calibration.PrivatizeShare(update, randomness);
        var start = Calibration.RoundToGrid(ToDouble(global));
        var vector = new double[share.Length + 1];
        for (var i = 0; i < share.Length; i++)
            vector[i] = start[i] + share[i];
        vector[^1] = 1;
        return vector;
    }

    /// <inheritdoc />
    public override float[] Decode(ReadOnlySpan<double> decryptedSum, ReadOnlySpan<float> global)
    {
        if (decryptedSum.Length != global.Length + 1 || global.Length != Calibration.Dimension)
            throw new ArgumentException($"the sum holds {decryptedSum.Length} values, not {global.Length} parameters and a count", nameof(decryptedSum));
        var contributors = Math.Round(decryptedSum[^1]);
        if (!(contributors >= 1) || contributors > Calibration.HospitalCount || Math.Abs(decryptedSum[^1] - contributors) > 0.01)
            throw new ArgumentException($"the contributor count decrypts to {decryptedSum[^1]}, not a count from 1 to {Calibration.HospitalCount}", nameof(decryptedSum));
        // Back on the grid: the exact noisy integer sum as long as the CKKS error is below half a step, the same at every hospital.
        var sum = Calibration.RoundToGrid(decryptedSum[..^1]);
        var next = new float[global.Length];
        for (var i = 0; i < next.Length; i++)
        {
            next[i] = (float)(sum[i] / contributors);
            if (!float.IsFinite(next[i]))
                throw new ArgumentException($"parameter {i} of the next model is not finite", nameof(decryptedSum));
        }

        return next;
    }

    private static double[] ToDouble(ReadOnlySpan<float> values)
    {
        var result = new double[values.Length];
        for (var i = 0; i < result.Length; i++)
            result[i] = values[i];
        return result;
    }
}
