using FederatedHe.Testing;
using ScottPlot;

namespace FederatedHe.Host.Reports;

/// <summary>The report's per-round plots (ScottPlot, rendered headless to PNG through SkiaSharp).</summary>
internal static class RunPlots
{
    private const int Width = 900, Height = 540;

    /// <summary>Test accuracy per round, with the baselines as dashed lines.</summary>
    public static void Accuracy(string path, string name, SimulationResult result)
    {
        var plot = Create($"{name}: test accuracy per round", "accuracy");
        // The hospitals' own figures first and dashed, so the encrypted federation's line stays visible where they coincide.
        AddSeries(plot, result, r => r.FederatedAccuracy, "hospitals' own held-out data", dashed: true, Colors.Gray);
        AddSeries(plot, result, r => r.Test?.Accuracy, "encrypted federation (whole test set)");
        AddBaseline(plot, result.PlaintextFedAvgBaseline?.Accuracy, "plaintext FedAvg (final)", Colors.DarkOrange, LinePattern.Dashed);
        AddBaseline(plot, result.CentralizedBaseline?.Accuracy, "centralised", Colors.Green, LinePattern.Dotted);
        plot.ShowLegend(Alignment.LowerRight);
        plot.SavePng(path, Width, Height);
    }

    /// <summary>Test log-loss per round, with the baselines as dashed lines.</summary>
    public static void Loss(string path, string name, SimulationResult result)
    {
        var plot = Create($"{name}: test log-loss per round", "log-loss");
        AddSeries(plot, result, r => r.Test?.LogLoss, "encrypted federation");
        AddBaseline(plot, result.PlaintextFedAvgBaseline?.LogLoss, "plaintext FedAvg (final)", Colors.DarkOrange, LinePattern.Dashed);
        AddBaseline(plot, result.CentralizedBaseline?.LogLoss, "centralised", Colors.Green, LinePattern.Dotted);
        plot.ShowLegend(Alignment.UpperRight);
        plot.SavePng(path, Width, Height);
    }

    private static Plot Create(string title, string yLabel)
    {
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel("round");
        plot.YLabel(yLabel);
        return plot;
    }

    private static void AddSeries(Plot plot, SimulationResult result, Func<SimulationRound, double?> value, string label,
        bool dashed = false, Color? color = null)
    {
        var points = result.Rounds.Where(r => value(r) is { } v && double.IsFinite(v)).ToList();
        if (points.Count == 0)
            return;
        var scatter = plot.Add.Scatter(points.Select(r => (double)r.Round).ToArray(), points.Select(r => value(r)!.Value).ToArray());
        scatter.LegendText = label;
        scatter.LineWidth = 2;
        scatter.MarkerSize = 6;
        if (color is { } c)
            scatter.Color = c;
        if (dashed)
        {
            scatter.LinePattern = LinePattern.Dashed;
            scatter.MarkerSize = 0;
        }
    }

    private static void AddBaseline(Plot plot, double? value, string label, Color color, LinePattern pattern)
    {
        if (value is not { } v || !double.IsFinite(v))
            return;
        var line = plot.Add.HorizontalLine(v);
        line.LegendText = label;
        line.Color = color;
        line.LineWidth = 2;
        line.LinePattern = pattern;
    }
}
