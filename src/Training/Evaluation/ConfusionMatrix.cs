namespace FederatedHe.Training.Evaluation;

/// <summary>Counts of a binary classifier's outcomes; class 1 (malignant) is positive.</summary>
/// <param name="TruePositives">Malignant samples predicted malignant.</param>
/// <param name="FalsePositives">Benign samples predicted malignant.</param>
/// <param name="TrueNegatives">Benign samples predicted benign.</param>
/// <param name="FalseNegatives">Malignant samples predicted benign: missed cancers.</param>
public sealed record ConfusionMatrix(int TruePositives, int FalsePositives, int TrueNegatives, int FalseNegatives)
{
    /// <summary>All samples counted.</summary>
    public int Total => TruePositives + FalsePositives + TrueNegatives + FalseNegatives;

    /// <summary>Element-wise sum, for pooling hospitals' evaluations.</summary>
    public ConfusionMatrix Add(ConfusionMatrix other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new(TruePositives + other.TruePositives, FalsePositives + other.FalsePositives,
            TrueNegatives + other.TrueNegatives, FalseNegatives + other.FalseNegatives);
    }
}
