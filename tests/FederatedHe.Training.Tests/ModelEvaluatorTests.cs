using FederatedHe.Training.Evaluation;

namespace FederatedHe.Training.Tests;

public sealed class ModelEvaluatorTests
{
    [Fact]
    public void Metrics_follow_from_the_confusion_matrix_at_threshold_one_half()
    {
        // Labels:            1     1    1     0    0     0     0
        // Predicted (>0):    1     1    0     1    0     0     0
        int[] labels = [1, 1, 1, 0, 0, 0, 0];
        float[] logits = [2f, 1f, -1f, 0.5f, -2f, -3f, -0.5f];

        var metrics = ModelEvaluator.FromLogits(labels, logits);

        Assert.Equal(new ConfusionMatrix(TruePositives: 2, FalsePositives: 1, TrueNegatives: 3, FalseNegatives: 1), metrics.ConfusionMatrix);
        Assert.Equal(5.0 / 7, metrics.Accuracy, 12);
        Assert.Equal(2.0 / 3, metrics.Precision, 12);
        Assert.Equal(2.0 / 3, metrics.Recall, 12);
        Assert.Equal(2.0 / 3, metrics.F1, 12);
        Assert.Equal(7, metrics.SampleCount);
    }

    [Fact]
    public void Roc_auc_is_the_chance_a_malignant_sample_outscores_a_benign_one()
    {
        // Positives score 2, 1, −1; negatives 0.5, −2, −3, −0.5: 10 of 12 pairs are ordered correctly.
        int[] labels = [1, 1, 1, 0, 0, 0, 0];
        float[] logits = [2f, 1f, -1f, 0.5f, -2f, -3f, -0.5f];

        Assert.Equal(10.0 / 12, ModelEvaluator.FromLogits(labels, logits).RocAuc, 12);
    }

    [Fact]
    public void Tied_scores_count_half_towards_roc_auc()
    {
        Assert.Equal(0.5, ModelEvaluator.RocAuc([1, 0], [0.3f, 0.3f]), 12);
        Assert.Equal(0.75, ModelEvaluator.RocAuc([1, 1, 0], [0.9f, 0.3f, 0.3f]), 12);
    }

    [Fact]
    public void Roc_auc_is_undefined_when_only_one_class_is_present()
    {
        Assert.True(double.IsNaN(ModelEvaluator.FromLogits([1, 1], [1f, 2f]).RocAuc));
    }

    [Fact]
    public void Log_loss_is_the_mean_cross_entropy_and_stays_finite_for_confident_mistakes()
    {
        var metrics = ModelEvaluator.FromLogits([1, 0], [0f, 0f]);
        Assert.Equal(Math.Log(2), metrics.LogLoss, 12);

        var confidentMistake = ModelEvaluator.FromLogits([1], [-200f]);
        Assert.Equal(200, confidentMistake.LogLoss, 6);
    }

    [Fact]
    public void Precision_and_f1_are_zero_when_nothing_is_predicted_malignant()
    {
        var metrics = ModelEvaluator.FromLogits([1, 0], [-1f, -1f]);

        Assert.Equal(0, metrics.Precision);
        Assert.Equal(0, metrics.Recall);
        Assert.Equal(0, metrics.F1);
    }

    [Fact]
    public void Labels_and_logits_of_different_lengths_are_refused()
    {
        Assert.Throws<ArgumentException>(() => ModelEvaluator.FromLogits([1, 0], [1f]));
    }
}
