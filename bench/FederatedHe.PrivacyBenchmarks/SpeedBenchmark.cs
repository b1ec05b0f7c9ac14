using System.Diagnostics;
using FederatedHe.Privacy.Noise;
using FederatedHe.Training.Local;
using FederatedHe.Training.Models;
using FederatedHe.Training.Privacy;

namespace FederatedHe.PrivacyBenchmarks;

/// <summary>
/// DP-SGD against non-private local training on WDBC's 455 training records, at the same expected batch
/// (q = 0.05, about 23 records) and the same 200 steps (10 epochs); plus the pieces DP-SGD adds.
/// Reports the median of the repetitions after one warm-up, single-threaded libtorch.
/// </summary>
internal static class SpeedBenchmark
{
    private const double SamplingRate = 0.05;
    private const int Epochs = 10;

    public static int Run(string[] args)
    {
        var repetitions = args.Length >= 2 && args[0] == "--repetitions" ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 7;
        var wdbc = Wdbc.Load();
        var batch = (int)Math.Round(SamplingRate * wdbc.Train.SampleCount);
        var privacy = new DpSgdOptions { NoiseMultiplier = 1.0, ClipNorm = 1.0, SamplingRate = SamplingRate }.WithEpochs(Epochs);
        var training = new TrainingOptions { Epochs = Epochs, BatchSize = batch, LearningRate = 0.5, Seed = 1 };
        Console.WriteLine($"WDBC train n = {wdbc.Train.SampleCount}, batch {batch} / q = {SamplingRate}, {privacy.Steps} DP-SGD steps vs {Epochs} epochs; median of {repetitions}");
        Console.WriteLine("| Model | Parameters | Non-private (ms) | DP-SGD (ms) | Slowdown |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (var spec in new[] { ModelSpec.LogisticRegression, ModelSpec.Mlp(16, 8) })
        {
            using var model = ModelFactory.Create(spec, wdbc.Train.FeatureCount, seed: 1);
            var start = model.GetParameters();
            var plain = Median(repetitions, () =>
            {
                model.SetParameters(start);
                LocalTrainer.Train(model, wdbc.Train, training);
            });
            var randomness = NoiseRandomness.CreateSecure();
            var dp = Median(repetitions, () =>
            {
                model.SetParameters(start);
                DpSgdTrainer.Train(model, wdbc.Train, training, privacy, randomness);
            });
            Console.WriteLine($"| {spec} | {model.ParameterCount} | {plain:F1} | {dp:F1} | {dp / plain:F1}× |");
        }

        Console.WriteLine();
        Console.WriteLine("| Piece | Time |");
        Console.WriteLine("|---|---|");
        var secure = NoiseRandomness.CreateSecure();
        var sampler = new DiscreteGaussianSampler(new DiscreteGaussianMechanism(1.0, 1.0, 1).GridVariance);
        const int Draws = 200_000;
        var noise = Median(repetitions, () =>
        {
            for (var i = 0; i < Draws; i++)
            {
                sampler.Sample(secure);
            }
        });
        Console.WriteLine($"| Discrete Gaussian sample, σ = 2^16 grid steps, secure source | {noise * 1e6 / Draws:F0} ns |");
        using (var mlp = ModelFactory.Create(ModelSpec.Mlp(16, 8), wdbc.Train.FeatureCount, seed: 2))
        {
            var indices = Enumerable.Range(0, batch).Select(i => i * 19 % wdbc.Train.SampleCount).ToArray();
            var batched = Median(repetitions, () =>
            {
                for (var i = 0; i < 100; i++)
                {
                    PerSampleGradients.Compute(mlp, wdbc.Train, indices);
                }
            }) / 100;
            var single = Median(repetitions, () =>
            {
                for (var i = 0; i < 10; i++)
                {
                    PerSampleGradients.ComputeBySingleSampleBackward(mlp, wdbc.Train, indices);
                }
            }) / 10;
            Console.WriteLine($"| Per-sample gradients, Mlp(16-8), {batch} records, batched activations/errors | {batched * 1000:F0} µs |");
            Console.WriteLine($"| Per-sample gradients, Mlp(16-8), {batch} records, one backward pass each | {single * 1000:F0} µs |");
        }
        return 0;
    }

    private static double Median(int repetitions, Action action)
    {
        action();
        var times = new double[repetitions];
        for (var i = 0; i < repetitions; i++)
        {
            var stopwatch = Stopwatch.StartNew();
            action();
            times[i] = stopwatch.Elapsed.TotalMilliseconds;
        }
        Array.Sort(times);
        return times[repetitions / 2];
    }
}
