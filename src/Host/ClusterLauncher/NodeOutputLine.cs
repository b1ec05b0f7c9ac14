using System.Text.Json;

namespace FederatedHe.Host.ClusterLauncher;

/// <summary>
/// A line of a node process's output as `cluster up` reads it for the node's start and its fault-control replies (rounds
/// are followed through the monitor member, never from this output).
/// </summary>
internal static class NodeOutputLine
{
    /// <summary>What a line says: the message of a JSON log entry (--log-format json), or the line itself.</summary>
    public static string Text(string line)
    {
        if (!line.StartsWith('{'))
            return line;
        try
        {
            using var entry = JsonDocument.Parse(line);
            return entry.RootElement.ValueKind == JsonValueKind.Object
                   && entry.RootElement.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String
                ? message.GetString() ?? line
                : line;
        }
        catch (JsonException)
        {
            return line;
        }
    }
}
