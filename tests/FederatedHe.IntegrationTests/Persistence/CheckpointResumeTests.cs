using System.Text.Json;
using Akka.Configuration;
using FederatedHe.Actors.Configuration;
using FederatedHe.Actors.Persistence;
using FederatedHe.Actors.Spec;
using FederatedHe.Crypto.Multiparty;
using FederatedHe.Actors.Harness;
using FederatedHe.Testing;
using Xunit.Abstractions;

namespace FederatedHe.IntegrationTests.Persistence;

/// <summary>
/// Checkpoint and resume: the coordinator journals every concluded round (SQLite), hospitals keep their decrypted
/// model on disk, and a killed process restarted mid-federation loses at most the round in progress.
/// </summary>
public sealed class CheckpointResumeTests : IDisposable
{
    private const int Rounds = 6;
    private const int ThresholdRounds = 4;
    private readonly string _root = Directory.CreateTempSubdirectory("fedhe-resume-").FullName;
    private readonly ITestOutputHelper _output;

    public CheckpointResumeTests(ITestOutputHelper output) => _output = output;

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
        var restarted = await FederationSimulation.RunAsync(Options("restarted", spec => spec
            .WithFaults([new SimulatedFault(3, FaultMoment.RoundStarted, FaultKind.RestartAggregator, "aggregator")])));

        Assert.True(uninterrupted.Succeeded, uninterrupted.Status);
        Assert.True(restarted.Succeeded, restarted.Status);

        // Round 3 was in progress when the aggregator died: it was lost and run again; rounds 1–2 were not repeated.
        Assert.Equal(Enumerable.Range(1, Rounds), restarted.Rounds.Select(r => r.Round));

        for (var hospital = 1; hospital <= 4; hospital++)
            Assert.InRange(FinalModelDifference(("uninterrupted", hospital), ("restarted", hospital), Rounds), 0, 1e-4);
    }

    [Fact(Timeout = 240_000)]
    public async Task A_crashed_hospital_rejoins_and_catches_up()
    {
        // Quorum 4 of 4: the round after the crash cannot complete without hospital-3, so it waits (and re-requests,
        // every 8 s) while the restarted node rejoins (several seconds), is re-sent the aggregates, catches up and trains.
        var result = await FederationSimulation.RunAsync(Options("hospital-crash", spec => spec.WithQuorum(4).WithTimeouts(collect: TimeSpan.FromSeconds(8))
            .WithFaults([new SimulatedFault(2, FaultMoment.AggregateDistributed, FaultKind.RestartHospital, "hospital-3")])));

        Assert.True(result.Succeeded, result.Status);
        Assert.Equal(Enumerable.Range(1, Rounds), result.Rounds.Select(r => r.Round));
        Assert.All(result.Rounds, round => Assert.Contains("hospital-3", round.Contributors));

        Assert.InRange(FinalModelDifference(("hospital-crash", 1), ("hospital-crash", 3), Rounds), 0, 1e-6);
    }

    /// <summary>Both threshold schemes: the seeded preset (the default) and a collective-key preset.</summary>
    public static TheoryData<string> ThresholdPresetNames => new(CryptoSpec.SeededThresholdPreset, nameof(ThresholdPresets.Params128BitLogN13LogQ160Threshold));

    [Theory(Timeout = 420_000)]
    [MemberData(nameof(ThresholdPresetNames))]
    public async Task In_threshold_mode_the_aggregator_killed_at_round_k_resumes_at_round_k_under_the_same_collective_key_and_ends_with_the_uninterrupted_model(string preset)
    {
        var uninterrupted = await FederationSimulation.RunAsync(ThresholdOptions("threshold-uninterrupted", preset));
        var restarted = await FederationSimulation.RunAsync(ThresholdOptions("threshold-restarted", preset, spec => spec
            .WithFaults([new SimulatedFault(2, FaultMoment.RoundStarted, FaultKind.RestartAggregator, "aggregator")])));

        Assert.True(uninterrupted.Succeeded, uninterrupted.Status);
        Assert.True(restarted.Succeeded, restarted.Status);
        Assert.Equal(Enumerable.Range(1, ThresholdRounds), restarted.Rounds.Select(r => r.Round));
        Assert.All(restarted.Rounds, round => Assert.InRange(round.ModelErrorVersusPlaintextFedAvg!.Value, 0, 1e-5));
        _output.WriteLine($"worst round error against plaintext FedAvg: {restarted.Rounds.Max(r => r.ModelErrorVersusPlaintextFedAvg!.Value):E2}");

        // Each hospital kept its own share of one collective key, as party k of the same four.
        Assert.Single(Enumerable.Range(1, 4).Select(h => SavedKeyId("threshold-restarted", h, preset)).Distinct());

        for (var hospital = 1; hospital <= 4; hospital++)
        {
            var difference = FinalModelDifference(("threshold-uninterrupted", hospital), ("threshold-restarted", hospital), ThresholdRounds);
            _output.WriteLine($"hospital-{hospital}: max |uninterrupted − resumed| = {difference:E2}");
            Assert.InRange(difference, 0, 1e-5);
        }
    }

    [Theory(Timeout = 420_000)]
    [MemberData(nameof(ThresholdPresetNames))]
    public async Task In_threshold_mode_a_restarted_hospital_rejoins_with_its_saved_key_share_and_decrypts_with_the_others(string preset)
    {
        // hospital-3 is in every committee (the first three parties of 3-of-4). Killed as round 2 starts, it restarts
        // with its saved key share, statistics and model; quorum 4 of 4 makes round 2 wait for it (re-requested after
        // the collect timeout), and each round's aggregate can only be decrypted if its restored share is right.
        var result = await FederationSimulation.RunAsync(ThresholdOptions("threshold-hospital-restart", preset, spec => spec.WithQuorum(4).WithTimeouts(collect: TimeSpan.FromSeconds(8))
            .WithFaults([new SimulatedFault(2, FaultMoment.RoundStarted, FaultKind.RestartHospital, "hospital-3")])));

        Assert.True(result.Succeeded, result.Status);
        Assert.Equal(Enumerable.Range(1, ThresholdRounds), result.Rounds.Select(r => r.Round));
        Assert.All(result.Rounds, round => Assert.Contains("hospital-3", round.Contributors));
        Assert.All(result.Rounds, round => Assert.InRange(round.ModelErrorVersusPlaintextFedAvg!.Value, 0, 1e-5));

        Assert.Single(Enumerable.Range(1, 4).Select(h => SavedKeyId("threshold-hospital-restart", h, preset)).Distinct());
        var difference = FinalModelDifference(("threshold-hospital-restart", 1), ("threshold-hospital-restart", 3), ThresholdRounds);
        _output.WriteLine($"max |hospital-1 − hospital-3| = {difference:E2}; worst round error against plaintext FedAvg "
            + $"{result.Rounds.Max(r => r.ModelErrorVersusPlaintextFedAvg!.Value):E2}");
        Assert.InRange(difference, 0, 1e-5);
    }

    [Theory(Timeout = 420_000)]
    [MemberData(nameof(ThresholdPresetNames))]
    public async Task In_threshold_mode_a_hospital_restarted_once_a_rounds_aggregate_is_out_is_sent_the_shares_it_missed_and_joins_the_round_in_progress(string preset)
    {
        // hospital-3 is killed as round 2's aggregate goes out, as a rule before it has decrypted it, so round 3 starts
        // without it; with quorum 4 of 4 that round completes only if it is invited in when it rejoins. It needs round 2's
        // model to train: the committee that decrypted it without hospital-3 sends it the same shares again.
        const string run = "threshold-missed-shares";
        var result = await FederationSimulation.RunAsync(ThresholdOptions(run, preset, spec => spec.WithQuorum(4).WithTimeouts(collect: TimeSpan.FromSeconds(8))
            .WithFaults([new SimulatedFault(2, FaultMoment.AggregateDistributed, FaultKind.RestartHospital, "hospital-3")])));

        Assert.True(result.Succeeded, result.Status);
        Assert.Equal(Enumerable.Range(1, ThresholdRounds), result.Rounds.Select(r => r.Round));
        Assert.All(result.Rounds, round => Assert.Contains("hospital-3", round.Contributors));
        Assert.All(result.Rounds, round => Assert.InRange(round.ModelErrorVersusPlaintextFedAvg!.Value, 0, 1e-5));
        Assert.InRange(FinalModelDifference((run, 1), (run, 3), ThresholdRounds), 0, 1e-5);
    }

    private SimulationOptions ThresholdOptions(string run, string preset, Func<FederationSpec, FederationSpec>? change = null) =>
        Options(run, spec => (change ?? (s => s))(spec.WithRounds(ThresholdRounds).WithCrypto(spec.Crypto with { Mode = KeyMode.Threshold, Threshold = 3, Preset = preset })));

    private string SavedKeyId(string run, int hospital, string preset)
    {
        var id = $"hospital-{hospital}";
        using var saved = new HospitalThresholdKeyFile(Path.Combine(_root, run, "hospitals"), id).Load(ThresholdPresets.All[preset])!;
        Assert.Equal(["hospital-1", "hospital-2", "hospital-3", "hospital-4"], saved.Parties);
        Assert.Equal(hospital, saved.PartyId);
        return saved.KeyId.ToString();
    }

    private SimulationOptions Options(string run, Func<FederationSpec, FederationSpec>? change = null) => new()
    {
        Spec = (change ?? (s => s))(FederationSpec.Default.WithHospitals(4).WithRounds(Rounds).WithQuorum(3).WithTimeouts(collect: TimeSpan.FromSeconds(20))
            .WithPersistence(new PersistenceSettings(true, Path.Combine(_root, run, "aggregator.db"), Path.Combine(_root, run, "hospitals")))),
        ComputeBaselines = false,
        LogLevel = "ERROR",
    };

    /// <summary>The largest difference between two hospitals' saved final models, each checked to be that of the last round.</summary>
    private double FinalModelDifference((string Run, int Hospital) first, (string Run, int Hospital) second, int rounds)
    {
        var a = SavedModel(first.Run, first.Hospital);
        var b = SavedModel(second.Run, second.Hospital);
        Assert.Equal(rounds, a.Round);
        Assert.Equal(rounds, b.Round);
        return a.Parameters.Zip(b.Parameters, (x, y) => Math.Abs(x - y)).Max();
    }

    private Saved SavedModel(string run, int hospital) =>
        JsonSerializer.Deserialize<Saved>(File.ReadAllBytes(Path.Combine(_root, run, "hospitals", $"hospital-{hospital}.model.json")))!;

    private sealed record Saved(int Round, string ParameterSetId, float[] Parameters);
}
