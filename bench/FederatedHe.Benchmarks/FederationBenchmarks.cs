using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace FederatedHe.Benchmarks;

/// <summary>
/// Issue 15, what encryption costs a whole federation: the same federation (WDBC, 4 hospitals, IID, seed 42) run as
/// `fedhe simulate` child processes in the INSECURE plaintext comparison mode, in shared-key mode and in threshold mode
/// (3-of-4), for each model size, several times, in one run. Per mode and model it prints the median round time, the
/// per-phase times the run report records (mean over hospitals: train, encrypt, decrypt; the aggregator's sum), bytes per
/// parameter up (one hospital's update) and down (the aggregate one hospital receives), the peak resident memory of the
/// federation's process, and the ratios to plaintext.
/// </summary>
/// <remarks>
/// By default (<c>--as simulate</c>) each federation runs in its own process, with the aggregator and the 4 hospitals as
/// actor systems in it (what `simulate` does), so the memory figure is the peak RSS (VmHWM in /proc/pid/status) of all five
/// nodes together plus simulate's baselines, not of one node. With <c>--as cluster</c> each federation runs as
/// `fedhe cluster up`: one `fedhe node` process per node on loopback (mutual TLS, a monitor member, the same spec), and the
/// memory figures are each node's own peak RSS, which `cluster up` samples and writes to its nodes.csv. Rounds after the first
/// model round are the ones measured (round 1 includes warming up); each cell is the median over repetitions of the run's
/// median round.
/// </remarks>
internal static class FederationBenchmarks
{
    private sealed record Model(string Key, string Name, string Option);

    private sealed record Mode(string Key, string Name, string[] Options);

    private sealed record RoundFigures(double RoundMs, double TrainMs, double EncryptMs, double AggregateMs, double DecryptMs, double UpBytesPerParameter,
        double DownBytesPerParameter, int Parameters);

    /// <summary>One federation's figures: its rounds, the peak RSS of its one process (simulate) and of each node's process (cluster).</summary>
    private sealed record FederationRun(RoundFigures Figures, double PeakRssMb, IReadOnlyDictionary<string, double>? NodePeakRssMb);

    /// <param name="NodePeakRssMb">With <c>--as cluster</c>: each node's peak RSS (the median over runs), by node; else null.</param>
    private sealed record Cell(string Mode, string Model, int Parameters, double RoundMs, double TrainMs, double EncryptMs, double AggregateMs, double DecryptMs,
        double UpBytesPerParameter, double DownBytesPerParameter, double PeakRssMb, double[] RunRoundMs, IReadOnlyDictionary<string, double>? NodePeakRssMb);

    private const int Hospitals = 4;

    public static int Run(string[] args)
    {
        string? json = null;
        var repetitions = 3;
        var rounds = 3;
        var models = new List<Model> { new("lr", "LR", "logistic-regression"), new("100k", "MLP 320-256", "mlp:320,256"), new("1m", "MLP 1024-1024", "mlp:1024,1024") };
        var modes = new List<Mode>
        {
            new("insecure-plaintext", "plaintext (INSECURE)", ["--mode", "insecure-plaintext"]),
            new("shared-key", "shared-key", ["--mode", "shared-key"]),
            // Threshold mode's default preset, the seeded scheme; and the collective-key scheme.
            new("threshold", "threshold 3-of-4 (seeded)", ["--mode", "threshold", "--threshold", "3"]),
            new("threshold-collective-key", "threshold 3-of-4 (collective key)", ["--mode", "threshold", "--threshold", "3", "--preset", "Params128BitLogN13LogQ160Threshold"]),
        };
        string? fedhe = null;
        var asCluster = false;
        string? heartbeatPause = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--json": json = args[++i]; break;
                case "--as":
                    var way = args[++i];
                    if (way is not ("simulate" or "cluster"))
                    {
                        Console.Error.WriteLine($"error: --as {way}: simulate (one process for every node) or cluster (`fedhe cluster up`, one process per node)");
                        return 2;
                    }

                    asCluster = way == "cluster";
                    break;
                case "--acceptable-heartbeat-pause": heartbeatPause = args[++i]; break;
                case "--repetitions": repetitions = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--rounds": rounds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--fedhe": fedhe = args[++i]; break;
                case "--models":
                    var wanted = args[++i].Split(',');
                    models = models.Where(m => wanted.Contains(m.Key)).ToList();
                    break;
                case "--modes":
                    var modeNames = args[++i].Split(',');
                    modes = modes.Where(m => modeNames.Contains(m.Key)).ToList();
                    break;
                default:
                    Console.Error.WriteLine($"unknown option {args[i]}");
                    return 2;
            }
        }

        fedhe ??= Path.Combine(RepositoryRoot(), "src", "Host", "bin", "Release", "net10.0", "fedhe");
        if (!File.Exists(fedhe))
        {
            Console.Error.WriteLine($"error: {fedhe} not found; build src/Host in Release first (or give --fedhe)");
            return 2;
        }

        Console.WriteLine($"Federation/WDBC/hospitals=4, as {(asCluster ? "cluster up (one process per node)" : "simulate (one process)")}: " +
                          $"{repetitions} repetitions of {rounds} rounds per mode and model; " +
                          $"load average {File.ReadAllText("/proc/loadavg").Trim()} at {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        var cells = new List<Cell>();
        foreach (var model in models)
        {
            if (cells.Count > 0)
                Print(cells); // so far, in case a later model does not finish
            foreach (var mode in modes)
            {
                var runs = new List<FederationRun>();
                for (var r = 0; r < repetitions; r++)
                {
                    // A federation that fails (on an overloaded machine, a hospital can be marked unreachable) is reported and left
                    // out of the medians, not hidden: the table says how many runs each cell has.
                    var run = asCluster ? RunCluster(fedhe, model, mode, rounds, heartbeatPause) : RunFederation(fedhe, model, mode, rounds);
                    if (run is null)
                    {
                        Console.WriteLine($"  {mode.Name,-22} {model.Name,-10} run {r + 1}: FAILED (see above)");
                        continue;
                    }

                    runs.Add(run);
                    var memory = run.NodePeakRssMb is { } nodes
                        ? "peak RSS " + string.Join(", ", nodes.Select(n => $"{n.Key} {n.Value:F0} MB"))
                        : $"peak RSS {run.PeakRssMb:F0} MB";
                    Console.WriteLine($"  {mode.Name,-22} {model.Name,-10} run {r + 1}: round {run.Figures.RoundMs:F0} ms, {memory}");
                }

                if (runs.Count == 0)
                    continue;

                double M(Func<RoundFigures, double> pick) => MedianOf(runs.Select(x => pick(x.Figures)));
                var nodePeaks = runs[0].NodePeakRssMb?.Keys.ToDictionary(node => node, node => MedianOf(runs.Select(x => x.NodePeakRssMb![node])));
                cells.Add(new Cell(mode.Name, model.Name, runs[0].Figures.Parameters, M(f => f.RoundMs), M(f => f.TrainMs), M(f => f.EncryptMs),
                    M(f => f.AggregateMs), M(f => f.DecryptMs), M(f => f.UpBytesPerParameter), M(f => f.DownBytesPerParameter),
                    MedianOf(runs.Select(x => x.PeakRssMb)), runs.Select(x => x.Figures.RoundMs).ToArray(), nodePeaks));
            }
        }

        Print(cells);
        Console.WriteLine($"load average {File.ReadAllText("/proc/loadavg").Trim()} at {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        if (json is not null)
            // A cluster run has no one-process peak (NaN): written as "NaN" rather than failing at the very end.
            File.WriteAllText(json, JsonSerializer.Serialize(cells, new JsonSerializerOptions
            {
                WriteIndented = true,
                NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
            }));
        return 0;
    }

    private static void Print(List<Cell> cells)
    {
        if (cells.Any(c => c.NodePeakRssMb is not null))
        {
            PrintPerNode(cells);
            return;
        }

        Console.WriteLine();
        Console.WriteLine("| model (parameters) | mode | round ms [per run] | train | encrypt | aggregate | decrypt | B/param up | B/param down | peak RSS of the 5-node process | round × plaintext | RSS × plaintext |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var cell in cells)
        {
            var plain = cells.FirstOrDefault(c => c.Model == cell.Model && c.Mode.StartsWith("plaintext", StringComparison.Ordinal));
            var ratio = plain is null ? "" : F(cell.RoundMs / plain.RoundMs, "F2") + "×";
            var memory = plain is null ? "" : F(cell.PeakRssMb / plain.PeakRssMb, "F2") + "×";
            Console.WriteLine($"| {cell.Model} ({cell.Parameters:N0}) | {cell.Mode} | {F(cell.RoundMs)} [{string.Join(", ", cell.RunRoundMs.Select(v => F(v)))}] | " +
                              $"{F(cell.TrainMs)} | {F(cell.EncryptMs)} | {F(cell.AggregateMs)} | {F(cell.DecryptMs)} | {F(cell.UpBytesPerParameter, "F2")} | " +
                              $"{F(cell.DownBytesPerParameter, "F2")} | {F(cell.PeakRssMb)} MB | {ratio} | {memory} |");
        }
    }

    /// <summary>The cluster table: the same round figures, then each node's own peak RSS and the hospitals' and aggregator's ratios to plaintext.</summary>
    private static void PrintPerNode(List<Cell> cells)
    {
        var hospitals = Enumerable.Range(1, Hospitals).Select(k => $"hospital-{k}").ToArray();
        Console.WriteLine();
        Console.WriteLine("| model (parameters) | mode | round ms [per run] | train | encrypt | aggregate | decrypt | B/param up | B/param down | " +
                          $"aggregator peak RSS | {string.Join(" | ", hospitals)} | monitor | round × plaintext | aggregator RSS × plaintext | largest hospital RSS × plaintext |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|" + string.Concat(Enumerable.Repeat("---|", Hospitals)) + "---|---|---|---|");
        foreach (var cell in cells)
        {
            var nodes = cell.NodePeakRssMb!;
            double Peak(string node) => nodes.TryGetValue(node, out var mb) ? mb : double.NaN;
            double LargestHospital(Cell c) => hospitals.Max(h => c.NodePeakRssMb!.TryGetValue(h, out var mb) ? mb : double.NaN);
            var plain = cells.FirstOrDefault(c => c.Model == cell.Model && c.Mode.StartsWith("plaintext", StringComparison.Ordinal));
            string Ratio(double value, double reference) => plain is null ? "" : F(value / reference, "F2") + "×";
            Console.WriteLine($"| {cell.Model} ({cell.Parameters:N0}) | {cell.Mode} | {F(cell.RoundMs)} [{string.Join(", ", cell.RunRoundMs.Select(v => F(v)))}] | " +
                              $"{F(cell.TrainMs)} | {F(cell.EncryptMs)} | {F(cell.AggregateMs)} | {F(cell.DecryptMs)} | {F(cell.UpBytesPerParameter, "F2")} | " +
                              $"{F(cell.DownBytesPerParameter, "F2")} | {F(Peak("aggregator"))} MB | {string.Join(" | ", hospitals.Select(h => F(Peak(h)) + " MB"))} | " +
                              $"{F(Peak("monitor"))} MB | {Ratio(cell.RoundMs, plain?.RoundMs ?? 1)} | " +
                              $"{Ratio(Peak("aggregator"), plain?.NodePeakRssMb?.GetValueOrDefault("aggregator") ?? 1)} | " +
                              $"{Ratio(LargestHospital(cell), plain is null ? 1 : LargestHospital(plain))} |");
        }
    }

    /// <summary>
    /// One federation as `fedhe cluster up`: the same spec as the simulate runs (WDBC, 4 hospitals, IID, seed 42), one process per
    /// node on loopback with mutual TLS, a monitor member, and the run report's rounds.csv and nodes.csv (each node's peak RSS) read
    /// afterwards. <paramref name="heartbeatPause"/>, if given, replaces hocon/cluster.conf's failure-detector pause (5 s) in a copy
    /// beside the spec, which the nodes load instead: on a machine so loaded that hospitals busy with threshold encryption miss their
    /// heartbeats for longer, the federation then completes. It changes no figure but whether a run gets through.
    /// </summary>
    private static FederationRun? RunCluster(string fedhe, Model model, Mode mode, int rounds, string? heartbeatPause)
    {
        var output = Directory.CreateTempSubdirectory("fedhe-federation-bench-cluster-").FullName;
        var keep = false;
        try
        {
            if (heartbeatPause is not null)
            {
                const string shipped = "acceptable-heartbeat-pause = 5s";
                var cluster = File.ReadAllText(Path.Combine(RepositoryRoot(), "hocon", "cluster.conf"));
                if (!cluster.Contains(shipped, StringComparison.Ordinal))
                    throw new InvalidDataException($"hocon/cluster.conf no longer says '{shipped}'; --acceptable-heartbeat-pause cannot replace it");
                File.WriteAllText(Path.Combine(output, "cluster.conf"), cluster.Replace(shipped, $"acceptable-heartbeat-pause = {heartbeatPause}", StringComparison.Ordinal));
            }

            // The aggregator, 4 hospitals and the monitor on consecutive ports; the dashboard on any free one.
            var basePort = FreePortBlock(Hospitals + 2);
            string[] insecure = mode.Options[1] == "insecure-plaintext" ? ["--insecure-plaintext"] : [];
            var arguments = new[]
                {
                    "cluster", "up", "--hospitals", Hospitals.ToString(CultureInfo.InvariantCulture), "--rounds", rounds.ToString(CultureInfo.InvariantCulture),
                    "--model", model.Option, "--logs", output, "--base-port", basePort.ToString(CultureInfo.InvariantCulture), "--monitor-port", "0",
                }
                .Concat(mode.Options).Concat(insecure);
            var (code, text) = RunToEnd(fedhe, arguments, _ => { });
            if (code != 0)
            {
                // The nodes' logs say why; they are kept (and named) for a failed run only.
                keep = true;
                Console.Error.WriteLine($"error: {mode.Name} {model.Name}: fedhe cluster up exited with {code}; the nodes' logs are in {output}; its status:\n" +
                                        string.Join("\n", text.Split('\n').Where(l => l.Contains("fail", StringComparison.OrdinalIgnoreCase) || l.Contains("error", StringComparison.OrdinalIgnoreCase)).Take(8)));
                return null;
            }

            var nodes = File.ReadAllLines(Path.Combine(output, "nodes.csv")).Skip(1)
                .Select(line => line.Split(','))
                .Where(fields => fields[4].Length > 0)
                .ToDictionary(fields => fields[0], fields => long.Parse(fields[4], CultureInfo.InvariantCulture) / (1024.0 * 1024), StringComparer.Ordinal);
            return new FederationRun(Figures(File.ReadAllLines(Path.Combine(output, "rounds.csv"))), double.NaN, nodes);
        }
        finally
        {
            if (!keep)
                Directory.Delete(output, recursive: true);
        }
    }

    /// <summary>Runs fedhe to its end, reading its output; <paramref name="whileRunning"/> is given the process id every 100 ms.</summary>
    private static (int ExitCode, string Output) RunToEnd(string fedhe, IEnumerable<string> arguments, Action<int> whileRunning)
    {
        var start = new ProcessStartInfo(fedhe)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        while (!process.WaitForExit(100))
            whileRunning(process.Id);
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>The first of <paramref name="count"/> consecutive ports free on loopback, from 30000 up.</summary>
    private static int FreePortBlock(int count)
    {
        for (var first = 30000; first < 60000; first += count)
        {
            var free = true;
            for (var port = first; port < first + count && free; port++)
            {
                try
                {
                    var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, port);
                    listener.Start();
                    listener.Stop();
                }
                catch (System.Net.Sockets.SocketException)
                {
                    free = false;
                }
            }

            if (free)
                return first;
        }

        throw new InvalidOperationException("no free block of loopback ports between 30000 and 60000");
    }

    private static FederationRun? RunFederation(string fedhe, Model model, Mode mode, int rounds)
    {
        var output = Directory.CreateTempSubdirectory("fedhe-federation-bench-").FullName;
        try
        {
            // VmHWM is the process's high-water mark: the last reading before it exits is its peak.
            long peakKb = 0;
            var (code, text) = RunToEnd(fedhe,
                new[] { "simulate", "--hospitals", Hospitals.ToString(CultureInfo.InvariantCulture), "--rounds", rounds.ToString(CultureInfo.InvariantCulture), "--model", model.Option, "--out", output }
                    .Concat(mode.Options),
                pid => peakKb = Math.Max(peakKb, ReadHighWaterMarkKb(pid)));
            if (code != 0)
            {
                var lines = text.Split('\n');
                Console.Error.WriteLine($"error: {mode.Name} {model.Name}: fedhe simulate exited with {code}; its errors:\n" +
                                        string.Join("\n", lines.Where(l => l.Contains("ERROR", StringComparison.Ordinal) || l.StartsWith("federation", StringComparison.Ordinal)).Take(5)));
                return null;
            }

            var report = Directory.GetDirectories(output).Single();
            return new FederationRun(Figures(File.ReadAllLines(Path.Combine(report, "rounds.csv"))), peakKb / 1024.0, null);
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    /// <summary>The median of the model rounds after the first, from the run report's rounds.csv.</summary>
    private static RoundFigures Figures(string[] lines)
    {
        var header = lines[0].Split(',');
        int Column(string name) => Array.IndexOf(header, name) is var i and >= 0 ? i : throw new InvalidDataException($"rounds.csv has no {name} column");
        var rows = lines.Skip(1).Select(l => l.Split(',')).ToList();
        var measured = rows.Count > 1 ? rows.Skip(1).ToList() : rows;
        double Value(string[] row, string name) => double.Parse(row[Column(name)], CultureInfo.InvariantCulture);
        double Median(Func<string[], double> pick) => MedianOf(measured.Select(pick));
        // bytes_per_parameter is one hospital's update over its vector (the parameters and the sample count).
        var first = measured[0];
        var contributors = Value(first, "contributors");
        var vectorLength = (int)Math.Round(Value(first, "ciphertext_bytes_received") / contributors / Value(first, "ciphertext_bytes_per_parameter"));
        return new RoundFigures(
            Median(r => Value(r, "round_ms")),
            Median(r => Value(r, "training_ms")),
            Median(r => Value(r, "encryption_ms")),
            Median(r => Value(r, "aggregation_ms")),
            Median(r => Value(r, "decryption_ms")),
            Median(r => Value(r, "ciphertext_bytes_received") / Value(r, "contributors") / (vectorLength - 1)),
            Median(r => Value(r, "ciphertext_bytes_sent") / Value(r, "contributors") / (vectorLength - 1)),
            vectorLength - 1);
    }

    private static long ReadHighWaterMarkKb(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0; // the process ended between two readings
        }
    }

    private static double MedianOf(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN
            : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2]
            : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string F(double value, string format = "F0") => value.ToString(format, CultureInfo.InvariantCulture);

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "FederatedHe.sln")))
                return directory.FullName;
        throw new DirectoryNotFoundException("FederatedHe.sln not found above the benchmark");
    }
}
