using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace FederatedHe.IntegrationTests;

/// <summary>
/// Ports for tests that start nodes: chosen free at the moment, never fixed, so a busy machine cannot fail a test. A node binds
/// its port seconds after the choice (`cluster up` starts its hospitals once the aggregator and the monitor are up), so the
/// ports come from below the kernel's ephemeral range, where no outgoing connection of this or any other process takes one
/// meanwhile (above it, any connection can take a chosen port before its node binds it); and no two tests of this process are given
/// the same port.
/// </summary>
internal static class FreePorts
{
    /// <summary>The lowest port handed out: above the well-known and most registered services' ports.</summary>
    private const int Lowest = 10_000;

    private static readonly Random Spread = new();
    private static readonly HashSet<int> Given = [];
    private static readonly int EphemeralStart = ReadEphemeralStart();

    /// <summary>A base port such that <paramref name="count"/> consecutive ports from it are free on loopback.</summary>
    public static int Block(int count)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            lock (Given)
            {
                var start = Spread.Next(Lowest, EphemeralStart - count);
                var ports = Enumerable.Range(start, count).ToList();
                if (ports.Any(Given.Contains) || !ports.All(IsFree))
                    continue;
                Given.UnionWith(ports);
                return start;
            }
        }

        throw new InvalidOperationException($"no {count} consecutive free ports found in {Lowest}…{EphemeralStart - 1}");
    }

    /// <summary>One free port.</summary>
    public static int One() => Block(1);

    /// <summary>The first port of the kernel's ephemeral range (net.ipv4.ip_local_port_range), 32768 where it cannot be read.</summary>
    private static int ReadEphemeralStart()
    {
        const int linuxDefault = 32_768;
        try
        {
            var first = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[0];
            var start = int.Parse(first, CultureInfo.InvariantCulture);
            return start > Lowest + 1_000 ? start : linuxDefault;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return linuxDefault;
        }
    }

    private static bool IsFree(int port)
    {
        try
        {
            var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
