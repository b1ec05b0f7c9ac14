using FederatedHe.Training.Evaluation;
using ScottPlot;

namespace FederatedHe.Host.Reports;

/// <summary>`fedhe evaluate`'s plots (ScottPlot, rendered headless to PNG as <see cref="RunPlots"/> does).</summary>
internal static class EvaluationPlots
{
    private const int Width = 700, Height = 640;

    /// <summary>
    /// Reliability diagram: each non-empty bin's observed frequency of malignancy against its mean predicted
    /// probability, over the diagonal of perfect calibration, with the bins' sample counts as bars.
    /// </summary>
    public static void Reliability(string path, string title, CalibrationMetrics calibration)
    {
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel("mean predicted probability of malignancy");
        plot.YLabel("observed frequency of malignancy");

        var total = calibration.Bins.Sum(bin => bin.Count);
        // Bars: the share of samples per bin, so a point resting on few samples is visibly weak.
        var bars = plot.Add.Bars(calibration.Bins.Select(bin => new Bar
        {
            Position = (bin.Lower + bin.Upper) / 2,
            Value = (double)bin.Count / total,
            Size = (bin.Upper - bin.Lower) * 0.9,
            FillColor = Colors.LightGray,
            LineWidth = 0,
        }).ToList());
        bars.LegendText = "share of samples in bin";

        var diagonal = plot.Add.Line(0, 0, 1, 1);
        diagonal.LinePattern = LinePattern.Dashed;
        diagonal.Color = Colors.Gray;
        diagonal.LegendText = "perfect calibration";

        var filled = calibration.Bins.Where(bin => bin.Count > 0).ToList();
        var points = plot.Add.Scatter(filled.Select(bin => bin.MeanPredicted).ToArray(), filled.Select(bin => bin.ObservedFrequency).ToArray());
        points.LegendText = $"model ({calibration.Bins.Count} equal-width bins; ECE {calibration.ExpectedCalibrationError:F4})";
        points.LineWidth = 2;
        points.MarkerSize = 8;

        plot.Axes.SetLimits(0, 1, 0, 1);
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(path, Width, Height);
    }

    /// <summary>ROC curve with the chance diagonal; the legend gives the area under it.</summary>
    public static void Roc(string path, string title, IReadOnlyList<RocPoint> points, double auc)
    {
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel("false positive rate (benign called malignant)");
        plot.YLabel("true positive rate (malignant found)");

        var chance = plot.Add.Line(0, 0, 1, 1);
        chance.LinePattern = LinePattern.Dashed;
        chance.Color = Colors.Gray;
        chance.LegendText = "chance";

        var curve = plot.Add.Scatter(points.Select(p => p.FalsePositiveRate).ToArray(), points.Select(p => p.TruePositiveRate).ToArray());
        curve.LegendText = $"model (AUC {auc:F4})";
        curve.LineWidth = 2;
        curve.MarkerSize = 0;

        plot.Axes.SetLimits(0, 1, 0, 1);
        plot.ShowLegend(Alignment.LowerRight);
        plot.SavePng(path, Width, Height);
    }
}
