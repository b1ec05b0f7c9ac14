using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;
using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace FederatedHe.Actors.Security;

/// <summary>One node the federation admits: its id and the SHA-256 fingerprint of its certificate.</summary>
/// <param name="Id">The node id, as in the certificate's subject and SAN (e.g. <c>hospital-1</c>).</param>
/// <param name="CertificateSha256">The SHA-256 of the certificate's DER bytes, 64 lowercase hex digits.</param>
/// <param name="Role">The node's cluster role: <c>hospital</c> (the default) or <c>aggregator</c>.</param>
public sealed record RosterEntry(string Id, string CertificateSha256, string Role);

/// <summary>
/// The federation's membership roster (<c>fedhe.roster</c>): the node ids that may take part and the one
/// certificate each must present. It is what stands between the federation and Sybil hospitals: a node
/// id not on the roster, or on it with another certificate, is not admitted.
/// </summary>
/// <remarks>
/// HOCON shape (as written by <c>fedhe certs</c>):
/// <code>
/// fedhe.roster = [
///   { id = aggregator, role = aggregator, certificate-sha256 = "3f…" }
///   { id = hospital-1, certificate-sha256 = "9a…" }
/// ]
/// </code>
/// Pure and immutable: thread-safe.
/// </remarks>
public sealed class MembershipRoster
{
    /// <summary>The HOCON path the roster is read from.</summary>
    public const string ConfigPath = "fedhe.roster";

    /// <summary>The role of an entry that names none.</summary>
    public const string HospitalRole = "hospital";

    /// <summary>The aggregator's role.</summary>
    public const string AggregatorRole = "aggregator";

    private static readonly Regex NodeIdPattern = new("^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$", RegexOptions.CultureInvariant);
    private static readonly Regex HexSha256 = new("^[0-9a-f]{64}$", RegexOptions.CultureInvariant);

    private readonly FrozenDictionary<string, RosterEntry> _byId;

    private MembershipRoster(IReadOnlyList<RosterEntry> entries)
    {
        Entries = entries;
        _byId = entries.ToFrozenDictionary(e => e.Id, StringComparer.Ordinal);
    }

    /// <summary>Every entry, in the order given.</summary>
    public IReadOnlyList<RosterEntry> Entries { get; }

    /// <summary>The hospitals' entries.</summary>
    public IEnumerable<RosterEntry> Hospitals => Entries.Where(e => e.Role == HospitalRole);

    /// <summary>
    /// Whether a node id is well formed: 1 to 63 lowercase letters, digits and inner hyphens (a DNS label),
    /// so it can name a file, a certificate subject and a DNS SAN alike.
    /// </summary>
    public static bool IsValidNodeId(string? id) => id is not null && NodeIdPattern.IsMatch(id);

    /// <summary>The SHA-256 fingerprint of a certificate's DER bytes, as the roster spells it (64 lowercase hex digits).</summary>
    public static string Fingerprint(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return Convert.ToHexStringLower(SHA256.HashData(certificate.RawData));
    }

    /// <summary>
    /// A fingerprint in the roster's spelling, accepting upper case and the colon-separated form that
    /// <c>openssl x509 -fingerprint -sha256</c> prints; null if it is not a SHA-256 fingerprint.
    /// </summary>
    public static string? NormalizeFingerprint(string? fingerprint)
    {
        if (fingerprint is null)
            return null;
        var hex = fingerprint.Trim().Replace(":", string.Empty, StringComparison.Ordinal).ToLowerInvariant();
        return HexSha256.IsMatch(hex) ? hex : null;
    }

    /// <summary>Validates entries into a roster.</summary>
    /// <exception cref="RosterException">An entry is malformed or repeats another's id or certificate; names the entry.</exception>
    public static MembershipRoster Create(IEnumerable<RosterEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var validated = new List<RosterEntry>();
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        var fingerprints = new Dictionary<string, string>(StringComparer.Ordinal);
        var index = 0;
        foreach (var entry in entries)
        {
            if (entry is null)
                throw new RosterException(index, null, "entry", "is null");
            if (!IsValidNodeId(entry.Id))
                throw new RosterException(index, entry.Id, "id", $"'{entry.Id}' is not a node id (1-63 lowercase letters, digits and inner hyphens)");
            var fingerprint = NormalizeFingerprint(entry.CertificateSha256)
                ?? throw new RosterException(index, entry.Id, "certificate-sha256", $"'{entry.CertificateSha256}' is not a SHA-256 fingerprint (64 hex digits)");
            if (entry.Role is not (HospitalRole or AggregatorRole))
                throw new RosterException(index, entry.Id, "role", $"'{entry.Role}' is neither {HospitalRole} nor {AggregatorRole}");
            if (ids.TryGetValue(entry.Id, out var first))
                throw new RosterException(index, entry.Id, "id", $"repeats entry {first}");
            if (fingerprints.TryGetValue(fingerprint, out var owner))
                throw new RosterException(index, entry.Id, "certificate-sha256", $"is already {owner}'s certificate; every node needs its own");
            ids[entry.Id] = index;
            fingerprints[fingerprint] = entry.Id;
            validated.Add(entry with { CertificateSha256 = fingerprint });
            index++;
        }

        return new MembershipRoster(validated);
    }

    /// <summary>
    /// Reads <c>fedhe.roster</c> (or another path) from configuration; null when the path is absent or
    /// an empty list, which means "no roster configured".
    /// </summary>
    /// <exception cref="RosterException">The roster is not a list of objects, or an entry is invalid; names the entry and field.</exception>
    public static MembershipRoster? FromConfig(Config config, string path = ConfigPath)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (!config.HasPath(path))
            return null;
        var value = config.GetValue(path);
        if (value is null || value.IsEmpty)
            return null;
        IList<HoconValue> elements;
        try
        {
            // HOCON reads an object or a bare string as a list too; neither is a roster.
            elements = value.IsObject() || value.IsString() ? throw new FormatException() : value.GetArray();
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            throw new RosterException(-1, null, path, "is not a list of { id, certificate-sha256 } objects");
        }

        var entries = new List<RosterEntry>();
        var index = 0;
        foreach (var element in elements)
        {
            if (!element.IsObject())
                throw new RosterException(index, null, "entry", "is not an object { id, certificate-sha256 }");
            var fields = element.GetObject().Items;
            var id = Field(fields, "id");
            foreach (var key in fields.Keys)
            {
                if (key is not ("id" or "certificate-sha256" or "role"))
                    throw new RosterException(index, id, key, "is not a roster field (id, certificate-sha256, role)");
            }

            if (id is null)
                throw new RosterException(index, null, "id", "is missing");
            var fingerprint = Field(fields, "certificate-sha256")
                ?? throw new RosterException(index, id, "certificate-sha256", "is missing");
            entries.Add(new RosterEntry(id, fingerprint, Field(fields, "role") ?? HospitalRole));
            index++;
        }

        return entries.Count == 0 ? null : Create(entries);
    }

    /// <summary>The entry for a node id, or null if the id is not on the roster.</summary>
    public RosterEntry? Find(string nodeId) => nodeId is not null && _byId.TryGetValue(nodeId, out var entry) ? entry : null;

    /// <summary>Whether the id is on the roster at all (whatever its certificate).</summary>
    public bool Contains(string nodeId) => Find(nodeId) is not null;

    /// <summary>Whether this node id, presenting a certificate with this SHA-256 fingerprint, is admitted.</summary>
    public bool IsAllowed(string nodeId, string certificateSha256) =>
        Find(nodeId) is { } entry && NormalizeFingerprint(certificateSha256) is { } fingerprint &&
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(entry.CertificateSha256), Encoding.ASCII.GetBytes(fingerprint));

    /// <summary>Whether this node id, presenting this certificate, is admitted.</summary>
    public bool IsAllowed(string nodeId, X509Certificate2 certificate) => IsAllowed(nodeId, Fingerprint(certificate));

    /// <summary>Whether this id is a hospital on the roster presenting the certificate with this fingerprint.</summary>
    public bool IsAllowedHospital(string hospitalId, string certificateSha256) =>
        Find(hospitalId) is { Role: HospitalRole } && IsAllowed(hospitalId, certificateSha256);

    /// <summary>The roster as HOCON, in the shape <see cref="FromConfig"/> reads.</summary>
    public string ToHocon()
    {
        var builder = new StringBuilder();
        builder.Append(ConfigPath).Append(" = [\n");
        foreach (var entry in Entries)
        {
            builder.Append("  { id = ").Append(entry.Id);
            if (entry.Role != HospitalRole)
                builder.Append(", role = ").Append(entry.Role);
            builder.Append(", certificate-sha256 = \"").Append(entry.CertificateSha256).Append("\" }\n");
        }

        return builder.Append("]\n").ToString();
    }

    private static string? Field(IDictionary<string, HoconValue> fields, string name) =>
        fields.TryGetValue(name, out var value) && !value.IsEmpty ? value.GetString() : null;
}

/// <summary>The membership roster is malformed; names the entry (by position and id) and the field.</summary>
/// <remarks>An Akka <see cref="ConfigurationException"/>: the roster is configuration.</remarks>
public sealed class RosterException(int index, string? entryId, string field, string problem)
    : ConfigurationException($"{MembershipRoster.ConfigPath}{(index >= 0 ? $"[{index}]" : string.Empty)}{(entryId is null ? string.Empty : $" ({entryId})")}: {field} {problem}")
{
    /// <summary>The entry's position in the list, or -1 when the problem is the list itself.</summary>
    public int Index { get; } = index;

    /// <summary>The entry's id, when it has one.</summary>
    public string? EntryId { get; } = entryId;

    /// <summary>The offending field.</summary>
    public string Field { get; } = field;
}
