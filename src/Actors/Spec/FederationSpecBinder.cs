using System.Globalization;
using Akka.Configuration;
using Akka.Configuration.Hocon;
using FederatedHe.Actors.Configuration;
using FederatedHe.Actors.Persistence;
using FederatedHe.Training.Data;
using FederatedHe.Training.Local;
using FederatedHe.Training.Models;

namespace FederatedHe.Actors.Spec;

/// <summary>Where a layer of spec settings comes from.</summary>
/// <param name="Name">The file's path as given, <c>reference.conf</c>, or <c>command line (--option)</c>.</param>
/// <param name="Kind">Which kind of source it is.</param>
/// <param name="Directory">For a file, its directory (relative paths in it are read from there first).</param>
public sealed record SpecSource(string Name, SpecSourceKind Kind, string? Directory = null)
{
    /// <summary>The actors' reference.conf, where every default lives.</summary>
    public static SpecSource Reference { get; } = new("reference.conf", SpecSourceKind.Reference);
}

/// <summary>The kinds of <see cref="SpecSource"/>.</summary>
public enum SpecSourceKind
{
    /// <summary>reference.conf's default.</summary>
    Reference,

    /// <summary>A spec or node file.</summary>
    File,

    /// <summary>A command-line option.</summary>
    CommandLine,

    /// <summary>Configuration handed over in code (an actor system's, a test's).</summary>
    Code,
}

/// <summary>One layer of settings: parsed HOCON, where it came from, and (for text) the line of each key.</summary>
public sealed record SpecLayer(Config Config, SpecSource Source, HoconSourceMap? Lines);

/// <summary>Where one effective value came from.</summary>
/// <param name="Source">The layer that set it.</param>
/// <param name="Line">The 1-based line in that layer's text, where known.</param>
public sealed record SpecOrigin(SpecSource Source, int? Line)
{
    /// <inheritdoc />
    public override string ToString() => Source.Kind switch
    {
        SpecSourceKind.Reference => Line is { } l ? $"default (reference.conf:{l})" : "default (reference.conf)",
        _ => Line is { } line ? $"{Source.Name}:{line}" : Source.Name,
    };
}

/// <summary>A command-line option that overrides one spec key.</summary>
/// <param name="Key">The spec key, e.g. <c>fedhe.federation.rounds</c>.</param>
/// <param name="Value">The value as HOCON text (quote strings with <see cref="FederationSpecWriter.Quote"/>).</param>
/// <param name="Option">The option as the user typed it, e.g. <c>--rounds</c>.</param>
public sealed record SpecOverride(string Key, string Value, string Option);

/// <summary>A bound spec, where each of its values came from, and the layers it was bound from (their akka.* keys configure the node).</summary>
public sealed record BoundSpec(FederationSpec Spec, IReadOnlyDictionary<string, SpecOrigin> Origins, IReadOnlyList<SpecLayer> Layers)
{
    /// <summary>The layers' own HOCON, highest first, without reference.conf: a node file's akka.* and fedhe.tls keys live here.</summary>
    public Config NodeConfig => Layers.Where(l => l.Source.Kind != SpecSourceKind.Reference)
        .Aggregate(Config.Empty, (config, layer) => config.WithFallback(layer.Config));
}

/// <summary>
/// The one binder from HOCON to <see cref="FederationSpec"/>. Layers (command-line overrides over a spec or node file over
/// reference.conf) are merged key by key; every key is checked for type and range, a key the schema does not know is refused
/// (a typo would otherwise fall back to a default silently), and each error names the file, the line and the key.
/// </summary>
public static class FederationSpecBinder
{
    // The spec's sections under fedhe, and the single-valued keys each holds. Sections the spec does not bind
    // (TLS, the roster, dispatchers) belong to the node and are passed to Akka as they are.
    private static readonly HashSet<string> Keys = new(FederationSpecKeys.All, StringComparer.Ordinal);
    private static readonly HashSet<string> Sections = new(StringComparer.Ordinal)
    {
        "fedhe.experiment", "fedhe.federation", "fedhe.crypto", "fedhe.training", "fedhe.data", "fedhe.data.partition",
        "fedhe.hospital", "fedhe.persistence", "fedhe.transfer", "fedhe.faults", "fedhe.privacy",
    };
    private static readonly HashSet<string> NodeSections = new(StringComparer.Ordinal)
    {
        "fedhe.tls", "fedhe.roster", "fedhe.training-dispatcher", "fedhe.crypto-dispatcher",
    };
    private static readonly string[] FaultKeys = ["at-round", "moment", "kind", "target", "peer", "fraction", "duration", "delay", "bytes-per-second"];

    private static readonly Lazy<SpecLayer> ReferenceLayer = new(() =>
    {
        var text = FederationConfig.ReferenceText;
        return new SpecLayer(FederationConfig.Default, SpecSource.Reference, HoconSourceMap.Scan(text));
    });

    private static readonly Lazy<BoundSpec> ReferenceSpec = new(() => Bind([]));

    /// <summary>reference.conf alone.</summary>
    public static BoundSpec Reference => ReferenceSpec.Value;

    /// <summary>Reads a spec or node file as a layer.</summary>
    /// <exception cref="FederationSpecException">The file is missing, its braces or strings are not closed, or it is not HOCON.</exception>
    public static SpecLayer ParseFile(string path)
    {
        var fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath))
            throw new FederationSpecException(path, null, null, "the file does not exist");
        return ParseText(File.ReadAllText(fullPath), path, Path.GetDirectoryName(fullPath));
    }

    /// <summary>Reads HOCON text as a file layer named <paramref name="name"/>, whose relative paths are read from <paramref name="directory"/>.</summary>
    /// <exception cref="FederationSpecException">Its braces or strings are not closed, or it is not HOCON.</exception>
    public static SpecLayer ParseText(string text, string name, string? directory = null)
    {
        var source = new SpecSource(name, SpecSourceKind.File, directory ?? Path.GetDirectoryName(Path.GetFullPath(name)));
        HoconSourceMap lines;
        try
        {
            // First: Akka's parser never returns on an unclosed string and reads an unclosed brace as the rest of the file.
            lines = HoconSourceMap.Scan(text);
        }
        catch (HoconStructureException exception)
        {
            throw new FederationSpecException(name, exception.Line, null, exception.Problem, exception);
        }

        try
        {
            return new SpecLayer(ConfigurationFactory.ParseString(text), source, lines);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            throw new FederationSpecException(name, null, null, $"not valid HOCON: {exception.Message}", exception);
        }
    }

    /// <summary>One layer per command-line override, each named by its option.</summary>
    /// <exception cref="FederationSpecException">An override's value is not HOCON.</exception>
    public static IEnumerable<SpecLayer> Overrides(IEnumerable<SpecOverride> overrides) => overrides.Select(o =>
    {
        var source = new SpecSource($"command line ({o.Option})", SpecSourceKind.CommandLine);
        try
        {
            return new SpecLayer(ConfigurationFactory.ParseString($"{o.Key} = {o.Value}"), source, null);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            throw new FederationSpecException(source.Name, null, o.Key, $"'{o.Value}' is not a value: {exception.Message}", exception);
        }
    }).ToList();

    /// <summary>Binds a spec file (or reference.conf alone, for a null path) under command-line overrides.</summary>
    /// <exception cref="FederationSpecException">The file or an override is malformed, or a key is unknown, mistyped or out of range.</exception>
    public static BoundSpec Load(string? path, IEnumerable<SpecOverride>? overrides = null)
    {
        var layers = Overrides(overrides ?? []).ToList();
        if (path is not null)
            layers.Add(ParseFile(path));
        return Bind(layers);
    }

    /// <summary>Binds configuration handed over in code (an actor system's) over reference.conf, without checking for unknown keys.</summary>
    /// <exception cref="FederationSpecException">A spec key is mistyped or out of range.</exception>
    public static FederationSpec Bind(Config config) =>
        new Reader([new SpecLayer(config, new SpecSource("configuration", SpecSourceKind.Code), null), ReferenceLayer.Value]).Read();

    /// <summary>Binds layers, highest first, over reference.conf.</summary>
    /// <exception cref="FederationSpecException">A key is unknown, mistyped or out of range; the exception names its source, line and key.</exception>
    public static BoundSpec Bind(IReadOnlyList<SpecLayer> layers)
    {
        var all = layers.Append(ReferenceLayer.Value).ToList();
        foreach (var layer in layers.Where(l => l.Source.Kind is SpecSourceKind.File or SpecSourceKind.CommandLine))
            RejectUnknownKeys(layer);
        var reader = new Reader(all);
        var spec = reader.Read();
        var origins = FederationSpecKeys.All.ToDictionary(key => key, reader.Origin, StringComparer.Ordinal);
        // A spec without a name is named after its file.
        if (origins[FederationSpecKeys.Name].Source.Kind == SpecSourceKind.Reference && all.FirstOrDefault(l => l.Source.Kind == SpecSourceKind.File) is { } file)
            origins[FederationSpecKeys.Name] = new SpecOrigin(file.Source, null);
        return new BoundSpec(spec, origins, all);
    }

    private static void RejectUnknownKeys(SpecLayer layer)
    {
        FederationSpecException Unknown(string path, string problem) =>
            new(layer.Source.Name, layer.Lines?.LineOf(path), path, problem);

        foreach (var (key, value) in layer.Config.Root.GetObject().Items)
        {
            if (key is "akka")
                continue;
            if (key != "fedhe")
                throw Unknown(key, "unknown key: a spec's keys live under fedhe { … } (e.g. fedhe.federation.hospitals; see reference.conf), a node's Akka settings under akka { … }");
            if (!value.IsObject())
                throw Unknown(key, "must be a section { … }");
            Walk("fedhe", value);
        }

        void Walk(string path, HoconValue value)
        {
            foreach (var (key, child) in value.GetObject().Items)
            {
                var childPath = $"{path}.{key}";
                if (FederationSpecKeys.Moved.TryGetValue(childPath, out var moved))
                    throw Unknown(childPath, $"has moved: the key is now {moved}");
                if (NodeSections.Contains(childPath))
                    continue;
                if (Sections.Contains(childPath))
                {
                    if (!child.IsObject())
                        throw Unknown(childPath, "must be a section { … }");
                    Walk(childPath, child);
                }
                else if (!Keys.Contains(childPath))
                {
                    var known = Keys.Concat(Sections).Where(k => k.StartsWith(path + ".", StringComparison.Ordinal) && k.IndexOf('.', path.Length + 1) < 0)
                        .Select(k => k[(path.Length + 1)..]);
                    throw Unknown(childPath, $"unknown key; {path} may have {string.Join(", ", known)}");
                }
            }
        }
    }

    private sealed class Reader(IReadOnlyList<SpecLayer> layers, string prefix = "")
    {
        private readonly Config _merged = layers.Aggregate(Config.Empty, (config, layer) => config.WithFallback(layer.Config));

        public FederationSpec Read()
        {
            var hospitals = Int(FederationSpecKeys.Hospitals, 1, 1000);
            var rounds = Int(FederationSpecKeys.Rounds, 1, 100_000);
            var seed = Int(FederationSpecKeys.Seed, int.MinValue, int.MaxValue);
            var mode = Choice(FederationSpecKeys.Mode, ["shared-key", "threshold", "insecure-plaintext"]) switch
            {
                "threshold" => KeyMode.Threshold,
                "insecure-plaintext" => KeyMode.InsecurePlaintext,
                _ => KeyMode.SharedKey,
            };
            var federation = new FederationPolicySpec(
                hospitals,
                rounds,
                AutoInt(FederationSpecKeys.Quorum, 1, hospitals),
                Duration(FederationSpecKeys.RegistrationTimeout),
                Duration(FederationSpecKeys.CollectTimeout),
                Duration(FederationSpecKeys.EvaluateTimeout),
                Int(FederationSpecKeys.MaxAttempts, 1, 100),
                seed,
                FractionFit());
            var crypto = new CryptoSpec(mode, AutoString(FederationSpecKeys.CryptoPreset), AutoInt(FederationSpecKeys.Threshold, 1, hospitals),
                Int(FederationSpecKeys.PoolSize, 0, 1024));

            var name = String(FederationSpecKeys.Name);
            if (name.Length > 0 && name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
                throw Error(FederationSpecKeys.Name, $"'{name}' must use only letters, digits, '-', '_' and '.' (it names run directories)");
            if (name.Length == 0 && FileLayer() is { } file)
                name = Path.GetFileNameWithoutExtension(file.Source.Name);

            var spec = new FederationSpec(
                new ExperimentSpec(name, String(FederationSpecKeys.Description), Int(FederationSpecKeys.CentralisedBaselineMaxEpochs, 1, 1_000_000)),
                federation,
                crypto,
                Training(),
                Data(),
                new HospitalNodeSpec(File(FederationSpecKeys.HospitalData, allowEmpty: true), AutoInt(FederationSpecKeys.HospitalIndex, 0, 999),
                    String(FederationSpecKeys.ModelDirectory)),
                new PersistenceSettings(Bool(FederationSpecKeys.PersistenceEnabled), String(FederationSpecKeys.SqlitePath), String(FederationSpecKeys.HospitalDirectory)),
                new TransferSpec(Int(FederationSpecKeys.MaxChunksPerVector, 1, int.MaxValue), Int(FederationSpecKeys.MaxOpenVectors, 1, int.MaxValue),
                    Int(FederationSpecKeys.MaxOpenVectorsPerParticipant, 1, int.MaxValue)),
                new FaultSpec(Duration(FederationSpecKeys.TrainingDelay, allowZero: true), Faults(hospitals, rounds)),
                Privacy());
            foreach (var (key, problem) in spec.Problems())
                throw Error(key, problem);
            return spec;
        }

        /// <summary>The layer that sets <paramref name="key"/>, and the line.</summary>
        public SpecOrigin Origin(string key)
        {
            foreach (var layer in layers)
            {
                if (HasPath(layer.Config, key))
                    return new SpecOrigin(layer.Source, layer.Lines?.LineOf(key));
            }

            return new SpecOrigin(SpecSource.Reference, null);
        }

        private static bool HasPath(Config config, string key)
        {
            try
            {
                return config.HasPath(key);
            }
            catch (Exception exception) when (exception is ConfigurationException or InvalidOperationException or ArgumentException)
            {
                // A value where a section is expected (fedhe.data = 3): the key is not set in this layer as such.
                return false;
            }
        }

        private SpecLayer? FileLayer() => layers.FirstOrDefault(l => l.Source.Kind == SpecSourceKind.File);

        private TrainingSpec Training()
        {
            var kind = Choice(FederationSpecKeys.Model, ["logistic-regression", "mlp"]);
            var hidden = IntList(FederationSpecKeys.HiddenLayers);
            if (kind == "logistic-regression" && hidden.Count > 0)
                throw Error(FederationSpecKeys.HiddenLayers, "applies to model = mlp only");
            if (hidden.Any(size => size < 1))
                throw Error(FederationSpecKeys.HiddenLayers, $"layer sizes must be positive, got [{string.Join(", ", hidden)}]");
            if (kind == "mlp" && hidden.Count == 0)
                throw Error(FederationSpecKeys.HiddenLayers, "an mlp needs at least one hidden layer, e.g. [16, 8]", blame: FederationSpecKeys.Model);
            var model = kind == "mlp" ? ModelSpec.Mlp([.. hidden]) : ModelSpec.LogisticRegression;
            return new TrainingSpec(
                model,
                Int(FederationSpecKeys.Epochs, 1, 10_000),
                Int(FederationSpecKeys.BatchSize, 1, 1_000_000),
                Choice(FederationSpecKeys.Optimizer, ["sgd", "adam"]) == "adam" ? OptimizerKind.Adam : OptimizerKind.Sgd,
                Double(FederationSpecKeys.LearningRate, positive: true),
                Double(FederationSpecKeys.ProximalMu, positive: false));
        }

        private PrivacySpec Privacy()
        {
            var mode = Choice(FederationSpecKeys.PrivacyMode, ["none", "local", "distributed"]) switch
            {
                "local" => PrivacyMode.Local,
                "distributed" => PrivacyMode.Distributed,
                _ => PrivacyMode.None,
            };
            return new PrivacySpec(
                mode,
                Double(FederationSpecKeys.NoiseMultiplier, positive: false),
                Double(FederationSpecKeys.ClipNorm, positive: true),
                Double(FederationSpecKeys.SamplingRate, positive: true),
                Double(FederationSpecKeys.TargetEpsilon, positive: true),
                Double(FederationSpecKeys.Delta, positive: true),
                Int(FederationSpecKeys.GridBits, 4, 24));
        }

        private DataSpec Data()
        {
            var scheme = Choice(FederationSpecKeys.PartitionScheme, ["iid", "dirichlet", "quantity"]) switch
            {
                "dirichlet" => PartitionScheme.Dirichlet,
                "quantity" => PartitionScheme.QuantitySkewed,
                _ => PartitionScheme.Iid,
            };
            var fraction = Double(FederationSpecKeys.TestFraction, positive: true);
            if (fraction >= 1)
                throw Error(FederationSpecKeys.TestFraction, $"must be strictly between 0 and 1, got {fraction.ToString(CultureInfo.InvariantCulture)}");
            return new DataSpec(File(FederationSpecKeys.DataFile, allowEmpty: false), AutoString(FederationSpecKeys.LabelColumn), fraction, scheme,
                Double(FederationSpecKeys.PartitionAlpha, positive: true), HospitalFiles(), File(FederationSpecKeys.TestData, allowEmpty: true));
        }

        /// <summary>
        /// <c>fedhe.data.hospitals</c>: a list of CSV files, one per hospital in order, each found as <see cref="File"/> finds one;
        /// or a single directory (as a one-element list or a plain string), whose <c>*.csv</c> files are taken in ordinal order.
        /// </summary>
        private List<string> HospitalFiles()
        {
            var key = FederationSpecKeys.HospitalFiles;
            if (!HasPath(_merged, key))
                return [];
            var value = _merged.GetValue(key);
            List<string> given = IsList(value)
                ? [.. value.GetArray().Select(item => item.GetString() ?? string.Empty)]
                : value.GetString() is { Length: > 0 } single ? [single] : [];
            if (given.Count == 0)
                return [];
            var origin = Origin(key);
            if (given.Count == 1 && FindDirectory(given[0], origin.Source.Directory) is { } directory)
            {
                var files = Directory.GetFiles(directory, "*.csv").Order(StringComparer.Ordinal).ToList();
                return files.Count > 0 ? files : throw Error(key, $"the directory '{directory}' holds no .csv file");
            }

            var found = new List<string>();
            foreach (var (file, i) in given.Select((file, i) => (file, i)))
            {
                if (file.Length == 0)
                    throw Error($"{key}[{i}]", "is empty: name a CSV file");
                found.Add(SpecFiles.Find(file, origin.Source.Directory)
                    ?? throw Error($"{key}[{i}]", $"'{file}' was found neither " + (origin.Source.Directory is null ? string.Empty : "beside the spec (or a parent directory) nor ")
                                                 + "under the working or install directory"));
            }

            return found;
        }

        private static string? FindDirectory(string path, string? anchor)
        {
            if (Path.IsPathRooted(path))
                return Directory.Exists(path) ? path : null;
            return new[] { anchor, Environment.CurrentDirectory }.OfType<string>()
                .Select(start => Path.GetFullPath(Path.Combine(start, path)))
                .FirstOrDefault(Directory.Exists);
        }

        /// <summary>
        /// A data file: relative paths set in a file are read from its directory or a parent (specs live in experiments/, data in
        /// data/), then, as for every other source, from the working directory or a parent, then the install directory.
        /// </summary>
        private string File(string key, bool allowEmpty)
        {
            var given = String(key);
            if (given.Length == 0)
                return allowEmpty ? given : throw Error(key, "must name a CSV file");
            var origin = Origin(key);
            if (SpecFiles.Find(given, origin.Source.Directory) is { } found)
                return found;
            if (origin.Source.Kind == SpecSourceKind.Reference || origin.Source.Kind == SpecSourceKind.Code)
                return given;
            throw Error(key, $"'{given}' was found neither " + (origin.Source.Directory is null ? string.Empty : "beside the spec (or a parent directory) nor ")
                             + "under the working or install directory");
        }

        private IReadOnlyList<SimulatedFault> Faults(int hospitals, int rounds)
        {
            var key = FederationSpecKeys.FaultSchedule;
            var value = Value(key, allowCompound: true);
            if (value is null || (!IsList(value) && value.GetString() is null or ""))
                return [];
            if (!IsList(value))
                throw Error(key, "must be a list of faults [ { at-round = …, kind = …, target = … } ]");

            var faults = new List<SimulatedFault>();
            var entries = value.GetArray();
            for (var i = 0; i < entries.Count; i++)
            {
                var entryKey = $"{key}[{i}]";
                if (!entries[i].IsObject())
                    throw Error(entryKey, "must be a section { at-round = …, kind = …, target = … }");
                var entry = new Config(new HoconRoot(entries[i]));
                var unknown = entry.Root.GetObject().Items.Keys.FirstOrDefault(k => !FaultKeys.Contains(k));
                if (unknown is not null)
                    throw Error($"{entryKey}.{unknown}", $"unknown key; a fault may have {string.Join(", ", FaultKeys)}");

                var reader = new Reader([new SpecLayer(entry, Origin(key).Source, null)], entryKey + ".") { Lines = LinesOf(key) };
                var fault = reader.Fault(hospitals, rounds);
                faults.Add(fault);
            }

            return [.. faults.OrderBy(f => f.Round).ThenBy(f => f.Moment)];
        }

        private HoconSourceMap? Lines { get; init; }

        private HoconSourceMap? LinesOf(string key) => layers.FirstOrDefault(l => HasPath(l.Config, key))?.Lines;

        private SimulatedFault Fault(int hospitals, int rounds)
        {
            var atRound = Int("at-round", 0, rounds);
            var momentName = Optional("moment") is null ? FaultNames.Name(FaultMoment.RoundStarted) : Choice("moment", [.. FaultNames.Moments.Keys]);
            var kind = FaultNames.Kinds[Choice("kind", [.. FaultNames.Kinds.Keys])];
            var target = String("target");
            var network = kind is FaultKind.DropMessages or FaultKind.PartitionNode or FaultKind.DelayMessages;
            if (!IsNode(target, hospitals, aggregator: network || kind == FaultKind.RestartAggregator, everyNode: kind is FaultKind.DropMessages or FaultKind.DelayMessages))
                throw Error("target", $"'{target}' is not one of {TargetNames(kind, hospitals)}");
            var peer = Optional("peer");
            if (peer is not null && !IsNode(peer, hospitals, aggregator: true, everyNode: false))
                throw Error("peer", $"'{peer}' is not one of aggregator, hospital-1 … hospital-{hospitals}");

            var fault = new SimulatedFault(atRound, FaultNames.Moments[momentName], kind, target)
            {
                Peer = peer,
                Fraction = Optional("fraction") is null ? 0 : Double("fraction", positive: false),
                Duration = Optional("duration") is null ? (kind == FaultKind.PartitionNode ? throw Error("duration", "is required") : null) : Duration("duration"),
                Delay = Optional("delay") is null ? (kind == FaultKind.SlowHospital ? throw Error("delay", "is required") : TimeSpan.Zero) : Duration("delay"),
                BytesPerSecond = Optional("bytes-per-second") is null
                    ? (kind == FaultKind.DelayMessages ? throw Error("bytes-per-second", "is required") : 0)
                    : Int("bytes-per-second", 1, int.MaxValue),
            };
            try
            {
                return fault.Validate();
            }
            catch (ArgumentException exception)
            {
                var key = exception.ParamName switch
                {
                    nameof(SimulatedFault.Fraction) => "fraction",
                    nameof(SimulatedFault.Peer) => "peer",
                    nameof(SimulatedFault.Duration) => "duration",
                    nameof(SimulatedFault.Delay) => "delay",
                    nameof(SimulatedFault.BytesPerSecond) => "bytes-per-second",
                    nameof(SimulatedFault.Target) => "target",
                    _ => "kind",
                };
                var message = exception.Message;
                var end = message.IndexOf(" (Parameter", StringComparison.Ordinal);
                throw Error(key, end >= 0 ? message[..end] : message);
            }
        }

        private static bool IsNode(string name, int hospitals, bool aggregator, bool everyNode) =>
            (aggregator && name == SimulatedFault.Aggregator) || (everyNode && name == SimulatedFault.EveryNode)
            || FaultNames.HospitalNumber(name) is { } number && number <= hospitals;

        private static string TargetNames(FaultKind kind, int hospitals) => kind switch
        {
            FaultKind.DropMessages or FaultKind.DelayMessages => $"all, aggregator, hospital-1 … hospital-{hospitals}",
            FaultKind.PartitionNode or FaultKind.RestartAggregator => $"aggregator, hospital-1 … hospital-{hospitals}",
            _ => $"hospital-1 … hospital-{hospitals}",
        };

        // Akka's HOCON reports an empty list ([]) as no array at all.
        private static bool IsList(HoconValue value) => value.IsArray() || value.Values.Any(v => v is HoconArray);

        /// <summary>An error about <paramref name="key"/>, located where the user set it, or where they set <paramref name="blame"/> if reference.conf set the key.</summary>
        private FederationSpecException Error(string key, string problem, string? blame = null)
        {
            if (blame is not null && Origin(key).Source.Kind == SpecSourceKind.Reference && Origin(blame) is { Source.Kind: not SpecSourceKind.Reference } blamed)
                return new FederationSpecException(blamed.Source.Name, blamed.Line, prefix + key, $"{problem} (as {blame} = {String(blame)})");
            var path = prefix + key;
            if (Lines is not null)
            {
                var source = layers[0].Source;
                return new FederationSpecException(source.Name, Lines.LineOf(path), path, problem);
            }

            // A list element's origin is its list's; its line is the element's own where the text gives one.
            var bracket = key.IndexOf('[', StringComparison.Ordinal);
            var listKey = bracket < 0 ? key : key[..bracket];
            var layer = layers.FirstOrDefault(l => HasPath(l.Config, listKey));
            return layer is null
                ? new FederationSpecException("reference.conf", null, path, problem)
                : new FederationSpecException(layer.Source.Name, layer.Lines?.LineOf(path), path, problem);
        }

        private HoconValue? Value(string key, bool allowCompound = false)
        {
            if (!HasPath(_merged, key))
            {
                return prefix.Length > 0
                    ? null
                    : throw Error(key, "is required (it has no default in reference.conf: is a section of the file cut short?)");
            }

            var value = _merged.GetValue(key);
            if (value is null || (!allowCompound && (value.IsObject() || IsList(value))))
                throw Error(key, "must be a single value, not a section or list");
            return value;
        }

        private string? Optional(string key) => Value(key)?.GetString();

        private string String(string key) => Value(key)?.GetString() ?? throw Error(key, "is required");

        private string? AutoString(string key)
        {
            var text = String(key);
            return text is "auto" or "" ? null : text;
        }

        private string Choice(string key, string[] allowed)
        {
            var text = String(key);
            return allowed.Contains(text) ? text : throw Error(key, $"'{text}' is not one of {string.Join(", ", allowed)}");
        }

        private bool Bool(string key)
        {
            var text = String(key);
            return text switch
            {
                "on" or "true" or "yes" => true,
                "off" or "false" or "no" => false,
                _ => throw Error(key, $"'{text}' is neither on nor off"),
            };
        }

        private int Int(string key, int min, int max)
        {
            var text = String(key);
            if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
                throw Error(key, $"'{text}' is not a whole number");
            if (value < min || value > max)
                throw Error(key, $"must be between {min} and {max}, got {value}");
            return value;
        }

        private int? AutoInt(string key, int min, int max) => String(key) == "auto" ? null : Int(key, min, max);

        private double FractionFit()
        {
            var fraction = Double(FederationSpecKeys.FractionFit, positive: true);
            return fraction <= 1 ? fraction
                : throw Error(FederationSpecKeys.FractionFit, $"must be in (0, 1], got {fraction.ToString(CultureInfo.InvariantCulture)}");
        }

        private double Double(string key, bool positive)
        {
            var text = String(key);
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
                throw Error(key, $"'{text}' is not a finite number");
            if (positive ? value <= 0 : value < 0)
                throw Error(key, $"must be {(positive ? "positive" : "zero or positive")}, got {text}");
            return value;
        }

        private TimeSpan Duration(string key, bool allowZero = false)
        {
            var value = Value(key) ?? throw Error(key, "is required");
            TimeSpan duration;
            try
            {
                duration = value.GetTimeSpan();
            }
            catch (Exception exception) when (exception is FormatException or OverflowException or ArgumentException or InvalidOperationException or ConfigurationException)
            {
                throw Error(key, $"'{value.GetString()}' is not a duration such as 30s or 500ms");
            }

            return duration > TimeSpan.Zero || (allowZero && duration == TimeSpan.Zero)
                ? duration
                : throw Error(key, $"must be positive, got '{value.GetString()}'");
        }

        private List<int> IntList(string key)
        {
            if (!HasPath(_merged, key))
                return [];
            var value = _merged.GetValue(key);
            if (!IsList(value))
            {
                if (value.GetString() is null or "")
                    return [];
                throw Error(key, "must be a list of layer sizes such as [16, 8]");
            }

            var sizes = new List<int>();
            foreach (var item in value.GetArray())
            {
                var text = item.GetString();
                sizes.Add(int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var size)
                    ? size
                    : throw Error(key, $"'{text}' is not a whole number"));
            }

            return sizes;
        }
    }
}
