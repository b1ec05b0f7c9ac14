using FederatedHe.Actors.Spec;
using FederatedHe.Host.Cli;
using FederatedHe.Actors.Harness;
using FederatedHe.Actors.Diagnostics;
using FederatedHe.Training.Evaluation;
using Spectre.Console;

namespace FederatedHe.IntegrationTests.Cli;

/// <summary>The progress of a simulated federation stays cheap to watch however many rounds it runs.</summary>
public sealed class SimulationProgressTests
{
    private static readonly EvaluationMetrics Metrics = new(114, 0.9737, 0.97, 0.96, 0.965, 0.9951, 0.0812, new ConfusionMatrix(41, 1, 70, 2));

    private static SimulationRound Round(int number) => new(
        Round: number, Contributors: ["hospital-1", "hospital-2", "hospital-3", "hospital-4"], Dropouts: number % 7 == 0 ? ["hospital-2"] : [],
        Attempts: 1, IgnoredMessages: 0, Test: Metrics, FederatedAccuracy: 0.97, AggregateCkksError: 1e-9, ModelErrorVersusPlaintextFedAvg: 3.1e-8,
        CiphertextBytesPerParameter: 9123, TrainingMs: 12345.6, EncryptionMs: 1234.5, AggregationMs: 123.4, DecryptionMs: 2345.6, RoundMs: 17000,
        CiphertextBytesReceived: 1_000_000, CiphertextBytesSent: 1_000_000);

    private static SimulationResult Result(int rounds) => new(
        true, "all rounds completed", Enumerable.Range(1, rounds).Select(Round).ToList(), Metrics, Metrics, TimeSpan.FromSeconds(rounds));

    /// <summary>A stand-in federation that reports <paramref name="rounds"/> rounds at once.</summary>
    private static Func<Action<SimulationRound>, Task<SimulationResult>> Federation(int rounds) => onRound =>
    {
        for (var round = 1; round <= rounds; round++)
            onRound(Round(round));
        return Task.FromResult(Result(rounds));
    };

    private static (IAnsiConsole Console, StringWriter Output) Terminal(int width)
    {
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        console.Profile.Width = width;
        return (console, output);
    }

    private static string[] Render(RoundWindow window, int width = 80)
    {
        var (console, output) = Terminal(width);
        console.Write(window.Build());
        return output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.TrimEnd('\r')).ToArray();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(20)]
    [InlineData(1000)]
    public async Task Redirected_output_has_exactly_one_line_per_round_between_a_fixed_header_and_the_summary(int rounds)
    {
        var output = new StringWriter();

        var result = await SimulationProgress.RunPlainAsync(new SimulationOptions { Spec = FederationSpec.Default.WithRounds(rounds) }, output, Federation(rounds));

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.TrimEnd('\r')).ToArray();
        var summary = SimulationProgress.Summary(result);
        Assert.Equal(SimulationProgress.PlainHeaderLineCount + rounds + summary.Count, lines.Length);
        var roundLines = lines.Skip(SimulationProgress.PlainHeaderLineCount).Take(rounds).ToArray();
        Assert.Equal(Enumerable.Range(1, rounds).Select(r => r.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            roundLines.Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0]));
        Assert.Equal(summary.Select(line => line.Text), lines[^summary.Count..]);
        Assert.DoesNotContain('\u001b', output.ToString());
    }

    [Fact]
    public void The_summary_says_how_much_of_the_federation_time_the_rounds_took_and_how_much_the_rest()
    {
        var breakdown = new FederationTimeBreakdown(Registration: TimeSpan.FromSeconds(1.414), KeyGeneration: TimeSpan.FromMilliseconds(2),
            Standardisation: TimeSpan.FromSeconds(0.13), Rounds: TimeSpan.FromSeconds(48.4), Retries: TimeSpan.Zero,
            Timeouts: TimeSpan.FromSeconds(2), Shutdown: TimeSpan.FromSeconds(0.375));
        var result = Result(1000) with { FederationTime = breakdown.Total, TimeBreakdown = breakdown };

        var summary = SimulationProgress.Summary(result).Select(line => line.Text).ToList();

        Assert.StartsWith("federation completed in 52.3 s", summary[0]);
        Assert.Equal("where that time went: start-up and registration 1.41 s, standardisation (round 0) 0.13 s, rounds 48.40 s, "
                     + "timeouts (deadlines waited out) 2.00 s, stopping the nodes 0.38 s", summary[1]);
        Assert.DoesNotContain(SimulationProgress.Summary(Result(3)), line => line.Text.StartsWith("where that time went", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_redirected_round_line_carries_every_figure_and_the_time_left()
    {
        var output = new StringWriter();

        await SimulationProgress.RunPlainAsync(new SimulationOptions { Spec = FederationSpec.Default.WithRounds(7) }, output, Federation(7));

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = lines[SimulationProgress.PlainHeaderLineCount - 1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var seventh = lines[SimulationProgress.PlainHeaderLineCount + 6].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["round", "accuracy", "log_loss", "auc", "hospitals", "train_ms", "encrypt_ms", "aggregate_ms", "decrypt_ms",
            "bytes_per_param", "model_error", "elapsed", "eta", "epsilon", "dropouts"], header);
        Assert.Equal(header.Length, seventh.Length);
        Assert.Equal(["7", "0.9737", "0.0812", "0.9951", "4", "12345.6", "1234.5", "123.4", "2345.6", "9123.0", "3.10E-08"], seventh[..11]);
        Assert.Equal(("00:00", "-", "hospital-2"), (seventh[12], seventh[13], seventh[14]));
    }

    [Fact]
    public void The_live_table_never_holds_more_than_its_window_of_recent_rounds()
    {
        var window = new RoundWindow(totalRounds: 1000);
        var largest = 0;

        for (var round = 1; round <= 1000; round++)
        {
            window.Add(Round(round), TimeSpan.FromSeconds(round));
            largest = Math.Max(largest, window.BuildTable().Rows.Count);
        }

        Assert.Equal(RoundWindow.DefaultCapacity, largest);
        Assert.Equal(Enumerable.Range(991, 10), window.Recent.Select(r => r.Round));
    }

    [Fact]
    public void The_view_at_round_1000_renders_as_many_lines_as_at_round_10()
    {
        var early = new RoundWindow(totalRounds: 1000);
        var late = new RoundWindow(totalRounds: 1000);
        for (var round = 1; round <= 1000; round++)
        {
            if (round <= 10)
                early.Add(Round(round), TimeSpan.FromSeconds(round));
            late.Add(Round(round), TimeSpan.FromSeconds(round));
        }

        Assert.Equal(Render(early).Length, Render(late).Length);
    }

    [Fact]
    public void Every_column_fits_an_80_column_terminal_with_its_header_whole()
    {
        var window = new RoundWindow(totalRounds: 1000);
        for (var round = 990; round <= 1000; round++)
            window.Add(Round(round), TimeSpan.FromSeconds(round));

        var lines = Render(window);

        Assert.All(lines, line => Assert.True(line.Length <= 80, $"{line.Length} columns: {line}"));
        // Progress line, table (top, header, rule, 10 rounds, bottom), footnote: nothing wrapped onto a second line.
        Assert.Equal(1 + 3 + RoundWindow.DefaultCapacity + 1 + 1, lines.Length);
        var header = Assert.Single(lines, line => line.Contains("round", StringComparison.Ordinal) && line.Contains("AUC", StringComparison.Ordinal));
        Assert.All(RoundWindow.Headers, name => Assert.Contains(name, header, StringComparison.Ordinal));
        Assert.DoesNotContain(lines, line => line.Contains('…', StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains(" 1000 ", StringComparison.Ordinal) && line.Contains("97.37", StringComparison.Ordinal));
    }

    [Fact]
    public void The_progress_line_shows_rounds_done_and_the_time_left_at_the_recent_pace()
    {
        var window = new RoundWindow(totalRounds: 100);
        // The first round ends at 60 s (key generation and statistics); later ones take 2 s each.
        for (var round = 1; round <= 11; round++)
            window.Add(Round(round), TimeSpan.FromSeconds(60 + (round - 1) * 2));

        Assert.Equal(TimeSpan.FromSeconds(89 * 2), window.Clock.Remaining);
        var progress = Render(window)[0];
        Assert.Contains("11/100", progress, StringComparison.Ordinal);
        Assert.Contains("ETA 02:58", progress, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_live_view_of_a_1000_round_run_ends_with_the_last_round_and_the_summary()
    {
        var (console, output) = Terminal(80);
        var window = new RoundWindow(totalRounds: 1000);

        await SimulationProgress.RunLiveAsync(new SimulationOptions { Spec = FederationSpec.Default.WithRounds(1000) }, console, Federation(1000), window);

        var text = output.ToString();
        Assert.Contains("1000/1000", text, StringComparison.Ordinal);
        Assert.Contains("federation completed", text, StringComparison.Ordinal);
        Assert.Equal(Enumerable.Range(991, 10), window.Recent.Select(r => r.Round));
    }
}
