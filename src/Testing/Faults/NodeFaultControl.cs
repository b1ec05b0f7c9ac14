using System.Globalization;
using System.Threading.Channels;
using Akka.Actor;
using FederatedHe.Actors.Harness;
using FederatedHe.Actors.Nodes;

namespace FederatedHe.Testing;

/// <summary>A fault-control command that cannot be carried out, with what is wrong with it.</summary>
public sealed class FaultCommandException(string message) : Exception(message);

/// <summary>
/// <c>fedhe node --fault-control</c>: fault-injection commands, one per line on standard input, so that
/// <c>fedhe cluster up</c> can run an experiment's fault schedule on separate processes. The node applies them to its
/// own transport (Akka's failure-injector and throttler adapters) or to the <see cref="StragglingTrainer"/> its process
/// wrapped around its hospital's training worker (which `fedhe node --fault-control` does):
/// <list type="bullet">
/// <item><c>drop PEER OUTBOUND INBOUND</c>: lose those fractions of the frames sent to and received from PEER (an Akka address);</item>
/// <item><c>throttle PEER off|blackhole|BYTES-PER-SECOND</c>: what happens to the frames sent to PEER;</item>
/// <item><c>slow-training MILLISECONDS</c>: make this hospital a straggler (0 ends it).</item>
/// </list>
/// Each command is acknowledged on standard output with <see cref="Prefix"/>; a malformed one is refused with its line
/// number and ignored. The node renews its drop settings every half second, since the failure injector forgets a link's
/// setting when the link is re-established.
/// </summary>
public static class NodeFaultControl
{
    /// <summary>What every line the fault control writes starts with.</summary>
    public const string Prefix = NodeFaultHooks.OutputPrefix;

    private static readonly TimeSpan Renewal = TimeSpan.FromMilliseconds(500);

    /// <summary>Reads and carries out commands until the input ends or <paramref name="cancellationToken"/> is cancelled.</summary>
    public static async Task RunAsync(TextReader input, ActorSystem system, Action<string> report, CancellationToken cancellationToken)
    {
        // The console's reader blocks even in its "async" methods, so a background thread reads and the loop below awaits.
        var lines = Channel.CreateUnbounded<string>();
        var reader = new Thread(() =>
        {
            try
            {
                while (input.ReadLine() is { } line)
                    lines.Writer.TryWrite(line);
            }
            catch (IOException)
            {
                // The input was closed under the reader: no more commands.
            }
            finally
            {
                lines.Writer.TryComplete();
            }
        }) { IsBackground = true, Name = "fault-control" };
        reader.Start();

        var drops = new Dictionary<Address, (double Outbound, double Inbound)>();
        using var renewal = new CancellationTokenSource();
        var renewing = RenewDropsAsync(system, drops, renewal.Token);
        try
        {
            var lineNumber = 0;
            await foreach (var line in lines.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                lineNumber++;
                if (string.IsNullOrWhiteSpace(line))
                    continue;
                try
                {
                    report($"{Prefix} {await ExecuteAsync(line, system, drops).ConfigureAwait(false)}");
                }
                catch (Exception exception) when (exception is FaultCommandException or InvalidOperationException)
                {
                    report($"{Prefix} line {lineNumber}: {exception.Message}; ignored");
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The node is stopping.
        }
        finally
        {
            await renewal.CancelAsync().ConfigureAwait(false);
            await renewing.ConfigureAwait(false);
        }
    }

    /// <summary>Carries out one command and says what it did.</summary>
    /// <exception cref="FaultCommandException">The command is unknown or its arguments are malformed.</exception>
    /// <exception cref="InvalidOperationException">The node's transport lacks the adapter the command needs.</exception>
    internal static async Task<string> ExecuteAsync(string line, ActorSystem system, Dictionary<Address, (double Outbound, double Inbound)> drops)
    {
        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        switch (words)
        {
            case ["drop", var peerText, var outboundText, var inboundText]:
            {
                var peer = Peer(peerText);
                var (outbound, inbound) = (Fraction(outboundText, "outbound"), Fraction(inboundText, "inbound"));
                await NetworkChaos.DropAsync(system, peer, outbound, inbound).ConfigureAwait(false);
                lock (drops)
                {
                    if (outbound == 0 && inbound == 0)
                        drops.Remove(peer);
                    else
                        drops[peer] = (outbound, inbound);
                }

                return $"losing {Percent(outbound)} of frames sent to {peer} and {Percent(inbound)} of those received from it";
            }

            case ["throttle", var peerText, var modeText]:
            {
                var peer = Peer(peerText);
                (bool Blackholed, int? Rate) mode = modeText switch
                {
                    "off" => (false, null),
                    "blackhole" => (true, null),
                    _ when int.TryParse(modeText, NumberStyles.None, CultureInfo.InvariantCulture, out var rate) && rate > 0 => (false, rate),
                    _ => throw new FaultCommandException($"'{modeText}' is not off, blackhole or a positive number of bytes per second"),
                };
                await NetworkChaos.ThrottleAsync(system, peer, mode.Blackholed, mode.Rate).ConfigureAwait(false);
                return mode switch
                {
                    (true, _) => $"dropping every frame to {peer}",
                    (_, { } r) => $"holding frames to {peer} to {r} bytes/s",
                    _ => $"frames to {peer} flow freely again",
                };
            }

            case ["slow-training", var millisecondsText]:
            {
                if (!int.TryParse(millisecondsText, NumberStyles.None, CultureInfo.InvariantCulture, out var milliseconds))
                    throw new FaultCommandException($"'{millisecondsText}' is not a whole number of milliseconds");
                system.ActorSelection(StragglingTrainer.TrainerPath)
                    .Tell(new StragglingTrainer.SlowDownTraining(TimeSpan.FromMilliseconds(milliseconds)));
                return $"each local training now takes {milliseconds} ms longer";
            }

            default:
                throw new FaultCommandException($"'{line}' is not a command (drop PEER OUT IN | throttle PEER off|blackhole|BYTES-PER-SECOND | slow-training MS)");
        }
    }

    private static string Percent(double fraction) => fraction.ToString("P0", CultureInfo.InvariantCulture);

    private static Address Peer(string text)
    {
        try
        {
            return Address.Parse(text);
        }
        catch (Exception exception) when (exception is UriFormatException or ArgumentException or FormatException)
        {
            throw new FaultCommandException($"'{text}' is not an Akka address such as akka.tcp://federation@127.0.0.1:4054");
        }
    }

    private static double Fraction(string text, string what) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value is >= 0 and <= 1
            ? value
            : throw new FaultCommandException($"the {what} fraction '{text}' is not a number between 0 and 1");

    private static async Task RenewDropsAsync(ActorSystem system, Dictionary<Address, (double Outbound, double Inbound)> drops, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(Renewal);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                List<KeyValuePair<Address, (double Outbound, double Inbound)>> current;
                lock (drops)
                    current = [.. drops];
                foreach (var (peer, (outbound, inbound)) in current)
                    await NetworkChaos.DropAsync(system, peer, outbound, inbound).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // The fault control is stopping.
        }
        catch (Exception) when (system.WhenTerminated.IsCompleted)
        {
            // The node has shut down under the renewal: it has no links left.
        }
    }
}
