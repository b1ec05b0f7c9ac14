using FederatedHe.Actors.Spec;
using FederatedHe.Host.Reports;
using FederatedHe.Actors.Harness;
using FederatedHe.Training.Evaluation;
using FederatedHe.Training.Federation;
using ScottPlot;
using static FederatedHe.Actors.Protocol.FederationEvents;

namespace FederatedHe.IntegrationTests.Experiments;

/// <summary>The report's plots, checked by what goes into them (curves, styles, marks, ticks) rather than by their pixels.</summary>
public sealed class RunPlotsTests
{
    private static readonly FederationSpec Spec = FederationSpec.Default.WithHospitals(3).WithRounds(12).WithQuorum(2).WithFaults(
    [
        new SimulatedFault(5, FaultMoment.RoundStarted, FaultKind.KillHospital, "hospital-3"),
    ]);

    private static EvaluationMetrics Metrics(double accuracy) => new(100, accuracy, 0.9, 0.8, 0.85, 0.95, 1 - accuracy, new ConfusionMatrix(40, 5, 50, 5));

    /// <summary>Twelve rounds: hospital-3 gone from round 5 on, round 8 needed a retry; plaintext FedAvg equal to the encrypted federation.</summary>
    private static SimulationResult Result()
    {
        var rounds = Enumerable.Range(1, 12).Select(r =>
        {
            var contributors = r < 5 ? new[] { "hospital-1", "hospital-2", "hospital-3" } : ["hospital-1", "hospital-2"];
            var sites = contributors.Select((id, i) => new SiteEvaluation(id, 50, 0.80 + 0.01 * r - 0.05 * i, 0.3, 0.9)).ToList();
            return new SimulationRound(r, contributors, r == 5 ? ["hospital-3"] : [], r == 8 ? 2 : 1, 0, Metrics(0.85 + 0.01 * r), 0.84 + 0.01 * r,
                1e-12, 1e-12, 3000, 10, 5, 2, 3, 500, 1000, 2000)
            {
                Absent = r < 5 ? [] : ["hospital-3"],
                Sites = sites,
            };
        }).ToList();
        return new SimulationResult(true, "completed 12 rounds", rounds, Metrics(0.97), Metrics(0.97), TimeSpan.FromSeconds(20))
        {
            PlaintextFedAvgRounds = [.. rounds.Select(r => new RoundMetrics(r.Round, r.Test!, 0.2, 3))],
        };
    }

    [Fact]
    public void Accuracy_shows_each_curve_in_its_own_colour_and_marker_and_draws_the_hospitals_curves_over_the_main_one()
    {
        var data = RunPlots.AccuracyData("test", Spec, Result());

        Assert.Equal(["encrypted federation (whole test set)", "plaintext FedAvg (same updates, per round)",
            "hospitals' own held-out data (pooled)", "worst hospital (its own held-out data)"], data.Series.Select(s => s.Label));
        Assert.Equal(data.Series.Count, data.Series.Select(s => s.Color).Distinct().Count());
        Assert.Equal(data.Series.Count, data.Series.Select(s => s.Marker).Distinct().Count());
        // Plaintext FedAvg is a curve with a point per round, dashed over the solid encrypted curve it coincides with.
        var encrypted = data.Series[0];
        var fedAvg = data.Series[1];
        Assert.Equal(Enumerable.Range(1, 12), fedAvg.Rounds);
        Assert.Equal(encrypted.Values, fedAvg.Values);
        Assert.Equal((LinePattern.Solid, LinePattern.Dashed), (encrypted.Pattern, fedAvg.Pattern));
        Assert.True(fedAvg.MarkerSize < encrypted.MarkerSize, "the coinciding FedAvg markers must sit inside the encrypted ones");
        // The worst site is the lowest hospital of each round.
        Assert.Equal(0.80 + 0.01 * 3 - 0.10, data.Series[3].Values[2], 12);
        Assert.Equal(0.80 + 0.01 * 6 - 0.05, data.Series[3].Values[5], 12);
        Assert.Equal("centralised", Assert.Single(data.Baselines).Label);
    }

    [Fact]
    public void Dropouts_retries_and_faults_are_marked_at_their_rounds_and_round_ticks_are_whole_numbers()
    {
        var data = RunPlots.AccuracyData("test", Spec, Result());

        Assert.Equal(
            [(5.0, RoundEventKind.Dropout, "missing: hospital-3"), (8.0, RoundEventKind.Retry, "1 retry"), (5.0, RoundEventKind.Fault, "kill-hospital hospital-3")],
            data.Events.Select(e => (e.Round, e.Kind, e.Label)));
        Assert.Equal(Enumerable.Range(1, 12), data.RoundTicks);
        Assert.Equal(data.Events, RunPlots.LossData("test", Spec, Result()).Events);
    }

    [Fact]
    public void A_long_run_gets_about_twenty_whole_round_ticks()
    {
        var ticks = RunPlots.RoundTicks(FederationSpec.Default.WithRounds(1000), Result());

        Assert.InRange(ticks.Count, 15, 21);
        Assert.Equal(1, ticks[0]);
        Assert.All(ticks.Skip(1), t => Assert.Equal(0, t % 50));
    }

    [Fact]
    public void A_run_that_ended_before_any_round_still_gets_its_whole_report_saying_it_failed()
    {
        var directory = Directory.CreateTempSubdirectory("fedhe-empty-report-").FullName;
        try
        {
            var failed = new SimulationResult(false, "only 1 of 3 hospitals registered within 00:00:30", [], null, null, TimeSpan.FromSeconds(31));

            RunReport.Write(directory, "test", new SimulationOptions { Spec = Spec }, failed);

            var summary = File.ReadAllText(Path.Combine(directory, RunReport.SummaryFile));
            Assert.Contains("\n**Failed**: only 1 of 3 hospitals registered within 00:00:30.\n", summary, StringComparison.Ordinal);
            Assert.Contains("| dropouts (hospital-rounds) | 0 |", summary, StringComparison.Ordinal);
            Assert.Single(File.ReadAllLines(Path.Combine(directory, RunReport.SitesCsv)));
            Assert.True(File.Exists(Path.Combine(directory, RunReport.AccuracyPng)));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void The_loss_plot_marks_the_worst_hospital_as_the_highest_loss_and_both_plots_are_written_as_PNG()
    {
        var directory = Directory.CreateTempSubdirectory("fedhe-plots-").FullName;
        try
        {
            var result = Result();
            var loss = RunPlots.LossData("test", Spec, result);
            Assert.Contains(loss.Series, s => s.Label == "worst hospital (its own held-out data)");

            RunPlots.Accuracy(Path.Combine(directory, "a.png"), "test", Spec, result);
            RunPlots.Loss(Path.Combine(directory, "l.png"), "test", Spec, result);

            foreach (var file in new[] { "a.png", "l.png" })
                Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(Path.Combine(directory, file))[..4]);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
