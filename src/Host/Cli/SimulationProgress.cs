using System.Diagnostics;
using System.Globalization;
using FederatedHe.Actors.Configuration;
using FederatedHe.Actors.Diagnostics;
using FederatedHe.Actors.Harness;
using FederatedHe.Host.Hosting;
using FederatedHe.Host.Reports;
using Spectre.Console;

namespace FederatedHe.Host.Cli;

/// <summary>
/// The console side of a simulated federation, shared by `simulate`, `demo` and `experiment run`: progress while it
/// runs, then a summary. On a terminal, a progress bar with the time left above a table of the last
/// <see cref="RoundWindow.DefaultCapacity"/> rounds, redrawn at most <see cref="RedrawInterval"/> apart; with output
/// redirected, one plain line per round and nothing redrawn. Either way the cost per round stays the same however
/// many rounds there are; rounds.csv (`--out`) keeps every round.
/// </summary>
internal static class SimulationProgress
{
    /// <summary>What the in-process commands load the harness for, as its absence is reported.</summary>
    public const string HarnessUse = "the in-process federation (simulate, demo, experiment run)";

    /// <summary>Shortest time between two redraws of the live view; the last round is always drawn.</summary>
    public static readonly TimeSpan RedrawInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Runs a simulation, showing its progress, then a summary beside the baselines. Cancelled (Ctrl-C), it stops every
    /// node and returns the rounds completed so far as a failed result, so that a report can still be written.
    /// </summary>
    /// <param name="options">The run.</param>
    /// <param name="cancellationToken">Stops it.</param>
    /// <param name="record">Called with each round as it concludes, before it is shown (a run directory records it), or null.</param>
    public static async Task<SimulationResult> RunAsync(SimulationOptions options, CancellationToken cancellationToken, Action<SimulationRound>? record = null)
    {
        // The in-process federation is the harness's, loaded only by the commands that run one.
        var harness = HarnessPlugin.Load(HarnessUse);
        // Bad input is one error line, never a banner followed by an error.
        harness.CheckSimulation(options);
        // Every command that comes here ends its process when it returns, if fedhe is the process: its nodes need not stop first.
        options = options with { NodesEndWithProcess = NativeTeardown.EndsProcessAfterCommand };
        var completed = new List<SimulationRound>();
        var clock = Stopwatch.StartNew();
        async Task<SimulationResult> Federation(Action<SimulationRound> onRound)
        {
            try
            {
                return await harness.SimulateAsync(options, round =>
                {
                    completed.Add(round);
                    record?.Invoke(round);
                    onRound(round);
                }, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // FederationSimulation has terminated its nodes on the way out; what ran is still worth a report.
                return new SimulationResult(false, $"cancelled after {completed.Count} of {options.Spec.Federation.Rounds} rounds",
                    completed, null, null, clock.Elapsed);
            }
        }

        return Console.IsOutputRedirected
            ? await RunPlainAsync(options, Console.Out, Federation).ConfigureAwait(false)
            : await RunLiveAsync(options, AnsiConsole.Console, Federation).ConfigureAwait(false);
    }

    /// <summary>The terminal view around <paramref name="federation"/>, which reports each round to the callback it is given.</summary>
    internal static async Task<SimulationResult> RunLiveAsync(SimulationOptions options, IAnsiConsole console,
        Func<Action<SimulationRound>, Task<SimulationResult>> federation, RoundWindow? window = null)
    {
        foreach (var line in Introduction(options))
            console.MarkupLine(Markup.Escape(line));

        window ??= new RoundWindow(options.Spec.Federation.Rounds);
        var clock = Stopwatch.StartNew();
        TimeSpan? lastDrawn = null;
        SimulationResult result = null!;
        await console.Live(window.Build()).StartAsync(async context =>
        {
            result = await federation(round =>
            {
                window.Add(round, clock.Elapsed);
                if (clock.Elapsed - lastDrawn < RedrawInterval && window.Clock.Completed < window.Clock.TotalRounds)
                    return;
                lastDrawn = clock.Elapsed;
                context.UpdateTarget(window.Build());
                context.Refresh();
            }).ConfigureAwait(false);
            context.UpdateTarget(window.Build());
            context.Refresh();
        }).ConfigureAwait(false);

        foreach (var line in Summary(result, options.Spec.Crypto.Mode == KeyMode.InsecurePlaintext))
            console.MarkupLine(line.Style is { } style ? $"[{style}]{Markup.Escape(line.Text)}[/]" : Markup.Escape(line.Text));
        return result;
    }

    /// <summary>
    /// The redirected-output view around <paramref name="federation"/>: <see cref="PlainHeaderLineCount"/> lines of
    /// introduction and column header, one line per round, then the summary.
    /// </summary>
    internal static async Task<SimulationResult> RunPlainAsync(SimulationOptions options, TextWriter output,
        Func<Action<SimulationRound>, Task<SimulationResult>> federation)
    {
        foreach (var line in Introduction(options))
            output.WriteLine(line);
        var log = new PlainRoundLog(output, options.Spec.Federation.Rounds);
        log.WriteHeader();
        output.Flush();
        var clock = Stopwatch.StartNew();
        var result = await federation(round =>
        {
            log.WriteRound(round, clock.Elapsed);
            output.Flush();
        }).ConfigureAwait(false);
        foreach (var line in Summary(result, options.Spec.Crypto.Mode == KeyMode.InsecurePlaintext))
            output.WriteLine(line.Text);
        output.Flush();
        return result;
    }

    /// <summary>Lines the redirected view writes before the first round: the introduction and the column header.</summary>
    internal const int PlainHeaderLineCount = 2 + PlainRoundLog.HeaderLineCount;

    private static string[] Introduction(SimulationOptions options) =>
    [
        (options.Spec.Crypto.Mode == KeyMode.InsecurePlaintext
            ? "FederatedHe INSECURE PLAINTEXT federation (comparison mode: updates travel unencrypted): "
            : "FederatedHe encrypted federation: ") +
        $"{options.Spec.Federation.Hospitals} hospitals, {options.Spec.Federation.Rounds} rounds, {options.Spec.Training.Model}, " +
        $"{(options.Spec.Crypto.Mode == KeyMode.InsecurePlaintext ? "no encryption, chunked as " : "CKKS ")}{options.Spec.EffectivePreset}, {options.Spec.Crypto.Mode}" +
        $"{(options.Spec.Crypto.Mode == KeyMode.Threshold ? $" ({options.Spec.EffectiveThreshold}-of-{options.Spec.Federation.Hospitals})" : string.Empty)}, " +
        $"{options.Spec.Data.Partition} partition, seed {options.Spec.Federation.Seed}",
        "Each hospital and the aggregator is its own actor system; they form an Akka cluster over TCP on 127.0.0.1.",
    ];

    internal sealed record SummaryLine(string Text, string? Style = null);

    /// <summary>
    /// Where the federation's time went, the parts that took a measurable part of it in the order they happened: how long
    /// the rounds themselves took beside the fixed cost of starting and stopping the nodes, without a run directory's report.
    /// </summary>
    internal static string TimeBreakdownLine(FederationTimeBreakdown breakdown)
    {
        var parts = breakdown.Parts.Where(p => p.Time >= TimeSpan.FromMilliseconds(5))
            .Select(p => $"{p.Name} {p.Time.TotalSeconds.ToString("F2", CultureInfo.InvariantCulture)} s");
        return $"where that time went: {string.Join(", ", parts)}";
    }

    /// <summary>The summary after the run: outcome, where its time went, final accuracy, baselines and the encrypted-versus-plaintext error.</summary>
    internal static IReadOnlyList<SummaryLine> Summary(SimulationResult result, bool insecurePlaintext = false)
    {
        var lines = new List<SummaryLine>();
        var final = result.FinalTest;
        var worstError = result.Rounds.Select(r => r.ModelErrorVersusPlaintextFedAvg ?? double.NaN).DefaultIfEmpty(double.NaN).Max();
        lines.Add(result.Succeeded
            ? new($"federation completed in {result.FederationTime.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture)} s: {result.Status}", "green")
            : new($"federation failed after {result.FederationTime.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture)} s: {result.Status}", "red"));
        if (result.TimeBreakdown is { } breakdown)
            lines.Add(new(TimeBreakdownLine(breakdown), "grey"));
        if (final is not null)
            lines.Add(new($"{(insecurePlaintext ? "INSECURE plaintext" : "encrypted")} federation test accuracy: {final.Accuracy:P2} (AUC {final.RocAuc:F4}, log-loss {final.LogLoss:F4})", "bold"));
        if (result.CentralizedBaseline is { } central)
            lines.Add(new($"centralised baseline test accuracy: {central.Accuracy:P2} ({result.CentralizedBaselineEpochs} epochs on the pooled training data)"));
        if (result.PlaintextFedAvgBaseline is { } plain)
            lines.Add(new($"plaintext FedAvg baseline test accuracy: {plain.Accuracy:P2} (the same updates averaged without encryption)"));
        // Distributed privacy mode's sums carry DP noise by design: no round is compared with plaintext FedAvg there.
        lines.Add(new($"largest |decrypted global model - plaintext FedAvg| over all rounds: {(double.IsNaN(worstError) ? "n/a" : worstError.ToString("E2", CultureInfo.InvariantCulture))}"));
        lines.Add(new("original study: 98.25% centralised, 85.71% with its encrypted federation", "grey"));
        return lines;
    }
}
