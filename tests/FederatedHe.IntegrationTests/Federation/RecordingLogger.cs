using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Dispatch;
using Akka.Event;

namespace FederatedHe.IntegrationTests.Federation;

/// <summary>
/// An Akka logger that keeps every log line of every actor system in the process, tagged with the
/// node's address, so a test can audit what a node logged (with log-received-messages: what it received).
/// </summary>
public sealed class RecordingLogger : ReceiveActor, IRequiresMessageQueue<ILoggerMessageQueueSemantics>
{
    public static readonly ConcurrentQueue<(string Node, LogLevel Level, string Source, string Text)> Lines = new();

    public RecordingLogger()
    {
        Receive<InitializeLogger>(_ => Sender.Tell(new LoggerInitialized()));
        Receive<LogEvent>(e => Lines.Enqueue((Node(), e.LogLevel(), e.LogSource, e.Message?.ToString() ?? string.Empty)));
    }

    private static string Node() => ((ExtendedActorSystem)Context.System).Provider.DefaultAddress?.ToString() ?? "?";
}
