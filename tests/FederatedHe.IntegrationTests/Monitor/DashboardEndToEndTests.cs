using System.Diagnostics;
using System.Globalization;
using FederatedHe.Actors.Spec;
using FederatedHe.Host.ClusterLauncher;
using FederatedHe.IntegrationTests.Experiments;
using Microsoft.Playwright;

namespace FederatedHe.IntegrationTests.Monitor;

/// <summary>
/// `fedhe cluster up` with a fault schedule and its monitor, the dashboard opened in headless Chromium (Debian's
/// /usr/bin/chromium through Playwright; no browser is downloaded) and read from the rendered page while the federation runs.
/// </summary>
[Collection(FederationRunsCollection.Name)]
public sealed class DashboardEndToEndTests : IDisposable
{
    /// <summary>Debian's chromium package, which setup.sh installs.</summary>
    private const string SystemChromium = "/usr/bin/chromium";

    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(5);

    private readonly string _logs = Directory.CreateTempSubdirectory("fedhe-dashboard-test-").FullName;

    [Fact]
    public async Task The_dashboard_of_a_cluster_with_a_fault_schedule_shows_its_members_advancing_rounds_growing_curves_and_the_fault_when_it_strikes()
    {
        Assert.True(File.Exists(SystemChromium), $"{SystemChromium} is missing: run setup.sh (it installs Debian's chromium package)");
        // Playwright must never fetch a browser of its own.
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");

        // Every round needs all three; the restarted hospital has three collection attempts of 30 s to be back (a new process
        // loading TorchSharp and joining takes tens of seconds on a loaded machine).
        var spec = FederationSpec.Default.WithHospitals(3).WithRounds(8).WithQuorum(3).WithTimeouts(collect: TimeSpan.FromSeconds(30)).WithFaults(
        [
            // A straggler keeps every round long enough to watch; hospital-3 is killed with kill -9 and restarted in round 3.
            new SimulatedFault(1, FaultMoment.RoundStarted, FaultKind.SlowHospital, "hospital-1") { Delay = TimeSpan.FromSeconds(1) },
            new SimulatedFault(3, FaultMoment.AggregateDistributed, FaultKind.RestartHospital, "hospital-3"),
        ]);
        var specPath = Path.Combine(_logs, "dashboard-test.conf");
        File.WriteAllText(specPath, FederationSpecWriter.Write(spec, "The dashboard's end-to-end test."));
        var basePort = FreePorts.Block(8);
        var dashboardPort = FreePorts.One();

        using var launcher = StartClusterUp(specPath, basePort, dashboardPort, Path.Combine(_logs, "run"));
        try
        {
            var url = await Task.WhenAny(launcher.Dashboard, Task.Delay(TimeSpan.FromMinutes(2))) == launcher.Dashboard
                ? await launcher.Dashboard
                : throw new TimeoutException($"cluster up printed no dashboard address:\n{launcher.Output}");
            Assert.Equal($"http://127.0.0.1:{dashboardPort}/", url);

            using var playwright = await Playwright.CreateAsync();
            await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = SystemChromium,
                Headless = true,
                // Root in CI: Chromium's sandbox needs user namespaces it may not have there.
                Args = ["--no-sandbox"],
            });
            var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1500, Height = 1250 } });
            await page.GotoAsync(url);

            // The members: the aggregator, the monitor itself and the three hospitals under the ids they registered with.
            var members = page.Locator("#members tbody");
            await Assertions.Expect(members).ToContainTextAsync("hospital-3", new LocatorAssertionsToContainTextOptions { Timeout = 90_000 });
            await Assertions.Expect(page.Locator("#members tbody tr[data-role=hospital]")).ToHaveCountAsync(3);
            await Assertions.Expect(page.Locator("#members tbody tr[data-role=aggregator]")).ToHaveCountAsync(1);
            await Assertions.Expect(page.Locator("#members tbody tr[data-role=monitor]")).ToHaveCountAsync(1);

            // The round counter advances and the accuracy curve gains points, pushed to the page without a reload.
            var counter = page.Locator("#round-counter");
            var pooled = page.Locator("#accuracy-chart circle.point[data-series=pooled]");
            await WaitUntil(async () => await RoundShown(counter) >= 1 && await pooled.CountAsync() >= 1, "round 1 concluded on the page");
            var firstRound = await RoundShown(counter);
            var firstPoints = await pooled.CountAsync();
            await WaitUntil(async () => await RoundShown(counter) > firstRound + 1 && await pooled.CountAsync() > firstPoints, "later rounds on the page");
            Assert.True(await page.Locator("#accuracy-chart circle.point").CountAsync() > await pooled.CountAsync(), "per-hospital and worst-hospital points beside the pooled ones");
            await Assertions.Expect(page.Locator("#loss-chart circle.point").First).ToBeAttachedAsync();
            await Assertions.Expect(page.Locator("#he-chart circle.point").First).ToBeAttachedAsync();

            // The injected fault: listed as struck, and marked on the curves at its round.
            var restart = page.Locator("#faults li.struck", new PageLocatorOptions { HasText = "restart-hospital hospital-3" });
            await Assertions.Expect(restart).ToBeVisibleAsync(new LocatorAssertionsToBeVisibleOptions { Timeout = 120_000 });
            await Assertions.Expect(page.Locator("#faults li.struck")).ToHaveCountAsync(2);
            await Assertions.Expect(page.Locator("#accuracy-chart .fault-marker")).ToHaveCountAsync(2);
            await WaitUntil(async () => await RoundShown(counter) >= 4, "a round after the fault on the page");

            var screenshot = Path.Combine(AppContext.BaseDirectory, "artefacts", "dashboard.png");
            Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
            Assert.True(new FileInfo(screenshot).Length > 10_000, "the screenshot is a real page");
            // The README's picture is this test's screenshot: FEDHE_DASHBOARD_SCREENSHOT names where to put a copy.
            if (Environment.GetEnvironmentVariable("FEDHE_DASHBOARD_SCREENSHOT") is { Length: > 0 } copy)
                File.Copy(screenshot, copy, overwrite: true);

            var code = await launcher.ExitedAsync(RunTimeout);
            Assert.True(code == 0, $"cluster up exited with {code}:\n{launcher.Output}");
            Assert.Contains("fault: round 3 (aggregate-distributed): restart-hospital hospital-3", launcher.Output, StringComparison.Ordinal);
            // cluster up's report, built from the same monitor's feed: every round, and the three hospitals' own figures for
            // each round but the one whose evaluation the restart cut short and the next, which the restarted process joins
            // while it loads (under CI load its evaluation of round 4 came after the round had concluded).
            var rounds = File.ReadAllLines(Path.Combine(_logs, "run", "rounds.csv"));
            Assert.Equal(Enumerable.Range(1, 8).Select(r => r.ToString(CultureInfo.InvariantCulture)), rounds.Skip(1).Select(l => l.Split(',')[0]));
            var sites = File.ReadAllLines(Path.Combine(_logs, "run", "sites.csv")).Skip(1).GroupBy(l => l.Split(',')[0]).ToDictionary(g => g.Key, g => g.Count());
            Assert.All(Enumerable.Range(1, 8).Where(r => r is not (3 or 4)), r => Assert.Equal(3, sites[r.ToString(CultureInfo.InvariantCulture)]));
            Assert.InRange(sites["4"], 2, 3);
        }
        finally
        {
            launcher.Kill();
        }
    }

    public void Dispose() => Directory.Delete(_logs, recursive: true);

    private static async Task<int> RoundShown(ILocator counter) =>
        int.Parse(await counter.GetAttributeAsync("data-round") ?? "-1", CultureInfo.InvariantCulture);

    private static async Task WaitUntil(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(4);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"the dashboard never showed {what}");
            await Task.Delay(250);
        }
    }

    private static ClusterUpProcess StartClusterUp(string specPath, int basePort, int dashboardPort, string logs)
    {
        var program = FedheCommandLine.Current();
        var info = new ProcessStartInfo(program.FileName) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in program.LeadingArguments.Concat(
                     ["cluster", "up", "--spec", specPath, "--base-port", basePort.ToString(CultureInfo.InvariantCulture),
                         "--monitor-port", dashboardPort.ToString(CultureInfo.InvariantCulture), "--logs", logs, "--no-tls"]))
            info.ArgumentList.Add(argument);
        info.Environment["COLUMNS"] = "240";
        return new ClusterUpProcess(Process.Start(info)!);
    }

    /// <summary>A running `fedhe cluster up`: its output, and the dashboard's URL once it prints it.</summary>
    private sealed class ClusterUpProcess : IDisposable
    {
        private readonly Process _process;
        private readonly System.Text.StringBuilder _output = new();
        private readonly TaskCompletionSource<string> _dashboard = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ClusterUpProcess(Process process)
        {
            _process = process;
            process.OutputDataReceived += (_, e) => Line(e.Data);
            process.ErrorDataReceived += (_, e) => Line(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public Task<string> Dashboard => _dashboard.Task;

        public string Output
        {
            get
            {
                lock (_output)
                    return _output.ToString();
            }
        }

        public async Task<int> ExitedAsync(TimeSpan timeout)
        {
            await _process.WaitForExitAsync().WaitAsync(timeout);
            return _process.ExitCode;
        }

        public void Kill()
        {
            if (!_process.HasExited)
                _process.Kill(entireProcessTree: true);
        }

        public void Dispose()
        {
            Kill();
            _process.Dispose();
        }

        private void Line(string? line)
        {
            if (line is null)
                return;
            lock (_output)
                _output.AppendLine(line);
            const string marker = "dashboard at ";
            if (line.StartsWith(marker, StringComparison.Ordinal))
                _dashboard.TrySetResult(line[marker.Length..].Trim());
        }
    }
}
