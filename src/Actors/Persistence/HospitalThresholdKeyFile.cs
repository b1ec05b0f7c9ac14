using System.Security.Cryptography;
using System.Text;
using FederatedHe.Crypto;
using FederatedHe.Crypto.Multiparty;
using FederatedHe.Crypto.Rlwe;

namespace FederatedHe.Actors.Persistence;

/// <summary>
/// A hospital's threshold key material on its own disk (<c>{directory}/{hospital-id}.threshold-key</c>), so a restarted
/// hospital rejoins the federation with the key share it generated with the others instead of being locked out of
/// the collective key. The file holds the hospital's threshold secret key share: it is a secret, kept like
/// <c>secret.key</c> in shared-key mode, readable by its owner only (0600) and refused if anyone else may read it.
/// </summary>
/// <remarks>
/// <para>Format (little-endian, version 2): magic "FHTK", version, CKKS parameter-set id, hospital id, key-generation
/// session, party id, threshold, party count, the parties' ids, the collective public key and the threshold secret
/// key and the decryption-mask seeds (each length-prefixed, in FederatedHe.Crypto's formats: the seeds are
/// <see cref="DecryptionMaskSeeds.ToBytes"/>, one 32-byte seed per other party), then a SHA-256 of everything before it.
/// Version 3 keeps the seeded scheme's key (<see cref="SeededPartyKey"/>): in place of the threshold secret key, the
/// party's own secret s_i and the shares dealt to it, one per dealer (<see cref="DealtSecretShares.ToBytes"/>).</para>
/// <para>Version 1 files, written before key generation derived mask seeds, are refused: a share without its seeds
/// would decrypt with unmasked shares on a committee whose other members mask theirs.</para>
/// <para>Written atomically (owner-only temporary file, flushed to disk, then renamed): a kill mid-write leaves the
/// previous file or none, never a torn one. Not thread-safe; one hospital owns its file.</para>
/// </remarks>
internal sealed class HospitalThresholdKeyFile
{
    /// <summary>The format version of a collective-key scheme's file.</summary>
    public const byte Version = 2;

    /// <summary>The format version of a seeded scheme's file.</summary>
    public const byte SeededVersion = 3;

    /// <summary>The first four bytes of the file ("FHTK" little-endian).</summary>
    internal const uint Magic = 0x4B544846;

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OthersMask = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    private readonly string _hospitalId;

    public HospitalThresholdKeyFile(string directory, string hospitalId)
    {
        _hospitalId = hospitalId;
        FilePath = Path.GetFullPath(Path.Combine(directory, $"{hospitalId}.threshold-key"));
    }

    /// <summary>The hospital whose key this file keeps.</summary>
    public string HospitalId => _hospitalId;

    /// <summary>The file's path.</summary>
    public string FilePath { get; }

    /// <summary>Saves the key material, replacing any earlier file, readable by the owner only.</summary>
    /// <exception cref="IOException">The directory or file cannot be written.</exception>
    /// <exception cref="UnauthorizedAccessException">The process may not write there.</exception>
    /// <exception cref="ArgumentException">The key material is another hospital's.</exception>
    public void Save(SavedThresholdKey key)
    {
        if (key.HospitalId != _hospitalId)
            throw new ArgumentException($"{FilePath} keeps {_hospitalId}'s key, not {key.HospitalId}'s", nameof(key));
        Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
        var temporary = FilePath + ".tmp";

        // A leftover temporary file would keep its old mode when reopened: start from none.
        File.Delete(temporary);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = OwnerOnly;
        var body = Serialize(key);
        using (var stream = new FileStream(temporary, options))
        {
            stream.Write(body);
            stream.Write(SHA256.HashData(body));
            stream.Flush(flushToDisk: true);
        }

        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(temporary, OwnerOnly);
        File.Move(temporary, FilePath, overwrite: true);
    }

    /// <summary>
    /// The saved key material, or null if there is none. Everything is checked before it is trusted: the checksum,
    /// the format version, the parameter set, that it is this hospital's, and that the secret share belongs to the
    /// collective key and the party list stored beside it.
    /// </summary>
    /// <exception cref="ThresholdKeyFileException">The file exists but is unreadable, corrupt, readable by others, or belongs to another federation or hospital.</exception>
    public SavedThresholdKey? Load(ThresholdParameters parameters)
    {
        if (!File.Exists(FilePath))
            return null;
        byte[] bytes;
        UnixFileMode mode = OwnerOnly;
        try
        {
            if (!OperatingSystem.IsWindows())
                mode = File.GetUnixFileMode(FilePath);
            bytes = File.ReadAllBytes(FilePath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Refuse($"cannot be read: {e.Message}", e);
        }

        if ((mode & OthersMask) != 0)
            throw Refuse($"is open to others ({mode}); it holds a secret key share, so restrict it to its owner (chmod 600)");

        if (bytes.Length < SHA256.HashSizeInBytes + 5)
            throw Refuse($"is {bytes.Length} bytes, too short to hold threshold key material");
        var body = bytes.AsSpan(0, bytes.Length - SHA256.HashSizeInBytes);
        if (!SHA256.HashData(body).AsSpan().SequenceEqual(bytes.AsSpan(body.Length)))
            throw Refuse("fails its checksum (corrupt or truncated)");
        try
        {
            return Parse(parameters, body.ToArray());
        }
        catch (EndOfStreamException e)
        {
            throw Refuse("is truncated", e);
        }
        catch (Exception e) when (e is CkksFormatException or ParameterSetMismatchException or ThresholdProtocolException
                                      or FormatException or DecoderFallbackException or ArgumentException)
        {
            throw Refuse($"holds malformed key material: {e.Message}", e);
        }
    }

    private static byte[] Serialize(SavedThresholdKey key)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(key.Seeded is null ? Version : SeededVersion);
            writer.Write(key.ParameterSetId.ToString());
            writer.Write(key.HospitalId);
            writer.Write(key.SessionId);
            writer.Write(key.PartyId);
            writer.Write(key.Threshold);
            writer.Write(key.Parties.Count);
            foreach (var party in key.Parties)
                writer.Write(party);
            WriteBytes(writer, key.CollectivePublicKey.ToBytes());
            if (key.Seeded is { } seeded)
            {
                WriteSecret(writer, seeded.Own.ToBytes());
                WriteSecret(writer, seeded.Dealt.ToBytes());
            }
            else
            {
                WriteSecret(writer, key.SecretKey!.ToBytes());
            }

            var seeds = key.MaskSeeds.ToBytes();
            WriteBytes(writer, seeds);
            CryptographicOperations.ZeroMemory(seeds);
        }

        return stream.ToArray();
    }

    private SavedThresholdKey Parse(ThresholdParameters parameters, byte[] body)
    {
        using var reader = new BinaryReader(new MemoryStream(body, writable: false), Encoding.UTF8);
        if (reader.ReadUInt32() != Magic)
            throw Refuse("is not a threshold key file (bad magic)");
        var version = reader.ReadByte();
        if (version == 1)
            throw Refuse("has format version 1, written before key generation derived decryption-mask seeds; a key share without them "
                + "cannot serve safely on a decryption committee. Delete it: the hospital takes part in the next key generation");
        if (version is not (Version or SeededVersion))
            throw Refuse($"has format version {version}; this build reads versions {Version} and {SeededVersion}");
        if ((version == SeededVersion) != (parameters.Scheme == ThresholdScheme.SeededSecretKey))
            throw Refuse($"keeps a key of the {(version == SeededVersion ? "seeded" : "collective-key")} scheme; this federation's parameter set is of the other");
        var parameterSetId = reader.ReadString();
        if (parameterSetId != parameters.Ckks.Id.ToString())
            throw Refuse($"was made for parameter set {parameterSetId}, not this federation's {parameters.Ckks.Id}");
        var hospitalId = reader.ReadString();
        if (hospitalId != _hospitalId)
            throw Refuse($"belongs to {hospitalId}, not {_hospitalId}");
        var session = reader.ReadString();
        var partyId = reader.ReadInt32();
        var threshold = reader.ReadInt32();
        var count = reader.ReadInt32();
        if (count < 1 || count > parameters.MaxParties)
            throw Refuse($"claims {count} parties; this parameter set allows 1 to {parameters.MaxParties}");
        var parties = new string[count];
        for (var i = 0; i < count; i++)
            parties[i] = reader.ReadString();
        if (partyId < 1 || partyId > count || parties[partyId - 1] != _hospitalId || parties.Distinct(StringComparer.Ordinal).Count() != count)
            throw Refuse($"names party {partyId} of [{string.Join(", ", parties)}], which is not a party list with {_hospitalId} at that position");

        var publicKey = PublicKey.FromBytes(parameters.Ckks, ReadBytes(reader));
        var keyId = CollectivePublicKeyGenerator.KeyIdOf(publicKey);
        return version == SeededVersion
            ? ParseSeeded(parameters, reader, hospitalId, session, parties, partyId, threshold, publicKey, keyId)
            : ParseCollective(parameters, reader, hospitalId, session, parties, partyId, threshold, publicKey, keyId);
    }

    private SavedThresholdKey ParseSeeded(ThresholdParameters parameters, BinaryReader reader, string hospitalId, string session, string[] parties,
        int partyId, int threshold, PublicKey publicKey, Sha256Digest keyId)
    {
        var own = ReadSecret(reader, bytes => SecretKey.FromBytes(parameters.Ckks, bytes));
        DealtSecretShares dealt;
        DecryptionMaskSeeds seeds;
        try
        {
            dealt = ReadSecret(reader, bytes => DealtSecretShares.FromBytes(parameters, bytes));
        }
        catch
        {
            own.Dispose();
            throw;
        }

        try
        {
            seeds = ReadSeeds(reader, partyId, parties.Length);
        }
        catch
        {
            own.Dispose();
            dealt.Dispose();
            throw;
        }

        var count = parties.Length;
        string? problem = null;
        if (dealt.KeyId != keyId || dealt.PartyId != partyId || dealt.Threshold != threshold || dealt.PartyCount != count)
            problem = $"is inconsistent: its dealt shares are party {dealt.PartyId}'s, {dealt.Threshold} of {dealt.PartyCount}, for key {dealt.KeyId}; "
                + $"the file says party {partyId}, {threshold} of {count}, for key {keyId}";
        else if (!dealt.Dealers.SequenceEqual(Enumerable.Range(1, count)))
            problem = $"holds shares dealt by parties [{string.Join(", ", dealt.Dealers)}]; every party 1..{count} deals one";
        if (problem is not null)
        {
            own.Dispose();
            dealt.Dispose();
            seeds.Dispose();
            throw Refuse(problem);
        }

        return new SavedThresholdKey(hospitalId, session, parties, publicKey, null, seeds, new SeededPartyKey(own, dealt));
    }

    private SavedThresholdKey ParseCollective(ThresholdParameters parameters, BinaryReader reader, string hospitalId, string session, string[] parties,
        int partyId, int threshold, PublicKey publicKey, Sha256Digest keyId)
    {
        var count = parties.Length;
        var secretKey = ReadSecret(reader, bytes => ThresholdSecretKey.FromBytes(parameters, bytes));
        DecryptionMaskSeeds seeds;
        try
        {
            seeds = ReadSeeds(reader, partyId, count);
        }
        catch
        {
            secretKey.Dispose();
            throw;
        }

        if (secretKey.KeyId != keyId || secretKey.PartyId != partyId || secretKey.Threshold != threshold || secretKey.PartyCount != count)
        {
            var detail = $"its secret share is party {secretKey.PartyId}, {secretKey.Threshold} of {secretKey.PartyCount}, for key {secretKey.KeyId}; "
                + $"the file says party {partyId}, {threshold} of {count}, for key {keyId}";
            secretKey.Dispose();
            seeds.Dispose();
            throw Refuse($"is inconsistent: {detail}");
        }

        return new SavedThresholdKey(hospitalId, session, parties, publicKey, secretKey, seeds);
    }

    /// <summary>
    /// The decryption-mask seeds, which must be party <paramref name="partyId"/>'s with every other party, and the end of the
    /// file after them.
    /// </summary>
    private DecryptionMaskSeeds ReadSeeds(BinaryReader reader, int partyId, int count)
    {
        var seeds = ReadSecret(reader, bytes => DecryptionMaskSeeds.FromBytes(bytes));
        var others = Enumerable.Range(1, count).Where(p => p != partyId).ToList();
        string? problem = null;
        if (seeds.PartyId != partyId || !seeds.OtherParties.Order().SequenceEqual(others))
            problem = $"holds party {seeds.PartyId}'s decryption-mask seeds with parties [{string.Join(", ", seeds.OtherParties)}]; "
                + $"party {partyId} needs one with every other party ([{string.Join(", ", others)}])";
        else if (reader.BaseStream.Position != reader.BaseStream.Length)
            problem = "has unexpected bytes after the key material";
        if (problem is null)
            return seeds;
        seeds.Dispose();
        throw Refuse(problem);
    }

    /// <summary>Reads a length-prefixed secret field and parses it, zeroing the bytes read.</summary>
    private static T ReadSecret<T>(BinaryReader reader, Func<byte[], T> parse)
    {
        var bytes = ReadBytes(reader);
        try
        {
            return parse(bytes);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    private static void WriteBytes(BinaryWriter writer, byte[] bytes)
    {
        writer.Write(bytes.Length);
        writer.Write(bytes);
    }

    /// <summary>Writes a secret field and zeroes the serialized copy.</summary>
    private static void WriteSecret(BinaryWriter writer, byte[] bytes)
    {
        WriteBytes(writer, bytes);
        CryptographicOperations.ZeroMemory(bytes);
    }

    private static byte[] ReadBytes(BinaryReader reader)
    {
        var length = reader.ReadInt32();
        if (length < 0 || length > reader.BaseStream.Length - reader.BaseStream.Position)
            throw new EndOfStreamException($"a field claims {length} bytes");
        return reader.ReadBytes(length);
    }

    private ThresholdKeyFileException Refuse(string reason, Exception? inner = null) => new(FilePath, reason, inner);
}

/// <summary>A hospital's threshold key material: its party in the collective key and its secret key share.</summary>
/// <param name="HospitalId">The hospital it belongs to.</param>
/// <param name="SessionId">The key-generation session that made the collective key.</param>
/// <param name="Parties">Every party's hospital id, in party-id order (party j is element j−1).</param>
/// <param name="CollectivePublicKey">The collective public key everyone encrypts under.</param>
/// <param name="SecretKey">This hospital's threshold secret key share (secret; disposing the record zeroes it).</param>
/// <param name="MaskSeeds">
/// The pairwise decryption-mask seeds, by the other party's id (secret; disposing the record zeroes them): derived at key
/// generation from the signed key-agreement keys, so no other party learns them.
/// </param>
/// <param name="Seeded">In the seeded scheme, the party's own secret and dealt shares (secret), in place of <paramref name="SecretKey"/>.</param>
internal sealed record SavedThresholdKey(string HospitalId, string SessionId, IReadOnlyList<string> Parties, PublicKey CollectivePublicKey,
    ThresholdSecretKey? SecretKey, DecryptionMaskSeeds MaskSeeds, SeededPartyKey? Seeded = null) : IDisposable
{
    /// <summary>The collective key's id, which the secret share (or the dealt shares) is bound to.</summary>
    public Sha256Digest KeyId => Seeded?.Dealt.KeyId ?? SecretKey!.KeyId;

    /// <summary>This hospital's party id.</summary>
    public int PartyId => Seeded?.Dealt.PartyId ?? SecretKey!.PartyId;

    /// <summary>The parties any decryption needs.</summary>
    public int Threshold => Seeded?.Dealt.Threshold ?? SecretKey!.Threshold;

    /// <summary>The parties of the key set.</summary>
    public int PartyCount => Seeded?.Dealt.PartyCount ?? SecretKey!.PartyCount;

    /// <summary>The parameter set the key belongs to.</summary>
    public ParameterSetId ParameterSetId => Seeded?.Dealt.ParameterSetId ?? SecretKey!.ParameterSetId;

    /// <inheritdoc />
    public void Dispose()
    {
        SecretKey?.Dispose();
        Seeded?.Dispose();
        MaskSeeds.Dispose();
    }
}

/// <summary>A party's key in the seeded scheme: its own secret s_i, which it encrypts its updates under, and the shares dealt to it.</summary>
internal sealed record SeededPartyKey(SecretKey Own, DealtSecretShares Dealt) : IDisposable
{
    /// <inheritdoc />
    public void Dispose()
    {
        Own.Dispose();
        Dealt.Dispose();
    }
}

/// <summary>A hospital's threshold key file cannot be used; the message says which file and why.</summary>
public sealed class ThresholdKeyFileException : IOException
{
    /// <summary>Creates the exception for <paramref name="filePath"/>.</summary>
    public ThresholdKeyFileException(string filePath, string reason, Exception? innerException = null)
        : base($"threshold key file {filePath} {reason}", innerException)
    {
        FilePath = filePath;
        Reason = reason;
    }

    /// <summary>The file refused.</summary>
    public string FilePath { get; }

    /// <summary>Why it was refused.</summary>
    public string Reason { get; }
}
