using System.Net;
using System.Net.Sockets;

namespace FederatedHe.IntegrationTests;

/// <summary>Ports for tests that start nodes: chosen free at the moment, never fixed, so a busy machine cannot fail a test.</summary>
internal static class FreePorts
{
    private static readonly Random Spread = new();

    /// <summary>A base port such that <paramref name="count"/> consecutive ports from it are free on loopback.</summary>
    public static int Block(int count)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            int start;
            lock (Spread)
                start = Spread.Next(20_000, 60_000 - count);
            if (Enumerable.Range(start, count).All(IsFree))
                return start;
        }

        throw new InvalidOperationException($"no {count} consecutive free ports found");
    }

    /// <summary>One free port.</summary>
    public static int One() => Block(1);

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
