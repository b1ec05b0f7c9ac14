using Akka.Configuration;

namespace FederatedHe.Actors.Configuration;

/// <summary>The actors' reference configuration, embedded in the assembly.</summary>
public static class FederationConfig
{
    private static readonly Lazy<string> Text = new(() =>
    {
        using var stream = typeof(FederationConfig).Assembly.GetManifestResourceStream("FederatedHe.Actors.reference.conf")
            ?? throw new InvalidOperationException("FederatedHe.Actors.reference.conf is missing from the assembly");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    private static readonly Lazy<Config> Reference = new(() => ConfigurationFactory.ParseString(Text.Value));

    /// <summary>reference.conf as shipped, comments and all (<c>fedhe spec show</c> points at its lines).</summary>
    public static string ReferenceText => Text.Value;

    /// <summary>Every key the actors read, with its default.</summary>
    public static Config Default => Reference.Value;
}

/// <summary>A configuration value is missing or invalid; names the HOCON path.</summary>
public sealed class FederationConfigurationException(string path, string problem)
    : Exception($"configuration '{path}': {problem}")
{
    /// <summary>The HOCON path of the offending key.</summary>
    public string Path { get; } = path;
}
