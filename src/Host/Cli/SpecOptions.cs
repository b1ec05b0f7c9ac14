using System.CommandLine;
using System.Globalization;
using FederatedHe.Actors.Spec;
using FederatedHe.Training.Models;

namespace FederatedHe.Host.Cli;

/// <summary>
/// Command-line options that override federation spec keys. Each option names one key of reference.conf; `--set key=value`
/// reaches any other. The binder records each override's option, so errors and `fedhe spec show` name it.
/// </summary>
internal sealed class SpecOptions
{
    private readonly List<(Option Option, string Key, Func<ParseResult, string?> Value)> _keyed = [];

    /// <summary>
    /// The federation's common overrides (hospitals, rounds, quorum, mode, partition, seed, data, training, preset) and --set,
    /// shared by `simulate`, `experiment run`, `cluster up`, `baseline` and `spec show`.
    /// </summary>
    public static SpecOptions Federation()
    {
        var options = new SpecOptions();
        options.Add<int>("--hospitals", FederationSpecKeys.Hospitals, "Number of hospitals");
        options.Add<int>("--rounds", FederationSpecKeys.Rounds, "Training rounds");
        options.Add<int>("--quorum", FederationSpecKeys.Quorum, "Fewest updates a round may aggregate");
        options.AddText("--mode", FederationSpecKeys.Mode,
                "shared-key, threshold, or insecure-plaintext (INSECURE: unencrypted updates, for measuring what encryption costs)", quote: false)
            .AcceptOnlyFromAmong("shared-key", "threshold", "insecure-plaintext");
        options.Add<int>("--threshold", FederationSpecKeys.Threshold, "Threshold mode: hospitals needed to decrypt");
        options.AddText("--partition", FederationSpecKeys.PartitionScheme, "iid, dirichlet or quantity", quote: false).AcceptOnlyFromAmong("iid", "dirichlet", "quantity");
        options.Add<double>("--alpha", FederationSpecKeys.PartitionAlpha, "Dirichlet concentration for skewed partitions");
        options.Add<int>("--seed", FederationSpecKeys.Seed, "Seed for split, partition, model and training");
        options.AddText("--data", FederationSpecKeys.DataFile, "CSV data set");
        options.AddList("--hospital-data", FederationSpecKeys.HospitalFiles, "Each hospital's own CSV, in order (a.csv,b.csv,…), or a directory of them");
        options.AddText("--test-data", FederationSpecKeys.TestData, "Common evaluation CSV every hospital scores the global model on");
        options.Add<int>("--epochs", FederationSpecKeys.Epochs, "Local epochs per round");
        options.Add<double>("--learning-rate", FederationSpecKeys.LearningRate, "Local learning rate");
        options.AddText("--preset", FederationSpecKeys.CryptoPreset,
            // Names only (nameof): building the parameter sets just to list them would cost every command's start.
            "CKKS parameter preset: " + string.Join(", ", nameof(FederatedHe.Crypto.Ckks.CkksPresets.Params128BitLogN13FedAvg),
                nameof(FederatedHe.Crypto.Ckks.CkksPresets.Params128BitLogN13LogQ101), nameof(FederatedHe.Crypto.Ckks.CkksPresets.Params128BitLogN14LogQ101),
                nameof(FederatedHe.Crypto.Ckks.CkksPresets.Params128BitLogN12LogQ60Aggregation)) +
            "; threshold mode: " + string.Join(", ", nameof(FederatedHe.Crypto.Multiparty.ThresholdPresets.Params128BitLogN13LogQ160Threshold),
                nameof(FederatedHe.Crypto.Multiparty.ThresholdPresets.Params128BitLogN14LogQ160Threshold),
                nameof(FederatedHe.Crypto.Multiparty.ThresholdPresets.Params128BitLogN13LogQ108SeededThreshold)));
        options.AddText("--privacy", FederationSpecKeys.PrivacyMode, "Differential privacy: none, local (DP-SGD) or distributed (noise shares under encryption)", quote: false)
            .AcceptOnlyFromAmong("none", "local", "distributed");
        options.Add<double>("--noise-multiplier", FederationSpecKeys.NoiseMultiplier, "Differential privacy: noise standard deviation over the clip norm");
        options.Add<double>("--clip-norm", FederationSpecKeys.ClipNorm, "Differential privacy: L2 clip norm");
        options.Add<double>("--target-epsilon", FederationSpecKeys.TargetEpsilon, "Differential privacy budget: stop before a round that would exceed it");
        options.Add<double>("--delta", FederationSpecKeys.Delta, "Differential privacy: δ of the reported (ε, δ)");
        options.Model = new Option<string?>("--model") { Description = "logistic-regression or mlp:16,8 (fedhe.training.model and hidden-layers)" };
        return options;
    }

    /// <summary>`--model logistic-regression|mlp:16,8`, which sets two keys; null unless <see cref="Federation"/> made these options.</summary>
    public Option<string?>? Model { get; private set; }

    /// <summary>`--set key=value`, repeatable: any spec key.</summary>
    public Option<string[]> Set { get; } = new("--set")
    {
        Description = "Override any spec key, e.g. --set fedhe.training.epochs=3 (repeatable; see `fedhe spec show`)",
        AllowMultipleArgumentsPerToken = false,
    };

    /// <summary>An option overriding <paramref name="key"/> with its value as written (numbers, names, durations).</summary>
    public Option<T?> Add<T>(string name, string key, string description) where T : struct
    {
        var option = new Option<T?>(name) { Description = $"{description} ({key})" };
        _keyed.Add((option, key, result => result.GetValue(option) is { } value ? Convert.ToString(value, CultureInfo.InvariantCulture) : null));
        return option;
    }

    /// <summary>A string option overriding <paramref name="key"/>; the value is quoted.</summary>
    public Option<string?> AddText(string name, string key, string description, bool quote = true)
    {
        var option = new Option<string?>(name) { Description = $"{description} ({key})" };
        _keyed.Add((option, key, result => result.GetValue(option) is { } value ? (quote ? FederationSpecWriter.Quote(value) : value) : null));
        return option;
    }

    /// <summary>A comma-separated option overriding the list <paramref name="key"/>, each item quoted.</summary>
    public Option<string?> AddList(string name, string key, string description)
    {
        var option = new Option<string?>(name) { Description = $"{description} ({key})" };
        _keyed.Add((option, key, result => result.GetValue(option) is { } value
            ? $"[{string.Join(", ", value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(FederationSpecWriter.Quote))}]"
            : null));
        return option;
    }

    /// <summary>Every option, --set last.</summary>
    public IEnumerable<Option> All => _keyed.Select(k => k.Option).Concat(Model is null ? [] : [Model]).Append(Set);

    /// <summary>Adds every option to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (var option in All)
            command.Options.Add(option);
    }

    /// <summary>The overrides the user gave, in the order of the options.</summary>
    /// <exception cref="FederationSpecException">A --set is not key=value.</exception>
    public List<SpecOverride> Overrides(ParseResult result)
    {
        var overrides = new List<SpecOverride>();
        foreach (var (option, key, value) in _keyed)
        {
            if (value(result) is { } text)
                overrides.Add(new SpecOverride(key, text, option.Name));
        }

        if (Model is not null && result.GetValue(Model) is { } model)
            overrides.AddRange(ModelOverrides(model));

        foreach (var assignment in result.GetValue(Set) ?? [])
        {
            var equals = assignment.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
                throw new FederationSpecException("command line (--set)", null, null, $"'{assignment}' is not key=value, e.g. fedhe.training.epochs=3");
            overrides.Add(new SpecOverride(assignment[..equals].Trim(), assignment[(equals + 1)..].Trim(), $"--set {assignment[..equals].Trim()}"));
        }

        return overrides;
    }

    /// <summary>The spec overrides of `--model logistic-regression` or `--model mlp:16,8`.</summary>
    /// <exception cref="ArgumentException">The text is neither.</exception>
    internal static IEnumerable<SpecOverride> ModelOverrides(string text) => ParseModel(text) is MlpSpec mlp
        ? [new(FederationSpecKeys.Model, "mlp", "--model"), new(FederationSpecKeys.HiddenLayers, $"[{string.Join(", ", mlp.HiddenLayerSizes)}]", "--model")]
        : [new(FederationSpecKeys.Model, "logistic-regression", "--model"), new(FederationSpecKeys.HiddenLayers, "[]", "--model")];

    /// <summary>The model named by `--model logistic-regression` (or `lr`) or `--model mlp:16,8`.</summary>
    /// <exception cref="ArgumentException">The text is neither.</exception>
    internal static ModelSpec ParseModel(string text)
    {
        if (text is "logistic-regression" or "lr")
            return ModelSpec.LogisticRegression;
        if (text.StartsWith("mlp:", StringComparison.Ordinal))
        {
            var sizes = text[4..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(s => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var size) && size > 0
                    ? size
                    : throw new ArgumentException($"--model: '{s}' in '{text}' is not a positive layer size"))
                .ToArray();
            return sizes.Length > 0 ? ModelSpec.Mlp(sizes) : throw new ArgumentException($"--model: '{text}' names no layer sizes");
        }

        throw new ArgumentException($"--model: '{text}' is neither logistic-regression nor mlp:<sizes>");
    }
}
