using System.Collections.Concurrent;
using Akka.Actor;
using FederatedHe.Actors.Protocol;

namespace FederatedHe.Testing;

/// <summary>
/// Which hospitals of a simulation have finished the federation: a hospital publishes
/// <see cref="FederationProtocol.FederationFinished"/> on its own node's event stream once it has handled the coordinator's
/// end of the federation, after writing its final model file (the signal a `fedhe node` stops on). Listened to from outside
/// the hospitals, as <see cref="ShadowFedAvg"/> listens. Thread-safe.
/// </summary>
internal sealed class FinishedHospitals
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _finished = new(StringComparer.Ordinal);

    /// <summary>Listens on <paramref name="hospitalNode"/>, a hospital's node (started again: its new node), before the hospital starts on it.</summary>
    public void Watch(string hospitalId, ActorSystem hospitalNode)
    {
        var finished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _finished[hospitalId] = finished;
        var listener = hospitalNode.ActorOf(Props.Create(() => new Listener(finished)), "simulation-finish-listener");
        hospitalNode.EventStream.Subscribe(listener, typeof(FederationProtocol.FederationFinished));
    }

    /// <summary>
    /// Waits until every one of <paramref name="hospitalIds"/> has finished, at most <paramref name="timeout"/>; true if all
    /// had. A hospital that was never watched counts as not finished.
    /// </summary>
    public async Task<bool> AllAsync(IEnumerable<string> hospitalIds, TimeSpan timeout)
    {
        var waits = hospitalIds.Select(id => _finished.TryGetValue(id, out var finished) ? finished.Task : null).ToList();
        if (waits.Any(w => w is null))
            return false;
        var all = Task.WhenAll(waits!);
        return await Task.WhenAny(all, Task.Delay(timeout)).ConfigureAwait(false) == all;
    }

    private sealed class Listener : ReceiveActor
    {
        public Listener(TaskCompletionSource finished)
        {
            Receive<FederationProtocol.FederationFinished>(_ => finished.TrySetResult());
        }
    }
}
