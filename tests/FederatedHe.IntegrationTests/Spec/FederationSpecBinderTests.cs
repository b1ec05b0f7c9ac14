using FederatedHe.Actors.Configuration;
using FederatedHe.Actors.Spec;
using FederatedHe.IntegrationTests.Experiments;
using FederatedHe.Training.Data;
using FederatedHe.Training.Local;
using FederatedHe.Training.Models;

namespace FederatedHe.IntegrationTests.Spec;

/// <summary>
/// Federation specs: reference.conf alone is the demo, the shipped experiment and node files bind, every value knows where it
/// came from, and every mistake names the file, the line and the key.
/// </summary>
public sealed class FederationSpecBinderTests
{
    private const string SpecPath = "/specs/under-test.conf";

    // A small spec, one key per line, so a test can add to it and errors have predictable lines.
    private static readonly string[] SmallSpec =
    [
        "fedhe.federation.seed = 7",
        "fedhe.federation.hospitals = 4",
        "fedhe.federation.rounds = 3",
    ];

    public static TheoryData<string> ShippedSpecs() =>
    [
        .. Directory.GetFiles(RepositoryFiles.Path("experiments"), "*.conf").Select(f => Path.Combine("experiments", Path.GetFileName(f))).Order(),
        Path.Combine("hocon", "aggregator.conf"),
        Path.Combine("hocon", "hospital.conf"),
    ];

    [Theory]
    [MemberData(nameof(ShippedSpecs))]
    public void Every_shipped_experiment_and_node_file_binds_to_a_valid_spec_named_after_it(string file)
    {
        var spec = FederationSpecBinder.Load(RepositoryFiles.Path(file)).Spec;

        Assert.Equal(Path.GetFileNameWithoutExtension(file), spec.Experiment.Name);
        Assert.True(File.Exists(spec.Data.File), spec.Data.File);
        spec.Validate().ToFederationSettings().Validate();
    }

    [Fact]
    public void Reference_conf_alone_is_the_README_demo()
    {
        var spec = FederationSpec.Default;

        Assert.Equal((4, 20, 3, 42), (spec.Federation.Hospitals, spec.Federation.Rounds, spec.EffectiveQuorum, spec.Federation.Seed));
        Assert.Equal((PartitionScheme.Iid, 0.2, 0.5), (spec.Data.Partition, spec.Data.TestFraction, spec.Data.Alpha));
        Assert.Equal(ModelSpec.LogisticRegression, spec.Training.Model);
        Assert.Equal(new TrainingOptions { Epochs = 2, BatchSize = 16, LearningRate = 0.05, Seed = 42 }, spec.TrainingOptions);
        Assert.Equal((KeyMode.SharedKey, "Params128BitLogN12LogQ60Aggregation"), (spec.Crypto.Mode, spec.EffectivePreset));
        Assert.Equal((TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30), 3), (spec.Federation.CollectTimeout, spec.Federation.EvaluateTimeout, spec.Federation.MaxAttempts));
        Assert.False(spec.Persistence.Enabled);
        Assert.Empty(spec.Faults.Schedule);
    }

    [Fact]
    public void The_demo_experiment_spells_out_reference_confs_defaults()
    {
        var demo = FederationSpecBinder.Load(RepositoryFiles.Path("experiments", "wdbc-4-hospitals.conf")).Spec;

        // The same federation as reference.conf's, but for its name and description, and the quorum and preset it states (auto's values).
        Assert.Equal(FederationSpecWriter.Write(FederationSpec.Default.WithQuorum(3) with
            {
                Crypto = FederationSpec.Default.Crypto with { Preset = "Params128BitLogN12LogQ60Aggregation" },
                Experiment = demo.Experiment,
                Data = FederationSpec.Default.Data with { File = demo.Data.File },
            }),
            FederationSpecWriter.Write(demo));
    }

    [Fact]
    public void The_Dirichlet_spec_skews_eight_hospitals_and_schedules_a_killed_hospital()
    {
        var spec = FederationSpecBinder.Load(RepositoryFiles.Path("experiments", "wdbc-dirichlet-8-hospitals.conf")).Spec;

        Assert.Equal((8, PartitionScheme.Dirichlet, 0.5, (int?)6), (spec.Federation.Hospitals, spec.Data.Partition, spec.Data.Alpha, spec.Federation.Quorum));
        Assert.Equal(0.01, spec.Training.ProximalMu);
        Assert.Equal(new SimulatedFault(5, FaultMoment.RoundStarted, FaultKind.KillHospital, "hospital-3"), Assert.Single(spec.Faults.Schedule));
    }

    [Fact]
    public void The_MLP_spec_builds_a_two_hidden_layer_network_trained_with_Adam()
    {
        var spec = FederationSpecBinder.Load(RepositoryFiles.Path("experiments", "wdbc-mlp.conf")).Spec;

        Assert.Equal(ModelSpec.Mlp(16, 8), spec.Training.Model);
        Assert.Equal(OptimizerKind.Adam, spec.Training.Optimizer);
    }

    [Fact]
    public void Each_value_says_whether_it_came_from_reference_conf_the_file_and_line_or_the_command_line()
    {
        var path = RepositoryFiles.Path("experiments", "wdbc-dirichlet-8-hospitals.conf");
        var hospitalsLine = Array.FindIndex(File.ReadAllLines(path), line => line.Trim() == "hospitals = 8") + 1;

        var bound = FederationSpecBinder.Load(path, [new SpecOverride(FederationSpecKeys.Epochs, "3", "--epochs")]);

        Assert.Equal(3, bound.Spec.Training.Epochs);
        Assert.Equal($"{path}:{hospitalsLine}", bound.Origins[FederationSpecKeys.Hospitals].ToString());
        Assert.Equal("command line (--epochs)", bound.Origins[FederationSpecKeys.Epochs].ToString());
        Assert.Equal(SpecSourceKind.Reference, bound.Origins[FederationSpecKeys.BatchSize].Source.Kind);
        Assert.Matches(@"^default \(reference\.conf:\d+\)$", bound.Origins[FederationSpecKeys.BatchSize].ToString());
        var referenceLine = FederationConfig.ReferenceText.Split('\n')[bound.Origins[FederationSpecKeys.BatchSize].Line!.Value - 1];
        Assert.Equal("batch-size = 16", referenceLine.Trim());
    }

    [Fact]
    public void A_written_spec_binds_back_to_the_same_spec()
    {
        var spec = Bind(add:
        [
            "fedhe.data.partition { scheme = dirichlet, alpha = 0.3 }",
            "fedhe.training { model = mlp, hidden-layers = [8], epochs = 3, optimizer = adam, learning-rate = 0.01, proximal-mu = 0.1 }",
            "fedhe.federation { quorum = 2, collect-timeout = 12s, evaluate-timeout = 1500ms }",
            "fedhe.crypto { mode = threshold, threshold = 3 }",
            "fedhe.persistence { enabled = on, sqlite-path = \"a \\\"quoted\\\" path.db\" }",
            "fedhe.faults.schedule = [ { at-round = 2, moment = aggregate-distributed, kind = kill-hospital, target = hospital-1 },",
            "  { at-round = 1, kind = drop-messages, target = hospital-1, peer = aggregator, fraction = 0.25, duration = 1500ms },",
            "  { at-round = 3, kind = slow-hospital, target = hospital-2, delay = 2s } ]",
            "fedhe.privacy { mode = distributed, noise-multiplier = 0.8, clip-norm = 2, target-epsilon = 20, delta = 1e-6, grid-bits = 14 }",
        ]);

        var written = FederationSpecWriter.Write(spec);
        var reread = FederationSpecBinder.Bind([FederationSpecBinder.ParseText(written, SpecPath)]).Spec;

        Assert.Equal(written, FederationSpecWriter.Write(reread));
        Assert.Equal(spec.Faults.Schedule, reread.Faults.Schedule);
        Assert.Equal(spec with { Faults = reread.Faults }, reread);
    }

    [Fact]
    public void With_copies_validate_what_depends_on_other_keys()
    {
        var error = Assert.Throws<FederationSpecException>(() => FederationSpec.Default.WithQuorum(3).WithHospitals(2));

        Assert.Equal(FederationSpecKeys.Quorum, error.Key);
        Assert.Equal((2, 1), (FederationSpec.Default.WithHospitals(2).Federation.Hospitals, FederationSpec.Default.WithHospitals(2).EffectiveQuorum));
    }

    [Fact]
    public void The_actors_settings_come_from_the_spec()
    {
        var spec = FederationSpec.Default.WithHospitals(5).WithCrypto(FederationSpec.Default.Crypto with { Mode = KeyMode.Threshold });

        var settings = spec.ToFederationSettings();

        Assert.Equal((KeyMode.Threshold, 5, 4, 3, "Params128BitLogN13LogQ108SeededThreshold"),
            (settings.Mode, settings.MinHospitals, settings.Quorum, settings.Threshold, settings.CryptoPreset));
        Assert.Equal(settings, FederationSettings.Create(Akka.Configuration.ConfigurationFactory.ParseString(FederationSpecWriter.Write(spec))));
    }

    [Fact]
    public void The_seeded_threshold_preset_needs_sums_of_two_updates_so_its_automatic_quorum_is_at_least_two_and_a_quorum_of_one_is_refused()
    {
        var threshold = FederationSpec.Default.Crypto with { Mode = KeyMode.Threshold };
        Assert.Equal(2, FederationSpec.Default.WithHospitals(2).WithCrypto(threshold).EffectiveQuorum);
        Assert.Equal(1, FederationSpec.Default.WithHospitals(2).WithCrypto(threshold with { Preset = "Params128BitLogN13LogQ160Threshold" }).EffectiveQuorum);

        var error = Assert.Throws<FederationSpecException>(() => FederationSpec.Default.WithHospitals(3).WithQuorum(1).WithCrypto(threshold));

        Assert.Equal("fedhe.federation.quorum", error.Key);
        Assert.Contains("decrypts only sums of at least 2 updates", error.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("fedhe.federation.hospitals = 0", "fedhe.federation.hospitals")]
    [InlineData("fedhe.federation.hospitals = four", "fedhe.federation.hospitals")]
    [InlineData("fedhe.federation.rounds = 2.5", "fedhe.federation.rounds")]
    [InlineData("fedhe.federation.hospitals { count = 4 }", "fedhe.federation.hospitals")]
    [InlineData("fedhe.data.partition.scheme = zipf", "fedhe.data.partition.scheme")]
    [InlineData("fedhe.data.partition.alpha = 0", "fedhe.data.partition.alpha")]
    [InlineData("fedhe.data.file = \"no/such/file.csv\"", "fedhe.data.file")]
    [InlineData("fedhe.data.test-fraction = 1", "fedhe.data.test-fraction")]
    [InlineData("fedhe.training.model = transformer", "fedhe.training.model")]
    [InlineData("fedhe.training.model = mlp", "fedhe.training.hidden-layers")]
    [InlineData("fedhe.training.hidden-layers = [16, 0]\nfedhe.training.model = mlp", "fedhe.training.hidden-layers")]
    [InlineData("fedhe.training.hidden-layers = [16]", "fedhe.training.hidden-layers")]
    [InlineData("fedhe.training.epochs = 0", "fedhe.training.epochs")]
    [InlineData("fedhe.training.batch-size = -3", "fedhe.training.batch-size")]
    [InlineData("fedhe.training.optimizer = rmsprop", "fedhe.training.optimizer")]
    [InlineData("fedhe.training.learning-rate = -0.1", "fedhe.training.learning-rate")]
    [InlineData("fedhe.training.proximal-mu = -1", "fedhe.training.proximal-mu")]
    [InlineData("fedhe.training.learning_rate = 0.1", "fedhe.training.learning_rate")]
    [InlineData("fedhe.trainin { epochs = 3 }", "fedhe.trainin")]
    [InlineData("hospitals = 4", "hospitals")]
    [InlineData("fedhe.federation.min-hospitals = 4", "fedhe.federation.min-hospitals")]
    [InlineData("fedhe.federation.mode = threshold", "fedhe.federation.mode")]
    [InlineData("fedhe.crypto.mode = homomorphic", "fedhe.crypto.mode")]
    [InlineData("fedhe.crypto.preset = Params64Bit", "fedhe.crypto.preset")]
    [InlineData("fedhe.crypto.threshold = 2", "fedhe.crypto.threshold")]
    [InlineData("fedhe.federation.quorum = 5", "fedhe.federation.quorum")]
    [InlineData("fedhe.federation.collect-timeout = soon", "fedhe.federation.collect-timeout")]
    [InlineData("fedhe.federation.max-attempts = 0", "fedhe.federation.max-attempts")]
    [InlineData("fedhe.persistence.enabled = maybe", "fedhe.persistence.enabled")]
    [InlineData("fedhe.experiment.name = \"my run/../../etc\"", "fedhe.experiment.name")]
    [InlineData("fedhe.faults.schedule = 3", "fedhe.faults.schedule")]
    [InlineData("fedhe.faults.schedule = [ 3 ]", "fedhe.faults.schedule[0]")]
    [InlineData("fedhe.faults.schedule = [ { kind = kill-hospital, target = hospital-1 } ]", "fedhe.faults.schedule[0].at-round")]
    [InlineData("fedhe.faults.schedule = [ { at-round = 9, kind = kill-hospital, target = hospital-1 } ]", "fedhe.faults.schedule[0].at-round")]
    [InlineData("fedhe.faults.schedule = [ { at-round = 1, kind = meteor-strike, target = hospital-1 } ]", "fedhe.faults.schedule[0].kind")]
    [InlineData("fedhe.faults.schedule = [ { at-round = 1, kind = kill-hospital } ]", "fedhe.faults.schedule[0].target")]
    [InlineData("fedhe.faults.schedule = [ { at-round = 1, kind = kill-hospital, target = hospital-9 } ]", "fedhe.faults.schedule[0].target")]
    [InlineData("fedhe.faults.schedule = [ { at-round = 1, kind = kill-hospital, target = aggregator } ]", "fedhe.faults.schedule[0].target")]
    [InlineData("fedhe.faults.schedule = [ { at-round = 1, moment = lunchtime, kind = kill-hospital, target = hospital-1 } ]", "fedhe.faults.schedule[0].moment")]
    [InlineData("fedhe.faults.schedule = [ {}, { at-round = 1, kind = kill-hospital, target = hospital-1, when = dawn } ]", "fedhe.faults.schedule[0].at-round")]
    [InlineData("fedhe.faults.schedule = [ { at-round = 1, kind = kill-hospital, target = hospital-1, when = dawn } ]", "fedhe.faults.schedule[0].when")]
    [InlineData("fedhe.faults.schedule = [ { at-round = 1, kind = drop-messages, target = all } ]", "fedhe.faults.schedule[0].fraction")]
    [InlineData("fedhe.faults.schedule = [ { at-round = 1, kind = drop-messages, target = all, fraction = 1.5 } ]", "fedhe.faults.schedule[0].fraction")]
    [InlineData("fedhe.faults.schedule = [ { at-round = 1, kind = drop-messages, target = all, peer = hospital-1, fraction = 0.1 } ]", "fedhe.faults.schedule[0].peer")]
    [InlineData("fedhe.faults.schedule = [ { at-round = 1, kind = drop-messages, target = hospital-1, peer = hospital-1, fraction = 0.1 } ]", "fedhe.faults.schedule[0].peer")]
    [InlineData("fedhe.faults.schedule = [ { at-round = 1, kind = drop-messages, target = hospital-1, peer = hospital-7, fraction = 0.1 } ]", "fedhe.faults.schedule[0].peer")]
    [InlineData("fedhe.faults.schedule = [ { at-round = 1, kind = partition-node, target = hospital-1 } ]", "fedhe.faults.schedule[0].duration")]
    [InlineData("fedhe.faults.schedule = [ { at-round = 1, kind = partition-node, target = all, duration = 5s } ]", "fedhe.faults.schedule[0].target")]
    [InlineData("fedhe.faults.schedule = [ { at-round = 1, kind = delay-messages, target = hospital-1 } ]", "fedhe.faults.schedule[0].bytes-per-second")]
    [InlineData("fedhe.faults.schedule = [ { at-round = 1, kind = slow-hospital, target = hospital-1 } ]", "fedhe.faults.schedule[0].delay")]
    [InlineData("fedhe.faults.schedule = [ { at-round = 1, kind = slow-hospital, target = aggregator, delay = 2s } ]", "fedhe.faults.schedule[0].target")]
    [InlineData("fedhe.faults.schedule = [ { at-round = 1, kind = kill-hospital, target = hospital-1, duration = 2s } ]", "fedhe.faults.schedule[0].duration")]
    [InlineData("fedhe.privacy.mode = central", "fedhe.privacy.mode")]
    [InlineData("fedhe.privacy { mode = local, noise-multiplier = 0 }", "fedhe.privacy.noise-multiplier")]
    [InlineData("fedhe.privacy { mode = distributed, noise-multiplier = -1 }", "fedhe.privacy.noise-multiplier")]
    [InlineData("fedhe.privacy.noise-multiplier = plenty", "fedhe.privacy.noise-multiplier")]
    [InlineData("fedhe.privacy.clip-norm = 0", "fedhe.privacy.clip-norm")]
    [InlineData("fedhe.privacy.sampling-rate = 1.5", "fedhe.privacy.sampling-rate")]
    [InlineData("fedhe.privacy { mode = local, sampling-rate = 1e-9 }", "fedhe.privacy.sampling-rate")]
    [InlineData("fedhe.privacy.target-epsilon = 0", "fedhe.privacy.target-epsilon")]
    [InlineData("fedhe.privacy.delta = 1", "fedhe.privacy.delta")]
    [InlineData("fedhe.privacy.delta = 0", "fedhe.privacy.delta")]
    [InlineData("fedhe.privacy.grid-bits = 30", "fedhe.privacy.grid-bits")]
    [InlineData("fedhe.privacy { mode = distributed, clip-norm = 0.01, grid-bits = 16 }", "fedhe.privacy.grid-bits")]
    [InlineData("fedhe.privacy.epsilon = 3", "fedhe.privacy.epsilon")]
    public void A_malformed_key_is_named_with_its_file_and_line(string line, string key)
    {
        var error = Assert.Throws<FederationSpecException>(() => Bind(add: [line]));

        Assert.Equal(SpecPath, error.FilePath);
        Assert.Equal(key, error.Key);
        // The added line is the file's fourth.
        Assert.Equal(SmallSpec.Length + 1, error.Line);
        Assert.StartsWith($"{SpecPath}:{SmallSpec.Length + 1}: {key}: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Privacy_is_off_by_default_and_each_mode_becomes_what_hospitals_and_the_coordinator_run()
    {
        Assert.Equal(PrivacyMode.None, FederationSpec.Default.Privacy.Mode);
        Assert.Null(FederationSpec.Default.ToFederationSettings().PrivacyBudget);
        Assert.Null(FederationSpec.Default.DpSgdOptions);
        Assert.Null(FederationSpec.Default.DistributedNoise);

        var local = Bind(add: ["fedhe.privacy { mode = local, noise-multiplier = 1.1, sampling-rate = 0.05, target-epsilon = 3, delta = 1e-5 }"]);
        // Local mode: reference.conf's 2 epochs at q = 0.05 are ceil(2 / 0.05) = 40 DP-SGD steps a round.
        Assert.Equal((1.1, 1.0, 0.05, 40), (local.DpSgdOptions!.NoiseMultiplier, local.DpSgdOptions.ClipNorm, local.DpSgdOptions.SamplingRate, local.DpSgdOptions.Steps));
        var plan = local.ToFederationSettings().PrivacyBudget!;
        Assert.Equal("one patient record", plan.ProtectedUnit);
        Assert.Equal(new FederatedHe.Privacy.Accounting.RdpAccountant().Compose(0.05, 1.1, 80).Epsilon(1e-5).Epsilon, plan.EpsilonAfter(2), 12);
        Assert.Equal(3, plan.TargetEpsilon);

        var distributed = Bind(add: ["fedhe.privacy { mode = distributed, noise-multiplier = 2, clip-norm = 0.5 }"]);
        // Four hospitals with the quorum of three: the noise is over-provisioned for one dropout.
        Assert.Equal(new FederatedHe.Training.Federation.DistributedNoiseSettings(4, 1, 2, 0.5, 16), distributed.DistributedNoise);
        Assert.Equal("one hospital's whole contribution", distributed.ToFederationSettings().PrivacyBudget!.ProtectedUnit);
        Assert.Null(distributed.DpSgdOptions);
    }

    [Fact]
    public void Spec_show_describes_every_privacy_key_and_which_mode_uses_it()
    {
        var local = Bind(add: ["fedhe.privacy { mode = local }"]);

        Assert.Equal("local", FederationSpecWriter.Describe(local, FederationSpecKeys.PrivacyMode));
        Assert.Equal("0.05 (40 DP-SGD steps per round: ceil(epochs / sampling-rate))", FederationSpecWriter.Describe(local, FederationSpecKeys.SamplingRate));
        Assert.Equal("1 (unused with privacy mode none)", FederationSpecWriter.Describe(FederationSpec.Default, FederationSpecKeys.NoiseMultiplier));
        Assert.Equal("0.05 (unused with privacy mode distributed)",
            FederationSpecWriter.Describe(Bind(add: ["fedhe.privacy.mode = distributed"]), FederationSpecKeys.SamplingRate));
    }

    [Fact]
    public void A_moved_key_says_where_it_lives_now()
    {
        var error = Assert.Throws<FederationSpecException>(() => Bind(add: ["fedhe.federation.min-hospitals = 4"]));

        Assert.Contains("fedhe.federation.hospitals", error.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("fedhe {\n  federation.seed = 7\n  data {\n    file = \"data/wdbc.csv\"\n  partition.scheme = iid\n}\n", 3, "'data {' is never closed")]
    [InlineData("fedhe.data {\n  file = \"data/wdbc.csv\"\nfedhe.federation.rounds = 3\n", 1, "'data {' is never closed")]
    [InlineData("fedhe.faults.schedule = [\n  { at-round = 1, kind = kill-hospital, target = hospital-1 }\n", 1, "'schedule = [' is never closed")]
    [InlineData("fedhe.federation.rounds = 3\n}\n", 2, "'}' closes nothing that is open")]
    public void An_unclosed_section_is_named_by_the_line_that_opens_it_not_reported_as_a_missing_key(string text, int line, string problem)
    {
        var error = Assert.Throws<FederationSpecException>(() => FederationSpecBinder.ParseText(text, SpecPath));

        Assert.Equal((SpecPath, (int?)line, (string?)null), (error.FilePath, error.Line, error.Key));
        Assert.StartsWith(problem, error.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("fedhe.federation.seed = 7\nfedhe.experiment.name = \"unclosed\nfedhe.federation.hospitals = 4", 2)]
    [InlineData("fedhe.federation.seed = 7 # a \"quoted\" comment\nfedhe.experiment.description = \"\"\"never\nclosed", 2)]
    [InlineData("fedhe.experiment.description = \"ends in \\\"", 1)]
    public void An_unclosed_string_is_reported_against_the_file_and_line(string text, int line)
    {
        // Akka's HOCON tokenizer would never return on these.
        var error = Assert.Throws<FederationSpecException>(() => FederationSpecBinder.ParseText(text, SpecPath));

        Assert.Equal($"{SpecPath}:{line}: a quoted string is not closed", error.Message);
    }

    [Fact]
    public void HOCON_that_cannot_be_resolved_is_reported_against_the_file()
    {
        var error = Assert.Throws<FederationSpecException>(() => FederationSpecBinder.ParseText("fedhe.federation.hospitals = ${no.such.key}", SpecPath));

        Assert.Equal((SpecPath, (string?)null), (error.FilePath, error.Key));
    }

    [Fact]
    public void A_missing_spec_file_is_reported_by_path()
    {
        var error = Assert.Throws<FederationSpecException>(() => FederationSpecBinder.Load("experiments/no-such-spec.conf"));

        Assert.Equal("experiments/no-such-spec.conf", error.FilePath);
        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_command_line_override_names_its_option()
    {
        var error = Assert.Throws<FederationSpecException>(() =>
            FederationSpecBinder.Load(null, [new SpecOverride(FederationSpecKeys.Epochs, "-1", "--epochs")]));

        Assert.Equal("command line (--epochs): fedhe.training.epochs: must be between 1 and 10000, got -1", error.Message);
    }

    [Fact]
    public void A_node_files_akka_settings_pass_through_to_the_node()
    {
        var bound = FederationSpecBinder.Load(RepositoryFiles.Path("hocon", "aggregator.conf"));

        Assert.Equal(4053, bound.NodeConfig.GetInt("akka.remote.dot-netty.tcp.port"));
        Assert.True(bound.Spec.Persistence.Enabled);
    }

    private static FederationSpec Bind(string[]? add = null) =>
        FederationSpecBinder.Bind([FederationSpecBinder.ParseText(string.Join('\n', SmallSpec.Concat(add ?? [])), SpecPath, RepositoryFiles.Root)]).Spec;
}
