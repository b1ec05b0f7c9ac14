using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace FederatedHe.Host.Hosting;

/// <summary>How a node writes its log: <c>text</c>, one readable line per entry, or <c>json</c>, one JSON object per line.</summary>
internal enum LogFormat
{
    /// <summary>One line per entry: time, level, category, message.</summary>
    Text,

    /// <summary>One JSON object per line (<see cref="NodeJsonLogFormatter"/>).</summary>
    Json,
}

/// <summary>
/// The console logging of a node's process through Microsoft.Extensions.Logging, which Akka's log is routed into
/// (Akka.Hosting's logger actor). Used by `fedhe node` on the Generic Host and by `fedhe simulate` for its in-process nodes.
/// </summary>
internal static class NodeLogging
{
    /// <summary>The <c>--log-format</c> values.</summary>
    public static readonly string[] FormatNames = ["text", "json"];

    /// <summary>Parses a <c>--log-format</c> value (already restricted to <see cref="FormatNames"/>).</summary>
    public static LogFormat Parse(string? name) => name == "json" ? LogFormat.Json : LogFormat.Text;

    /// <summary>Replaces <paramref name="logging"/>'s providers with the console in <paramref name="format"/>, entries tagged with the node.</summary>
    /// <param name="logging">The builder to configure.</param>
    /// <param name="format">Text or JSON lines.</param>
    /// <param name="nodeId">The node every entry is about (aggregator, hospital-1, …).</param>
    /// <param name="role">The node's cluster role.</param>
    /// <param name="toStandardError">Write to standard error (a process whose standard output shows something else, as `simulate`'s table).</param>
    public static ILoggingBuilder Configure(ILoggingBuilder logging, LogFormat format, string nodeId, string role, bool toStandardError = false)
    {
        logging.ClearProviders();
        logging.SetMinimumLevel(LogLevel.Debug);
        // The host's own start/stop chatter is not the node's business; its warnings and errors are.
        logging.AddFilter("Microsoft", LogLevel.Warning);
        logging.AddConsole(options =>
        {
            options.FormatterName = format == LogFormat.Json ? NodeJsonLogFormatter.FormatterName : NodeTextLogFormatter.FormatterName;
            options.LogToStandardErrorThreshold = toStandardError ? LogLevel.Trace : LogLevel.None;
        });
        logging.AddConsoleFormatter<NodeJsonLogFormatter, NodeLogFormatterOptions>(options => (options.NodeId, options.Role) = (nodeId, role));
        logging.AddConsoleFormatter<NodeTextLogFormatter, NodeLogFormatterOptions>(options => (options.NodeId, options.Role) = (nodeId, role));
        return logging;
    }

    /// <summary>A logger factory for one node of an in-process simulation.</summary>
    public static ILoggerFactory CreateFactory(LogFormat format, string nodeId, string role, bool toStandardError) =>
        LoggerFactory.Create(logging => Configure(logging, format, nodeId, role, toStandardError));
}

/// <summary>The node that every entry of a process's log is about.</summary>
internal sealed class NodeLogFormatterOptions : ConsoleFormatterOptions
{
    public string NodeId { get; set; } = string.Empty;

    public string Role { get; set; } = string.Empty;
}

/// <summary>
/// One JSON object per line: <c>timestamp</c> (UTC, ISO 8601), <c>level</c>, <c>category</c>, <c>message</c>, <c>nodeId</c>,
/// <c>role</c>, then the entry's structured fields in camel case (a coordinator decision's <c>roundId</c> and <c>attempt</c>),
/// and <c>exception</c> when there is one. Nothing else is written to the line, so every line parses on its own.
/// </summary>
internal sealed class NodeJsonLogFormatter(IOptionsMonitor<NodeLogFormatterOptions> options) : ConsoleFormatter(FormatterName)
{
    public const string FormatterName = "fedhe-json";

    // Akka's own bookkeeping fields and the message template are left out: the message already says it all.
    private static readonly HashSet<string> Omitted = new(StringComparer.Ordinal) { "{OriginalFormat}" };

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = AkkaLogLine.Message(logEntry.Formatter(logEntry.State, logEntry.Exception));
        if (string.IsNullOrEmpty(message) && logEntry.Exception is null)
            return;
        var node = options.CurrentValue;
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        // Log lines are never embedded in HTML: '+', quotes and non-ASCII letters stay as they are.
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("timestamp", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
            json.WriteString("level", LevelName(logEntry.LogLevel));
            json.WriteString("category", logEntry.Category);
            json.WriteString("message", message);
            json.WriteString("nodeId", node.NodeId);
            json.WriteString("role", node.Role);
            var written = new HashSet<string>(StringComparer.Ordinal) { "timestamp", "level", "category", "message", "nodeId", "role", "exception" };
            if (logEntry.State is IEnumerable<KeyValuePair<string, object?>> fields)
            {
                foreach (var (key, value) in fields)
                {
                    var name = CamelCase(key);
                    // Positional arguments ("0", "1", …) of Akka's unnamed templates are already in the message.
                    if (Omitted.Contains(key) || name.Length == 0 || char.IsAsciiDigit(name[0]) || !written.Add(name))
                        continue;
                    WriteValue(json, name, value);
                }
            }

            if (logEntry.Exception is { } exception)
                json.WriteString("exception", exception.ToString());
            json.WriteEndObject();
        }

        textWriter.Write(Encoding.UTF8.GetString(buffer.WrittenSpan));
        textWriter.Write('\n');
    }

    private static void WriteValue(Utf8JsonWriter json, string name, object? value)
    {
        switch (value)
        {
            case null:
                json.WriteNull(name);
                break;
            case int or long or short or byte or uint or ulong:
                json.WriteNumber(name, Convert.ToInt64(value, CultureInfo.InvariantCulture));
                break;
            case double d when double.IsFinite(d):
                json.WriteNumber(name, d);
                break;
            case float f when float.IsFinite(f):
                json.WriteNumber(name, f);
                break;
            case bool b:
                json.WriteBoolean(name, b);
                break;
            case DateTime or DateTimeOffset:
                json.WriteString(name, ((IFormattable)value).ToString("O", CultureInfo.InvariantCulture));
                break;
            default:
                json.WriteString(name, Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }

    private static string CamelCase(string key)
    {
        var trimmed = key.Trim('{', '}', '@', '$');
        return trimmed.Length == 0 ? trimmed : char.ToLowerInvariant(trimmed[0]) + trimmed[1..];
    }

    internal static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Trace => "trace",
        LogLevel.Debug => "debug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warning",
        LogLevel.Error => "error",
        LogLevel.Critical => "critical",
        _ => "none",
    };
}

/// <summary>One readable line per entry: <c>HH:mm:ss.fff level [node] category: message</c>, and the exception below it.</summary>
internal sealed class NodeTextLogFormatter(IOptionsMonitor<NodeLogFormatterOptions> options) : ConsoleFormatter(FormatterName)
{
    public const string FormatterName = "fedhe-text";

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = AkkaLogLine.Message(logEntry.Formatter(logEntry.State, logEntry.Exception));
        if (string.IsNullOrEmpty(message) && logEntry.Exception is null)
            return;
        textWriter.Write(string.Create(CultureInfo.InvariantCulture,
            $"{DateTime.Now:HH:mm:ss.fff} {NodeJsonLogFormatter.LevelName(logEntry.LogLevel)} [{options.CurrentValue.NodeId}] {logEntry.Category}: {message}\n"));
        if (logEntry.Exception is { } exception)
            textWriter.Write(exception + "\n");
    }
}

/// <summary>
/// Akka.Hosting's logger hands Microsoft.Extensions.Logging the line Akka's own console logger would print,
/// <c>[INFO][date][Thread 0005][source] message</c>; level, time and source are fields of the entry already.
/// </summary>
internal static partial class AkkaLogLine
{
    /// <summary>The message without Akka's bracketed prefix (any other text as it is).</summary>
    public static string Message(string formatted)
    {
        var prefix = Prefix().Match(formatted);
        return prefix.Success ? formatted[prefix.Length..] : formatted;
    }

    [GeneratedRegex(@"^\[[A-Z]+\]\[[^\]]*\]\[Thread \d+\]\[[^\]]*\] ?")]
    private static partial Regex Prefix();
}
