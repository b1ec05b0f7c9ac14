using Akka.Configuration;
using FederatedHe.Actors.Configuration;
using FederatedHe.Host.Simulation;
using FederatedHe.Training.Local;
using FederatedHe.Training.Models;

namespace FederatedHe.Host.Experiments;

/// <summary>
/// One experiment, as read from a HOCON spec (see <c>experiments/*.conf</c>): the data and its partition,
/// hospitals, model, local training, rounds, CKKS, round policy, seed and a fault schedule.
/// Built only by <see cref="ExperimentSpecParser"/>, which validates every key.
/// </summary>
/// <param name="Name">The experiment's name (the spec's <c>name</c>, else its file name); names run directories.</param>
/// <param name="Description">Free text for the report, or empty.</param>
/// <param name="FilePath">The spec file, absolute.</param>
/// <param name="DataPath">The CSV data set, absolute.</param>
/// <param name="TestFraction">Fraction of the data held out for testing.</param>
/// <param name="Partition">How the training set is split across hospitals.</param>
/// <param name="Alpha">Dirichlet concentration of skewed partitions.</param>
/// <param name="Hospitals">Number of hospitals.</param>
/// <param name="Rounds">Training rounds after the standardisation round.</param>
/// <param name="Seed">Seeds the split, the partition, the initial model and local training.</param>
/// <param name="Model">The model every hospital trains.</param>
/// <param name="Training">Local training per round (its seed is <paramref name="Seed"/>).</param>
/// <param name="Mode">How CKKS keys are held.</param>
/// <param name="CryptoPreset">The CKKS (or threshold) preset, or null for the mode's default.</param>
/// <param name="Threshold">Threshold mode's committee size, or null for a majority.</param>
/// <param name="Quorum">Fewest updates a round may aggregate, or null for hospitals − 1.</param>
/// <param name="CollectTimeout">How long the coordinator waits for one attempt's updates.</param>
/// <param name="EvaluateTimeout">How long it waits for evaluation reports, or null for the actors' default.</param>
/// <param name="MaxAttempts">Collection attempts per round, or null for the actors' default.</param>
/// <param name="Faults">The fault schedule, ordered by round, in the simulation's own fault type.</param>
public sealed record ExperimentSpec(
    string Name,
    string Description,
    string FilePath,
    string DataPath,
    double TestFraction,
    PartitionScheme Partition,
    double Alpha,
    int Hospitals,
    int Rounds,
    int Seed,
    ModelSpec Model,
    TrainingOptions Training,
    KeyMode Mode,
    string? CryptoPreset,
    int? Threshold,
    int? Quorum,
    TimeSpan CollectTimeout,
    TimeSpan? EvaluateTimeout,
    int? MaxAttempts,
    IReadOnlyList<SimulatedFault> Faults)
{
    /// <summary>The in-process simulation this spec describes.</summary>
    /// <param name="computeBaselines">Also train the centralised and plaintext-FedAvg baselines.</param>
    /// <param name="logLevel">Akka's log level for the simulated nodes.</param>
    public SimulationOptions ToSimulationOptions(bool computeBaselines = true, string logLevel = "WARNING")
    {
        // The coordinator keys that SimulationOptions has no field for travel as HOCON under the simulation's own.
        var extra = new List<string>();
        if (EvaluateTimeout is { } evaluate)
            extra.Add($"fedhe.federation.evaluate-timeout = {(long)evaluate.TotalMilliseconds}ms");
        if (MaxAttempts is { } attempts)
            extra.Add($"fedhe.federation.max-attempts = {attempts}");

        return new SimulationOptions
        {
            Hospitals = Hospitals,
            Rounds = Rounds,
            Quorum = Quorum,
            Mode = Mode,
            Threshold = Threshold,
            Partition = Partition,
            Alpha = Alpha,
            Seed = Seed,
            DataPath = DataPath,
            TestFraction = TestFraction,
            Model = Model,
            Training = Training,
            CryptoPreset = CryptoPreset,
            CollectTimeout = CollectTimeout,
            ComputeBaselines = computeBaselines,
            LogLevel = logLevel,
            ExtraConfig = extra.Count == 0 ? null : ConfigurationFactory.ParseString(string.Join('\n', extra)),
            Faults = Faults,
        };
    }
}
