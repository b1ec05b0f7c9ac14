using FederatedHe.Training.Evaluation;

namespace FederatedHe.Training.Tests;

public sealed class CalibrationTests
{
    // Labels 1, 0, 1, 0 predicted 0.9, 0.2, 0.6, 0.65.
    private static readonly int[] Labels = [1, 0, 1, 0];
    private static readonly double[] Probabilities = [0.9, 0.2, 0.6, 0.65];

    [Fact]
    public void The_brier_score_is_the_mean_squared_gap_between_probability_and_label()
    {
        // (0.1² + 0.2² + 0.4² + 0.65²) / 4 = (0.01 + 0.04 + 0.16 + 0.4225) / 4
        Assert.Equal(0.158125, Calibration.FromProbabilities(Labels, Probabilities).BrierScore, 12);
    }

    [Fact]
    public void Expected_calibration_error_weights_each_bins_gap_by_its_share_of_samples()
    {
        // Bin [0.2, 0.3): 1 sample, predicted 0.2, observed 0    → 1/4 × 0.2   = 0.05
        // Bin [0.6, 0.7): 2 samples, predicted 0.625, observed ½ → 2/4 × 0.125 = 0.0625
        // Bin [0.9, 1.0]: 1 sample, predicted 0.9, observed 1    → 1/4 × 0.1   = 0.025
        var calibration = Calibration.FromProbabilities(Labels, Probabilities);

        Assert.Equal(0.1375, calibration.ExpectedCalibrationError, 12);
        Assert.Equal(10, calibration.Bins.Count);
        Assert.Equal([0, 0, 1, 0, 0, 0, 2, 0, 0, 1], calibration.Bins.Select(bin => bin.Count));
        var six = calibration.Bins[6];
        Assert.Equal((0.6, 0.7, 0.625, 0.5), (six.Lower, six.Upper, six.MeanPredicted, six.ObservedFrequency));
        Assert.True(double.IsNaN(calibration.Bins[0].MeanPredicted));
    }

    [Fact]
    public void Bins_hold_their_lower_edge_and_the_last_bin_holds_one()
    {
        var calibration = Calibration.FromProbabilities([0, 1, 1, 0], [0.0, 0.5, 1.0, 0.1]);

        Assert.Equal([1, 1, 0, 0, 0, 1, 0, 0, 0, 1], calibration.Bins.Select(bin => bin.Count));
    }

    [Fact]
    public void A_perfectly_confident_and_correct_model_has_zero_brier_score_and_calibration_error()
    {
        var calibration = Calibration.FromProbabilities([1, 0, 1], [1.0, 0.0, 1.0]);

        Assert.Equal((0.0, 0.0), (calibration.BrierScore, calibration.ExpectedCalibrationError));
    }

    [Fact]
    public void Logits_are_turned_into_probabilities_first()
    {
        var fromLogits = Calibration.FromLogits([1, 0], [0f, 0f]);

        Assert.Equal(0.25, fromLogits.BrierScore, 12);
        Assert.Equal(0.0, fromLogits.ExpectedCalibrationError, 12);
        Assert.Equal(2, fromLogits.Bins[5].Count);
    }

    [Fact]
    public void The_number_of_bins_can_be_chosen()
    {
        // Two bins: [0, 0.5) gets 0.2; [0.5, 1] gets 0.9, 0.6, 0.65 (predicted 0.71666…, observed 2/3).
        var calibration = Calibration.FromProbabilities(Labels, Probabilities, binCount: 2);

        Assert.Equal(0.25 * 0.2 + 0.75 * Math.Abs(2.0 / 3 - 2.15 / 3), calibration.ExpectedCalibrationError, 12);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.1)]
    [InlineData(double.NaN)]
    public void Probabilities_outside_zero_to_one_are_refused(double probability)
    {
        Assert.Throws<ArgumentException>(() => Calibration.FromProbabilities([1], [probability]));
    }

    [Fact]
    public void The_roc_curve_steps_through_each_distinct_score_and_its_area_is_the_auc()
    {
        var points = RocCurve.Compute(Labels, Probabilities);

        Assert.Equal(
            [(0.0, 0.0), (0.0, 0.5), (0.5, 0.5), (0.5, 1.0), (1.0, 1.0)],
            points.Select(point => (point.FalsePositiveRate, point.TruePositiveRate)));
        Assert.Equal(0.75, RocCurve.Area(points), 12);
        Assert.Equal(ModelEvaluator.RocAuc(Labels, [0.9f, 0.2f, 0.6f, 0.65f]), RocCurve.Area(points), 12);
    }

    [Fact]
    public void Tied_scores_make_one_diagonal_step_so_the_area_counts_ties_half()
    {
        var points = RocCurve.Compute([1, 0], [0.3, 0.3]);

        Assert.Equal([(0.0, 0.0), (1.0, 1.0)], points.Select(point => (point.FalsePositiveRate, point.TruePositiveRate)));
        Assert.Equal(0.5, RocCurve.Area(points), 12);
    }
}
