using Akka.Configuration;

namespace FederatedHe.Actors.Persistence;

/// <summary>
/// Checkpoint and resume settings (<c>fedhe.persistence</c>): whether the coordinator journals each concluded
/// round and hospitals keep their decrypted global model on disk, and where.
/// </summary>
/// <param name="Enabled">Checkpoint the coordinator and hospitals' models; off means a restart starts afresh.</param>
/// <param name="SqlitePath">The aggregator's SQLite file, used when no journal connection string is configured.</param>
/// <param name="HospitalDirectory">
/// Where each hospital writes <c>{hospital-id}.model.json</c> and, in threshold mode, <c>{hospital-id}.statistics.json</c> and its
/// secret key share <c>{hospital-id}.threshold-key</c> (owner-only, see <see cref="HospitalThresholdKeyFile"/>).
/// </param>
public sealed record PersistenceSettings(bool Enabled, string SqlitePath, string HospitalDirectory)
{
    private const string JournalConnectionKey = "akka.persistence.journal.sql.connection-string";

    /// <summary>Reads <c>fedhe.persistence</c>.</summary>
    public static PersistenceSettings Create(Config config)
    {
        // The defaults live in reference.conf alone.
        var c = config.WithFallback(Configuration.FederationConfig.Default);
        return new(c.GetBoolean("fedhe.persistence.enabled"), c.GetString("fedhe.persistence.sqlite-path"), c.GetString("fedhe.persistence.hospital-directory"));
    }

    /// <summary>
    /// Points the SQL journal at <c>fedhe.persistence.sqlite-path</c> when persistence is on
    /// and no connection string is configured (a PostgreSQL deployment sets its own), and creates the file's
    /// directory. HOCON substitutions resolve within one file, so the path cannot simply be spliced in reference.conf.
    /// </summary>
    public static Config Resolve(Config config)
    {
        var settings = Create(config);
        if (!settings.Enabled)
            return config;

        // The plugin's own defaults (class names, table mapping) sit under ours; it does not add them itself.
        config = config.WithFallback(Akka.Persistence.Sql.SqlPersistence.DefaultConfiguration);
        if (config.GetString(JournalConnectionKey, string.Empty).Length > 0)
            return config;

        var path = Path.GetFullPath(settings.SqlitePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var connection = $"Data Source={path}".Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
        return ConfigurationFactory.ParseString($"""
            {JournalConnectionKey} = "{connection}"
            """).WithFallback(config);
    }
}
