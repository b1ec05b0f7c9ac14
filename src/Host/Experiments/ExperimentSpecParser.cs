using System.Globalization;
using Akka.Configuration;
using Akka.Configuration.Hocon;
using FederatedHe.Actors.Configuration;
using FederatedHe.Crypto.Ckks;
using FederatedHe.Crypto.Multiparty;
using FederatedHe.Host.Hosting;
using FederatedHe.Host.Simulation;
using FederatedHe.Training.Local;
using FederatedHe.Training.Models;

namespace FederatedHe.Host.Experiments;

/// <summary>
/// Reads experiment specs. Every key is checked for presence, type and range, and a key the schema does not
/// know is refused (a typo would otherwise silently fall back to a default); each error names the file and key.
/// </summary>
public static class ExperimentSpecParser
{
    // The schema: every key a spec may have. Sections list their own keys; `faults` entries are checked separately.
    private static readonly IReadOnlyDictionary<string, string[]> Sections = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        [string.Empty] = ["name", "description", "seed", "hospitals", "rounds", "data", "partition", "model", "training", "encryption", "federation", "faults"],
        ["data"] = ["path", "test-fraction"],
        ["partition"] = ["scheme", "alpha"],
        ["model"] = ["kind", "hidden-layers"],
        ["training"] = ["epochs", "batch-size", "optimizer", "learning-rate", "proximal-mu"],
        ["encryption"] = ["mode", "preset", "threshold"],
        ["federation"] = ["quorum", "collect-timeout", "evaluate-timeout", "max-attempts"],
    };

    private static readonly string[] FaultKeys = ["at-round", "moment", "kind", "target", "peer", "fraction", "duration", "delay", "bytes-per-second"];

    /// <summary>Reads and validates a spec file.</summary>
    /// <exception cref="ExperimentSpecException">The file is missing or not HOCON, or a key is missing, unknown, mistyped or out of range.</exception>
    public static ExperimentSpec Load(string path)
    {
        var fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath))
            throw new ExperimentSpecException(path, null, "the spec file does not exist");
        return Parse(File.ReadAllText(fullPath), fullPath);
    }

    /// <summary>Validates a spec's text; <paramref name="filePath"/> names it in errors and anchors relative data paths.</summary>
    /// <exception cref="ExperimentSpecException">The text is not HOCON, or a key is missing, unknown, mistyped or out of range.</exception>
    public static ExperimentSpec Parse(string text, string filePath)
    {
        // Akka's HOCON tokenizer never returns on an unterminated quoted string (it keeps allocating), so those are caught first.
        if (UnterminatedStringLine(text) is { } line)
            throw new ExperimentSpecException(filePath, null, $"line {line}: a quoted string is not closed");

        Config config;
        try
        {
            config = ConfigurationFactory.ParseString(text);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            throw new ExperimentSpecException(filePath, null, $"not valid HOCON: {exception.Message}", exception);
        }

        return new Reader(config, filePath).Read();
    }

    /// <summary>The 1-based line on which a "…" or """…""" string opens and is never closed, or null.</summary>
    internal static int? UnterminatedStringLine(string text)
    {
        var line = 1;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\n')
            {
                line++;
            }
            else if (c == '#' || (c == '/' && i + 1 < text.Length && text[i + 1] == '/'))
            {
                // A comment runs to the end of the line.
                while (i + 1 < text.Length && text[i + 1] != '\n')
                    i++;
            }
            else if (c == '"' && string.CompareOrdinal(text, i, "\"\"\"", 0, 3) == 0)
            {
                var close = text.IndexOf("\"\"\"", i + 3, StringComparison.Ordinal);
                if (close < 0)
                    return line;
                line += text.AsSpan(i, close - i).Count('\n');
                i = close + 2;
            }
            else if (c == '"')
            {
                var opened = line;
                for (i++; ; i++)
                {
                    if (i >= text.Length || text[i] == '\n')
                        return opened;
                    if (text[i] == '\\')
                        i++;
                    else if (text[i] == '"')
                        break;
                }
            }
        }

        return null;
    }

    private sealed class Reader(Config config, string filePath)
    {
        public ExperimentSpec Read()
        {
            RejectUnknownKeys();

            var hospitals = Int("hospitals", required: true, min: 1, max: 1000)!.Value;
            var rounds = Int("rounds", required: true, min: 1, max: 100_000)!.Value;
            var seed = Int("seed", required: true, min: int.MinValue, max: int.MaxValue)!.Value;

            var partitionName = Choice("partition.scheme", ["iid", "dirichlet", "quantity"], required: true)!;
            var partition = partitionName switch
            {
                "dirichlet" => PartitionScheme.Dirichlet,
                "quantity" => PartitionScheme.QuantitySkewed,
                _ => PartitionScheme.Iid,
            };
            var alpha = Double("partition.alpha", 0.5, positive: true);

            var training = new TrainingOptions
            {
                Epochs = Int("training.epochs", required: false, min: 1, max: 10_000) ?? 2,
                BatchSize = Int("training.batch-size", required: false, min: 1, max: 1_000_000) ?? 16,
                Optimizer = Choice("training.optimizer", ["sgd", "adam"], required: false) == "adam" ? OptimizerKind.Adam : OptimizerKind.Sgd,
                LearningRate = Double("training.learning-rate", 0.05, positive: true),
                ProximalMu = Double("training.proximal-mu", 0, positive: false),
                Seed = seed,
            };

            var mode = Choice("encryption.mode", ["shared-key", "threshold"], required: false) == "threshold" ? KeyMode.Threshold : KeyMode.SharedKey;
            var preset = String("encryption.preset", required: false);
            if (preset is not null)
            {
                var known = mode == KeyMode.Threshold ? ThresholdPresets.All.Keys : CkksPresets.All.Keys;
                if (!known.Contains(preset))
                    throw Error("encryption.preset", $"'{preset}' is not a {(mode == KeyMode.Threshold ? "threshold" : "CKKS")} preset; known: {string.Join(", ", known)}");
            }

            var threshold = Int("encryption.threshold", required: false, min: 1, max: hospitals);
            if (threshold is not null && mode != KeyMode.Threshold)
                throw Error("encryption.threshold", "is only meaningful with encryption.mode = threshold");

            var quorum = Int("federation.quorum", required: false, min: 1, max: hospitals);
            var name = String("name", required: false) ?? Path.GetFileNameWithoutExtension(filePath);
            if (name.Length == 0 || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
                throw Error("name", $"'{name}' must be non-empty and use only letters, digits, '-', '_' and '.' (it names run directories)");

            var spec = new ExperimentSpec(
                Name: name,
                Description: String("description", required: false) ?? string.Empty,
                FilePath: filePath,
                DataPath: DataPath(),
                TestFraction: TestFraction(),
                Partition: partition,
                Alpha: alpha,
                Hospitals: hospitals,
                Rounds: rounds,
                Seed: seed,
                Model: Model(),
                Training: training,
                Mode: mode,
                CryptoPreset: preset,
                Threshold: threshold,
                Quorum: quorum,
                CollectTimeout: Duration("federation.collect-timeout", required: false) ?? TimeSpan.FromSeconds(30),
                EvaluateTimeout: Duration("federation.evaluate-timeout", required: false),
                MaxAttempts: Int("federation.max-attempts", required: false, min: 1, max: 100),
                Faults: Faults(hospitals, rounds));
            return spec;
        }

        private void RejectUnknownKeys()
        {
            foreach (var (section, keys) in Sections)
            {
                var value = section.Length == 0 ? config.Root : config.HasPath(section) ? config.GetValue(section) : null;
                if (value is null)
                    continue;
                if (!value.IsObject())
                    throw Error(section, "must be a section { … }");
                foreach (var key in value.GetObject().Items.Keys)
                {
                    if (!keys.Contains(key))
                    {
                        var path = section.Length == 0 ? key : $"{section}.{key}";
                        throw Error(path, $"unknown key; {(section.Length == 0 ? "a spec" : $"section '{section}'")} may have {string.Join(", ", keys)}");
                    }
                }
            }
        }

        private string DataPath()
        {
            var given = String("data.path", required: true)!;
            if (Path.IsPathRooted(given))
                return File.Exists(given) ? given : throw Error("data.path", $"'{given}' does not exist");

            // Relative paths are read from the spec's directory or one of its parents (specs live in experiments/, data in data/),
            // then as the program finds its shipped files (working directory, then install directory).
            for (var directory = new DirectoryInfo(Path.GetDirectoryName(Path.GetFullPath(filePath))!); directory is not null; directory = directory.Parent)
            {
                var candidate = Path.Combine(directory.FullName, given);
                if (File.Exists(candidate))
                    return candidate;
            }

            try
            {
                return ProjectFiles.Locate(given);
            }
            catch (FileNotFoundException)
            {
                throw Error("data.path", $"'{given}' was found neither beside the spec (or a parent directory) nor under the working or install directory");
            }
        }

        private double TestFraction()
        {
            var fraction = Double("data.test-fraction", 0.2, positive: true);
            return fraction < 1 ? fraction : throw Error("data.test-fraction", $"must be strictly between 0 and 1, got {fraction.ToString(CultureInfo.InvariantCulture)}");
        }

        private ModelSpec Model()
        {
            var kind = Choice("model.kind", ["logistic-regression", "mlp"], required: true);
            var hidden = IntList("model.hidden-layers");
            if (kind == "logistic-regression")
            {
                return hidden.Count == 0
                    ? ModelSpec.LogisticRegression
                    : throw Error("model.hidden-layers", "logistic regression has no hidden layers; remove the key or use kind = mlp");
            }

            if (hidden.Count == 0)
                throw Error("model.hidden-layers", "an MLP needs at least one hidden layer, e.g. [16, 8]");
            if (hidden.Any(size => size < 1))
                throw Error("model.hidden-layers", $"layer sizes must be positive, got [{string.Join(", ", hidden)}]");
            return ModelSpec.Mlp([.. hidden]);
        }

        private List<SimulatedFault> Faults(int hospitals, int rounds)
        {
            if (!config.HasPath("faults"))
                return [];
            var value = config.GetValue("faults");
            if (!IsList(value))
                throw Error("faults", "must be a list of { at-round, kind, target } entries (or [])");

            var faults = new List<SimulatedFault>();
            var entries = value.GetArray();
            for (var i = 0; i < entries.Count; i++)
            {
                var prefix = $"faults[{i}]";
                if (!entries[i].IsObject())
                    throw Error(prefix, "must be an object { at-round = …, kind = …, target = … }");
                var entry = new Config(new HoconRoot(entries[i]));
                foreach (var key in entries[i].GetObject().Items.Keys.Where(k => !FaultKeys.Contains(k)))
                    throw Error($"{prefix}.{key}", $"unknown key; a fault may have {string.Join(", ", FaultKeys)}");

                var entryReader = new Reader(entry, filePath) { Prefix = prefix + "." };
                var atRound = entryReader.Int("at-round", required: true, min: 0, max: rounds)!.Value;
                var momentName = entryReader.Choice("moment", [.. FaultNames.Moments.Keys], required: false) ?? FaultNames.Name(FaultMoment.RoundStarted);
                var kindName = entryReader.Choice("kind", [.. FaultNames.Kinds.Keys], required: true)!;
                var kind = FaultNames.Kinds[kindName];
                var target = entryReader.String("target", required: true)!;
                var network = kind is FaultKind.DropMessages or FaultKind.PartitionNode or FaultKind.DelayMessages;
                if (!IsNode(target, hospitals, aggregator: network || kind == FaultKind.RestartAggregator,
                        everyNode: kind is FaultKind.DropMessages or FaultKind.DelayMessages))
                    throw Error($"{prefix}.target", $"'{target}' is not one of {TargetNames(kind, hospitals)}");
                var peer = entryReader.String("peer", required: false);
                if (peer is not null && !IsNode(peer, hospitals, aggregator: true, everyNode: false))
                    throw Error($"{prefix}.peer", $"'{peer}' is not one of aggregator, hospital-1 … hospital-{hospitals}");

                var fault = new SimulatedFault(atRound, FaultNames.Moments[momentName], kind, target)
                {
                    Peer = peer,
                    Fraction = entryReader.Double("fraction", fallback: 0, positive: false),
                    Duration = entryReader.Duration("duration", required: kind == FaultKind.PartitionNode),
                    Delay = entryReader.Duration("delay", required: kind == FaultKind.SlowHospital) ?? TimeSpan.Zero,
                    BytesPerSecond = entryReader.Int("bytes-per-second", required: kind == FaultKind.DelayMessages, min: 1, max: int.MaxValue) ?? 0,
                };
                try
                {
                    fault.Validate();
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
                    throw Error($"{prefix}.{key}", exception.Message[..(exception.Message.IndexOf(" (Parameter", StringComparison.Ordinal) is var end and >= 0 ? end : exception.Message.Length)]);
                }

                faults.Add(fault);
            }

            return [.. faults.OrderBy(f => f.Round).ThenBy(f => f.Moment)];
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

        private string Prefix { get; init; } = string.Empty;

        // Akka's HOCON reports an empty list ([]) as no array at all.
        private static bool IsList(HoconValue value) => value.IsArray() || value.Values.Any(v => v is HoconArray);

        private ExperimentSpecException Error(string key, string problem) => new(filePath, Prefix + key, problem);

        private HoconValue? Value(string key, bool required)
        {
            if (!config.HasPath(key))
                return required ? throw Error(key, "is required") : null;
            var value = config.GetValue(key);
            if (value is null || value.IsObject() || value.IsArray())
                throw Error(key, "must be a single value, not a section or list");
            return value;
        }

        private string? String(string key, bool required)
        {
            var text = Value(key, required)?.GetString();
            return text is { Length: 0 } && required ? throw Error(key, "must not be empty") : text;
        }

        private string? Choice(string key, string[] allowed, bool required)
        {
            var text = String(key, required);
            return text is null || allowed.Contains(text)
                ? text
                : throw Error(key, $"'{text}' is not one of {string.Join(", ", allowed)}");
        }

        private int? Int(string key, bool required, int min, int max)
        {
            var text = String(key, required);
            if (text is null)
                return null;
            if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
                throw Error(key, $"'{text}' is not a whole number");
            if (value < min || value > max)
                throw Error(key, $"must be between {min} and {max}, got {value}");
            return value;
        }

        private double Double(string key, double fallback, bool positive)
        {
            var text = String(key, required: false);
            if (text is null)
                return fallback;
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
                throw Error(key, $"'{text}' is not a finite number");
            if (positive ? value <= 0 : value < 0)
                throw Error(key, $"must be {(positive ? "positive" : "zero or positive")}, got {text}");
            return value;
        }

        private TimeSpan? Duration(string key, bool required)
        {
            var value = Value(key, required);
            if (value is null)
                return null;
            TimeSpan duration;
            try
            {
                duration = value.GetTimeSpan();
            }
            catch (Exception exception) when (exception is FormatException or OverflowException or ArgumentException or InvalidOperationException or ConfigurationException)
            {
                throw Error(key, $"'{value.GetString()}' is not a duration such as 30s or 500ms");
            }

            return duration > TimeSpan.Zero ? duration : throw Error(key, $"must be positive, got '{value.GetString()}'");
        }

        private List<int> IntList(string key)
        {
            if (!config.HasPath(key))
                return [];
            var value = config.GetValue(key);
            if (!IsList(value))
                throw Error(key, "must be a list of layer sizes such as [16, 8]");
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
