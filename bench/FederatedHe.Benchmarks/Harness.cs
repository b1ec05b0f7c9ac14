using System.Diagnostics;
using System.Text.Json;

namespace FederatedHe.Benchmarks;

/// <summary>One benchmark result: per-call median, min and max over the timed repetitions, in ms.</summary>
internal sealed record Measurement(string Name, double MedianMs, double MinMs, double MaxMs, int Repetitions, string? Note = null);

/// <summary>
/// A Stopwatch harness mirroring OpenFHE's method: 5 warm-up calls, then 31 timed calls, median
/// per call. No BenchmarkDotNet: the figures must be comparable with the C++ anchor's method.
/// </summary>
internal sealed class Harness(int warmup = 5, int repetitions = 31)
{
    private readonly List<Measurement> _results = [];

    public IReadOnlyList<Measurement> Results => _results;

    public Measurement Time(string name, Action action, string? note = null) => Time(name, action, warmup, repetitions, note);

    public Measurement Time(string name, Action action, int warmupCount, int repetitionCount, string? note = null)
    {
        for (int i = 0; i < warmupCount; i++)
        {
            action();
        }

        var samples = new double[repetitionCount];
        for (int i = 0; i < repetitionCount; i++)
        {
            long start = Stopwatch.GetTimestamp();
            action();
            samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        Array.Sort(samples);
        var measurement = new Measurement(name, samples[samples.Length / 2], samples[0], samples[^1], repetitionCount, note);
        _results.Add(measurement);
        Console.WriteLine($"{name,-58} {measurement.MedianMs,10:F3} ms  (min {measurement.MinMs:F3}, max {measurement.MaxMs:F3})");
        return measurement;
    }

    public void Record(string name, double value, string note)
    {
        _results.Add(new Measurement(name, value, value, value, 1, note));
        Console.WriteLine($"{name,-58} {value,10:G6} {note}");
    }

    public void WriteJson(string path)
    {
        var document = new
        {
            machine = new
            {
                Environment.ProcessorCount,
                os = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
                runtime = System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription,
                avx2 = System.Runtime.Intrinsics.X86.Avx2.IsSupported,
                avx512 = System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated,
            },
            results = _results,
        };
        File.WriteAllText(path, JsonSerializer.Serialize(document, new JsonSerializerOptions { WriteIndented = true }));
    }
}
