namespace FederatedHe.Training.Evaluation;

/// <summary>One bin of a reliability diagram.</summary>
/// <param name="Lower">Lowest predicted probability the bin holds (inclusive).</param>
/// <param name="Upper">Upper edge: exclusive, except for the last bin, which also holds 1.</param>
/// <param name="Count">Samples whose predicted probability falls in the bin.</param>
/// <param name="MeanPredicted">Mean predicted probability of those samples; NaN when the bin is empty.</param>
/// <param name="ObservedFrequency">Fraction of those samples that are malignant; NaN when the bin is empty.</param>
public sealed record CalibrationBin(double Lower, double Upper, int Count, double MeanPredicted, double ObservedFrequency);

/// <summary>How well a classifier's probabilities match how often it is right.</summary>
/// <param name="BrierScore">Mean squared difference between the predicted probability of malignancy and the label (0 is perfect, 0.25 is always saying 0.5).</param>
/// <param name="ExpectedCalibrationError">
/// Σ over bins of (samples in bin / all samples) × |observed frequency − mean predicted probability|, over
/// <see cref="Bins"/> (equal-width bins of [0, 1]); empty bins contribute nothing.
/// </param>
/// <param name="Bins">The equal-width bins, lowest first: the reliability diagram's points.</param>
public sealed record CalibrationMetrics(double BrierScore, double ExpectedCalibrationError, IReadOnlyList<CalibrationBin> Bins);

/// <summary>Brier score, expected calibration error and reliability-diagram bins.</summary>
/// <remarks>
/// Binning: <c>binCount</c> equal-width bins over [0, 1] (10 by default, as in Guo et al. 2017, "On
/// Calibration of Modern Neural Networks"); bin <c>k</c> holds probabilities in [k/n, (k+1)/n), the last
/// bin also holds 1. Pure and thread-safe.
/// </remarks>
public static class Calibration
{
    /// <summary>The number of bins used unless another is asked for.</summary>
    public const int DefaultBinCount = 10;

    /// <summary>Computes the Brier score, expected calibration error and bins from probabilities of class 1.</summary>
    /// <param name="labels">0 or 1 per sample.</param>
    /// <param name="probabilities">The predicted probability of class 1 per sample, each in [0, 1].</param>
    /// <param name="binCount">Number of equal-width bins, at least 1.</param>
    /// <exception cref="ArgumentException">The spans are empty or differ in length, a label is not 0 or 1, or a probability is outside [0, 1].</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="binCount"/> is below 1.</exception>
    public static CalibrationMetrics FromProbabilities(ReadOnlySpan<int> labels, ReadOnlySpan<double> probabilities, int binCount = DefaultBinCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(binCount, 1);
        if (labels.Length != probabilities.Length)
        {
            throw new ArgumentException($"{labels.Length} labels but {probabilities.Length} probabilities.", nameof(probabilities));
        }
        if (labels.Length == 0)
        {
            throw new ArgumentException("Cannot measure calibration on zero samples.", nameof(labels));
        }

        var counts = new int[binCount];
        var probabilitySums = new double[binCount];
        var positives = new int[binCount];
        var squaredErrorSum = 0.0;
        for (var i = 0; i < labels.Length; i++)
        {
            var label = labels[i];
            var probability = probabilities[i];
            if (label is not (0 or 1))
            {
                throw new ArgumentException($"Label {i} is {label}; labels must be 0 or 1.", nameof(labels));
            }
            if (!(probability >= 0 && probability <= 1))
            {
                throw new ArgumentException($"Probability {i} is {probability}; probabilities must lie in [0, 1].", nameof(probabilities));
            }
            squaredErrorSum += (probability - label) * (probability - label);
            var bin = Math.Min((int)Math.Floor(probability * binCount), binCount - 1);
            counts[bin]++;
            probabilitySums[bin] += probability;
            positives[bin] += label;
        }

        var bins = new CalibrationBin[binCount];
        var calibrationError = 0.0;
        for (var bin = 0; bin < binCount; bin++)
        {
            var count = counts[bin];
            var meanPredicted = count == 0 ? double.NaN : probabilitySums[bin] / count;
            var observed = count == 0 ? double.NaN : (double)positives[bin] / count;
            bins[bin] = new CalibrationBin((double)bin / binCount, (double)(bin + 1) / binCount, count, meanPredicted, observed);
            if (count > 0)
            {
                calibrationError += (double)count / labels.Length * Math.Abs(observed - meanPredicted);
            }
        }
        return new CalibrationMetrics(squaredErrorSum / labels.Length, calibrationError, bins);
    }

    /// <summary>As <see cref="FromProbabilities"/>, from logits (log-odds of class 1), turned into probabilities in double precision.</summary>
    /// <exception cref="ArgumentException">As for <see cref="FromProbabilities"/>, or a logit is NaN.</exception>
    public static CalibrationMetrics FromLogits(ReadOnlySpan<int> labels, ReadOnlySpan<float> logits, int binCount = DefaultBinCount)
    {
        var probabilities = new double[logits.Length];
        for (var i = 0; i < logits.Length; i++)
        {
            probabilities[i] = Probability(logits[i]);
        }
        return FromProbabilities(labels, probabilities, binCount);
    }

    /// <summary>The logistic function 1 / (1 + e^(−logit)), in double precision.</summary>
    public static double Probability(double logit) => 1.0 / (1.0 + Math.Exp(-logit));
}
