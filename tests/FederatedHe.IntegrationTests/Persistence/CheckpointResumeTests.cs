using System.Text.Json;
using Akka.Configuration;
using FederatedHe.Host.Simulation;

namespace FederatedHe.IntegrationTests.Persistence;

/// <summary>
/// Checkpoint and resume: the coordinator journals every concluded round (SQLite), hospitals keep their decrypted
/// model on disk, and a killed process restarted mid-federation loses at most the round in progress.
/// </summary>
public sealed class CheckpointResumeTests : IDisposable
{
    private const int Rounds = 6;
    private readonly string _root = Directory.CreateTempSubdirectory("fedhe-resume-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A SQLite handle may linger a moment after the nodes stop; the temp directory is left behind then.
        }
    }

    [Fact(Timeout = 240_000)]
    public async Task The_aggregator_killed_at_round_k_and_restarted_resumes_at_round_k_and_ends_with_the_same_model_as_an_uninterrupted_run()
    {
        var uninterrupted = await FederationSimulation.RunAsync(Options("uninterrupted"));
        var restarted = await FederationSimulation.RunAsync(Options("restarted") with
        {
            Faults = [new SimulatedFault(3, FaultMoment.RoundStarted, FaultKind.RestartAggregator, "aggregator")],
        });

        Assert.True(uninterrupted.Succeeded, uninterrupted.Status);
        Assert.True(restarted.Succeeded, restarted.Status);

        // Round 3 was in progress when the aggregator died: it was lost and run again; rounds 1–2 were not repeated.
        Assert.Equal(Enumerable.Range(1, Rounds), restarted.Rounds.Select(r => r.Round));

        for (var hospital = 1; hospital <= 4; hospital++)
        {
            var expected = SavedModel("uninterrupted", hospital);
            var actual = SavedModel("restarted", hospital);
            Assert.Equal(Rounds, expected.Round);
            Assert.Equal(Rounds, actual.Round);
            var difference = expected.Parameters.Zip(actual.Parameters, (a, b) => Math.Abs(a - b)).Max();
            Assert.InRange(difference, 0, 1e-4);
        }
    }

    [Fact(Timeout = 240_000)]
    public async Task A_crashed_hospital_rejoins_and_catches_up()
    {
        // Quorum 4 of 4: the round after the crash cannot complete without hospital-3, so it waits (and re-requests,
        // every 8 s) while the restarted node rejoins (several seconds), is re-sent the aggregates, catches up and trains.
        var result = await FederationSimulation.RunAsync(Options("hospital-crash") with
        {
            Quorum = 4,
            CollectTimeout = TimeSpan.FromSeconds(8),
            Faults = [new SimulatedFault(2, FaultMoment.AggregateDistributed, FaultKind.RestartHospital, "hospital-3")],
        });

        Assert.True(result.Succeeded, result.Status);
        Assert.Equal(Enumerable.Range(1, Rounds), result.Rounds.Select(r => r.Round));
        Assert.All(result.Rounds, round => Assert.Contains("hospital-3", round.Contributors));

        var reference = SavedModel("hospital-crash", 1);
        var rejoined = SavedModel("hospital-crash", 3);
        Assert.Equal(Rounds, rejoined.Round);
        Assert.InRange(reference.Parameters.Zip(rejoined.Parameters, (a, b) => Math.Abs(a - b)).Max(), 0, 1e-6);
    }

    private SimulationOptions Options(string run) => new()
    {
        Hospitals = 4,
        Rounds = Rounds,
        Quorum = 3,
        CollectTimeout = TimeSpan.FromSeconds(20),
        ComputeBaselines = false,
        LogLevel = "ERROR",
        ExtraConfig = ConfigurationFactory.ParseString($$"""
            fedhe.persistence {
              enabled = on
              sqlite-path = "{{Path.Combine(_root, run, "aggregator.db")}}"
              hospital-directory = "{{Path.Combine(_root, run, "hospitals")}}"
            }
            """),
    };

    private Saved SavedModel(string run, int hospital) =>
        JsonSerializer.Deserialize<Saved>(File.ReadAllBytes(Path.Combine(_root, run, "hospitals", $"hospital-{hospital}.model.json")))!;

    private sealed record Saved(int Round, string ParameterSetId, float[] Parameters);
}
