using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Configuration;
using Akka.Hosting;
using Akka.Remote.Hosting;
using Akka.Remote.Transport.DotNetty;
using FederatedHe.Actors.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FederatedHe.Host.Hosting;

/// <summary>
/// A `fedhe node` process on the .NET Generic Host. Its actor system is Akka.Hosting's
/// (<c>AddAkka(…).WithRemoting().WithClustering()</c>) over the node's configuration (the spec's HOCON over the node file and
/// hocon/cluster.conf, which stays the one source of settings); Akka's log goes into <see cref="ILogger"/> (text or JSON
/// lines); and stopping the host runs the actor system's coordinated shutdown, so the node leaves the cluster in order.
/// </summary>
internal static class FederationNodeHost
{
    /// <summary>Builds and starts the host; <paramref name="startNode"/> starts the federation's actors once the actor system is up.</summary>
    /// <param name="config">The node's actor-system configuration, from <see cref="Security.NodeTransport.Prepare"/>.</param>
    /// <param name="setup">The TLS setup from <see cref="Security.NodeTransport.Prepare"/>, or null for plain TCP.</param>
    /// <param name="nodeId">The node's id, on every log entry.</param>
    /// <param name="role">The node's cluster role.</param>
    /// <param name="logFormat">Text or JSON log lines.</param>
    /// <param name="startNode">Starts the node's actors on its actor system, with a logger for the node's own lines.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    public static async Task<IHost> StartAsync(Config config, Akka.Actor.Setup.ActorSystemSetup? setup, string nodeId, string role, LogFormat logFormat,
        Action<ActorSystem, ILogger> startNode, CancellationToken cancellationToken)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        NodeLogging.Configure(builder.Logging, logFormat, nodeId, role);
        // The node prints its own milestones; the host's "Application started" banner would only be noise in a node's log.
        builder.Services.Configure<ConsoleLifetimeOptions>(options => options.SuppressStatusMessages = true);
        // The process's own signal handling (ProcessTermination: 130/143 and a grace period) stops the node, not the host's.
        builder.Services.AddSingleton<IHostLifetime, CommandLifetime>();
        var (departureFilter, attachDepartureFilter) = FederationNode.OrderlyDepartureFilter();
        ActorSystem? started = null;
        builder.Services.AddAkka(FederationNode.SystemName, (akka, services) =>
        {
            akka.AddSetup(departureFilter);
            var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("FederatedHe.Node");
            // The node's HOCON underneath; remoting and clustering take their values from it, so HOCON stays the one source.
            // Akka's console fallback logger (used while the logger actor is not running, at start and shutdown) would put
            // non-JSON lines among JSON ones.
            if (logFormat == LogFormat.Json)
                akka.AddHocon("akka.stdout-loglevel = OFF", HoconAddMode.Prepend);
            // The command stops the node (ProcessTermination's signals, then the coordinated shutdown and the host's stop):
            // Akka's own process-exit hook would start a second shutdown that ends the host before the signal's exit code is set.
            akka.AddHocon("akka.coordinated-shutdown.run-by-clr-shutdown-hook = off", HoconAddMode.Prepend);
            akka.AddHocon(config, HoconAddMode.Append)
                .WithRemoting(new RemoteOptions
                {
                    HostName = config.GetString("akka.remote.dot-netty.tcp.hostname"),
                    Port = config.GetInt("akka.remote.dot-netty.tcp.port"),
                })
                .WithClustering(new ClusterOptions
                {
                    Roles = [role],
                    SeedNodes = [.. config.GetStringList("akka.cluster.seed-nodes", [])],
                })
                .ConfigureLoggers(loggers =>
                {
                    loggers.LogLevel = Akka.Event.Logging.LogLevelFor(config.GetString("akka.loglevel", "INFO"));
                    loggers.ClearLoggers();
                    loggers.AddLoggerFactory();
                })
                .WithActors((system, _) =>
                {
                    started = system;
                    attachDepartureFilter(system);
                    FederationNode.StartObserverTopic(system);
                    if (logFormat == LogFormat.Json)
                        QuietAfterLoggersStop(system);
                    startNode(system, logger);
                });
            if (setup?.Get<DotNettySslSetup>() is { HasValue: true } ssl)
                akka.AddSetup(ssl.Value);
        });

        var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (started is { } system && CoordinatedShutdown.Get(system).ShutdownReason is { } reason)
        {
            // The actor system stopped itself while the node's actors were being started (Akka ends a node whose outbound
            // TLS handshake fails, at any moment after remoting starts): the reason is the node's error, not the stack trace
            // of the actor it could no longer create.
            host.Dispose();
            throw new NodeStoppedDuringStartupException(reason, exception);
        }

        return host;
    }

    /// <summary>
    /// Akka stops its logger actors before the actor system's last steps and then prints what is still logged (remoting's
    /// "shut down", late disassociation warnings) as plain text on standard output. In JSON mode only errors may still be
    /// printed then; the rest of the shutdown has been logged as JSON already.
    /// </summary>
    internal static void QuietAfterLoggersStop(ActorSystem system) =>
        CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate, "quiet-console-logger", () =>
        {
            system.EventStream.SetLogLevel(Akka.Event.LogLevel.ErrorLevel);
            return Task.FromResult(Akka.Done.Instance);
        });

    /// <summary>A host lifetime that leaves SIGINT/SIGTERM to the command (the Generic Host's console lifetime would take them).</summary>
    private sealed class CommandLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

/// <summary>A node's actor system stopped itself before the node had started (for example, a failed TLS handshake with a seed).</summary>
/// <param name="reason">The coordinated shutdown's reason.</param>
/// <param name="inner">What the start then failed with.</param>
internal sealed class NodeStoppedDuringStartupException(CoordinatedShutdown.Reason reason, Exception inner)
    : Exception($"the node's actor system stopped while the node was starting ({reason.GetType().Name}); its log says why", inner)
{
    /// <summary>Why the actor system stopped.</summary>
    public CoordinatedShutdown.Reason Reason { get; } = reason;

    /// <summary>Whether Akka stopped the node because an outbound TLS handshake failed .</summary>
    public bool IsTlsHandshakeFailure => IsTlsHandshakeFailureReason(Reason);

    /// <summary>Whether <paramref name="reason"/> is Akka's for a failed outbound TLS handshake (its type is internal: by name).</summary>
    public static bool IsTlsHandshakeFailureReason(CoordinatedShutdown.Reason? reason) => reason?.GetType().Name == "TlsHandshakeFailureReason";
}
