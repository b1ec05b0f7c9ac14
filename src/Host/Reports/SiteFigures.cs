using static FederatedHe.Actors.Protocol.FederationEvents;

namespace FederatedHe.Host.Reports;

/// <summary>Figures over a round's per-hospital evaluations: the worst site beside the pooled figure.</summary>
internal static class SiteFigures
{
    /// <summary>The hospital with the worst finite value of <paramref name="metric"/> (lowest, or highest for a loss), or null if none has one.</summary>
    public static (string HospitalId, double Value)? Worst(IReadOnlyList<SiteEvaluation> sites, Func<SiteEvaluation, double> metric, bool lowest)
    {
        var defined = sites.Where(s => double.IsFinite(metric(s))).ToList();
        if (defined.Count == 0)
            return null;
        var worst = lowest ? defined.MinBy(metric)! : defined.MaxBy(metric)!;
        return (worst.HospitalId, metric(worst));
    }

    /// <summary>The sample-weighted mean of the finite values of <paramref name="metric"/>, or null if none has one.</summary>
    public static double? Pooled(IReadOnlyList<SiteEvaluation> sites, Func<SiteEvaluation, double> metric)
    {
        var defined = sites.Where(s => double.IsFinite(metric(s)) && s.SampleCount > 0).ToList();
        var samples = defined.Sum(s => (double)s.SampleCount);
        return samples == 0 ? null : defined.Sum(s => metric(s) * s.SampleCount) / samples;
    }
}
