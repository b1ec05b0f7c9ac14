using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Hosting;
using Microsoft.Extensions.Logging;

namespace FederatedHe.Host.Hosting;

/// <summary>
/// Routes the Akka log of each node of an in-process simulation into <see cref="ILogger"/> (Akka.Hosting's logger actor with a
/// logger factory of the node's own, so every entry names its node), written to standard error in the chosen format while
/// standard output shows the simulation's progress. Dispose after the simulation to flush the loggers.
/// </summary>
internal sealed class InProcessNodeLogging(LogFormat format) : IDisposable
{
    /// <summary>The nodes' Akka settings that put the logger actor in place of Akka's console logger.</summary>
    public static readonly Config AkkaLoggers = ConfigurationFactory.ParseString("""
        akka.loggers = ["Akka.Hosting.Logging.LoggerFactoryLogger, Akka.Hosting"]
        akka.stdout-loglevel = OFF
        """);

    private readonly List<ILoggerFactory> _factories = [];

    /// <summary>A node's setup: its logger factory, for <c>SimulationOptions.NodeSetup</c>.</summary>
    public ActorSystemSetup NodeSetup(string nodeId, string role)
    {
        var factory = NodeLogging.CreateFactory(format, nodeId, role, toStandardError: true);
        lock (_factories)
            _factories.Add(factory);
        return ActorSystemSetup.Create(new Akka.Hosting.Logging.LoggerFactorySetup(factory));
    }

    public void Dispose()
    {
        lock (_factories)
        {
            foreach (var factory in _factories)
                factory.Dispose();
            _factories.Clear();
        }
    }
}
