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
    /// <summary>FedAvg with unnormalised weights: Enc(nᵢ·wᵢ) and Enc(nᵢ), for sums with room for any model (no range to keep).</summary>
    public static UpdateEncoding SampleWeighted { get; } = new SampleWeightedEncoding(double.PositiveInfinity);

    /// <summary>
    /// The encoding of a federation: distributed noise shares when <paramref name="noise"/> is given, otherwise FedAvg with
    /// its weights normalised to the sum's range (<see cref="SampleWeightedEncoding"/>).
    /// </summary>
    /// <param name="noise">Distributed mode's settings, or null.</param>
    /// <param name="dimension">The model's parameter count.</param>
    /// <param name="sumRange">The largest magnitude a value of a decrypted sum may have (∞ where the parameter set has room for any model).</param>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    public static UpdateEncoding For(DistributedNoiseSettings? noise, int dimension, double sumRange = double.PositiveInfinity) =>
        noise is null ? new SampleWeightedEncoding(sumRange) : new DistributedNoiseEncoding(noise.Calibration(dimension), NoiseRandomness.CreateSecure());

    /// <summary>The vector to encrypt: the parameters and one more slot.</summary>
    /// <param name="trained">The hospital's locally trained parameters.</param>
    /// <param name="sampleCount">The records it trained on.</param>
    /// <param name="global">The global model it trained from.</param>
    /// <param name="federationSampleCount">
    /// N₀, the federation's records from round 0's decrypted feature statistics (the same at every hospital), or 0 if not
    /// known; only FedAvg over a bounded range uses it.
    /// </param>
    /// <exception cref="ArgumentException">
    /// The lengths differ, a value is not finite, or the update cannot be summed within the range (the message names the
    /// value and the bound).
    /// </exception>
    public abstract double[] Encode(ReadOnlySpan<float> trained, int sampleCount, ReadOnlySpan<float> global, long federationSampleCount);

    /// <summary>The next global model from the decrypted sum of the contributors' vectors.</summary>
    /// <param name="decryptedSum">The decrypted sum: one value per parameter, then the extra slot.</param>
    /// <param name="global">The hospital's current global model (its length is checked; the aggregate is a whole model).</param>
    /// <exception cref="ArgumentException">The sum is unusable (wrong length, no contributor, a value out of range).</exception>
    public abstract float[] Decode(ReadOnlySpan<double> decryptedSum, ReadOnlySpan<float> global);
}

/// <summary>
/// FedAvg: a hospital encrypts νᵢ·wᵢ and νᵢ in one vector, and the next global model is Σ νᵢ·wᵢ / Σ νᵢ. Over a bounded range
/// (a single-modulus CKKS sum holds values only below about 3.7e5) the weights are normalised to a fixed public total:
/// νᵢ = nᵢ·<see cref="WeightTotal"/>/N₀ with N₀ the federation's records from round 0's statistics, so the sum's values stay
/// below about <see cref="WeightTotal"/>·max|w| however many records the hospitals hold, and the only bound left is
/// <see cref="MaxParameter"/> on the parameters themselves. νᵢ/Σν = nᵢ/Σn, so the decoded model is FedAvg weighted by the
/// real record counts. With an unbounded range νᵢ = nᵢ, as before normalisation existed.
/// </summary>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed class SampleWeightedEncoding : UpdateEncoding
{
    /// <summary>
    /// How many times round 0's records the contributors of one round may hold: hospitals that missed round 0 (the quorum lets
    /// it complete without them) are not in N₀, and may add up to three times its records before a sum could leave the range.
    /// </summary>
    public const int RecordCapacity = 4;

    /// <summary>
    /// The largest parameter magnitude the range is shared out for: 64, far above the weights of a model trained on
    /// standardised features (those of the WDBC runs stay below 5), and it still leaves W ≈ 1448 at the default set.
    /// </summary>
    public const double ParameterBound = 64;

    /// <summary>
    /// The smallest Σν a decoded sum may have: about a thousand times the CKKS error of a sum (under 1e-7 at the default set),
    /// so an aggregate of no contributor is refused rather than divided by noise.
    /// </summary>
    public const double MinimumTotalWeight = 1.0 / (1 << 14);

    /// <summary>Creates the encoding for sums whose values must stay within <paramref name="sumRange"/>.</summary>
    /// <param name="sumRange">The largest magnitude a value of a decrypted sum may have (∞ for no bound).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="sumRange"/> is not positive.</exception>
    public SampleWeightedEncoding(double sumRange)
    {
        if (!(sumRange > 0))
            throw new ArgumentOutOfRangeException(nameof(sumRange), sumRange, "the range of a sum must be positive");
        Normalised = double.IsFinite(sumRange);
        // W·RecordCapacity·ParameterBound = the range: a round's weights sum to at most W·RecordCapacity.
        WeightTotal = Normalised ? sumRange / (RecordCapacity * ParameterBound) : double.NaN;
        MaxParameter = Normalised ? ParameterBound : double.PositiveInfinity;
    }

    /// <summary>True if weights are normalised to <see cref="WeightTotal"/> (a bounded range), false if they are record counts.</summary>
    public bool Normalised { get; }

    /// <summary>W, what round 0's hospitals' weights add up to (NaN when the weights are record counts).</summary>
    public double WeightTotal { get; }

    /// <summary>The largest parameter magnitude an update may have (∞ when the range is unbounded).</summary>
    public double MaxParameter { get; }

    /// <inheritdoc />
    /// <remarks>Messages are one line without the parameter's name: the hospital logs them as they are.</remarks>
    public override double[] Encode(ReadOnlySpan<float> trained, int sampleCount, ReadOnlySpan<float> global, long federationSampleCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleCount, 1);
        if (trained.Length != global.Length)
            throw new ArgumentException($"the update has {trained.Length} parameters, the global model {global.Length}");
        var weight = (double)sampleCount;
        if (Normalised)
        {
            if (federationSampleCount < 1)
                throw new ArgumentException("the federation's records N₀ (round 0's statistics) are not known yet");
            weight = sampleCount * WeightTotal / federationSampleCount;
            if (weight > RecordCapacity * WeightTotal)
                throw new ArgumentException($"the update's {sampleCount} records are over {RecordCapacity} times round 0's {federationSampleCount}, " +
                                            "more than a sum of updates can hold");
        }

        var vector = new double[trained.Length + 1];
        for (var i = 0; i < trained.Length; i++)
        {
            var parameter = trained[i];
            if (!float.IsFinite(parameter))
                throw new ArgumentException($"parameter {i} is {parameter}, not a finite number");
            if (Math.Abs(parameter) > MaxParameter)
                throw new ArgumentException($"parameter {i} is {parameter:G6}, over the {MaxParameter:G3} a sum of updates can hold");
            vector[i] = parameter * weight;
        }

        vector[^1] = weight;
        return vector;
    }

    /// <inheritdoc />
    public override float[] Decode(ReadOnlySpan<double> decryptedSum, ReadOnlySpan<float> global)
    {
        if (decryptedSum.Length != global.Length + 1)
            throw new ArgumentException($"the sum holds {decryptedSum.Length} values, not {global.Length} parameters and a weight");
        var totalWeight = decryptedSum[^1];
        if (!Normalised)
        {
            if (!(totalWeight >= 0.5))
                throw new ArgumentException($"Σn = {totalWeight}: no contributor");
            // A count, rounded: the exact denominator every hospital and every run of the spec shares.
            return DecryptedValues.SettledAverage(decryptedSum[..^1], totalWeight);
        }

        if (!(totalWeight >= MinimumTotalWeight) || double.IsInfinity(totalWeight))
            throw new ArgumentException($"Σν = {totalWeight}: no contributor");
        // Σν is no count (N₀ may not be known yet to a hospital catching up); its CKKS error is about 1e-10 of it, far below the grid.
        return DecryptedValues.SettledMean(decryptedSum[..^1], totalWeight);
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
    public override double[] Encode(ReadOnlySpan<float> trained, int sampleCount, ReadOnlySpan<float> global, long federationSampleCount)
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
