using System.Net;
using System.Net.Sockets;
using FederatedHe.Actors.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace FederatedHe.Host.Hosting;

/// <summary>
/// Where a process exports the <see cref="FederationMetrics"/> meter with OpenTelemetry: a Prometheus scrape endpoint
/// (<c>http://localhost:{port}/metrics</c>, loopback only) and/or an OTLP collector. Every series carries the node's
/// <c>node_id</c> and <c>role</c> labels from the meter's own tags.
/// </summary>
/// <param name="PrometheusPort">The scrape endpoint's port, or null for none.</param>
/// <param name="OtlpEndpoint">The OTLP collector (gRPC, e.g. http://localhost:4317), or null for none.</param>
internal sealed record NodeMetricsExport(int? PrometheusPort, Uri? OtlpEndpoint)
{
    /// <summary>The scrape endpoint's path.</summary>
    public const string ScrapePath = "/metrics";

    /// <summary>No export: the meter's instruments then cost nothing.</summary>
    public static readonly NodeMetricsExport None = new(null, null);

    /// <summary>Whether anything is exported.</summary>
    public bool IsEnabled => PrometheusPort is not null || OtlpEndpoint is not null;

    /// <summary>
    /// Checks the options before anything starts: a taken or invalid port, or an endpoint that is not an absolute http(s) URI,
    /// is one line naming the option.
    /// </summary>
    /// <exception cref="ArgumentException">The port cannot be bound on loopback, or the endpoint is not http(s).</exception>
    public static NodeMetricsExport Create(int? prometheusPort, string? otlpEndpoint)
    {
        if (prometheusPort is { } port)
        {
            if (port is < 1 or > 65535)
                throw new ArgumentException($"--metrics-port {port}: not a TCP port (1-65535)");
            var listener = new TcpListener(IPAddress.Loopback, port);
            try
            {
                listener.Start();
            }
            catch (SocketException exception)
            {
                throw new ArgumentException($"--metrics-port {port}: 127.0.0.1:{port} cannot be used ({exception.Message}); is another node or program on it?", exception);
            }
            finally
            {
                listener.Stop();
            }
        }

        Uri? otlp = null;
        if (otlpEndpoint is not null
            && (!Uri.TryCreate(otlpEndpoint, UriKind.Absolute, out otlp) || (otlp.Scheme != Uri.UriSchemeHttp && otlp.Scheme != Uri.UriSchemeHttps)))
            throw new ArgumentException($"--otlp-endpoint {otlpEndpoint}: not an http(s) address such as http://localhost:4317");
        return new NodeMetricsExport(prometheusPort, otlp);
    }

    /// <summary>Starts the export; dispose the result to stop it (null when nothing is exported).</summary>
    /// <param name="serviceName">The OpenTelemetry service name (e.g. the node id, or "fedhe-simulate").</param>
    public MeterProvider? Start(string serviceName)
    {
        if (!IsEnabled)
            return null;
        var builder = Sdk.CreateMeterProviderBuilder()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .AddMeter(FederationMetrics.MeterName);
        if (PrometheusPort is { } port)
            builder.AddPrometheusHttpListener(options =>
            {
                options.Host = "localhost";
                options.Port = port;
                options.ScrapeEndpointPath = ScrapePath;
            });
        if (OtlpEndpoint is { } endpoint)
            builder.AddOtlpExporter(options =>
            {
                options.Endpoint = endpoint;
                options.Protocol = OtlpExportProtocol.Grpc;
            });
        return builder.Build();
    }
}
