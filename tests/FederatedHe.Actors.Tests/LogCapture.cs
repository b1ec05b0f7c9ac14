using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Event;

namespace FederatedHe.Actors.Tests;

/// <summary>Keeps every log event of an actor system, so a test can assert what a node logged and that nothing crashed.</summary>
public sealed class LogCapture
{
    private readonly ConcurrentQueue<LogEvent> _events = new();

    /// <summary>Starts capturing the log events of <paramref name="system"/> (at the levels its loglevel lets through).</summary>
    public LogCapture(ActorSystem system)
    {
        var recorder = system.ActorOf(Props.Create(() => new Recorder(_events)));
        system.EventStream.Subscribe(recorder, typeof(LogEvent));
    }

    /// <summary>The text of every captured log line.</summary>
    public IReadOnlyList<string> Lines => _events.Select(e => e.Message?.ToString() ?? string.Empty).ToList();

    /// <summary>Lines containing every one of <paramref name="fragments"/>.</summary>
    public IReadOnlyList<string> Containing(params string[] fragments) =>
        Lines.Where(line => fragments.All(f => line.Contains(f, StringComparison.Ordinal))).ToList();

    /// <summary>Errors logged with an exception: an actor that threw (and was restarted) logs one.</summary>
    public IReadOnlyList<string> Crashes => _events.OfType<Error>().Where(e => e.Cause is not null).Select(e => $"{e.LogSource}: {e.Cause}").ToList();

    private sealed class Recorder : ReceiveActor
    {
        public Recorder(ConcurrentQueue<LogEvent> events) => Receive<LogEvent>(events.Enqueue);
    }
}
