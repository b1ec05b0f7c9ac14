using FederatedHe.Privacy.Accounting;
using FederatedHe.Privacy.Noise;
using FederatedHe.Training.Data;
using FederatedHe.Training.Evaluation;
using FederatedHe.Training.Federation;
using FederatedHe.Training.Local;
using FederatedHe.Training.Models;
using FederatedHe.Training.Privacy;

namespace FederatedHe.PrivacyBenchmarks;

/// <summary>
/// WDBC test accuracy against ε (δ = 1e-5) for centralised DP-SGD: for each target ε the noise multiplier
/// is calibrated by the accountant for 200 steps at q = 0.05 (10 epochs), C = 1, SGD with learning rate
/// 0.5; beside the non-private centralised and plaintext-FedAvg baselines with the same model and
/// epochs. Seeds vary the initial model and, through the test-only seeded source, the sampling and noise,
/// so the table is reproducible.
/// </summary>
internal static class AccuracyCurve
{
    private const double SamplingRate = 0.05;
    private const int Epochs = 10;
    private const double Delta = 1e-5;

    public static int Run(string[] args)
    {
        var seeds = args.Length >= 2 && args[0] == "--seeds" ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 5;
        var wdbc = Wdbc.Load();
        var steps = (int)Math.Ceiling(Epochs / SamplingRate);
        var training = new TrainingOptions { Epochs = Epochs, BatchSize = (int)Math.Round(SamplingRate * wdbc.Train.SampleCount), LearningRate = 0.5 };
        double[] targets = [0.5, 1, 2, 4, 8];
        Console.WriteLine($"WDBC, train n = {wdbc.Train.SampleCount}, test n = {wdbc.Test.SampleCount}; DP-SGD q = {SamplingRate}, {steps} steps, C = 1, SGD lr 0.5; δ = {Delta}; mean ± sd over {seeds} seeds");
        Console.WriteLine("| Model | ε | σ | Test accuracy | ROC AUC |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (var spec in new[] { ModelSpec.LogisticRegression, ModelSpec.Mlp(16, 8) })
        {
            foreach (var target in targets)
            {
                var sigma = RdpAccountant.NoiseMultiplierFor(SamplingRate, steps, target, Delta);
                var privacy = new DpSgdOptions { NoiseMultiplier = sigma, ClipNorm = 1.0, SamplingRate = SamplingRate, Steps = steps };
                var metrics = Enumerable.Range(1, seeds).Select(seed =>
                {
                    using var model = ModelFactory.Create(spec, wdbc.Train.FeatureCount, seed);
                    DpSgdTrainer.Train(model, wdbc.Train, training, privacy, NoiseRandomness.UnsafeSeededForTests(seed));
                    return ModelEvaluator.Evaluate(model, wdbc.Test);
                }).ToArray();
                Console.WriteLine($"| {spec} | {target} | {sigma:F2} | {Format(metrics.Select(m => m.Accuracy))} | {Format(metrics.Select(m => m.RocAuc))} |");
                var local = Enumerable.Range(1, seeds).Select(seed => LocalModeFedAvg(wdbc, spec, training, privacy, seed)).ToArray();
                Console.WriteLine($"| {spec} | {target}, local mode: 4 hospitals | {sigma:F2} | {Format(local.Select(m => m.Accuracy))} | {Format(local.Select(m => m.RocAuc))} |");
            }
            var central = Enumerable.Range(1, seeds).Select(seed => CentralizedBaseline.Run(wdbc.RawTrain, wdbc.RawTest, spec, training with { Seed = seed }).Test).ToArray();
            Console.WriteLine($"| {spec} | ∞ (centralised, non-private) | 0 | {Format(central.Select(m => m.Accuracy))} | {Format(central.Select(m => m.RocAuc))} |");
            var federated = Enumerable.Range(1, seeds).Select(seed =>
            {
                var partitions = DatasetPartitioner.Iid(wdbc.RawTrain, 4, seed);
                return PlaintextFedAvg.Run(partitions, wdbc.RawTest, spec, training with { Epochs = 1 }, rounds: Epochs, seed).FinalTest;
            }).ToArray();
            Console.WriteLine($"| {spec} | ∞ (plaintext FedAvg, 4 hospitals, {Epochs} rounds × 1 epoch) | 0 | {Format(federated.Select(m => m.Accuracy))} | {Format(federated.Select(m => m.RocAuc))} |");
        }
        return 0;
    }

    /// <summary>
    /// Local-mode DP: 4 IID hospitals each run 1/q DP-SGD steps per round on their own records for
    /// <see cref="Epochs"/> rounds (so every patient's record sees the same 200 steps at rate q as in the
    /// centralised run, hence the same ε), and the global model is the sample-weighted mean.
    /// </summary>
    private static EvaluationMetrics LocalModeFedAvg(Wdbc wdbc, ModelSpec spec, TrainingOptions training, DpSgdOptions privacy, int seed)
    {
        var partitions = DatasetPartitioner.Iid(wdbc.RawTrain, 4, seed);
        var standardizer = Standardizer.FromStatistics(FeatureStatistics.Combine(partitions.Select(FeatureStatistics.Compute)));
        var hospitals = partitions.Select(standardizer.Apply).ToArray();
        var perRound = privacy with { Steps = (int)Math.Round(1 / SamplingRate) };
        using var model = ModelFactory.Create(spec, wdbc.Train.FeatureCount, seed);
        var global = model.GetParameters();
        var randomness = NoiseRandomness.UnsafeSeededForTests(1000 + seed);
        for (var round = 0; round < Epochs; round++)
        {
            var sum = new double[global.Length];
            var total = 0;
            foreach (var hospital in hospitals)
            {
                model.SetParameters(global);
                var result = DpSgdTrainer.Train(model, hospital, training, perRound, randomness);
                for (var i = 0; i < sum.Length; i++)
                {
                    sum[i] += result.Parameters[i] * (double)result.SampleCount;
                }
                total += result.SampleCount;
            }
            global = [.. sum.Select(value => (float)(value / total))];
        }
        model.SetParameters(global);
        return ModelEvaluator.Evaluate(model, standardizer.Apply(wdbc.RawTest));
    }

    private static string Format(IEnumerable<double> values)
    {
        var array = values.ToArray();
        var mean = array.Average();
        var deviation = Math.Sqrt(array.Sum(value => (value - mean) * (value - mean)) / Math.Max(1, array.Length - 1));
        return $"{mean:F3} ± {deviation:F3}";
    }
}
