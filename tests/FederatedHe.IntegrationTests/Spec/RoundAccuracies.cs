using System.Globalization;
using System.Text.RegularExpressions;
using FederatedHe.Host.Reports;

namespace FederatedHe.IntegrationTests.Spec;

/// <summary>
/// Per-round federated accuracy, in percent with two decimals, as an in-process run reports it (rounds.csv) and as a
/// `cluster up` aggregator logs it, so the two run modes of one spec can be compared round by round.
/// </summary>
internal static partial class RoundAccuracies
{
    /// <summary>The accuracy of every training round in a run report's rounds.csv.</summary>
    public static List<string> InProcess(string runDirectory)
    {
        var lines = File.ReadAllLines(Path.Combine(runDirectory, RunReport.RoundsCsv));
        var column = Array.IndexOf(lines[0].Split(','), "federated_accuracy");
        return [.. lines.Skip(1).Select(line => (double.Parse(line.Split(',')[column], CultureInfo.InvariantCulture) * 100).ToString("F2", CultureInfo.InvariantCulture))];
    }

    /// <summary>The accuracy of every training round (round 0 standardises) in a cluster aggregator's log.</summary>
    public static List<string> Cluster(string aggregatorLog) =>
        [.. File.ReadAllLines(aggregatorLog).Select(line => AccuracyLine().Match(line)).Where(m => m.Success && m.Groups[1].Value != "0").Select(m => m.Groups[2].Value)];

    [GeneratedRegex(@"^round (\d+): .*hospitals report accuracy ([0-9.]+) ?%")]
    private static partial Regex AccuracyLine();
}
