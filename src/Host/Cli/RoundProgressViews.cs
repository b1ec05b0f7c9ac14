using System.Globalization;
using FederatedHe.Actors.Harness;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace FederatedHe.Host.Cli;

/// <summary>How far a run is and when it should end: rounds done of the total, elapsed time, estimated time left.</summary>
internal sealed class RoundClock(int totalRounds)
{
    private TimeSpan? _firstRoundAt;

    /// <summary>Rounds the run was asked for.</summary>
    public int TotalRounds { get; } = Math.Max(totalRounds, 1);

    /// <summary>Rounds completed so far.</summary>
    public int Completed { get; private set; }

    /// <summary>Time since the run started, as of the last round.</summary>
    public TimeSpan Elapsed { get; private set; }

    /// <summary>Records a completed round, <paramref name="elapsed"/> after the run started.</summary>
    public void RoundCompleted(TimeSpan elapsed)
    {
        Completed++;
        Elapsed = elapsed;
        _firstRoundAt ??= elapsed;
    }

    /// <summary>
    /// Time left at the mean pace of the rounds since the first (whose time includes key generation and the
    /// statistics round, so it would mislead); null until there is a pace to go by.
    /// </summary>
    public TimeSpan? Remaining
    {
        get
        {
            if (Completed >= TotalRounds)
                return TimeSpan.Zero;
            if (Completed < 2 || _firstRoundAt is not { } first)
                return null;
            var perRound = (Elapsed - first) / (Completed - 1);
            return perRound * (TotalRounds - Completed);
        }
    }

    /// <summary>Fraction of the rounds done, 0 to 1.</summary>
    public double Fraction => Math.Min(1.0, (double)Completed / TotalRounds);

    public static string Format(TimeSpan? time) => time is not { } t
        ? "--:--"
        : t.TotalHours >= 1 ? $"{(int)t.TotalHours}:{t.Minutes:00}:{t.Seconds:00}" : $"{t.Minutes:00}:{t.Seconds:00}";
}

/// <summary>
/// The terminal view of a running simulation: a progress bar with the time left, and a table of only the most recent
/// rounds. Building it costs the same at round 1,000 as at round 10, where the old table grew by a row per round and was
/// redrawn whole each time. Columns are chosen to fit an 80-column terminal without shortening a header.
/// </summary>
internal sealed class RoundWindow(int totalRounds, int capacity = RoundWindow.DefaultCapacity)
{
    /// <summary>Rounds shown by default.</summary>
    public const int DefaultCapacity = 10;

    private const int BarWidth = 30;

    private readonly Queue<SimulationRound> _recent = new();

    /// <summary>Headers of the table's columns; times are per round and in milliseconds.</summary>
    public static readonly string[] Headers = ["round", "acc %", "loss", "AUC", "hosp", "drop", "train ms", "HE ms", "Δ plain"];

    /// <summary>The run's progress and pace.</summary>
    public RoundClock Clock { get; } = new(totalRounds);

    /// <summary>Most rounds the table shows.</summary>
    public int Capacity { get; } = capacity;

    /// <summary>The rounds the table shows now, oldest first.</summary>
    public IReadOnlyCollection<SimulationRound> Recent => _recent;

    /// <summary>Records a completed round, dropping the oldest shown once the window is full.</summary>
    public void Add(SimulationRound round, TimeSpan elapsed)
    {
        Clock.RoundCompleted(elapsed);
        _recent.Enqueue(round);
        while (_recent.Count > Capacity)
            _recent.Dequeue();
    }

    /// <summary>The table of the recent rounds.</summary>
    public Table BuildTable()
    {
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var header in Headers)
            table.AddColumn(new TableColumn(header).RightAligned().NoWrap());
        foreach (var round in _recent)
        {
            table.AddRow(
                round.Round.ToString(CultureInfo.InvariantCulture),
                RoundText.Number(round.Test?.Accuracy * 100, "F2"),
                RoundText.Number(round.Test?.LogLoss, "F4"),
                RoundText.Number(round.Test?.RocAuc, "F4"),
                round.Contributors.Count.ToString(CultureInfo.InvariantCulture),
                round.Dropouts.Count.ToString(CultureInfo.InvariantCulture),
                round.TrainingMs.ToString("F1", CultureInfo.InvariantCulture),
                (round.EncryptionMs + round.AggregationMs + round.DecryptionMs).ToString("F1", CultureInfo.InvariantCulture),
                RoundText.Number(round.ModelErrorVersusPlaintextFedAvg, "0.0E+00"));
        }
        return table;
    }

    /// <summary>The progress line: a bar, rounds done, elapsed time and time left.</summary>
    public string ProgressMarkup()
    {
        var filled = (int)Math.Round(Clock.Fraction * BarWidth);
        var bytes = _recent.Count == 0 ? string.Empty : $" · {_recent.Last().CiphertextBytesPerParameter:F0} B/param";
        // The privacy spent so far, with fedhe.privacy: the table has no room for another column in 80.
        if (_recent.Count > 0 && _recent.Last().Privacy is { } privacy)
            bytes += string.Create(CultureInfo.InvariantCulture, $" · ε {privacy.Epsilon:0.##}/{privacy.TargetEpsilon:0.##}");
        return $"[green]{new string('━', filled)}[/][grey]{new string('─', BarWidth - filled)}[/] " +
               $"{Clock.Completed}/{Clock.TotalRounds} · {RoundClock.Format(Clock.Elapsed)} · ETA {RoundClock.Format(Clock.Remaining)}{bytes}";
    }

    /// <summary>The whole view: progress line, then the table with a note on what its columns hold.</summary>
    public IRenderable Build() => new Rows(
        new Markup(ProgressMarkup()),
        BuildTable(),
        new Markup($"[grey]last {Capacity} rounds; HE = encrypt + aggregate + decrypt; Δ plain vs plaintext FedAvg[/]"));
}

/// <summary>
/// The view of a simulation whose output is redirected to a file or pipe: a fixed header, then exactly one plain line per
/// round as it completes (all figures, nothing redrawn, no ANSI codes), then the summary.
/// </summary>
internal sealed class PlainRoundLog(TextWriter output, int totalRounds)
{
    /// <summary>Lines written before the first round: the header from <see cref="WriteHeader"/>.</summary>
    public const int HeaderLineCount = 1;

    private static readonly (string Name, int Width)[] Columns =
    [
        ("round", 5), ("accuracy", 9), ("log_loss", 9), ("auc", 7), ("hospitals", 10), ("train_ms", 9), ("encrypt_ms", 11),
        ("aggregate_ms", 13), ("decrypt_ms", 11), ("bytes_per_param", 16), ("model_error", 12), ("elapsed", 9), ("eta", 9), ("epsilon", 9), ("dropouts", 0),
    ];

    private readonly RoundClock _clock = new(totalRounds);

    /// <summary>Writes the column header line.</summary>
    public void WriteHeader() => output.WriteLine(string.Concat(Columns.Select(c => c.Name.PadLeft(c.Width == 0 ? c.Name.Length + 1 : c.Width))));

    /// <summary>Writes one line for a completed round.</summary>
    public void WriteRound(SimulationRound round, TimeSpan elapsed)
    {
        _clock.RoundCompleted(elapsed);
        string[] cells =
        [
            round.Round.ToString(CultureInfo.InvariantCulture),
            RoundText.Number(round.Test?.Accuracy, "F4"),
            RoundText.Number(round.Test?.LogLoss, "F4"),
            RoundText.Number(round.Test?.RocAuc, "F4"),
            round.Contributors.Count.ToString(CultureInfo.InvariantCulture),
            round.TrainingMs.ToString("F1", CultureInfo.InvariantCulture),
            round.EncryptionMs.ToString("F1", CultureInfo.InvariantCulture),
            round.AggregationMs.ToString("F1", CultureInfo.InvariantCulture),
            round.DecryptionMs.ToString("F1", CultureInfo.InvariantCulture),
            round.CiphertextBytesPerParameter.ToString("F1", CultureInfo.InvariantCulture),
            RoundText.Number(round.ModelErrorVersusPlaintextFedAvg, "0.00E+00"),
            RoundClock.Format(_clock.Elapsed),
            RoundClock.Format(_clock.Remaining),
            RoundText.Number(round.Privacy?.Epsilon, "0.###"),
            round.Dropouts.Count == 0 ? "-" : string.Join(",", round.Dropouts),
        ];
        output.WriteLine(string.Concat(cells.Select((cell, i) => cell.PadLeft(Columns[i].Width == 0 ? cell.Length + 1 : Columns[i].Width))));
    }
}

internal static class RoundText
{
    public static string Number(double? value, string format) =>
        value is { } v && !double.IsNaN(v) ? v.ToString(format, CultureInfo.InvariantCulture) : "-";
}
