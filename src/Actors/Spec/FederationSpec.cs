using FederatedHe.Actors.Configuration;
using FederatedHe.Actors.Persistence;
using FederatedHe.Crypto.Ckks;
using FederatedHe.Crypto.Multiparty;
using FederatedHe.Training.Data;
using FederatedHe.Training.Local;
using FederatedHe.Training.Models;
using FederatedHe.Training.Privacy;
using FederatedHe.Training.Federation;
using FederatedHe.Privacy.Accounting;

namespace FederatedHe.Actors.Spec;

/// <summary>
/// One federation, whichever way it runs (in one process, one node per process, or a local multi-process cluster): the
/// only source of settings. Bound from HOCON by <see cref="FederationSpecBinder"/> (reference.conf under experiment files,
/// node files and command-line overrides) and written back by <see cref="FederationSpecWriter"/>; every default lives in
/// reference.conf. Immutable; change it with the <c>WithX</c> copies, which validate the result.
/// </summary>
/// <param name="Experiment">Name and description (<c>fedhe.experiment</c>).</param>
/// <param name="Federation">Hospitals, rounds and the round policy (<c>fedhe.federation</c>).</param>
/// <param name="Crypto">Key mode and CKKS parameters (<c>fedhe.crypto</c>).</param>
/// <param name="Training">The model and local training (<c>fedhe.training</c>).</param>
/// <param name="Data">The data set, its hold-out and partition (<c>fedhe.data</c>).</param>
/// <param name="Hospital">This node's own data, for a hospital node (<c>fedhe.hospital</c>).</param>
/// <param name="Persistence">Checkpoint and resume (<c>fedhe.persistence</c>).</param>
/// <param name="Transfer">Reassembly bounds (<c>fedhe.transfer</c>).</param>
/// <param name="Faults">Fault injection (<c>fedhe.faults</c>).</param>
/// <param name="Privacy">Differential privacy and its budget (<c>fedhe.privacy</c>).</param>
public sealed record FederationSpec(
    ExperimentSpec Experiment,
    FederationPolicySpec Federation,
    CryptoSpec Crypto,
    TrainingSpec Training,
    DataSpec Data,
    HospitalNodeSpec Hospital,
    PersistenceSettings Persistence,
    TransferSpec Transfer,
    FaultSpec Faults,
    PrivacySpec Privacy)
{
    /// <summary>reference.conf alone: the README's demo (4 IID hospitals on data/wdbc.csv, 20 rounds, shared-key CKKS).</summary>
    public static FederationSpec Default => FederationSpecBinder.Reference.Spec;

    /// <summary>The hospitals' ids, <c>hospital-1</c> … <c>hospital-N</c>, in partition order.</summary>
    public IReadOnlyList<string> HospitalIds => [.. Enumerable.Range(0, Federation.Hospitals).Select(HospitalId)];

    /// <summary>The id of the hospital that holds partition <paramref name="index"/> (from 0).</summary>
    public static string HospitalId(int index) => $"hospital-{index + 1}";

    /// <summary>The file name of a hospital's final model file in its model directory (<see cref="HospitalNodeSpec.EffectiveModelDirectory"/>).</summary>
    public static string ModelFileName(string hospitalId) => $"{hospitalId}.fedhe-model.json";

    /// <summary>
    /// The quorum in force: the configured one, or every hospital but one (at least 1; with the seeded threshold preset,
    /// whose sums must hold at least 2 updates, at least 2 where there are 2 hospitals).
    /// </summary>
    public int EffectiveQuorum => Federation.Quorum
        ?? Math.Max(Crypto.Mode == KeyMode.Threshold && EffectivePreset == CryptoSpec.SeededThresholdPreset ? Math.Min(2, Federation.Hospitals) : 1,
            Federation.Hospitals - 1);

    /// <summary>Threshold mode's committee size in force: the configured one, or a majority.</summary>
    public int EffectiveThreshold => Crypto.Threshold ?? Federation.Hospitals / 2 + 1;

    /// <summary>The CKKS (threshold mode: threshold) preset in force.</summary>
    public string EffectivePreset => Crypto.Preset ?? (Crypto.Mode == KeyMode.Threshold ? CryptoSpec.DefaultThresholdPreset : CryptoSpec.DefaultSharedKeyPreset);

    /// <summary>The CKKS parameters, and in threshold mode the threshold parameters, of <see cref="EffectivePreset"/>.</summary>
    /// <exception cref="FederationSpecException">The preset is unknown for the mode.</exception>
    public (CkksParameters Parameters, ThresholdParameters? Threshold) ResolveCrypto()
    {
        var name = EffectivePreset;
        if (Crypto.Mode == KeyMode.Threshold)
        {
            return ThresholdPresets.All.TryGetValue(name, out var threshold)
                ? (threshold.Ckks, threshold)
                : throw new FederationSpecException(FederationSpecKeys.CryptoPreset,
                    $"'{name}' is not a threshold preset; known: {string.Join(", ", ThresholdPresets.All.Keys)}");
        }

        return CkksPresets.All.TryGetValue(name, out var parameters)
            ? (parameters, null)
            : throw new FederationSpecException(FederationSpecKeys.CryptoPreset,
                $"'{name}' is not a CKKS preset; known: {string.Join(", ", CkksPresets.All.Keys)}");
    }

    /// <summary>Local training with the federation's seed (which orders every hospital's batches).</summary>
    public TrainingOptions TrainingOptions => new()
    {
        Epochs = Training.Epochs,
        BatchSize = Training.BatchSize,
        Optimizer = Training.Optimizer,
        LearningRate = Training.LearningRate,
        ProximalMu = Training.ProximalMu,
        Seed = Federation.Seed,
    };

    /// <summary>The actors' settings: the round policy, CKKS preset and transfer bounds.</summary>
    public FederationSettings ToFederationSettings() => new(
        Crypto.Mode,
        Federation.Rounds,
        Federation.Hospitals,
        EffectiveQuorum,
        Federation.RegistrationTimeout,
        Federation.CollectTimeout,
        Federation.EvaluateTimeout,
        Federation.MaxAttempts,
        EffectiveThreshold,
        Federation.Seed,
        EffectivePreset,
        Crypto.PoolSize,
        Transfer.MaxChunksPerVector,
        Transfer.MaxOpenVectors,
        Transfer.MaxOpenVectorsPerParticipant)
    {
        FractionFit = Federation.FractionFit,
        PrivacyBudget = PrivacyPlan(),
    };

    /// <summary>The tolerated dropouts of distributed noise: as many as the quorum allows, hospitals − quorum.</summary>
    public int ToleratedDropouts => Federation.Hospitals - EffectiveQuorum;

    /// <summary>Local mode's DP-SGD at each hospital: σ, C, q, the grid, and ⌈epochs/q⌉ steps per round; null in other modes.</summary>
    public DpSgdOptions? DpSgdOptions => Privacy.Mode == PrivacyMode.Local
        ? new DpSgdOptions { NoiseMultiplier = Privacy.NoiseMultiplier, ClipNorm = Privacy.ClipNorm, SamplingRate = Privacy.SamplingRate, GridBits = Privacy.GridBits }
            .WithEpochs(Training.Epochs)
        : null;

    /// <summary>Distributed mode's noise shares (every hospital, over-provisioned for <see cref="ToleratedDropouts"/>); null in other modes.</summary>
    public DistributedNoiseSettings? DistributedNoise => Privacy.Mode == PrivacyMode.Distributed
        ? new DistributedNoiseSettings(Federation.Hospitals, ToleratedDropouts, Privacy.NoiseMultiplier, Privacy.ClipNorm, Privacy.GridBits)
        : null;

    /// <summary>What the federation will spend, round by round, and the budget; null when <c>fedhe.privacy.mode = none</c>.</summary>
    public PrivacyBudgetPlan? PrivacyPlan() => Privacy.Mode switch
    {
        PrivacyMode.Local when DpSgdOptions is { } dp =>
            FederatedHe.Privacy.Accounting.PrivacyBudgetPlan.ForLocalTraining(dp.SamplingRate, dp.NoiseMultiplier, dp.Steps, Federation.Rounds, Privacy.Delta, Privacy.TargetEpsilon),
        PrivacyMode.Distributed when DistributedNoise is { } noise =>
            FederatedHe.Privacy.Accounting.PrivacyBudgetPlan.ForDistributedNoise(noise.Calibration(1), Federation.Rounds, Privacy.Delta, Privacy.TargetEpsilon),
        _ => null,
    };

    /// <summary>
    /// The hospitals a round would select were every hospital of the federation available (all of them unless
    /// fraction-fit is below 1): the yardstick by which reports count the hospitals missing from a round.
    /// </summary>
    public IReadOnlyList<string> ExpectedParticipants(int round) =>
        round == 0 ? HospitalIds : new FederatedHe.Federation.Strategies.FederatedAveraging(
            FederatedHe.Actors.Coordination.FederationCore.StrategyOptions(ToFederationSettings())).ConfigureFit(round, HospitalIds);

    /// <summary>A copy with another number of hospitals.</summary>
    /// <exception cref="FederationSpecException">The result is invalid (e.g. the quorum now exceeds the hospitals).</exception>
    public FederationSpec WithHospitals(int hospitals) => (this with { Federation = Federation with { Hospitals = hospitals } }).Validate();

    /// <summary>A copy with another number of rounds.</summary>
    /// <exception cref="FederationSpecException">The result is invalid.</exception>
    public FederationSpec WithRounds(int rounds) => (this with { Federation = Federation with { Rounds = rounds } }).Validate();

    /// <summary>A copy with another quorum (null: every hospital but one).</summary>
    /// <exception cref="FederationSpecException">The result is invalid.</exception>
    public FederationSpec WithQuorum(int? quorum) => (this with { Federation = Federation with { Quorum = quorum } }).Validate();

    /// <summary>A copy with another seed.</summary>
    public FederationSpec WithSeed(int seed) => this with { Federation = Federation with { Seed = seed } };

    /// <summary>A copy with other round timeouts and attempts; null keeps a value.</summary>
    /// <exception cref="FederationSpecException">The result is invalid.</exception>
    public FederationSpec WithTimeouts(TimeSpan? collect = null, TimeSpan? evaluate = null, int? maxAttempts = null, TimeSpan? registration = null) =>
        (this with
        {
            Federation = Federation with
            {
                CollectTimeout = collect ?? Federation.CollectTimeout,
                EvaluateTimeout = evaluate ?? Federation.EvaluateTimeout,
                MaxAttempts = maxAttempts ?? Federation.MaxAttempts,
                RegistrationTimeout = registration ?? Federation.RegistrationTimeout,
            },
        }).Validate();

    /// <summary>A copy with other key handling.</summary>
    /// <exception cref="FederationSpecException">The result is invalid.</exception>
    public FederationSpec WithCrypto(CryptoSpec crypto) => (this with { Crypto = crypto }).Validate();

    /// <summary>A copy with other local training.</summary>
    /// <exception cref="FederationSpecException">The result is invalid.</exception>
    public FederationSpec WithTraining(TrainingSpec training) => (this with { Training = training }).Validate();

    /// <summary>A copy with another data set, hold-out or partition.</summary>
    /// <exception cref="FederationSpecException">The result is invalid.</exception>
    public FederationSpec WithData(DataSpec data) => (this with { Data = data }).Validate();

    /// <summary>A copy with another partition of the same data.</summary>
    /// <exception cref="FederationSpecException">The result is invalid.</exception>
    public FederationSpec WithPartition(PartitionScheme scheme, double? alpha = null) =>
        WithData(Data with { Partition = scheme, Alpha = alpha ?? Data.Alpha });

    /// <summary>A copy with other checkpoint settings.</summary>
    public FederationSpec WithPersistence(PersistenceSettings persistence) => this with { Persistence = persistence };

    /// <summary>A copy with another fault schedule.</summary>
    /// <exception cref="FederationSpecException">A fault does not fit the federation.</exception>
    public FederationSpec WithFaults(IReadOnlyList<SimulatedFault> schedule) =>
        (this with { Faults = Faults with { Schedule = [.. schedule.OrderBy(f => f.Round).ThenBy(f => f.Moment)] } }).Validate();

    /// <summary>A copy with another name and description.</summary>
    public FederationSpec WithExperiment(string name, string? description = null) =>
        (this with { Experiment = Experiment with { Name = name, Description = description ?? Experiment.Description } }).Validate();

    /// <summary>Checks the values that depend on each other (quorum and threshold against hospitals, faults against rounds).</summary>
    /// <exception cref="FederationSpecException">A value is out of range; the exception names its key.</exception>
    public FederationSpec Validate()
    {
        foreach (var (key, problem) in Problems())
            throw new FederationSpecException(key, problem);
        return this;
    }

    /// <summary>Every problem with the spec, by key; empty when it is valid.</summary>
    internal IEnumerable<(string Key, string Problem)> Problems()
    {
        var f = Federation;
        if (f.Hospitals is < 1 or > 1000)
            yield return (FederationSpecKeys.Hospitals, $"must be between 1 and 1000, got {f.Hospitals}");
        if (f.Rounds is < 1 or > 100_000)
            yield return (FederationSpecKeys.Rounds, $"must be between 1 and 100000, got {f.Rounds}");
        if (!(f.FractionFit > 0 && f.FractionFit <= 1))
            yield return (FederationSpecKeys.FractionFit, $"must be in (0, 1], got {f.FractionFit.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        if (f.Quorum is { } quorum && (quorum < 1 || quorum > f.Hospitals))
            yield return (FederationSpecKeys.Quorum, $"must be between 1 and fedhe.federation.hospitals ({f.Hospitals}), got {quorum}");
        if (Crypto.Threshold is { } threshold && (threshold < 1 || threshold > f.Hospitals))
            yield return (FederationSpecKeys.Threshold, $"must be between 1 and fedhe.federation.hospitals ({f.Hospitals}), got {threshold}");
        if (Crypto.Threshold is not null && Crypto.Mode != KeyMode.Threshold)
            yield return (FederationSpecKeys.Threshold, "is only meaningful with fedhe.crypto.mode = threshold");
        if (Crypto.Preset is { } preset)
        {
            var known = Crypto.Mode == KeyMode.Threshold ? ThresholdPresets.All.Keys : CkksPresets.All.Keys;
            if (!known.Contains(preset))
                yield return (FederationSpecKeys.CryptoPreset, $"'{preset}' is not a {(Crypto.Mode == KeyMode.Threshold ? "threshold" : "CKKS")} preset; known: {string.Join(", ", known)}");
        }

        if (Crypto.Mode == KeyMode.Threshold && ThresholdPresets.All.TryGetValue(EffectivePreset, out var thresholdSet))
        {
            if (f.Hospitals > thresholdSet.MaxParties)
                yield return (FederationSpecKeys.Hospitals, $"{f.Hospitals} hospitals, but threshold preset {EffectivePreset} holds at most {thresholdSet.MaxParties} parties");
            if (thresholdSet.Scheme == ThresholdScheme.SeededSecretKey && EffectiveQuorum < 2)
                yield return (FederationSpecKeys.Quorum, $"is {EffectiveQuorum}, but the seeded threshold scheme ({EffectivePreset}) decrypts only sums of at least 2 updates "
                    + "(a sum of one is that hospital's update): set it to 2 or more");
        }

        if (Training.Model is MlpSpec { HiddenLayerSizes.Count: 0 })
            yield return (FederationSpecKeys.HiddenLayers, "an mlp needs at least one hidden layer, e.g. [16, 8]");
        if (Data.HasHospitalFiles && Data.HospitalFiles.Count != f.Hospitals)
            yield return (FederationSpecKeys.HospitalFiles, $"names {Data.HospitalFiles.Count} files but fedhe.federation.hospitals = {f.Hospitals}: give one file per hospital, in order");
        foreach (var problem in Privacy.Problems())
            yield return problem;
        if (Privacy.Mode == PrivacyMode.Local && Privacy.SamplingRate > 0 && Training.Epochs / Privacy.SamplingRate > 10_000_000)
            yield return (FederationSpecKeys.SamplingRate, $"gives ceil(epochs / sampling-rate) = {Training.Epochs / Privacy.SamplingRate:G3} DP-SGD steps per round; at most 10000000");
        if (Data.TestFraction is <= 0 or >= 1 || !double.IsFinite(Data.TestFraction))
            yield return (FederationSpecKeys.TestFraction, $"must be strictly between 0 and 1, got {Data.TestFraction}");
        foreach (var (fault, i) in Faults.Schedule.Select((fault, i) => (fault, i)))
        {
            if (fault.Round > f.Rounds)
                yield return ($"{FederationSpecKeys.FaultSchedule}[{i}].at-round", $"must be between 0 and fedhe.federation.rounds ({f.Rounds}), got {fault.Round}");
            if (FaultNames.HospitalNumber(fault.Target) is { } target && target > f.Hospitals)
                yield return ($"{FederationSpecKeys.FaultSchedule}[{i}].target", $"'{fault.Target}' is not one of hospital-1 … hospital-{f.Hospitals}");
            if (fault.Peer is { } peer && FaultNames.HospitalNumber(peer) is { } number && number > f.Hospitals)
                yield return ($"{FederationSpecKeys.FaultSchedule}[{i}].peer", $"'{peer}' is not one of aggregator, hospital-1 … hospital-{f.Hospitals}");
        }
    }
}

/// <summary>The experiment's name (it names run directories), a free-text description, and how far its centralised baseline trains.</summary>
/// <param name="Name">Names run directories.</param>
/// <param name="Description">Free text for the run report.</param>
/// <param name="CentralisedBaselineMaxEpochs">
/// The in-process runs' centralised baseline trains epochs x rounds epochs on the pooled training data, at most this many.
/// </param>
public sealed record ExperimentSpec(string Name, string Description, int CentralisedBaselineMaxEpochs)
{
    /// <summary>The epochs the centralised baseline trains for a federation of <paramref name="rounds"/> rounds of <paramref name="epochs"/> local epochs.</summary>
    public int CentralisedBaselineEpochs(int epochs, int rounds) => (int)Math.Min((long)epochs * rounds, CentralisedBaselineMaxEpochs);
}

/// <summary>The federation's size and round policy.</summary>
/// <param name="Hospitals">Hospitals in the federation; round 0 starts once all have registered.</param>
/// <param name="Rounds">Training rounds after the standardisation round 0.</param>
/// <param name="Quorum">Fewest updates a round may aggregate, or null for every hospital but one.</param>
/// <param name="RegistrationTimeout">How long the coordinator waits for the hospitals to register.</param>
/// <param name="CollectTimeout">How long it waits for one attempt's encrypted updates.</param>
/// <param name="EvaluateTimeout">How long it waits for the hospitals' evaluation reports.</param>
/// <param name="MaxAttempts">Collection attempts per round.</param>
/// <param name="Seed">Seeds the hold-out, the partition, the initial model, every hospital's batch order and the CRP.</param>
/// <param name="FractionFit">Fraction of the reachable hospitals asked to train each round, in (0, 1] (a seeded sample).</param>
public sealed record FederationPolicySpec(
    int Hospitals,
    int Rounds,
    int? Quorum,
    TimeSpan RegistrationTimeout,
    TimeSpan CollectTimeout,
    TimeSpan EvaluateTimeout,
    int MaxAttempts,
    int Seed,
    double FractionFit = 1.0);

/// <summary>How CKKS keys are held, and with which parameters.</summary>
/// <param name="Mode">Shared key, or a t-of-n collective key.</param>
/// <param name="Preset">A CkksPresets (threshold mode: ThresholdPresets) name, or null for the mode's default.</param>
/// <param name="Threshold">Threshold mode's committee size, or null for a majority.</param>
/// <param name="PoolSize">CKKS workers per node; 0 is one per core.</param>
public sealed record CryptoSpec(KeyMode Mode, string? Preset, int? Threshold, int PoolSize)
{
    /// <summary>Shared-key mode's preset when none is given.</summary>
    public const string DefaultSharedKeyPreset = "Params128BitLogN12LogQ60Aggregation";

    /// <summary>The seeded threshold scheme's preset (updates under each hospital's own secret, 13.6 B/param).</summary>
    public const string SeededThresholdPreset = "Params128BitLogN13LogQ108SeededThreshold";

    /// <summary>Threshold mode's preset when none is given: the seeded scheme's.</summary>
    public const string DefaultThresholdPreset = SeededThresholdPreset;
}

/// <summary>The model every hospital trains and how it trains locally each round.</summary>
public sealed record TrainingSpec(ModelSpec Model, int Epochs, int BatchSize, OptimizerKind Optimizer, double LearningRate, double ProximalMu);

/// <summary>The data set and how it is divided: a common stratified test set first, then the rest partitioned among the hospitals.</summary>
/// <param name="File">The CSV file, absolute once bound from a file or the command line; as given otherwise.</param>
/// <param name="LabelColumn">The label column, or null for the first of <c>diagnosis</c>, <c>diagnostic</c>.</param>
/// <param name="TestFraction">Fraction held out (stratified) as the common test set.</param>
/// <param name="Partition">How the rest is divided among the hospitals.</param>
/// <param name="Alpha">Dirichlet concentration of the skewed partitions.</param>
/// <param name="HospitalFiles">
/// Each hospital's own CSV, in hospital order (hospital-k reads the k-th), absolute once bound; empty to partition <paramref name="File"/>.
/// </param>
/// <param name="TestFile">
/// The common evaluation CSV every hospital scores the global model on (all of it, locally), or empty: each hospital then
/// holds out <paramref name="TestFraction"/> of its own file, or, without <paramref name="HospitalFiles"/>, the common test
/// set is held out of <paramref name="File"/> as before. With a test file and no hospital files, all of <paramref name="File"/> is partitioned.
/// </param>
public sealed record DataSpec(string File, string? LabelColumn, double TestFraction, PartitionScheme Partition, double Alpha,
    IReadOnlyList<string> HospitalFiles, string TestFile)
{
    /// <summary>Whether every hospital brings its own file (<c>fedhe.data.hospitals</c>) instead of a share of <see cref="File"/>.</summary>
    public bool HasHospitalFiles => HospitalFiles.Count > 0;

    /// <summary>Value equality, the file list compared item by item (a record would compare the list's reference).</summary>
    public bool Equals(DataSpec? other) =>
        other is not null && File == other.File && LabelColumn == other.LabelColumn && TestFraction.Equals(other.TestFraction)
        && Partition == other.Partition && Alpha.Equals(other.Alpha) && HospitalFiles.SequenceEqual(other.HospitalFiles) && TestFile == other.TestFile;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(File, LabelColumn, TestFraction, Partition, Alpha, HospitalFiles.Count, TestFile);
}

/// <summary>A hospital node's own data, when it does not take its share of <see cref="DataSpec"/>.</summary>
/// <param name="DataFile">Its own CSV (it then holds out <see cref="DataSpec.TestFraction"/> of it), or empty for its share.</param>
/// <param name="Index">Which share (from 0), or null to take it from the id <c>hospital-k</c>.</param>
/// <param name="ModelDirectory">Where the hospital writes its model file at the end, or empty for the persistence hospital directory.</param>
public sealed record HospitalNodeSpec(string DataFile, int? Index, string ModelDirectory = "")
{
    /// <summary>The directory in force for model files: <see cref="ModelDirectory"/>, else <paramref name="hospitalDirectory"/>.</summary>
    public string EffectiveModelDirectory(string hospitalDirectory) => ModelDirectory.Length > 0 ? ModelDirectory : hospitalDirectory;
}

/// <summary>Bounds on what a peer can make a node buffer while reassembling encrypted vectors.</summary>
public sealed record TransferSpec(int MaxChunksPerVector, int MaxOpenVectors, int MaxOpenVectorsPerParticipant);

/// <summary>Faults injected from outside the actors: a straggler delay at start, and a schedule the harness or launcher strikes.</summary>
/// <param name="TrainingDelay">Added to each of this node's local trainings (a straggler).</param>
/// <param name="Schedule">Faults by round, ordered.</param>
public sealed record FaultSpec(TimeSpan TrainingDelay, IReadOnlyList<SimulatedFault> Schedule);

/// <summary>Which differential privacy the federation adds on top of encryption (docs/PRIVACY.md).</summary>
public enum PrivacyMode
{
    /// <summary>No DP: the encryption alone hides each hospital's update; the global model is not private.</summary>
    None,

    /// <summary>DP-SGD at each hospital: protects one patient record against everyone who sees any model.</summary>
    Local,

    /// <summary>Each hospital adds a share of discrete Gaussian noise to its clipped update; only the decrypted sum is private. Protects one hospital.</summary>
    Distributed,
}

/// <summary>Differential privacy (<c>fedhe.privacy</c>), checked as a whole by <see cref="Problems"/>.</summary>
/// <param name="Mode">none, local or distributed.</param>
/// <param name="NoiseMultiplier">σ: noise standard deviation over the clip norm; positive unless the mode is none.</param>
/// <param name="ClipNorm">C: the L2 norm each per-sample gradient (local) or each hospital's whole update (distributed) is clipped to.</param>
/// <param name="SamplingRate">Local mode's Poisson sampling rate q of DP-SGD, in (0, 1].</param>
/// <param name="TargetEpsilon">The budget: the federation stops before a round that would take ε above it.</param>
/// <param name="Delta">δ of the reported (ε, δ), in (0, 1).</param>
/// <param name="GridBits">The fixed-point grid the noise is added on, γ = C·2^-bits, 4 … 24.</param>
public sealed record PrivacySpec(PrivacyMode Mode, double NoiseMultiplier, double ClipNorm, double SamplingRate, double TargetEpsilon, double Delta, int GridBits)
{
    /// <summary>
    /// The smallest grid step distributed mode accepts: a decrypted CKKS sum is rounded back to the grid, which restores the exact
    /// noisy sum only while the CKKS error (at most about 7e-7 in docs/PERFORMANCE.md) stays below half a step.
    /// </summary>
    public const double SmallestDistributedGridStep = 4e-6;

    /// <summary>The grid step γ = C·2^-bits.</summary>
    public double GridStep => Math.ScaleB(ClipNorm, -GridBits);

    /// <summary>Every problem, by key; empty when the section is valid.</summary>
    internal IEnumerable<(string Key, string Problem)> Problems()
    {
        static string Text(double value) => value.ToString("G", System.Globalization.CultureInfo.InvariantCulture);
        if (Mode != PrivacyMode.None && !(NoiseMultiplier > 0))
            yield return (FederationSpecKeys.NoiseMultiplier, $"must be positive with fedhe.privacy.mode = {Mode.ToString().ToLowerInvariant()}, got {Text(NoiseMultiplier)}");
        if (!(ClipNorm > 0) || !double.IsFinite(ClipNorm))
            yield return (FederationSpecKeys.ClipNorm, $"must be positive, got {Text(ClipNorm)}");
        if (!(SamplingRate > 0 && SamplingRate <= 1))
            yield return (FederationSpecKeys.SamplingRate, $"must be in (0, 1], got {Text(SamplingRate)}");
        if (!(TargetEpsilon > 0) || !double.IsFinite(TargetEpsilon))
            yield return (FederationSpecKeys.TargetEpsilon, $"must be positive, got {Text(TargetEpsilon)}");
        if (!(Delta > 0 && Delta < 1))
            yield return (FederationSpecKeys.Delta, $"must be in (0, 1), got {Text(Delta)}");
        if (GridBits is < 4 or > 24)
            yield return (FederationSpecKeys.GridBits, $"must be between 4 and 24, got {GridBits}");
        else if (Mode == PrivacyMode.Distributed && ClipNorm > 0 && GridStep < SmallestDistributedGridStep)
            yield return (FederationSpecKeys.GridBits, $"gives a grid step clip-norm·2^-{GridBits} = {GridStep:G3}, below {Text(SmallestDistributedGridStep)}: "
                                                       + "the CKKS decryption error could move the decrypted sum off its grid point; lower grid-bits or raise clip-norm");
    }
}

/// <summary>The HOCON paths of the spec's keys, as errors name them.</summary>
public static class FederationSpecKeys
{
#pragma warning disable CS1591 // The names say which key.
    public const string Name = "fedhe.experiment.name";
    public const string Description = "fedhe.experiment.description";
    public const string CentralisedBaselineMaxEpochs = "fedhe.experiment.centralised-baseline-max-epochs";
    public const string Hospitals = "fedhe.federation.hospitals";
    public const string Rounds = "fedhe.federation.rounds";
    public const string Quorum = "fedhe.federation.quorum";
    public const string RegistrationTimeout = "fedhe.federation.registration-timeout";
    public const string CollectTimeout = "fedhe.federation.collect-timeout";
    public const string EvaluateTimeout = "fedhe.federation.evaluate-timeout";
    public const string MaxAttempts = "fedhe.federation.max-attempts";
    public const string FractionFit = "fedhe.federation.fraction-fit";
    public const string Seed = "fedhe.federation.seed";
    public const string Mode = "fedhe.crypto.mode";
    public const string CryptoPreset = "fedhe.crypto.preset";
    public const string Threshold = "fedhe.crypto.threshold";
    public const string PoolSize = "fedhe.crypto.pool-size";
    public const string Model = "fedhe.training.model";
    public const string HiddenLayers = "fedhe.training.hidden-layers";
    public const string Epochs = "fedhe.training.epochs";
    public const string BatchSize = "fedhe.training.batch-size";
    public const string Optimizer = "fedhe.training.optimizer";
    public const string LearningRate = "fedhe.training.learning-rate";
    public const string ProximalMu = "fedhe.training.proximal-mu";
    public const string DataFile = "fedhe.data.file";
    public const string LabelColumn = "fedhe.data.label-column";
    public const string TestFraction = "fedhe.data.test-fraction";
    public const string PartitionScheme = "fedhe.data.partition.scheme";
    public const string PartitionAlpha = "fedhe.data.partition.alpha";
    public const string HospitalFiles = "fedhe.data.hospitals";
    public const string TestData = "fedhe.data.test";
    public const string HospitalData = "fedhe.hospital.data";
    public const string HospitalIndex = "fedhe.hospital.index";
    public const string ModelDirectory = "fedhe.hospital.model-directory";
    public const string PersistenceEnabled = "fedhe.persistence.enabled";
    public const string SqlitePath = "fedhe.persistence.sqlite-path";
    public const string HospitalDirectory = "fedhe.persistence.hospital-directory";
    public const string MaxChunksPerVector = "fedhe.transfer.max-chunks-per-vector";
    public const string MaxOpenVectors = "fedhe.transfer.max-open-vectors";
    public const string MaxOpenVectorsPerParticipant = "fedhe.transfer.max-open-vectors-per-participant";
    public const string TrainingDelay = "fedhe.faults.training-delay";
    public const string FaultSchedule = "fedhe.faults.schedule";
    public const string PrivacyMode = "fedhe.privacy.mode";
    public const string NoiseMultiplier = "fedhe.privacy.noise-multiplier";
    public const string ClipNorm = "fedhe.privacy.clip-norm";
    public const string SamplingRate = "fedhe.privacy.sampling-rate";
    public const string TargetEpsilon = "fedhe.privacy.target-epsilon";
    public const string Delta = "fedhe.privacy.delta";
    public const string GridBits = "fedhe.privacy.grid-bits";
#pragma warning restore CS1591

    /// <summary>Every single-valued key of the spec, in the order <c>fedhe spec show</c> prints them.</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        Name, Description, CentralisedBaselineMaxEpochs, Hospitals, Rounds, Quorum, RegistrationTimeout, CollectTimeout, EvaluateTimeout, MaxAttempts, FractionFit, Seed,
        Mode, CryptoPreset, Threshold, PoolSize, Model, HiddenLayers, Epochs, BatchSize, Optimizer, LearningRate, ProximalMu,
        DataFile, LabelColumn, TestFraction, PartitionScheme, PartitionAlpha, HospitalFiles, TestData, HospitalData, HospitalIndex, ModelDirectory,
        PersistenceEnabled, SqlitePath, HospitalDirectory, MaxChunksPerVector, MaxOpenVectors, MaxOpenVectorsPerParticipant,
        TrainingDelay, FaultSchedule,
        PrivacyMode, NoiseMultiplier, ClipNorm, SamplingRate, TargetEpsilon, Delta, GridBits,
    ];

    /// <summary>Keys that moved, with where they live now.</summary>
    internal static IReadOnlyDictionary<string, string> Moved { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["fedhe.federation.min-hospitals"] = Hospitals,
        ["fedhe.federation.mode"] = Mode,
        ["fedhe.federation.threshold"] = Threshold,
        ["fedhe.hospital.hospital-index"] = HospitalIndex,
        ["fedhe.hospital.hospital-count"] = Hospitals,
    };
}
