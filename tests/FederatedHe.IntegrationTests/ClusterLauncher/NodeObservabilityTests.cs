using System.Text.Json;
using System.Text.RegularExpressions;
using FederatedHe.Actors.Spec;
using FederatedHe.Host.ClusterLauncher;
using FederatedHe.IntegrationTests.Experiments;

namespace FederatedHe.IntegrationTests.ClusterLauncher;

/// <summary>
/// What an operator watching a running `cluster up` sees: each node's Prometheus endpoint (--metrics-port) during the run (the monitor's too),
/// its log as JSON lines (--log-format json), and each node's peak memory in the run report. One federation (mutual TLS, 2 hospitals)
/// is run for the whole class.
/// </summary>
[Collection(FederationRunsCollection.Name)]
public sealed partial class NodeObservabilityTests(NodeObservabilityTests.ObservedCluster cluster) : IClassFixture<NodeObservabilityTests.ObservedCluster>
{
    [Fact]
    public void The_cluster_completes_every_round_when_its_nodes_log_JSON()
    {
        Assert.True(cluster.Outcome.Succeeded, cluster.Outcome.Describe());
        // `cluster up` follows the rounds through its monitor member, whatever format the nodes log in.
        Assert.Equal(ObservedCluster.Rounds, cluster.Outcome.RoundsCompleted);
    }

    [Fact]
    public void The_aggregator_serves_round_HE_cost_and_transfer_series_labelled_with_its_node_during_the_run()
    {
        var scrape = cluster.AggregatorScrape ?? throw new Xunit.Sdk.XunitException("the aggregator's /metrics never showed an evaluated round");
        const string node = "node_id=\"aggregator\"";
        const string role = "role=\"aggregator\"";
        Assert.True(Sample(scrape, "fedhe_rounds_completed_total", node, role) >= 1);
        Assert.True(Sample(scrape, "fedhe_round", node, role) >= 1);
        Assert.NotNull(Sample(scrape, "fedhe_round_duration_seconds_count", node, role));
        Assert.True(Sample(scrape, "fedhe_he_duration_seconds_count", node, role, "operation=\"aggregate\"") >= 1);
        Assert.True(Sample(scrape, "fedhe_transfer_bytes_total", node, role, "direction=\"received\"") > 0);
        Assert.True(Sample(scrape, "fedhe_transfer_bytes_total", node, role, "direction=\"sent\"") > 0);
        Assert.True(Sample(scrape, "fedhe_ciphertext_bytes_per_parameter", node, role) > 1);
        Assert.True(Sample(scrape, "fedhe_updates_received_total", node, role) >= 2);
        // At the first evaluated round a member may still be joining or weakly up (seen under load: 2), so the count is judged
        // over the run: every member the aggregator saw up at once, and never more than the four that exist.
        Assert.InRange(Sample(scrape, "fedhe_cluster_members", node, role) ?? 0, 1, 4);
        Assert.Equal(4, cluster.AggregatorMembersSeen);
        Assert.InRange(Sample(scrape, "fedhe_evaluation_accuracy", node, role, "scope=\"pooled\"") ?? -1, 0, 1);
    }

    [Fact]
    public void A_hospital_serves_its_HE_cost_transfer_and_evaluation_series_labelled_with_its_node_during_the_run()
    {
        var scrape = cluster.HospitalScrape ?? throw new Xunit.Sdk.XunitException("hospital-1's /metrics never showed an evaluation");
        const string node = "node_id=\"hospital-1\"";
        const string role = "role=\"hospital\"";
        Assert.True(Sample(scrape, "fedhe_he_duration_seconds_count", node, role, "operation=\"encrypt\"") >= 1);
        Assert.True(Sample(scrape, "fedhe_he_duration_seconds_count", node, role, "operation=\"decrypt\"") >= 1);
        Assert.True(Sample(scrape, "fedhe_transfer_bytes_total", node, role, "direction=\"sent\"") > 0);
        Assert.InRange(Sample(scrape, "fedhe_evaluation_accuracy", node, role, "scope=\"hospital\"") ?? -1, 0, 1);
        Assert.DoesNotContain("node_id=\"aggregator\"", scrape, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("aggregator", "aggregator")]
    [InlineData("hospital-1", "hospital")]
    [InlineData("monitor", "monitor")]
    public void Every_node_serves_its_own_peak_and_managed_memory_labelled_with_its_node(string nodeId, string role)
    {
        var scrape = cluster.MemoryScrapes.GetValueOrDefault(nodeId) ?? throw new Xunit.Sdk.XunitException($"{nodeId}'s /metrics never showed its memory");
        var node = $"node_id=\"{nodeId}\"";
        var roleLabel = $"role=\"{role}\"";
        // A .NET process with Akka (and, on a hospital, TorchSharp) holds tens of megabytes at the least. (Each gauge reads the process
        // when scraped, one after the other, so the resident figure may exceed the peak read a moment before it.)
        Assert.InRange(Sample(scrape, "fedhe_node_memory_peak_resident_bytes", node, roleLabel) ?? 0, 20.0 * 1024 * 1024, 64.0 * 1024 * 1024 * 1024);
        Assert.True(Sample(scrape, "fedhe_node_memory_resident_bytes", node, roleLabel) > 0);
        Assert.True(Sample(scrape, "fedhe_node_memory_managed_heap_bytes", node, roleLabel) > 0);
        Assert.True(Sample(scrape, "fedhe_node_memory_managed_allocated_bytes", node, roleLabel) > 0);
        // Each process reports its own memory only.
        Assert.All(scrape.Split('\n').Where(l => l.StartsWith("fedhe_node_memory_", StringComparison.Ordinal)), l => Assert.Contains(node, l, StringComparison.Ordinal));
    }

    [Fact]
    public void Cluster_up_reports_every_node_process_peak_memory_in_its_outcome_nodes_csv_and_summary()
    {
        var names = new[] { "aggregator", "hospital-1", "hospital-2", "monitor" };
        Assert.Equal(names.Order(), cluster.Outcome.Nodes.Select(n => n.Name).Order());
        Assert.All(cluster.Outcome.Nodes, n => Assert.InRange(n.PeakResidentBytes ?? 0, 20L * 1024 * 1024, 64L * 1024 * 1024 * 1024));

        var rows = File.ReadAllLines(Path.Combine(cluster.Outcome.LogDirectory, ClusterNodesReport.NodesCsv));
        Assert.Equal(ClusterNodesReport.Header, rows[0]);
        foreach (var node in cluster.Outcome.Nodes)
        {
            var fields = rows.Single(r => r.StartsWith(node.Name + ",", StringComparison.Ordinal)).Split(',');
            Assert.Equal(node.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), fields[1]);
            Assert.Equal(node.PeakResidentBytes, long.Parse(fields[4], System.Globalization.CultureInfo.InvariantCulture));
        }

        var summary = File.ReadAllText(Path.Combine(cluster.Outcome.LogDirectory, FederatedHe.Host.Reports.RunReport.SummaryFile));
        Assert.Contains("## Peak memory per node", summary, StringComparison.Ordinal);
        foreach (var node in cluster.Outcome.Nodes)
            Assert.Matches($@"\| {node.Name} \| {node.ProcessId} \| \d+ MB \|", summary);
    }

    [Fact]
    public void Every_node_closes_its_log_with_its_peak_memory()
    {
        foreach (var node in cluster.Outcome.Nodes)
        {
            var messages = NodeLines(node.LogPath).Select(line => Parse(line, node.Name).RootElement.GetProperty("message").GetString()!).ToList();
            Assert.Contains(messages, m => m.StartsWith($"{node.Name} memory: peak RSS ", StringComparison.Ordinal) && m.Contains(" MB (VmHWM), managed heap ", StringComparison.Ordinal) && m.EndsWith(" MB allocated in all", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void No_series_carries_a_model_value_only_the_named_round_cost_evaluation_and_cluster_figures()
    {
        string[] families =
        [
            "fedhe_round", "fedhe_round_phase", "fedhe_round_attempt", "fedhe_round_duration_seconds", "fedhe_rounds_completed_total",
            "fedhe_rounds_failed_total", "fedhe_updates_received_total", "fedhe_dropouts_total", "fedhe_retries_total",
            "fedhe_messages_ignored_total", "fedhe_he_duration_seconds", "fedhe_training_duration_seconds", "fedhe_transfer_bytes_total",
            "fedhe_ciphertext_bytes_per_parameter", "fedhe_evaluation_accuracy", "fedhe_evaluation_log_loss", "fedhe_evaluation_roc_auc",
            "fedhe_cluster_members", "fedhe_cluster_unreachable", "fedhe_checkpoint_writes_total", "fedhe_node_memory_peak_resident_bytes",
            "fedhe_node_memory_resident_bytes", "fedhe_node_memory_managed_heap_bytes", "fedhe_node_memory_managed_allocated_bytes", "target_info",
        ];
        foreach (var scrape in new[] { cluster.AggregatorScrape, cluster.HospitalScrape, cluster.MemoryScrapes.GetValueOrDefault("monitor") })
        {
            Assert.NotNull(scrape);
            foreach (var name in SeriesNames(scrape!))
                Assert.Contains(families, family => name == family || name.StartsWith(family + "_", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Every_line_a_node_logs_as_JSON_is_one_object_with_time_level_category_message_and_its_node()
    {
        // The federation's nodes and the monitor member (`fedhe monitor --log-format json`): standard output and error, whole.
        var roles = new Dictionary<string, string> { ["aggregator"] = "aggregator", ["hospital-1"] = "hospital", ["hospital-2"] = "hospital", ["monitor"] = "monitor" };
        foreach (var node in cluster.Outcome.Nodes)
        {
            var lines = NodeLines(node.LogPath);
            Assert.True(lines.Count > 5, $"{node.Name} logged only {lines.Count} lines");
            foreach (var line in lines)
            {
                using var entry = Parse(line, node.Name);
                var root = entry.RootElement;
                Assert.True(DateTimeOffset.TryParse(root.GetProperty("timestamp").GetString(), System.Globalization.CultureInfo.InvariantCulture,
                    System.Globalization.DateTimeStyles.None, out _), line);
                Assert.Contains(root.GetProperty("level").GetString(), new[] { "trace", "debug", "info", "warning", "error", "critical" });
                Assert.False(string.IsNullOrEmpty(root.GetProperty("category").GetString()), line);
                Assert.Equal(JsonValueKind.String, root.GetProperty("message").ValueKind);
                Assert.Equal(node.Name, root.GetProperty("nodeId").GetString());
                Assert.Equal(roles[node.Name], root.GetProperty("role").GetString());
            }
        }
    }

    [Fact]
    public void Every_coordinator_decision_in_the_JSON_log_carries_its_round_and_attempt()
    {
        var aggregator = cluster.Outcome.Nodes.Single(n => n.Name == "aggregator");
        var decisions = NodeLines(aggregator.LogPath)
            .Select(line => Parse(line, aggregator.Name))
            .Where(entry => entry.RootElement.TryGetProperty("decision", out _))
            .ToList();

        Assert.Contains(decisions, d => d.RootElement.GetProperty("decision").GetString()!.StartsWith("started with 2 participants", StringComparison.Ordinal)
                                        && d.RootElement.GetProperty("roundId").GetInt32() == ObservedCluster.Rounds
                                        && d.RootElement.GetProperty("attempt").GetInt32() == 1);
        Assert.All(decisions, d =>
        {
            Assert.Equal(JsonValueKind.Number, d.RootElement.GetProperty("roundId").ValueKind);
            Assert.Equal(JsonValueKind.Number, d.RootElement.GetProperty("attempt").ValueKind);
        });
        Assert.True(decisions.Count >= 2 * ObservedCluster.Rounds, $"only {decisions.Count} decisions logged");
    }

    /// <summary>The value of the one sample of <paramref name="family"/> whose labels include all of <paramref name="labels"/>, or null.</summary>
    private static double? Sample(string scrape, string family, params string[] labels)
    {
        var matches = scrape.Split('\n')
            .Where(line => line.StartsWith(family + "{", StringComparison.Ordinal) && labels.All(l => line.Contains(l, StringComparison.Ordinal)))
            .ToList();
        Assert.True(matches.Count <= 1, $"{family} {string.Join(",", labels)}: {matches.Count} samples");
        return matches.Count == 0 ? null : double.Parse(matches[0][(matches[0].LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static IEnumerable<string> SeriesNames(string scrape) =>
        scrape.Split('\n').Where(line => line.Length > 0 && !line.StartsWith('#')).Select(line => SeriesName().Match(line).Value).Distinct();

    /// <summary>The node's own output in its log (the launcher's "# …" notes left out).</summary>
    private static List<string> NodeLines(string logPath) =>
        File.ReadAllLines(logPath).Where(line => line.Length > 0 && !line.StartsWith("# ", StringComparison.Ordinal)).ToList();

    private static JsonDocument Parse(string line, string node)
    {
        try
        {
            var entry = JsonDocument.Parse(line);
            Assert.Equal(JsonValueKind.Object, entry.RootElement.ValueKind);
            return entry;
        }
        catch (JsonException exception)
        {
            throw new Xunit.Sdk.XunitException($"{node}: a log line is not JSON ({exception.Message}): {line}");
        }
    }

    [GeneratedRegex("^[a-zA-Z_:][a-zA-Z0-9_:]*")]
    private static partial Regex SeriesName();

    /// <summary>One `cluster up` run with JSON logs and a scrape endpoint per node, scraped while it runs.</summary>
    public sealed class ObservedCluster : IAsyncLifetime, IDisposable
    {
        /// <summary>Enough rounds to scrape during the run, however fast the machine.</summary>
        public const int Rounds = 25;

        private readonly string _logs = Directory.CreateTempSubdirectory("fedhe-observability-").FullName;

        public ClusterOutcome Outcome { get; private set; } = null!;

        /// <summary>The aggregator's first scrape that showed an evaluated round.</summary>
        public string? AggregatorScrape { get; private set; }

        /// <summary>The most members the aggregator's /metrics showed up at once during the run: the aggregator, two hospitals and the monitor member.</summary>
        public double AggregatorMembersSeen { get; private set; }

        /// <summary>hospital-1's first scrape that showed an evaluation.</summary>
        public string? HospitalScrape { get; private set; }

        /// <summary>The aggregator's, hospital-1's and the monitor's last scrape that showed their memory, by node.</summary>
        public Dictionary<string, string> MemoryScrapes { get; } = new(StringComparer.Ordinal);

        public async Task InitializeAsync()
        {
            // The aggregator, 2 hospitals and the monitor.
            var metricsPort = FreePorts.Block(4);
            var plan = new LocalClusterPlan
            {
                Spec = FederationSpec.Default.WithHospitals(2).WithRounds(Rounds).WithQuorum(2),
                LogDirectory = _logs,
                BasePort = FreePorts.Block(8),
                Timeout = TimeSpan.FromMinutes(5),
                LogFormat = "json",
                MetricsBasePort = metricsPort,
            };
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            var run = LocalCluster.RunAsync(plan);
            while (!run.IsCompleted)
            {
                // The first scrape that shows the figures, taken while every node is still in the cluster.
                if (AggregatorScrape is null && await ScrapeAsync(http, metricsPort) is { } aggregator
                                              && aggregator.Contains("fedhe_evaluation_accuracy{", StringComparison.Ordinal))
                    AggregatorScrape = aggregator;
                if (AggregatorScrape is not null && await ScrapeAsync(http, metricsPort) is { } latest
                                                  && Sample(latest, "fedhe_cluster_members", "node_id=\"aggregator\"") is { } members)
                    AggregatorMembersSeen = Math.Max(AggregatorMembersSeen, members);
                if (HospitalScrape is null && await ScrapeAsync(http, metricsPort + 1) is { } hospital
                                            && hospital.Contains("fedhe_evaluation_accuracy{", StringComparison.Ordinal))
                    HospitalScrape = hospital;
                foreach (var (node, port) in new[] { ("aggregator", metricsPort), ("hospital-1", metricsPort + 1), ("monitor", metricsPort + 3) })
                {
                    if (await ScrapeAsync(http, port) is { } scrape && scrape.Contains("fedhe_node_memory_peak_resident_bytes{", StringComparison.Ordinal))
                        MemoryScrapes[node] = scrape;
                }

                await Task.WhenAny(run, Task.Delay(150));
            }

            Outcome = await run;
        }

        private static async Task<string?> ScrapeAsync(HttpClient http, int port)
        {
            try
            {
                return await http.GetStringAsync($"http://localhost:{port}/metrics");
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
                return null; // not up yet, or gone
            }
        }

        public Task DisposeAsync() => Task.CompletedTask;

        public void Dispose() => Directory.Delete(_logs, recursive: true);
    }
}
