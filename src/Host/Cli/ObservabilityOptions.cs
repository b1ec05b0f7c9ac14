using System.CommandLine;
using FederatedHe.Host.Hosting;

namespace FederatedHe.Host.Cli;

/// <summary>
/// <c>--log-format</c>, <c>--metrics-port</c> and <c>--otlp-endpoint</c>, shared by `node`, `monitor`, `simulate` and `cluster up`. They
/// are settings of a process, not of the federation: two runs of one spec may log and export differently.
/// </summary>
internal sealed class ObservabilityOptions
{
    public Option<string> LogFormat { get; } = new("--log-format")
    {
        Description = "text (one readable line per entry) or json (one JSON object per line: timestamp, level, category, message, nodeId, "
                      + "and roundId and attempt on coordinator decisions)",
        DefaultValueFactory = _ => NodeLogging.FormatNames[0],
    };

    public Option<int?> MetricsPort { get; } = new("--metrics-port")
    {
        Description = "Serve the FederatedHe meter for Prometheus on http://localhost:PORT/metrics (off unless given)",
    };

    public Option<string?> OtlpEndpoint { get; } = new("--otlp-endpoint")
    {
        Description = "Also export the FederatedHe meter by OTLP/gRPC to this collector, e.g. http://localhost:4317",
    };

    public ObservabilityOptions() => LogFormat.AcceptOnlyFromAmong(NodeLogging.FormatNames);

    /// <summary>Adds the three options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(LogFormat);
        command.Options.Add(MetricsPort);
        command.Options.Add(OtlpEndpoint);
    }

    /// <summary>The chosen log format.</summary>
    public LogFormat Format(ParseResult result) => NodeLogging.Parse(result.GetValue(LogFormat));

    /// <summary>The chosen metrics export, checked.</summary>
    /// <exception cref="ArgumentException">The port is taken or invalid, or the endpoint is not an http(s) address.</exception>
    public NodeMetricsExport Metrics(ParseResult result) => NodeMetricsExport.Create(result.GetValue(MetricsPort), result.GetValue(OtlpEndpoint));
}
