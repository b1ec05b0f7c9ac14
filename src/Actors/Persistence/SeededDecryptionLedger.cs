using System.Globalization;
using System.Text;
using FederatedHe.Crypto.Multiparty;

namespace FederatedHe.Actors.Persistence;

/// <summary>
/// The decryption shares a hospital made in the seeded threshold scheme, on its own disk
/// (<c>{directory}/{hospital-id}.seeded-decryptions</c>), appended and flushed before a share leaves the hospital. A
/// restarted hospital hands them back to its decryptor, which then refuses a second, different sum of a round as it did
/// before the restart: two sums of one round that differ by one hospital would reveal that hospital's update.
/// </summary>
/// <remarks>
/// <para>Format: UTF-8 text, one record per line, "v1 context-digest chunk vector-length sum-fingerprint committee"
/// (digests in hex, the committee's party ids ascending, comma-separated). A last line without its newline is a record
/// whose write was cut off: its share never left, so it is dropped. Any other malformed line refuses the whole file:
/// the hospital then makes no decryption share until the file is mended, rather than forget what it decrypted.</para>
/// <para>Not thread-safe; one hospital's key holder owns its ledger.</para>
/// </remarks>
internal sealed class SeededDecryptionLedger
{
    private const string RecordVersion = "v1";

    public SeededDecryptionLedger(string directory, string hospitalId) =>
        FilePath = Path.GetFullPath(Path.Combine(directory, $"{hospitalId}.seeded-decryptions"));

    /// <summary>The file's path.</summary>
    public string FilePath { get; }

    /// <summary>Every record in the file (none if there is no file).</summary>
    /// <exception cref="ThresholdKeyFileException">The file cannot be read or holds a malformed record.</exception>
    public IReadOnlyList<SeededDecryptionRecord> Load()
    {
        if (!File.Exists(FilePath))
            return [];
        string text;
        try
        {
            text = File.ReadAllText(FilePath, Encoding.UTF8);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ThresholdKeyFileException(FilePath, $"cannot be read: {e.Message}", e);
        }

        var lines = text.Split('\n');
        var records = new List<SeededDecryptionRecord>();
        // The last element follows the last newline: empty, or a record cut off mid-write.
        for (var i = 0; i < lines.Length - 1; i++)
            records.Add(Parse(lines[i], i + 1));
        return records;
    }

    /// <summary>Appends <paramref name="records"/> and flushes them to disk.</summary>
    /// <exception cref="IOException">The file cannot be written.</exception>
    /// <exception cref="UnauthorizedAccessException">The process may not write there.</exception>
    public void Append(IEnumerable<SeededDecryptionRecord> records)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
        var text = new StringBuilder();
        foreach (var record in records)
            text.Append(CultureInfo.InvariantCulture, $"{RecordVersion} {record.ContextDigest} {record.ChunkIndex} {record.VectorLength} {record.Sum} {record.Committee}\n");
        using var stream = new FileStream(FilePath, FileMode.Append, FileAccess.Write, FileShare.None);
        stream.Write(Encoding.UTF8.GetBytes(text.ToString()));
        stream.Flush(flushToDisk: true);
    }

    private SeededDecryptionRecord Parse(string line, int number)
    {
        var fields = line.Split(' ');
        if (fields.Length != 6 || fields[0] != RecordVersion
            || !TryDigest(fields[1], out var context) || !int.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var chunk)
            || !int.TryParse(fields[3], NumberStyles.None, CultureInfo.InvariantCulture, out var length) || length < 1
            || !TryDigest(fields[4], out var sum) || !IsCommittee(fields[5]))
            throw new ThresholdKeyFileException(FilePath, $"line {number} is not a decryption record ({RecordVersion} context chunk length sum committee)");
        return new SeededDecryptionRecord(context, chunk, length, sum, fields[5]);
    }

    private static bool TryDigest(string hex, out Sha256Digest digest)
    {
        digest = default;
        if (hex.Length != 2 * Sha256Digest.Length)
            return false;
        try
        {
            digest = Sha256Digest.FromBytes(Convert.FromHexString(hex));
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static bool IsCommittee(string committee)
    {
        var ids = committee.Split(',');
        var previous = 0;
        foreach (var id in ids)
        {
            if (!int.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var party) || party <= previous)
                return false;
            previous = party;
        }

        return true;
    }
}
