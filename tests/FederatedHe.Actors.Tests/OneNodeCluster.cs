using Akka.Configuration;
using FederatedHe.Actors.Configuration;

namespace FederatedHe.Actors.Tests;

/// <summary>
/// The test kit configuration of the coordinator's specifications: a one-node cluster on loopback whose every message
/// is serialized as it would be on the wire.
/// </summary>
internal static class OneNodeCluster
{
    public static Config Config(string logLevel) => ConfigurationFactory.ParseString($"""
        akka.actor.provider = cluster
        akka.actor.serialize-messages = on
        akka.remote.dot-netty.tcp.hostname = "127.0.0.1"
        akka.remote.dot-netty.tcp.port = 0
        akka.loglevel = {logLevel}
        akka.test.single-expect-default = 15s
        """).WithFallback(FederationConfig.Default);
}
