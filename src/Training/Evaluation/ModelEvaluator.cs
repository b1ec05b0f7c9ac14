using FederatedHe.Training.Data;
using FederatedHe.Training.Models;

namespace FederatedHe.Training.Evaluation;

/// <summary>Scores a classifier on a labelled dataset.</summary>
/// <remarks>Pure apart from running the model forward; thread-safe for distinct models.</remarks>
public static class ModelEvaluator
{
    /// <summary>Runs the model on the dataset and computes every metric.</summary>
    /// <exception cref="ArgumentException">The dataset is empty or has a different number of features from the model.</exception>
    public static EvaluationMetrics Evaluate(ClassifierModel model, Dataset dataset)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(dataset);
        return FromLogits(dataset.Labels, model.PredictLogits(dataset));
    }

    /// <summary>Computes every metric from labels and the model's logits (log-odds of class 1).</summary>
    /// <exception cref="ArgumentException">The spans are empty or of different lengths, or a label is not 0 or 1.</exception>
    public static EvaluationMetrics FromLogits(ReadOnlySpan<int> labels, ReadOnlySpan<float> logits)
    {
        if (labels.Length != logits.Length)
        {
            throw new ArgumentException($"{labels.Length} labels but {logits.Length} logits.", nameof(logits));
        }
        if (labels.Length == 0)
        {
            throw new ArgumentException("Cannot evaluate on zero samples.", nameof(labels));
        }

        int truePositives = 0, falsePositives = 0, trueNegatives = 0, falseNegatives = 0;
        var logLossSum = 0.0;
        for (var i = 0; i < labels.Length; i++)
        {
            double logit = logits[i];
            var predictedPositive = logit > 0;
            switch (labels[i])
            {
                case 1:
                    if (predictedPositive) truePositives++; else falseNegatives++;
                    logLossSum += Softplus(-logit);
                    break;
                case 0:
                    if (predictedPositive) falsePositives++; else trueNegatives++;
                    logLossSum += Softplus(logit);
                    break;
                default:
                    throw new ArgumentException($"Label {i} is {labels[i]}; labels must be 0 or 1.", nameof(labels));
            }
        }

        var count = labels.Length;
        var precision = Ratio(truePositives, truePositives + falsePositives);
        var recall = Ratio(truePositives, truePositives + falseNegatives);
        var f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
        return new EvaluationMetrics(
            count,
            (double)(truePositives + trueNegatives) / count,
            precision,
            recall,
            f1,
            RocAuc(labels, logits),
            logLossSum / count,
            new ConfusionMatrix(truePositives, falsePositives, trueNegatives, falseNegatives));
    }

    /// <summary>
    /// ROC-AUC as the Mann–Whitney statistic: the chance a random malignant sample scores above a random
    /// benign one, ties counting half. NaN when either class is absent.
    /// </summary>
    public static double RocAuc(ReadOnlySpan<int> labels, ReadOnlySpan<float> scores)
    {
        if (labels.Length != scores.Length)
        {
            throw new ArgumentException($"{labels.Length} labels but {scores.Length} scores.", nameof(scores));
        }
        var order = new int[scores.Length];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }
        var scoreArray = scores.ToArray();
        Array.Sort(order, (left, right) => scoreArray[left].CompareTo(scoreArray[right]));

        // Average ranks over ties, then U = (sum of positive ranks) − n⁺(n⁺+1)/2.
        double positiveRankSum = 0;
        long positives = 0;
        var start = 0;
        while (start < order.Length)
        {
            var end = start;
            while (end + 1 < order.Length && scoreArray[order[end + 1]] == scoreArray[order[start]])
            {
                end++;
            }
            var averageRank = (start + end) / 2.0 + 1;
            for (var k = start; k <= end; k++)
            {
                if (labels[order[k]] == 1)
                {
                    positiveRankSum += averageRank;
                    positives++;
                }
            }
            start = end + 1;
        }
        var negatives = labels.Length - positives;
        if (positives == 0 || negatives == 0)
        {
            return double.NaN;
        }
        return (positiveRankSum - positives * (positives + 1) / 2.0) / (positives * (double)negatives);
    }

    private static double Ratio(int numerator, int denominator) => denominator == 0 ? 0 : (double)numerator / denominator;

    /// <summary>log(1 + e^x) without overflow.</summary>
    private static double Softplus(double x) => x > 0 ? x + double.LogP1(Math.Exp(-x)) : double.LogP1(Math.Exp(x));
}
