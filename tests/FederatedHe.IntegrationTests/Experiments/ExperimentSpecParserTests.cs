using FederatedHe.Actors.Configuration;
using FederatedHe.Host.Experiments;
using FederatedHe.Host.Simulation;
using FederatedHe.Training.Local;
using FederatedHe.Training.Models;

namespace FederatedHe.IntegrationTests.Experiments;

/// <summary>Experiment specs: the shipped examples parse, and every mistake names the file and the key.</summary>
public sealed class ExperimentSpecParserTests
{
    private const string SpecPath = "/specs/under-test.conf";

    // The smallest valid spec: every required key, one per line, so a test can drop or override any of them.
    private static readonly string[] MinimalSpec =
    [
        "seed = 7",
        "hospitals = 4",
        "rounds = 3",
        "data.path = \"data/wdbc.csv\"",
        "partition.scheme = iid",
        "model.kind = logistic-regression",
    ];

    public static TheoryData<string> ShippedSpecs() =>
        [.. Directory.GetFiles(RepositoryFiles.Path("experiments"), "*.conf").Select(f => Path.GetFileName(f)).Order()];

    [Theory]
    [MemberData(nameof(ShippedSpecs))]
    public void Every_shipped_example_parses_and_maps_to_valid_simulation_options(string file)
    {
        var spec = ExperimentSpecParser.Load(RepositoryFiles.Path("experiments", file));

        Assert.Equal(Path.GetFileNameWithoutExtension(file), spec.Name);
        Assert.True(File.Exists(spec.DataPath));
        spec.ToSimulationOptions().Validate();
    }

    [Fact]
    public void The_demo_spec_describes_the_README_demo()
    {
        var spec = ExperimentSpecParser.Load(RepositoryFiles.Path("experiments", "wdbc-4-hospitals.conf"));
        var options = spec.ToSimulationOptions();

        Assert.Equal((4, 20, 3, 42), (options.Hospitals, options.Rounds, options.EffectiveQuorum, options.Seed));
        Assert.Equal(PartitionScheme.Iid, options.Partition);
        Assert.Equal(ModelSpec.LogisticRegression, options.Model);
        Assert.Equal(new TrainingOptions { Epochs = 2, BatchSize = 16, LearningRate = 0.05, Seed = 42 }, options.Training);
        Assert.Equal((KeyMode.SharedKey, "Params128BitLogN13LogQ101"), (options.Mode, options.EffectiveCryptoPreset));
        Assert.Equal(TimeSpan.FromSeconds(30), options.CollectTimeout);
        Assert.Equal(TimeSpan.FromSeconds(30), options.ExtraConfig!.GetTimeSpan("fedhe.federation.evaluate-timeout"));
        Assert.Equal(3, options.ExtraConfig.GetInt("fedhe.federation.max-attempts"));
        Assert.Empty(options.Faults);
    }

    [Fact]
    public void The_Dirichlet_spec_skews_eight_hospitals_and_schedules_a_killed_hospital()
    {
        var spec = ExperimentSpecParser.Load(RepositoryFiles.Path("experiments", "wdbc-dirichlet-8-hospitals.conf"));

        Assert.Equal((8, PartitionScheme.Dirichlet, 0.5, 6), (spec.Hospitals, spec.Partition, spec.Alpha, spec.Quorum));
        Assert.Equal(0.01, spec.Training.ProximalMu);
        var fault = Assert.Single(spec.ToSimulationOptions().Faults);
        Assert.Equal(new SimulatedFault(5, FaultMoment.RoundStarted, FaultKind.KillHospital, "hospital-3"), fault);
    }

    [Fact]
    public void The_MLP_spec_builds_a_two_hidden_layer_network_trained_with_Adam()
    {
        var spec = ExperimentSpecParser.Load(RepositoryFiles.Path("experiments", "wdbc-mlp.conf"));

        Assert.Equal(ModelSpec.Mlp(16, 8), spec.Model);
        Assert.Equal(OptimizerKind.Adam, spec.Training.Optimizer);
    }

    [Fact]
    public void Optional_keys_take_the_documented_defaults()
    {
        var spec = Parse();

        Assert.Equal("under-test", spec.Name);
        Assert.Equal((0.2, 0.5), (spec.TestFraction, spec.Alpha));
        Assert.Equal(new TrainingOptions { Epochs = 2, BatchSize = 16, LearningRate = 0.05, Seed = 7 }, spec.Training);
        Assert.Equal((KeyMode.SharedKey, (string?)null, (int?)null), (spec.Mode, spec.CryptoPreset, spec.Quorum));
        Assert.Equal(TimeSpan.FromSeconds(30), spec.CollectTimeout);
        Assert.Empty(spec.Faults);
    }

    [Fact]
    public void A_fault_schedule_is_parsed_into_the_simulations_faults_ordered_by_round()
    {
        var spec = Parse(add:
        [
            """
            faults = [
              { at-round = 3, kind = kill-hospital, target = hospital-4 }
              { at-round = 2, moment = aggregate-distributed, kind = kill-hospital, target = hospital-2 }
            ]
            """,
        ]);

        Assert.Equal(
        [
            new SimulatedFault(2, FaultMoment.AggregateDistributed, FaultKind.KillHospital, "hospital-2"),
            new SimulatedFault(3, FaultMoment.RoundStarted, FaultKind.KillHospital, "hospital-4"),
        ], spec.Faults);
        Assert.Equal(spec.Faults, spec.ToSimulationOptions().Faults);
    }

    [Fact]
    public void Network_and_straggler_faults_carry_their_parameters()
    {
        var spec = Parse(add:
        [
            """
            faults = [
              { at-round = 0, kind = drop-messages, target = all, fraction = 0.1 }
              { at-round = 1, kind = drop-messages, target = hospital-1, peer = aggregator, fraction = 0.5, duration = 5s }
              { at-round = 2, kind = partition-node, target = hospital-2, duration = 8s }
              { at-round = 2, kind = delay-messages, target = aggregator, bytes-per-second = 20000, duration = 3s }
              { at-round = 3, kind = slow-hospital, target = hospital-3, delay = 4s }
            ]
            """,
        ]);

        Assert.Equal(
        [
            new SimulatedFault(0, FaultMoment.RoundStarted, FaultKind.DropMessages, "all") { Fraction = 0.1 },
            new SimulatedFault(1, FaultMoment.RoundStarted, FaultKind.DropMessages, "hospital-1")
                { Peer = "aggregator", Fraction = 0.5, Duration = TimeSpan.FromSeconds(5) },
            new SimulatedFault(2, FaultMoment.RoundStarted, FaultKind.PartitionNode, "hospital-2") { Duration = TimeSpan.FromSeconds(8) },
            new SimulatedFault(2, FaultMoment.RoundStarted, FaultKind.DelayMessages, "aggregator")
                { BytesPerSecond = 20000, Duration = TimeSpan.FromSeconds(3) },
            new SimulatedFault(3, FaultMoment.RoundStarted, FaultKind.SlowHospital, "hospital-3") { Delay = TimeSpan.FromSeconds(4) },
        ], spec.Faults);
        Assert.Equal("round 1 (round-started): drop-messages hospital-1, peer aggregator, fraction 0.5, duration 5000ms",
            FaultNames.Describe(spec.Faults[1]));
    }

    [Theory]
    [InlineData("hospitals")]
    [InlineData("rounds")]
    [InlineData("seed")]
    [InlineData("data.path")]
    [InlineData("partition.scheme")]
    [InlineData("model.kind")]
    public void A_missing_required_key_is_named(string key)
    {
        var error = Assert.Throws<ExperimentSpecException>(() => Parse(remove: key));

        Assert.Equal(SpecPath, error.FilePath);
        Assert.Equal(key, error.Key);
        Assert.Contains("required", error.Problem, StringComparison.Ordinal);
        Assert.StartsWith($"{SpecPath}: {key}: ", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("hospitals = 0", "hospitals")]
    [InlineData("hospitals = four", "hospitals")]
    [InlineData("rounds = 2.5", "rounds")]
    [InlineData("hospitals { count = 4 }", "hospitals")]
    [InlineData("partition.scheme = zipf", "partition.scheme")]
    [InlineData("partition.alpha = 0", "partition.alpha")]
    [InlineData("data.path = \"no/such/file.csv\"", "data.path")]
    [InlineData("data.test-fraction = 1", "data.test-fraction")]
    [InlineData("model.kind = transformer", "model.kind")]
    [InlineData("model.kind = mlp", "model.hidden-layers")]
    [InlineData("model.hidden-layers = [16, 0]\nmodel.kind = mlp", "model.hidden-layers")]
    [InlineData("model.hidden-layers = [16]", "model.hidden-layers")]
    [InlineData("training.epochs = 0", "training.epochs")]
    [InlineData("training.batch-size = -3", "training.batch-size")]
    [InlineData("training.optimizer = rmsprop", "training.optimizer")]
    [InlineData("training.learning-rate = -0.1", "training.learning-rate")]
    [InlineData("training.proximal-mu = -1", "training.proximal-mu")]
    [InlineData("training.learning_rate = 0.1", "training.learning_rate")]
    [InlineData("trainin { epochs = 3 }", "trainin")]
    [InlineData("encryption.mode = homomorphic", "encryption.mode")]
    [InlineData("encryption.preset = Params64Bit", "encryption.preset")]
    [InlineData("encryption.threshold = 2", "encryption.threshold")]
    [InlineData("federation.quorum = 5", "federation.quorum")]
    [InlineData("federation.collect-timeout = soon", "federation.collect-timeout")]
    [InlineData("federation.max-attempts = 0", "federation.max-attempts")]
    [InlineData("name = \"my run/../../etc\"", "name")]
    [InlineData("faults = 3", "faults")]
    [InlineData("faults = [ 3 ]", "faults[0]")]
    [InlineData("faults = [ { kind = kill-hospital, target = hospital-1 } ]", "faults[0].at-round")]
    [InlineData("faults = [ { at-round = 9, kind = kill-hospital, target = hospital-1 } ]", "faults[0].at-round")]
    [InlineData("faults = [ { at-round = 1, kind = meteor-strike, target = hospital-1 } ]", "faults[0].kind")]
    [InlineData("faults = [ { at-round = 1, kind = kill-hospital } ]", "faults[0].target")]
    [InlineData("faults = [ { at-round = 1, kind = kill-hospital, target = hospital-9 } ]", "faults[0].target")]
    [InlineData("faults = [ { at-round = 1, kind = kill-hospital, target = aggregator } ]", "faults[0].target")]
    [InlineData("faults = [ { at-round = 1, moment = lunchtime, kind = kill-hospital, target = hospital-1 } ]", "faults[0].moment")]
    [InlineData("faults = [ {}, { at-round = 1, kind = kill-hospital, target = hospital-1, when = dawn } ]", "faults[0].at-round")]
    [InlineData("faults = [ { at-round = 1, kind = kill-hospital, target = hospital-1, when = dawn } ]", "faults[0].when")]
    [InlineData("faults = [ { at-round = 1, kind = drop-messages, target = all } ]", "faults[0].fraction")]
    [InlineData("faults = [ { at-round = 1, kind = drop-messages, target = all, fraction = 1.5 } ]", "faults[0].fraction")]
    [InlineData("faults = [ { at-round = 1, kind = drop-messages, target = all, peer = hospital-1, fraction = 0.1 } ]", "faults[0].peer")]
    [InlineData("faults = [ { at-round = 1, kind = drop-messages, target = hospital-1, peer = hospital-1, fraction = 0.1 } ]", "faults[0].peer")]
    [InlineData("faults = [ { at-round = 1, kind = drop-messages, target = hospital-1, peer = hospital-7, fraction = 0.1 } ]", "faults[0].peer")]
    [InlineData("faults = [ { at-round = 1, kind = partition-node, target = hospital-1 } ]", "faults[0].duration")]
    [InlineData("faults = [ { at-round = 1, kind = partition-node, target = all, duration = 5s } ]", "faults[0].target")]
    [InlineData("faults = [ { at-round = 1, kind = delay-messages, target = hospital-1 } ]", "faults[0].bytes-per-second")]
    [InlineData("faults = [ { at-round = 1, kind = slow-hospital, target = hospital-1 } ]", "faults[0].delay")]
    [InlineData("faults = [ { at-round = 1, kind = slow-hospital, target = aggregator, delay = 2s } ]", "faults[0].target")]
    [InlineData("faults = [ { at-round = 1, kind = kill-hospital, target = hospital-1, duration = 2s } ]", "faults[0].duration")]
    public void A_malformed_key_is_named_with_its_file(string line, string key)
    {
        var error = Assert.Throws<ExperimentSpecException>(() => Parse(add: [line]));

        Assert.Equal(SpecPath, error.FilePath);
        Assert.Equal(key, error.Key);
        Assert.StartsWith($"{SpecPath}: {key}: ", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("seed = 7\nname = \"unclosed\nhospitals = 4", 2)]
    [InlineData("seed = 7 # a \"quoted\" comment\ndescription = \"\"\"never\nclosed", 2)]
    [InlineData("description = \"ends in \\\"", 1)]
    public void An_unclosed_string_is_reported_against_the_file_and_line(string text, int line)
    {
        // Akka's HOCON tokenizer would never return on these.
        var error = Assert.Throws<ExperimentSpecException>(() => ExperimentSpecParser.Parse(text, SpecPath));

        Assert.Equal(SpecPath, error.FilePath);
        Assert.Null(error.Key);
        Assert.Equal($"{SpecPath}: line {line}: a quoted string is not closed", error.Message);
    }

    [Fact]
    public void HOCON_that_cannot_be_resolved_is_reported_against_the_file()
    {
        var error = Assert.Throws<ExperimentSpecException>(() => ExperimentSpecParser.Parse("hospitals = ${no.such.key}", SpecPath));

        Assert.Equal(SpecPath, error.FilePath);
        Assert.Null(error.Key);
    }

    [Fact]
    public void A_missing_spec_file_is_reported_by_path()
    {
        var error = Assert.Throws<ExperimentSpecException>(() => ExperimentSpecParser.Load("experiments/no-such-spec.conf"));

        Assert.Equal("experiments/no-such-spec.conf", error.FilePath);
        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_written_back_as_a_spec_parse_to_the_same_options()
    {
        var options = Parse(add:
        [
            "partition { scheme = dirichlet, alpha = 0.3 }",
            "model { kind = mlp, hidden-layers = [8] }",
            "training { epochs = 3, optimizer = adam, learning-rate = 0.01, proximal-mu = 0.1 }",
            "federation { quorum = 2, collect-timeout = 12s }",
            "faults = [ { at-round = 2, moment = aggregate-distributed, kind = kill-hospital, target = hospital-1 },",
            "  { at-round = 1, kind = drop-messages, target = hospital-1, peer = aggregator, fraction = 0.25, duration = 1500ms },",
            "  { at-round = 3, kind = slow-hospital, target = hospital-2, delay = 2s } ]",
        ]).ToSimulationOptions();

        var written = ExperimentSpecWriter.FromOptions(options, "round-trip");
        var reread = ExperimentSpecParser.Parse(written, SpecPath).ToSimulationOptions();

        Assert.Equal(options with { ExtraConfig = null, Faults = [], Quorum = options.EffectiveQuorum, CryptoPreset = options.EffectiveCryptoPreset },
            reread with { ExtraConfig = null, Faults = [] });
        Assert.Equal(options.Faults, reread.Faults);
    }

    private static ExperimentSpec Parse(string? remove = null, string[]? add = null)
    {
        var lines = MinimalSpec.Where(line => remove is null || !line.StartsWith(remove + " =", StringComparison.Ordinal)).Concat(add ?? []);
        return ExperimentSpecParser.Parse(string.Join('\n', lines), SpecPath);
    }
}
