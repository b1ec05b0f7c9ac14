namespace FederatedHe.Training.Evaluation;

/// <summary>One point of a ROC curve: the rates reached by calling every sample scoring at least <see cref="Threshold"/> malignant.</summary>
/// <param name="FalsePositiveRate">Benign samples called malignant, as a fraction of benign samples.</param>
/// <param name="TruePositiveRate">Malignant samples found (recall), as a fraction of malignant samples.</param>
/// <param name="Threshold">The score threshold; +∞ for the first point (nothing called malignant).</param>
public sealed record RocPoint(double FalsePositiveRate, double TruePositiveRate, double Threshold);

/// <summary>The ROC curve of a scorer on a labelled set.</summary>
/// <remarks>Pure and thread-safe.</remarks>
public static class RocCurve
{
    /// <summary>
    /// The curve's corner points from (0, 0) to (1, 1), one per distinct score, highest score first; tied
    /// scores move both rates at once, so the trapezoidal area under the points equals
    /// <see cref="ModelEvaluator.RocAuc"/> (ties counting half).
    /// </summary>
    /// <param name="labels">0 or 1 per sample.</param>
    /// <param name="scores">Any score increasing with the chance of class 1: a probability or a logit.</param>
    /// <exception cref="ArgumentException">The spans differ in length, a label is not 0 or 1, or one class is absent (the curve is undefined).</exception>
    public static IReadOnlyList<RocPoint> Compute(ReadOnlySpan<int> labels, ReadOnlySpan<double> scores)
    {
        if (labels.Length != scores.Length)
        {
            throw new ArgumentException($"{labels.Length} labels but {scores.Length} scores.", nameof(scores));
        }
        var positives = 0;
        for (var i = 0; i < labels.Length; i++)
        {
            positives += labels[i] switch
            {
                1 => 1,
                0 => 0,
                _ => throw new ArgumentException($"Label {i} is {labels[i]}; labels must be 0 or 1.", nameof(labels)),
            };
        }
        var negatives = labels.Length - positives;
        if (positives == 0 || negatives == 0)
        {
            throw new ArgumentException("A ROC curve needs both malignant and benign samples.", nameof(labels));
        }

        var scoreArray = scores.ToArray();
        var order = Enumerable.Range(0, scoreArray.Length).ToArray();
        Array.Sort(order, (left, right) => scoreArray[right].CompareTo(scoreArray[left]));
        var points = new List<RocPoint> { new(0, 0, double.PositiveInfinity) };
        int truePositives = 0, falsePositives = 0;
        var start = 0;
        while (start < order.Length)
        {
            var threshold = scoreArray[order[start]];
            var end = start;
            while (end < order.Length && scoreArray[order[end]] == threshold)
            {
                if (labels[order[end]] == 1) truePositives++; else falsePositives++;
                end++;
            }
            points.Add(new RocPoint((double)falsePositives / negatives, (double)truePositives / positives, threshold));
            start = end;
        }
        return points;
    }

    /// <summary>The trapezoidal area under ROC points.</summary>
    public static double Area(IReadOnlyList<RocPoint> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        var area = 0.0;
        for (var i = 1; i < points.Count; i++)
        {
            area += (points[i].FalsePositiveRate - points[i - 1].FalsePositiveRate)
                    * (points[i].TruePositiveRate + points[i - 1].TruePositiveRate) / 2;
        }
        return area;
    }
}
