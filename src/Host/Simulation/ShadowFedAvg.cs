using System.Collections.Concurrent;
using FederatedHe.Actors.Hospitals;
using FederatedHe.Training.Evaluation;
using FederatedHe.Training.Federation;

namespace FederatedHe.Host.Simulation;

/// <summary>
/// Watches every hospital's plaintext side in a simulation and recomputes FedAvg in plaintext from the
/// very same updates, so an aggregation bug cannot hide behind encryption. Thread-safe: hospitals call
/// it from their own threads.
/// </summary>
internal sealed class ShadowFedAvg : IHospitalObserver
{
    private readonly ConcurrentDictionary<(int Round, string Hospital), ClientUpdate> _updates = new();
    private readonly ConcurrentDictionary<(int Round, string Hospital), double[]> _aggregates = new();

    public void UpdateSent(string hospitalId, int round, ReadOnlySpan<float> parameters, int sampleCount) =>
        _updates[(round, hospitalId)] = new ClientUpdate(hospitalId, round, parameters.ToArray(), sampleCount, 0, TimeSpan.Zero);

    public void AggregateDecrypted(string hospitalId, int round, ReadOnlySpan<double> aggregate) =>
        _aggregates[(round, hospitalId)] = aggregate.ToArray();

    public void GlobalModelEvaluated(string hospitalId, int round, EvaluationMetrics metrics)
    {
    }

    /// <summary>
    /// Compares a round's decrypted aggregates with plaintext FedAvg over the contributors' updates.
    /// Returns null if no hospital decrypted the round or an update was not seen.
    /// </summary>
    public ShadowComparison? Compare(int round, IReadOnlyList<string> contributors)
    {
        var updates = contributors.Select(id => _updates.GetValueOrDefault((round, id))).ToList();
        var decrypted = _aggregates.Where(a => a.Key.Round == round).Select(a => a.Value).ToList();
        if (updates.Any(u => u is null) || decrypted.Count == 0)
            return null;

        // Compared in double precision, before the models are rounded to float, so the figure is the CKKS error itself.
        var plain = FedAvg.WeightedSum(updates!);
        var parameterCount = plain.SumOfWeightedParameters.Length;
        double aggregateError = 0, modelError = 0;
        foreach (var aggregate in decrypted)
        {
            for (var i = 0; i < parameterCount; i++)
            {
                aggregateError = Math.Max(aggregateError, Math.Abs(aggregate[i] - plain.SumOfWeightedParameters[i]));
                var encrypted = aggregate[i] / aggregate[parameterCount];
                var plaintext = plain.SumOfWeightedParameters[i] / plain.TotalSampleCount;
                modelError = Math.Max(modelError, Math.Abs(encrypted - plaintext));
            }

            aggregateError = Math.Max(aggregateError, Math.Abs(aggregate[parameterCount] - plain.TotalSampleCount));
        }

        return new ShadowComparison(aggregateError, modelError, FedAvg.Average(decrypted[0].AsSpan(0, parameterCount), decrypted[0][parameterCount]));
    }

    /// <summary>Forgets rounds before <paramref name="round"/>.</summary>
    public void Forget(int round)
    {
        foreach (var key in _updates.Keys.Where(k => k.Round < round))
            _updates.TryRemove(key, out _);
        foreach (var key in _aggregates.Keys.Where(k => k.Round < round))
            _aggregates.TryRemove(key, out _);
    }
}

/// <summary>How far the encrypted aggregate is from plaintext FedAvg of the same updates.</summary>
/// <param name="AggregateMaxAbsError">Max |Dec(Σ Enc(n_i·w_i)) − Σ n_i·w_i| (and of Σ n_i), the raw CKKS error.</param>
/// <param name="ModelMaxAbsError">Max |decrypted global model − plaintext FedAvg model|, over all hospitals.</param>
/// <param name="GlobalParameters">The decrypted global model.</param>
internal sealed record ShadowComparison(double AggregateMaxAbsError, double ModelMaxAbsError, float[] GlobalParameters);
