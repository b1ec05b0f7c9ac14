namespace FederatedHe.Training.Federation;

/// <summary>A weighted sum of hospitals' parameters and the total weight: what encrypted aggregation yields.</summary>
/// <param name="SumOfWeightedParameters">Σ nᵢ·wᵢ, element-wise.</param>
/// <param name="TotalSampleCount">Σ nᵢ.</param>
public sealed record WeightedParameterSum(double[] SumOfWeightedParameters, double TotalSampleCount);

/// <summary>
/// The arithmetic of federated averaging, split so that the encrypted runtime can do the sums under
/// encryption: each hospital contributes <see cref="Weight"/> (nᵢ·wᵢ) and nᵢ, the ciphertexts are
/// added, and the decrypted sums go through <see cref="Average(ReadOnlySpan{double}, double)"/>.
/// </summary>
/// <remarks>Pure and thread-safe. <see cref="FedAvgStrategy"/> aggregates with exactly these functions.</remarks>
public static class FedAvg
{
    /// <summary>A hospital's contribution nᵢ·wᵢ, in double precision.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="sampleCount"/> is not positive.</exception>
    public static double[] Weight(ReadOnlySpan<float> parameters, int sampleCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleCount, 1);
        var weighted = new double[parameters.Length];
        for (var i = 0; i < parameters.Length; i++)
        {
            weighted[i] = (double)parameters[i] * sampleCount;
        }
        return weighted;
    }

    /// <summary>Σ nᵢ·wᵢ and Σ nᵢ over the updates, computed in plaintext.</summary>
    /// <exception cref="ArgumentException">There are no updates, their lengths differ, or a sample count is not positive.</exception>
    public static WeightedParameterSum WeightedSum(IEnumerable<ClientUpdate> updates)
    {
        ArgumentNullException.ThrowIfNull(updates);
        double[]? sum = null;
        long total = 0;
        foreach (var update in updates)
        {
            if (update.SampleCount < 1)
            {
                throw new ArgumentException($"Update from {update.ClientId} claims {update.SampleCount} samples.", nameof(updates));
            }
            sum ??= new double[update.Parameters.Length];
            if (update.Parameters.Length != sum.Length)
            {
                throw new ArgumentException(
                    $"Update from {update.ClientId} has {update.Parameters.Length} parameters; others have {sum.Length}.", nameof(updates));
            }
            for (var i = 0; i < sum.Length; i++)
            {
                sum[i] += (double)update.Parameters[i] * update.SampleCount;
            }
            total += update.SampleCount;
        }
        return sum is null
            ? throw new ArgumentException("At least one update is needed.", nameof(updates))
            : new WeightedParameterSum(sum, total);
    }

    /// <summary>The federated average Σ nᵢ·wᵢ / Σ nᵢ as a parameter vector.</summary>
    /// <param name="sumOfWeightedParameters">Σ nᵢ·wᵢ (e.g. decrypted from a homomorphic sum).</param>
    /// <param name="totalSampleCount">Σ nᵢ; approximate values from CKKS decryption are fine.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="totalSampleCount"/> is not positive and finite.</exception>
    /// <exception cref="ArgumentException">A sum is NaN or infinite, or the average overflows a float.</exception>
    public static float[] Average(ReadOnlySpan<double> sumOfWeightedParameters, double totalSampleCount)
    {
        if (!(totalSampleCount > 0) || double.IsInfinity(totalSampleCount))
        {
            throw new ArgumentOutOfRangeException(nameof(totalSampleCount), totalSampleCount, "Must be positive and finite.");
        }
        var average = new float[sumOfWeightedParameters.Length];
        for (var i = 0; i < average.Length; i++)
        {
            var value = (float)(sumOfWeightedParameters[i] / totalSampleCount);
            if (!float.IsFinite(value))
            {
                throw new ArgumentException($"Weighted sum {i} ({sumOfWeightedParameters[i]}) gives a non-finite average.", nameof(sumOfWeightedParameters));
            }
            average[i] = value;
        }
        return average;
    }

    /// <summary><see cref="Average(ReadOnlySpan{double}, double)"/> of a <see cref="WeightedParameterSum"/>.</summary>
    public static float[] Average(WeightedParameterSum sum)
    {
        ArgumentNullException.ThrowIfNull(sum);
        return Average(sum.SumOfWeightedParameters, sum.TotalSampleCount);
    }
}
