using Akka.Actor;
using Akka.Configuration;
using FederatedHe.Actors.Configuration;
using FederatedHe.Training.Local;
using FederatedHe.Training.Models;

namespace FederatedHe.Host.Simulation;

/// <summary>How the training set is split across hospitals.</summary>
public enum PartitionScheme
{
    /// <summary>Independent and identically distributed: each hospital a stratified random share.</summary>
    Iid,

    /// <summary>Label-skewed: class proportions per hospital drawn from Dirichlet(α).</summary>
    Dirichlet,

    /// <summary>Quantity-skewed: hospital sizes drawn from Dirichlet(α).</summary>
    QuantitySkewed,
}

/// <summary>One in-process federation run: an aggregator and N hospitals as separate actor systems over loopback TCP.</summary>
public sealed record SimulationOptions
{
    /// <summary>Number of hospitals.</summary>
    public int Hospitals { get; init; } = 4;

    /// <summary>Training rounds after the standardisation round.</summary>
    public int Rounds { get; init; } = 20;

    /// <summary>Fewest updates a round may aggregate; null means every hospital minus one (at least 1).</summary>
    public int? Quorum { get; init; }

    /// <summary>How keys are held.</summary>
    public KeyMode Mode { get; init; } = KeyMode.SharedKey;

    /// <summary>Threshold mode: how many hospitals must join to decrypt; null means a majority.</summary>
    public int? Threshold { get; init; }

    /// <summary>The threshold in force.</summary>
    public int EffectiveThreshold => Threshold ?? Hospitals / 2 + 1;

    /// <summary>How the training set is partitioned across hospitals.</summary>
    public PartitionScheme Partition { get; init; } = PartitionScheme.Iid;

    /// <summary>Dirichlet concentration for skewed partitions.</summary>
    public double Alpha { get; init; } = 0.5;

    /// <summary>Seeds the hold-out split, the partition, the initial model and every hospital's batch order.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>The CSV file to learn from.</summary>
    public string DataPath { get; init; } = string.Empty;

    /// <summary>Fraction of the data held out for testing.</summary>
    public double TestFraction { get; init; } = 0.2;

    /// <summary>The model every hospital trains.</summary>
    public ModelSpec Model { get; init; } = ModelSpec.LogisticRegression;

    /// <summary>Local training per round (its seed is replaced by <see cref="Seed"/>).</summary>
    public TrainingOptions Training { get; init; } = new() { Epochs = 2, BatchSize = 16, LearningRate = 0.05 };

    /// <summary>The CKKS preset name (see <c>CkksPresets.All</c>); in threshold mode a <c>ThresholdPresets.All</c> name, or null for its default.</summary>
    public string? CryptoPreset { get; init; }

    /// <summary>The preset in force.</summary>
    public string EffectiveCryptoPreset => CryptoPreset ?? (Mode == KeyMode.Threshold ? "Params128BitLogN13LogQ160Threshold" : "Params128BitLogN13LogQ101");

    /// <summary>How long the coordinator waits for one attempt's updates.</summary>
    public TimeSpan CollectTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Also compute the centralised and plaintext-FedAvg baselines for comparison.</summary>
    public bool ComputeBaselines { get; init; } = true;

    /// <summary>Faults to inject while the federation runs.</summary>
    public IReadOnlyList<SimulatedFault> Faults { get; init; } = [];

    /// <summary>Extra HOCON layered over everything (tests use it for serialize-messages, log levels, …).</summary>
    public Config? ExtraConfig { get; init; }

    /// <summary>
    /// Called with the aggregator's address once the aggregator is up, and awaited before the hospitals start: lets the
    /// caller add nodes of its own to the cluster for the whole federation, such as a monitor or, in tests, an intruder.
    /// </summary>
    public Func<Address, Task>? OnAggregatorStarted { get; init; }

    /// <summary>Akka's log level for the simulated nodes.</summary>
    public string LogLevel { get; init; } = "WARNING";

    /// <summary>The quorum in force.</summary>
    public int EffectiveQuorum => Quorum ?? Math.Max(1, Hospitals - 1);

    /// <summary>Checks the options.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    /// <exception cref="ArgumentException">A fault's parameters do not fit its kind.</exception>
    public SimulationOptions Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Hospitals, 1, nameof(Hospitals));
        ArgumentOutOfRangeException.ThrowIfLessThan(Rounds, 1, nameof(Rounds));
        ArgumentOutOfRangeException.ThrowIfLessThan(EffectiveQuorum, 1, nameof(Quorum));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(EffectiveQuorum, Hospitals, nameof(Quorum));
        if (Mode == KeyMode.Threshold)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(EffectiveThreshold, 1, nameof(Threshold));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(EffectiveThreshold, Hospitals, nameof(Threshold));
        }

        if (TestFraction is <= 0 or >= 1)
            throw new ArgumentOutOfRangeException(nameof(TestFraction), TestFraction, "must be strictly between 0 and 1");
        if (!double.IsFinite(Alpha) || Alpha <= 0)
            throw new ArgumentOutOfRangeException(nameof(Alpha), Alpha, "must be positive and finite");
        Training.Validate();
        foreach (var fault in Faults)
            fault.Validate();

        return this;
    }
}
