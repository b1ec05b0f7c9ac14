using System.Text.Json;
using FederatedHe.Host.Monitor;

namespace FederatedHe.Host.ClusterLauncher;

/// <summary>
/// `fedhe cluster up`'s view of the federation: the monitor member's event feed (<c>/api/feed</c>, server-sent events),
/// read over loopback HTTP. Each entry is handed on once, in order, across reconnections (the monitor replays its feed to
/// a new connection; entries already seen are skipped).
/// </summary>
internal sealed class MonitorFeedReader(Uri dashboard, Action<MonitorFeedEntry> onEntry)
{
    private static readonly TimeSpan Reconnect = TimeSpan.FromMilliseconds(500);
    private long _seen;

    /// <summary>Reads the feed until cancelled, reconnecting whenever the connection drops.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                using var response = await http.GetAsync(new Uri(dashboard, "api/feed"), HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
                response.EnsureSuccessStatusCode();
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false));
                while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
                {
                    if (!line.StartsWith("data: ", StringComparison.Ordinal))
                        continue;
                    var entry = JsonSerializer.Deserialize<MonitorFeedEntry>(line.AsSpan("data: ".Length), DashboardServer.Json);
                    if (entry is null || entry.Sequence <= _seen)
                        continue;
                    _seen = entry.Sequence;
                    onEntry(entry);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is HttpRequestException or IOException or JsonException)
            {
                // The monitor restarted its connection or is going away: try again shortly, until the run ends.
            }

            try
            {
                await Task.Delay(Reconnect, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
