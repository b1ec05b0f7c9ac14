using System.Collections.Concurrent;
using Akka.Actor;
using FederatedHe.Actors.Hospitals;
using FederatedHe.Training.Federation;

namespace FederatedHe.Testing;

/// <summary>
/// Watches every hospital's plaintext side in a simulation and recomputes FedAvg in plaintext from the
/// very same updates, so an aggregation bug cannot hide behind encryption. It listens, from outside the hospitals, to the
/// <see cref="HospitalEvents"/> each publishes on its own node's event stream (<see cref="Watch"/>); the hospitals do not
/// know it exists. Thread-safe: the hospital nodes' listeners call it from their own threads.
/// </summary>
internal sealed class ShadowFedAvg
{
    private readonly ConcurrentDictionary<(int Round, string Hospital), HospitalEvents.LocalUpdateTrained> _updates = new();
    private readonly ConcurrentDictionary<(int Round, string Hospital), double[]> _aggregates = new();

    /// <summary>
    /// Listens to the hospital events on <paramref name="hospitalNode"/>'s event stream. Subscribed before this returns,
    /// so a hospital started on the node afterwards is seen from its first update.
    /// </summary>
    public void Watch(ActorSystem hospitalNode)
    {
        var listener = hospitalNode.ActorOf(Props.Create(() => new Listener(this)), "shadow-fedavg");
        hospitalNode.EventStream.Subscribe(listener, typeof(HospitalEvents.LocalUpdateTrained));
        hospitalNode.EventStream.Subscribe(listener, typeof(HospitalEvents.AggregateDecrypted));
    }

    private void UpdateTrained(HospitalEvents.LocalUpdateTrained update) =>
        _updates[(update.Round, update.HospitalId)] = update with { Parameters = update.Parameters.ToArray() };

    private void AggregateDecrypted(HospitalEvents.AggregateDecrypted aggregate) =>
        _aggregates[(aggregate.Round, aggregate.HospitalId)] = aggregate.Values.ToArray();

    /// <summary>
    /// Compares a round's decrypted aggregates with plaintext FedAvg over the contributors' updates, weighted by their record
    /// counts (so a wrong normalisation of the weights shows as a model error), and the raw sums with the plaintext sums of
    /// the weights the hospitals encrypted. Returns null if no hospital decrypted the round or an update was not seen.
    /// </summary>
    public ShadowComparison? Compare(int round, IReadOnlyList<string> contributors)
    {
        var updates = contributors.Select(id => _updates.GetValueOrDefault((round, id))).ToList();
        var decrypted = _aggregates.Where(a => a.Key.Round == round).Select(a => a.Value).ToList();
        if (updates.Any(u => u is null) || decrypted.Count == 0)
            return null;

        // Compared in double precision, before the models are rounded to float, so the figure is the CKKS error itself.
        var plain = FedAvg.WeightedSum(updates.Select(u => new ClientUpdate(u!.HospitalId, u.Round, u.Parameters, u.SampleCount, 0, TimeSpan.Zero)));
        var parameterCount = plain.SumOfWeightedParameters.Length;
        var encodedSum = new double[parameterCount + 1];
        foreach (var update in updates)
        {
            for (var i = 0; i < parameterCount; i++)
                encodedSum[i] += update!.Parameters[i] * update.EncodedWeight;
            encodedSum[parameterCount] += update!.EncodedWeight;
        }

        double aggregateError = 0, modelError = 0;
        foreach (var aggregate in decrypted)
        {
            for (var i = 0; i < parameterCount; i++)
            {
                aggregateError = Math.Max(aggregateError, Math.Abs(aggregate[i] - encodedSum[i]));
                var encrypted = aggregate[i] / aggregate[parameterCount];
                var plaintext = plain.SumOfWeightedParameters[i] / plain.TotalSampleCount;
                modelError = Math.Max(modelError, Math.Abs(encrypted - plaintext));
            }

            aggregateError = Math.Max(aggregateError, Math.Abs(aggregate[parameterCount] - encodedSum[parameterCount]));
        }

        return new ShadowComparison(aggregateError, modelError, FedAvg.Average(decrypted[0].AsSpan(0, parameterCount), decrypted[0][parameterCount]),
            FedAvg.Average(plain.SumOfWeightedParameters, plain.TotalSampleCount));
    }

    /// <summary>Forgets rounds before <paramref name="round"/>.</summary>
    public void Forget(int round)
    {
        foreach (var key in _updates.Keys.Where(k => k.Round < round))
            _updates.TryRemove(key, out _);
        foreach (var key in _aggregates.Keys.Where(k => k.Round < round))
            _aggregates.TryRemove(key, out _);
    }

    /// <summary>Hands a hospital node's events to the shadow.</summary>
    private sealed class Listener : ReceiveActor
    {
        public Listener(ShadowFedAvg shadow)
        {
            Receive<HospitalEvents.LocalUpdateTrained>(shadow.UpdateTrained);
            Receive<HospitalEvents.AggregateDecrypted>(shadow.AggregateDecrypted);
        }
    }
}

/// <summary>How far the encrypted aggregate is from plaintext FedAvg of the same updates.</summary>
/// <param name="AggregateMaxAbsError">Max |Dec(Σ Enc(ν_i·w_i)) − Σ ν_i·w_i| (and of Σ ν_i), the raw CKKS error, ν_i the weights encrypted.</param>
/// <param name="ModelMaxAbsError">Max |decrypted global model − plaintext FedAvg model|, over all hospitals.</param>
/// <param name="GlobalParameters">The decrypted global model.</param>
/// <param name="PlaintextParameters">Plaintext FedAvg of the same updates: the model the round would have made without encryption.</param>
internal sealed record ShadowComparison(double AggregateMaxAbsError, double ModelMaxAbsError, float[] GlobalParameters, float[] PlaintextParameters);
