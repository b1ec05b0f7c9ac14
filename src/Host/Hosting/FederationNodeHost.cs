using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Cluster.Hosting;
using Akka.Configuration;
using Akka.Hosting;
using Akka.Remote.Hosting;
using Akka.Remote.Transport.DotNetty;
using FederatedHe.Actors.Nodes;
using FederatedHe.Host.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FederatedHe.Host.Hosting;

/// <summary>
/// A `fedhe node` process on the Generic Host: its actor system is Akka.Hosting's (<c>AddAkka(…).WithRemoting().WithClustering()</c>)
/// over the node's configuration (the spec's HOCON over the node file and hocon/cluster.conf), it logs through
/// <see cref="ILogger"/>, and the host's lifetime runs its coordinated shutdown.
/// </summary>
internal static class FederationNodeHost
{
    /// <summary>Builds and starts the host; <paramref name="startNode"/> starts the federation's actors once the actor system is up.</summary>
    /// <param name="effective">The node's configuration, as <see cref="FederationNode.NodeConfig(FederatedHe.Actors.Spec.FederationSpec, string, string, int, IEnumerable{string}?, Config?)"/> makes it.</param>
    /// <param name="tls">The node's TLS material, or null for plain TCP.</param>
    /// <param name="role">The node's cluster role.</param>
    /// <param name="startNode">Starts the node's actors on its actor system.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <exception cref="TlsConfigurationException">The certificate does not fit this node.</exception>
    public static async Task<IHost> StartAsync(Config effective, NodeTlsMaterial? tls, string role, Action<ActorSystem> startNode,
        CancellationToken cancellationToken)
    {
        var (config, setup) = NodeTransport.Prepare(effective, tls);
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(options =>
        {
            // One line per entry: `fedhe cluster up` and the tests read node logs line by line.
            options.SingleLine = true;
            options.TimestampFormat = "HH:mm:ss.fff ";
        });
        // The node prints its own milestones; the host's "Application started" banner would only be noise in node logs.
        builder.Services.Configure<ConsoleLifetimeOptions>(options => options.SuppressStatusMessages = true);
        builder.Services.AddAkka(FederationNode.SystemName, akka =>
        {
            // The node's HOCON underneath; remoting and clustering take its values, so HOCON stays the one source.
            akka.AddHocon(config, HoconAddMode.Append)
                .WithRemoting(config.GetString("akka.remote.dot-netty.tcp.hostname"), config.GetInt("akka.remote.dot-netty.tcp.port"))
                .WithClustering(new ClusterOptions
                {
                    Roles = [role],
                    SeedNodes = [.. config.GetStringList("akka.cluster.seed-nodes", [])],
                })
                .ConfigureLoggers(loggers =>
                {
                    loggers.ClearLoggers();
                    loggers.AddLoggerFactory();
                })
                .WithActors((system, _) => startNode(system));
            if (setup?.Get<DotNettySslSetup>() is { HasValue: true } ssl)
                akka.AddSetup(ssl.Value);
        });

        var host = builder.Build();
        await host.StartAsync(cancellationToken).ConfigureAwait(false);
        return host;
    }
}
