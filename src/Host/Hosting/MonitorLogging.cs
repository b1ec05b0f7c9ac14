using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using FederatedHe.Actors.Nodes;
using Microsoft.Extensions.Logging;

namespace FederatedHe.Host.Hosting;

/// <summary>
/// The log of a `fedhe monitor` process: Akka's log routed into <see cref="ILogger"/> (Akka.Hosting's logger actor with the
/// monitor's own logger factory) and written to standard output in the chosen format, as a `fedhe node`'s is, with
/// <c>nodeId</c> and <c>role</c> "monitor". The monitor does not run on the Generic Host (its actor system is created directly,
/// beside the dashboard's web server), so it wires the same formatters itself. Dispose after the actor system to flush the log.
/// </summary>
internal sealed class MonitorLogging : IDisposable
{
    private readonly LogFormat _format;
    private readonly ILoggerFactory _factory;
    private readonly ILogger _logger;

    /// <summary>Console logging in <paramref name="format"/> for the monitor.</summary>
    public MonitorLogging(LogFormat format)
    {
        _format = format;
        _factory = NodeLogging.CreateFactory(format, FederationRoles.Monitor, FederationRoles.Monitor, toStandardError: false);
        _logger = _factory.CreateLogger("FederatedHe.Monitor");
    }

    /// <summary>
    /// The monitor's actor-system setup: <paramref name="config"/> with Akka's loggers replaced by the logger factory, over the
    /// transport's setup (TLS) when there is one.
    /// </summary>
    /// <param name="config">The monitor's configuration, from <see cref="Security.NodeTransport.Prepare"/>.</param>
    /// <param name="transport">The TLS setup from <see cref="Security.NodeTransport.Prepare"/>, or null for plain TCP.</param>
    public ActorSystemSetup Setup(Config config, ActorSystemSetup? transport)
    {
        var withLoggers = InProcessNodeLogging.AkkaLoggers.WithFallback(config);
        var bootstrap = transport?.Get<BootstrapSetup>() is { HasValue: true } given ? given.Value.WithConfig(withLoggers) : BootstrapSetup.Create().WithConfig(withLoggers);
        return (transport ?? ActorSystemSetup.Empty).WithSetup(bootstrap).WithSetup(new Akka.Hosting.Logging.LoggerFactorySetup(_factory));
    }

    /// <summary>
    /// Once the actor system runs: in JSON mode, nothing but errors may reach Akka's plain console printer after its logger actors
    /// stop at the end of the shutdown (as for a node, see <see cref="FederationNodeHost.QuietAfterLoggersStop"/>).
    /// </summary>
    public void Attach(ActorSystem system)
    {
        if (_format == LogFormat.Json)
            FederationNodeHost.QuietAfterLoggersStop(system);
    }

    /// <summary>
    /// One line for people (the monitor's start, its memory at the end): plain on standard output in text mode, as before; a log
    /// entry in JSON mode, so every line of the monitor's output is one JSON object.
    /// </summary>
    public void Say(string line)
    {
        if (_format == LogFormat.Json)
            _logger.Log(LogLevel.Information, default, line, null, (text, _) => text);
        else
            Console.Out.WriteLine(line);
    }

    /// <inheritdoc />
    public void Dispose() => _factory.Dispose();
}
