using System.Globalization;
using System.Text;
using FederatedHe.Actors.Configuration;
using FederatedHe.Host.Hosting;
using FederatedHe.Host.Simulation;
using FederatedHe.Training.Local;
using FederatedHe.Training.Models;

namespace FederatedHe.Host.Experiments;

/// <summary>Writes simulation options as an experiment spec, so a `fedhe simulate --out` run can be repeated with `fedhe experiment run`.</summary>
public static class ExperimentSpecWriter
{
    /// <summary>The spec (HOCON) equivalent to <paramref name="options"/>.</summary>
    public static string FromOptions(SimulationOptions options, string name)
    {
        var dataPath = string.IsNullOrEmpty(options.DataPath) ? ProjectFiles.DefaultDataPath : Path.GetFullPath(options.DataPath);
        var text = new StringBuilder();
        void Line(FormattableString line) => text.Append(line.ToString(CultureInfo.InvariantCulture)).Append('\n');

        Line($"# Written by fedhe for run '{name}'; `fedhe experiment run` repeats it.");
        Line($"name = {HoconText.Quote(name)}");
        Line($"seed = {options.Seed}");
        Line($"hospitals = {options.Hospitals}");
        Line($"rounds = {options.Rounds}");
        Line($"data {{ path = {HoconText.Quote(dataPath)}, test-fraction = {options.TestFraction} }}");
        var scheme = options.Partition switch
        {
            PartitionScheme.Dirichlet => "dirichlet",
            PartitionScheme.QuantitySkewed => "quantity",
            _ => "iid",
        };
        Line($"partition {{ scheme = {scheme}, alpha = {options.Alpha} }}");
        Line(options.Model is MlpSpec mlp
            ? $"model {{ kind = mlp, hidden-layers = [{string.Join(", ", mlp.HiddenLayerSizes)}] }}"
            : (FormattableString)$"model {{ kind = logistic-regression }}");
        var training = options.Training;
        Line($"training {{ epochs = {training.Epochs}, batch-size = {training.BatchSize}, optimizer = {(training.Optimizer == OptimizerKind.Adam ? "adam" : "sgd")}, learning-rate = {training.LearningRate}, proximal-mu = {training.ProximalMu} }}");
        var threshold = options.Mode == KeyMode.Threshold ? $", threshold = {options.EffectiveThreshold}" : string.Empty;
        Line($"encryption {{ mode = {(options.Mode == KeyMode.Threshold ? "threshold" : "shared-key")}, preset = {HoconText.Quote(options.EffectiveCryptoPreset)}{threshold} }}");
        Line($"federation {{ quorum = {options.EffectiveQuorum}, collect-timeout = {(long)options.CollectTimeout.TotalMilliseconds}ms }}");
        text.Append("faults = [");
        text.AppendJoin(", ", options.Faults.Select(f =>
            $"{{ at-round = {f.Round}, moment = {FaultNames.Name(f.Moment)}, kind = {FaultNames.Name(f.Kind)}, target = {f.Target}{FaultNames.Parameters(f, " = ", ", ")} }}"));
        text.Append("]\n");
        return text.ToString();
    }
}
