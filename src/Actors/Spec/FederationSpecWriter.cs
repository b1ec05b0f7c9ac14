using System.Globalization;
using System.Text;
using FederatedHe.Actors.Configuration;
using FederatedHe.Training.Data;
using FederatedHe.Training.Local;
using FederatedHe.Training.Models;

namespace FederatedHe.Actors.Spec;

/// <summary>
/// The one writer from <see cref="FederationSpec"/> to HOCON: every key, so that the text binds back to the same spec
/// whatever reference.conf says. `fedhe cluster up` writes it once for all its nodes; run reports keep it beside the results.
/// </summary>
public static class FederationSpecWriter
{
    /// <summary>The spec as a complete HOCON text under <c>fedhe { … }</c>.</summary>
    public static string Write(FederationSpec spec, string? header = null)
    {
        var text = new StringBuilder();
        void Line(string line) => text.Append(line).Append('\n');
        if (header is not null)
        {
            foreach (var line in header.Split('\n'))
                Line("# " + line);
        }

        var f = spec.Federation;
        var c = spec.Crypto;
        var t = spec.Training;
        var d = spec.Data;
        Line("fedhe {");
        Line($"  experiment {{ name = {Quote(spec.Experiment.Name)}, description = {Quote(spec.Experiment.Description)}, "
             + $"centralised-baseline-max-epochs = {Int(spec.Experiment.CentralisedBaselineMaxEpochs)} }}");
        Line("  federation {");
        Line($"    hospitals = {Int(f.Hospitals)}");
        Line($"    rounds = {Int(f.Rounds)}");
        Line($"    quorum = {Auto(f.Quorum)}");
        Line($"    registration-timeout = {Duration(f.RegistrationTimeout)}");
        Line($"    collect-timeout = {Duration(f.CollectTimeout)}");
        Line($"    evaluate-timeout = {Duration(f.EvaluateTimeout)}");
        Line($"    max-attempts = {Int(f.MaxAttempts)}");
        Line($"    fraction-fit = {f.FractionFit.ToString("R", CultureInfo.InvariantCulture)}");
        Line($"    seed = {Int(f.Seed)}");
        Line("  }");
        Line("  crypto {");
        Line($"    mode = {ModeName(c.Mode)}");
        Line($"    threshold = {Auto(c.Threshold)}");
        Line($"    preset = {(c.Preset is null ? "auto" : Quote(c.Preset))}");
        Line($"    pool-size = {Int(c.PoolSize)}");
        Line("  }");
        Line("  training {");
        Line($"    model = {(t.Model is MlpSpec ? "mlp" : "logistic-regression")}");
        Line($"    hidden-layers = [{(t.Model is MlpSpec mlp ? string.Join(", ", mlp.HiddenLayerSizes.Select(Int)) : string.Empty)}]");
        Line($"    epochs = {Int(t.Epochs)}");
        Line($"    batch-size = {Int(t.BatchSize)}");
        Line($"    optimizer = {(t.Optimizer == OptimizerKind.Adam ? "adam" : "sgd")}");
        Line($"    learning-rate = {Double(t.LearningRate)}");
        Line($"    proximal-mu = {Double(t.ProximalMu)}");
        Line("  }");
        Line("  data {");
        Line($"    file = {Quote(d.File)}");
        Line($"    label-column = {(d.LabelColumn is null ? "auto" : Quote(d.LabelColumn))}");
        Line($"    test-fraction = {Double(d.TestFraction)}");
        Line($"    partition {{ scheme = {SchemeName(d.Partition)}, alpha = {Double(d.Alpha)} }}");
        Line($"    hospitals = [{string.Join(", ", d.HospitalFiles.Select(Quote))}]");
        Line($"    test = {Quote(d.TestFile)}");
        Line("  }");
        Line($"  hospital {{ data = {Quote(spec.Hospital.DataFile)}, index = {Auto(spec.Hospital.Index)}, model-directory = {Quote(spec.Hospital.ModelDirectory)} }}");
        Line("  persistence {");
        Line($"    enabled = {(spec.Persistence.Enabled ? "on" : "off")}");
        Line($"    sqlite-path = {Quote(spec.Persistence.SqlitePath)}");
        Line($"    hospital-directory = {Quote(spec.Persistence.HospitalDirectory)}");
        Line("  }");
        Line("  transfer {");
        Line($"    max-chunks-per-vector = {Int(spec.Transfer.MaxChunksPerVector)}");
        Line($"    max-open-vectors = {Int(spec.Transfer.MaxOpenVectors)}");
        Line($"    max-open-vectors-per-participant = {Int(spec.Transfer.MaxOpenVectorsPerParticipant)}");
        Line("  }");
        Line("  faults {");
        Line($"    training-delay = {Duration(spec.Faults.TrainingDelay)}");
        if (spec.Faults.Schedule.Count == 0)
        {
            Line("    schedule = []");
        }
        else
        {
            Line("    schedule = [");
            foreach (var fault in spec.Faults.Schedule)
                Line($"      {{ at-round = {Int(fault.Round)}, moment = {FaultNames.Name(fault.Moment)}, kind = {FaultNames.Name(fault.Kind)}, target = {Quote(fault.Target)}{FaultNames.Parameters(fault, " = ", ", ")} }}");
            Line("    ]");
        }

        Line("  }");
        var p = spec.Privacy;
        Line("  privacy {");
        Line($"    mode = {PrivacyModeName(p.Mode)}");
        Line($"    noise-multiplier = {Double(p.NoiseMultiplier)}");
        Line($"    clip-norm = {Double(p.ClipNorm)}");
        Line($"    sampling-rate = {Double(p.SamplingRate)}");
        Line($"    target-epsilon = {Double(p.TargetEpsilon)}");
        Line($"    delta = {Double(p.Delta)}");
        Line($"    grid-bits = {Int(p.GridBits)}");
        Line("  }");
        Line("}");
        return text.ToString();
    }

    /// <summary>The spec's value of one key as <c>fedhe spec show</c> prints it, with derived (auto) values resolved.</summary>
    public static string Describe(FederationSpec spec, string key) => key switch
    {
        FederationSpecKeys.Name => spec.Experiment.Name,
        FederationSpecKeys.Description => spec.Experiment.Description,
        FederationSpecKeys.CentralisedBaselineMaxEpochs => Int(spec.Experiment.CentralisedBaselineMaxEpochs),
        FederationSpecKeys.Hospitals => Int(spec.Federation.Hospitals),
        FederationSpecKeys.Rounds => Int(spec.Federation.Rounds),
        FederationSpecKeys.Quorum => spec.Federation.Quorum is null ? $"{Int(spec.EffectiveQuorum)} (auto: hospitals - 1)" : Int(spec.EffectiveQuorum),
        FederationSpecKeys.RegistrationTimeout => Duration(spec.Federation.RegistrationTimeout),
        FederationSpecKeys.CollectTimeout => Duration(spec.Federation.CollectTimeout),
        FederationSpecKeys.EvaluateTimeout => Duration(spec.Federation.EvaluateTimeout),
        FederationSpecKeys.MaxAttempts => Int(spec.Federation.MaxAttempts),
        FederationSpecKeys.FractionFit => spec.Federation.FractionFit.ToString("R", CultureInfo.InvariantCulture),
        FederationSpecKeys.Seed => Int(spec.Federation.Seed),
        FederationSpecKeys.Mode => ModeName(spec.Crypto.Mode),
        FederationSpecKeys.Threshold => spec.Crypto.Mode != KeyMode.Threshold ? "(shared-key mode)"
            : spec.Crypto.Threshold is null ? $"{Int(spec.EffectiveThreshold)} (auto: a majority)" : Int(spec.EffectiveThreshold),
        FederationSpecKeys.CryptoPreset => spec.Crypto.Preset is null ? $"{spec.EffectivePreset} (auto)" : spec.EffectivePreset,
        FederationSpecKeys.PoolSize => spec.Crypto.PoolSize == 0 ? "0 (one per core)" : Int(spec.Crypto.PoolSize),
        FederationSpecKeys.Model => spec.Training.Model is MlpSpec ? "mlp" : "logistic-regression",
        FederationSpecKeys.HiddenLayers => spec.Training.Model is MlpSpec m ? $"[{string.Join(", ", m.HiddenLayerSizes.Select(Int))}]" : "[]",
        FederationSpecKeys.Epochs => Int(spec.Training.Epochs),
        FederationSpecKeys.BatchSize => Int(spec.Training.BatchSize),
        FederationSpecKeys.Optimizer => spec.Training.Optimizer == OptimizerKind.Adam ? "adam" : "sgd",
        FederationSpecKeys.LearningRate => Double(spec.Training.LearningRate),
        FederationSpecKeys.ProximalMu => Double(spec.Training.ProximalMu),
        FederationSpecKeys.DataFile => spec.Data.File,
        FederationSpecKeys.LabelColumn => spec.Data.LabelColumn ?? "auto (diagnosis or diagnostic)",
        FederationSpecKeys.TestFraction => Double(spec.Data.TestFraction),
        FederationSpecKeys.PartitionScheme => SchemeName(spec.Data.Partition),
        FederationSpecKeys.PartitionAlpha => Double(spec.Data.Alpha),
        FederationSpecKeys.HospitalFiles => spec.Data.HasHospitalFiles ? $"[{string.Join(", ", spec.Data.HospitalFiles)}]" : "[] (shares of fedhe.data.file)",
        FederationSpecKeys.TestData => spec.Data.TestFile.Length > 0 ? spec.Data.TestFile
            : spec.Data.HasHospitalFiles ? "(each hospital holds out test-fraction of its own file)" : "(held out of fedhe.data.file by test-fraction)",
        FederationSpecKeys.ModelDirectory => spec.Hospital.ModelDirectory.Length > 0 ? spec.Hospital.ModelDirectory
            : $"{spec.Persistence.HospitalDirectory} (fedhe.persistence.hospital-directory)",
        FederationSpecKeys.HospitalData => spec.Hospital.DataFile.Length == 0 ? "(its share of fedhe.data)" : spec.Hospital.DataFile,
        FederationSpecKeys.HospitalIndex => spec.Hospital.Index is { } index ? Int(index) : "auto (k - 1 for hospital-k)",
        FederationSpecKeys.PersistenceEnabled => spec.Persistence.Enabled ? "on" : "off",
        FederationSpecKeys.SqlitePath => spec.Persistence.SqlitePath,
        FederationSpecKeys.HospitalDirectory => spec.Persistence.HospitalDirectory,
        FederationSpecKeys.MaxChunksPerVector => Int(spec.Transfer.MaxChunksPerVector),
        FederationSpecKeys.MaxOpenVectors => Int(spec.Transfer.MaxOpenVectors),
        FederationSpecKeys.MaxOpenVectorsPerParticipant => Int(spec.Transfer.MaxOpenVectorsPerParticipant),
        FederationSpecKeys.TrainingDelay => Duration(spec.Faults.TrainingDelay),
        FederationSpecKeys.FaultSchedule => spec.Faults.Schedule.Count == 0 ? "[] (none)" : string.Join("; ", spec.Faults.Schedule.Select(FaultNames.Describe)),
        FederationSpecKeys.PrivacyMode => PrivacyModeName(spec.Privacy.Mode),
        FederationSpecKeys.NoiseMultiplier => Double(spec.Privacy.NoiseMultiplier) + PrivacyUnused(spec, PrivacyMode.Local, PrivacyMode.Distributed),
        FederationSpecKeys.ClipNorm => Double(spec.Privacy.ClipNorm) + PrivacyUnused(spec, PrivacyMode.Local, PrivacyMode.Distributed),
        FederationSpecKeys.SamplingRate => spec.DpSgdOptions is { } dp
            ? $"{Double(spec.Privacy.SamplingRate)} ({dp.Steps} DP-SGD steps per round: ceil(epochs / sampling-rate))"
            : Double(spec.Privacy.SamplingRate) + PrivacyUnused(spec, PrivacyMode.Local),
        FederationSpecKeys.TargetEpsilon => Double(spec.Privacy.TargetEpsilon) + PrivacyUnused(spec, PrivacyMode.Local, PrivacyMode.Distributed),
        FederationSpecKeys.Delta => Double(spec.Privacy.Delta) + PrivacyUnused(spec, PrivacyMode.Local, PrivacyMode.Distributed),
        FederationSpecKeys.GridBits => Int(spec.Privacy.GridBits) + PrivacyUnused(spec, PrivacyMode.Local, PrivacyMode.Distributed),
        _ => throw new ArgumentOutOfRangeException(nameof(key), key, "not a spec key"),
    };

    /// <summary>The spec name of a privacy mode.</summary>
    public static string PrivacyModeName(PrivacyMode mode) => mode switch
    {
        PrivacyMode.Local => "local",
        PrivacyMode.Distributed => "distributed",
        _ => "none",
    };

    private static string PrivacyUnused(FederationSpec spec, params PrivacyMode[] usedIn) =>
        usedIn.Contains(spec.Privacy.Mode) ? string.Empty : $" (unused with privacy mode {PrivacyModeName(spec.Privacy.Mode)})";

    /// <summary>The spec name of a partition scheme.</summary>
    public static string SchemeName(PartitionScheme scheme) => scheme switch
    {
        PartitionScheme.Dirichlet => "dirichlet",
        PartitionScheme.QuantitySkewed => "quantity",
        _ => "iid",
    };

    /// <summary>A HOCON quoted string holding <paramref name="value"/> exactly (backslashes and quotes escaped).</summary>
    public static string Quote(string value) =>
        "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)
            .Replace("\n", "\\n", StringComparison.Ordinal) + "\"";

    /// <summary>The spec's spelling of a crypto mode.</summary>
    public static string ModeName(KeyMode mode) => mode switch
    {
        KeyMode.Threshold => "threshold",
        KeyMode.InsecurePlaintext => "insecure-plaintext",
        _ => "shared-key",
    };

    private static string Auto(int? value) => value is { } v ? Int(v) : "auto";

    private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Double(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Duration(TimeSpan span)
    {
        var milliseconds = (long)span.TotalMilliseconds;
        return milliseconds % 1000 == 0 && milliseconds != 0
            ? (milliseconds / 1000).ToString(CultureInfo.InvariantCulture) + "s"
            : milliseconds.ToString(CultureInfo.InvariantCulture) + "ms";
    }
}
