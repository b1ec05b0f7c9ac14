using System.Globalization;
using System.Text.Json;
using FederatedHe.Actors.Spec;
using FederatedHe.Host.Cli;
using FederatedHe.Host.Monitor;
using FederatedHe.Actors.Harness;
using FederatedHe.Testing;

// Round time with and without a monitor node, measured side by side in one process and one run: pairs of whole encrypted
// federations (the README's demo settings, 4 hospitals, real CKKS and training), the two orders alternating from pair to
// pair (ABBA) so that drift in the machine's load falls on both alike. The monitor is a real cluster member with its
// dashboard serving and a browser-like reader attached to its state stream.
var pairs = Option("--pairs", 4);
var rounds = Option("--rounds", 10);
var hospitals = Option("--hospitals", 4);
var json = args.SkipWhile(a => a != "--json").Skip(1).FirstOrDefault();
var spec = FederationSpec.Default.WithHospitals(hospitals).WithRounds(rounds);

var without = new List<double>();
var with = new List<double>();
Console.WriteLine($"Monitor/RoundTime/hospitals={hospitals}/rounds={rounds}/pairs={pairs}: median wall time of rounds 1…{rounds}, ms");
for (var pair = 0; pair < pairs; pair++)
{
    foreach (var monitored in pair % 2 == 0 ? new[] { false, true } : [true, false])
    {
        var roundMs = await RunAsync(monitored);
        (monitored ? with : without).AddRange(roundMs);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  pair {pair + 1}, {(monitored ? "with" : "without")} monitor: median {Median(roundMs):F1} ms"));
    }
}

var difference = Median(with) - Median(without);
var spread = Quartiles(without);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"without monitor: median {Median(without):F1} ms (IQR {spread.Low:F1}…{spread.High:F1}), n = {without.Count}"));
var withSpread = Quartiles(with);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"with monitor:    median {Median(with):F1} ms (IQR {withSpread.Low:F1}…{withSpread.High:F1}), n = {with.Count}"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"difference of medians: {difference:+0.0;-0.0} ms ({100 * difference / Median(without):+0.0;-0.0} %)"));
if (json is not null)
    File.WriteAllText(json, JsonSerializer.Serialize(new { hospitals, rounds, pairs, without, with }));
return 0;

async Task<List<double>> RunAsync(bool monitored)
{
    var options = new SimulationOptions { Spec = spec, ComputeBaselines = false };
    if (!monitored)
        return Rounds(await FederationSimulation.RunAsync(options));

    await using var monitor = new SimulationMonitor(spec, MonitorCommand.Binding("127.0.0.1", 0, null, null, Path.GetTempPath()));
    using var reader = new CancellationTokenSource();
    Task? page = null;
    var result = await FederationSimulation.RunAsync(options with
    {
        OnAggregatorStarted = async address =>
        {
            await monitor.StartAsync(address);
            page = ReadStateStreamAsync(monitor.Url!, reader.Token);
        },
    });
    await reader.CancelAsync();
    if (page is not null)
        await page;
    // A monitor that heard nothing would cost nothing: the measurement counts only if it saw every round.
    var seen = monitor.State?.Rounds.Count ?? 0;
    if (seen != rounds + 1)
        throw new InvalidOperationException($"the monitor saw {seen} of the {rounds + 1} rounds (0…{rounds})");
    return Rounds(result);
}

// What an open dashboard costs the monitor: the page's stream of states, read to the end as a browser would.
static async Task ReadStateStreamAsync(string url, CancellationToken cancellationToken)
{
    using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
    try
    {
        using var stream = await http.GetStreamAsync(new Uri(new Uri(url), "api/stream"), cancellationToken);
        var buffer = new byte[64 * 1024];
        while (await stream.ReadAsync(buffer, cancellationToken) > 0)
        {
        }
    }
    catch (Exception exception) when (exception is OperationCanceledException or HttpRequestException or IOException)
    {
        // The run is over.
    }
}

static List<double> Rounds(SimulationResult result) =>
    result.Succeeded ? result.Rounds.Where(r => r.Round > 0).Select(r => r.RoundMs).ToList() : throw new InvalidOperationException(result.Status);

static double Median(IReadOnlyList<double> values)
{
    var sorted = values.Order().ToArray();
    return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
}

static (double Low, double High) Quartiles(IReadOnlyList<double> values)
{
    var sorted = values.Order().ToArray();
    return (sorted[(int)(0.25 * (sorted.Length - 1))], sorted[(int)(0.75 * (sorted.Length - 1))]);
}

int Option(string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
}
