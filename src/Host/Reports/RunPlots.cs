using System.Globalization;
using FederatedHe.Actors.Harness;
using FederatedHe.Actors.Spec;
using FederatedHe.Training.Evaluation;
using static FederatedHe.Actors.Protocol.FederationEvents;
using ScottPlot;

namespace FederatedHe.Host.Reports;

/// <summary>One curve of a run plot: a figure per round, drawn in list order (later curves over earlier ones).</summary>
/// <param name="Label">Its legend entry.</param>
/// <param name="Rounds">The rounds it has a value for.</param>
/// <param name="Values">Its value in each of those rounds.</param>
/// <param name="Color">Line and marker colour, distinct per curve.</param>
/// <param name="Pattern">Line pattern.</param>
/// <param name="LineWidth">Line width in pixels.</param>
/// <param name="Marker">Marker shape, distinct per curve, so curves that coincide stay visible.</param>
/// <param name="MarkerSize">Marker size in pixels.</param>
internal sealed record PlotSeries(string Label, IReadOnlyList<int> Rounds, IReadOnlyList<double> Values, Color Color, LinePattern Pattern,
    float LineWidth, MarkerShape Marker, float MarkerSize);

/// <summary>A figure that does not change with the rounds (the centralised baseline): a horizontal line.</summary>
internal sealed record PlotBaseline(string Label, double Value, Color Color, LinePattern Pattern);

/// <summary>What happened in a round that a reader must see beside the curves.</summary>
internal enum RoundEventKind
{
    /// <summary>A hospital of the federation went missing from the rounds (it died, left, or sat out).</summary>
    Dropout,

    /// <summary>A round needed more than one collection attempt.</summary>
    Retry,

    /// <summary>The spec's fault schedule struck.</summary>
    Fault,
}

/// <summary>A vertical mark at a round: <paramref name="Round"/> plus 0.5 for a fault struck once the aggregate was out.</summary>
internal sealed record PlotRoundEvent(double Round, RoundEventKind Kind, string Label);

/// <summary>Everything a run plot shows, apart from pixels: tests check this; <see cref="RunPlots.Render"/> draws it.</summary>
internal sealed record RunPlotData(
    string Title,
    string YLabel,
    IReadOnlyList<PlotSeries> Series,
    IReadOnlyList<PlotBaseline> Baselines,
    IReadOnlyList<PlotRoundEvent> Events,
    IReadOnlyList<int> RoundTicks);

/// <summary>The report's per-round plots (ScottPlot, rendered headless to PNG through SkiaSharp).</summary>
internal static class RunPlots
{
    private const int Width = 900, Height = 540;

    // One colour per curve, told apart by people with the common colour-vision deficiencies too (Okabe–Ito).
    internal static readonly Color EncryptedColor = Color.FromHex("#0072B2"), FedAvgColor = Color.FromHex("#E69F00"),
        HospitalsColor = Color.FromHex("#CC79A7"), WorstSiteColor = Color.FromHex("#D55E00"), CentralisedColor = Color.FromHex("#009E73");

    private static readonly Dictionary<RoundEventKind, (Color Color, LinePattern Pattern)> EventStyles = new()
    {
        [RoundEventKind.Dropout] = (Color.FromHex("#999999"), LinePattern.Dashed),
        [RoundEventKind.Retry] = (Color.FromHex("#56B4E9"), LinePattern.Dotted),
        [RoundEventKind.Fault] = (Color.FromHex("#000000"), LinePattern.DenselyDashed),
    };

    /// <summary>Most points a curve marks; a longer run's curves are lines only.</summary>
    internal const int MostMarkedRounds = 100;

    /// <summary>Writes accuracy.png.</summary>
    public static void Accuracy(string path, string name, FederationSpec spec, SimulationResult result) => Render(path, AccuracyData(name, spec, result));

    /// <summary>Writes loss.png.</summary>
    public static void Loss(string path, string name, FederationSpec spec, SimulationResult result) => Render(path, LossData(name, spec, result));

    /// <summary>
    /// Accuracy per round: the encrypted federation on the whole test set (solid, large circles), plaintext FedAvg per round
    /// (dashed, small squares: it coincides with the encrypted curve when encryption costs nothing, and both stay visible),
    /// the hospitals' own pooled figure and the worst hospital's own figure drawn last, over the others; the centralised
    /// baseline as a dotted line; dropouts, retries and faults as vertical marks.
    /// </summary>
    internal static RunPlotData AccuracyData(string name, FederationSpec spec, SimulationResult result) =>
        new($"{name}: accuracy per round", "accuracy",
            Curves(result, m => m.Accuracy, r => r.FederatedAccuracy, s => s.Accuracy, worstIsLowest: true),
            Baselines(("centralised", result.CentralizedBaseline?.Accuracy)), Events(spec, result), RoundTicks(spec, result));

    /// <summary>Log-loss per round, with the same curves, styles and marks as <see cref="AccuracyData"/> (the worst hospital is the highest).</summary>
    internal static RunPlotData LossData(string name, FederationSpec spec, SimulationResult result) =>
        new($"{name}: log-loss per round", "log-loss",
            Curves(result, m => m.LogLoss, r => SiteFigures.Pooled(r.Sites, s => s.LogLoss), s => s.LogLoss, worstIsLowest: false),
            Baselines(("centralised", result.CentralizedBaseline?.LogLoss)), Events(spec, result), RoundTicks(spec, result));

    /// <summary>The four curves of a metric, in drawing order: encrypted federation, plaintext FedAvg, the hospitals pooled, the worst hospital.</summary>
    private static List<PlotSeries> Curves(SimulationResult result, Func<EvaluationMetrics, double> onTestSet, Func<SimulationRound, double?> pooled,
        Func<SiteEvaluation, double> perSite, bool worstIsLowest)
    {
        var series = new List<PlotSeries>();
        Add(series, result.Rounds.Select(r => (r.Round, r.Test is { } m ? onTestSet(m) : (double?)null)), "encrypted federation (whole test set)",
            EncryptedColor, LinePattern.Solid, 2.5f, MarkerShape.FilledCircle, 9);
        Add(series, result.PlaintextFedAvgRounds.Select(r => (r.Round, (double?)onTestSet(r.Test))), "plaintext FedAvg (same updates, per round)",
            FedAvgColor, LinePattern.Dashed, 2, MarkerShape.FilledSquare, 5);
        Add(series, result.Rounds.Select(r => (r.Round, pooled(r))), "hospitals' own held-out data (pooled)",
            HospitalsColor, LinePattern.Solid, 1.5f, MarkerShape.OpenTriangleUp, 10);
        Add(series, result.Rounds.Select(r => (r.Round, SiteFigures.Worst(r.Sites, perSite, worstIsLowest)?.Value)),
            "worst hospital (its own held-out data)", WorstSiteColor, LinePattern.Dotted, 2, MarkerShape.OpenDiamond, 9);
        return series;
    }

    /// <summary>
    /// The marks: a dropout where a hospital goes missing that was there the round before (or where the coordinator
    /// reports one), a retry where a round needed more than one attempt, and each fault of the schedule at its moment.
    /// </summary>
    internal static IReadOnlyList<PlotRoundEvent> Events(FederationSpec spec, SimulationResult result)
    {
        var events = new List<PlotRoundEvent>();
        IReadOnlyList<string> before = [];
        foreach (var round in result.Rounds)
        {
            var missing = round.Absent.Union(round.Dropouts, StringComparer.Ordinal).ToList();
            var newlyMissing = missing.Except(before, StringComparer.Ordinal).ToList();
            if (newlyMissing.Count > 0)
                events.Add(new PlotRoundEvent(round.Round, RoundEventKind.Dropout, $"missing: {string.Join(", ", newlyMissing)}"));
            if (round.Attempts > 1)
                events.Add(new PlotRoundEvent(round.Round, RoundEventKind.Retry, $"{round.Attempts - 1} {(round.Attempts == 2 ? "retry" : "retries")}"));
            before = missing;
        }

        foreach (var fault in spec.Faults.Schedule)
        {
            events.Add(new PlotRoundEvent(fault.Round + (fault.Moment == FaultMoment.AggregateDistributed ? 0.5 : 0), RoundEventKind.Fault,
                $"{FaultNames.Name(fault.Kind)} {fault.Target}"));
        }

        return events;
    }

    /// <summary>Whole rounds only: every round up to 20, then every k-th so that at most about 20 ticks show.</summary>
    internal static IReadOnlyList<int> RoundTicks(FederationSpec spec, SimulationResult result)
    {
        var last = Math.Max(1, Math.Max(spec.Federation.Rounds, result.Rounds.Count == 0 ? 1 : result.Rounds.Max(r => r.Round)));
        var step = (int)Math.Ceiling(last / 20.0);
        return [.. Enumerable.Range(0, last / step + 1).Select(i => Math.Max(1, i * step)).Where(t => t <= last).Distinct()];
    }

    /// <summary>Draws a plot's data to a PNG.</summary>
    internal static void Render(string path, RunPlotData data) => Draw(data).SavePng(path, Width, Height);

    private static Plot Draw(RunPlotData data)
    {
        var plot = new Plot();
        plot.Title(data.Title);
        plot.XLabel("round");
        plot.YLabel(data.YLabel);

        foreach (var baseline in data.Baselines)
        {
            var line = plot.Add.HorizontalLine(baseline.Value);
            line.LegendText = baseline.Label;
            line.Color = baseline.Color;
            line.LineWidth = 2;
            line.LinePattern = baseline.Pattern;
        }

        var legended = new HashSet<RoundEventKind>();
        foreach (var mark in data.Events)
        {
            var (color, pattern) = EventStyles[mark.Kind];
            var line = plot.Add.VerticalLine(mark.Round);
            line.Color = color.WithAlpha(0.8);
            line.LinePattern = pattern;
            line.LineWidth = 1.5f;
            line.LabelText = mark.Label;
            // Faults are labelled at the top, dropouts and retries at the bottom: a fault and the dropout it causes share a round.
            line.LabelOppositeAxis = mark.Kind == RoundEventKind.Fault;
            line.LabelFontSize = 10;
            line.LabelBackgroundColor = color.WithAlpha(0.15);
            line.LabelFontColor = Colors.Black;
            if (legended.Add(mark.Kind))
                line.LegendText = mark.Kind switch { RoundEventKind.Dropout => "hospital missing", RoundEventKind.Retry => "retry", _ => "fault" };
        }

        foreach (var series in data.Series)
        {
            var scatter = plot.Add.Scatter(series.Rounds.Select(r => (double)r).ToArray(), series.Values.ToArray());
            scatter.LegendText = series.Label;
            scatter.Color = series.Color;
            scatter.LineWidth = series.LineWidth;
            scatter.LinePattern = series.Pattern;
            // Past MostMarkedRounds the markers overlap into a band that hides the lines and takes seconds to draw: lines alone.
            scatter.MarkerShape = series.Rounds.Count <= MostMarkedRounds ? series.Marker : MarkerShape.None;
            scatter.MarkerSize = series.MarkerSize;
        }

        plot.Axes.Bottom.SetTicks([.. data.RoundTicks.Select(t => (double)t)], [.. data.RoundTicks.Select(t => t.ToString(CultureInfo.InvariantCulture))]);
        plot.Axes.SetLimitsX(0.5, Math.Max(1, data.RoundTicks.Count == 0 ? 1 : data.RoundTicks[^1]) + 0.5);
        plot.ShowLegend(Alignment.LowerRight);
        return plot;
    }

    private static void Add(List<PlotSeries> series, IEnumerable<(int Round, double? Value)> points, string label, Color color, LinePattern pattern,
        float lineWidth, MarkerShape marker, float markerSize)
    {
        var defined = points.Where(p => p.Value is { } v && double.IsFinite(v)).ToList();
        if (defined.Count > 0)
            series.Add(new PlotSeries(label, [.. defined.Select(p => p.Round)], [.. defined.Select(p => p.Value!.Value)], color, pattern, lineWidth, marker, markerSize));
    }

    private static List<PlotBaseline> Baselines(params (string Label, double? Value)[] baselines) =>
        [.. baselines.Where(b => b.Value is { } v && double.IsFinite(v)).Select(b => new PlotBaseline(b.Label, b.Value!.Value, CentralisedColor, LinePattern.Dotted))];
}
