using System.Buffers.Binary;
using System.Security.Cryptography;

namespace FederatedHe.Crypto.Multiparty;

/// <summary>
/// This party's secret pairwise seeds with every other party of a threshold key, agreed by the runtime
/// at key generation. <see cref="ThresholdDecryptor"/> expands them into zero-sum masks on decryption
/// shares: member j of committee C adds r_j = Σ_{k∈C, k≠j} σ(j,k)·U(seed_jk), σ = +1 if j &lt; k and −1
/// otherwise, so Σ_{j∈C} r_j = 0 and fusion is unchanged, while every share on its own is uniform to
/// anyone who lacks the seeds of an honest pair.
/// </summary>
/// <remarks>
/// <para>Secret: both ends of a pair hold the same seed; it stays with its party and travels only
/// inside the hospital's key file at rest (<see cref="ToBytes"/>).</para>
/// <para>Serialized form: magic "FHDM", version u8 (1), party index u16, seed count u16, then per seed
/// the other party's index u16 (strictly increasing) and the 32 seed bytes.</para>
/// <para>Immutable and thread-safe until disposed; <see cref="Dispose"/> zeroes every seed.</para>
/// </remarks>
public sealed class DecryptionMaskSeeds : IDisposable
{
    /// <summary>Length of one pairwise seed in bytes.</summary>
    public const int SeedLength = 32;

    private const byte FormatVersion = 1;
    private const int HeaderLength = 4 + 1 + 2 + 2;
    private const int EntryLength = 2 + SeedLength;
    private static ReadOnlySpan<byte> Magic => "FHDM"u8;

    private readonly SortedDictionary<int, byte[]> _seeds = new();
    private bool _disposed;

    /// <summary>Creates the seeds of party <paramref name="partyId"/>, copying every seed.</summary>
    /// <param name="partyId">This party's index j (1..n).</param>
    /// <param name="seedsByOtherParty">For each other party k, the seed shared with it.</param>
    /// <exception cref="ArgumentException">The party index is below 1; or a seed, named by its party, is not <see cref="SeedLength"/> bytes, is for this party itself or for an index below 1.</exception>
    public DecryptionMaskSeeds(int partyId, IReadOnlyDictionary<int, byte[]> seedsByOtherParty)
    {
        ArgumentNullException.ThrowIfNull(seedsByOtherParty);
        if (partyId < 1 || partyId > ushort.MaxValue)
        {
            throw new ArgumentException($"Party index {partyId} is outside 1..{ushort.MaxValue}.", nameof(partyId));
        }

        PartyId = partyId;
        try
        {
            foreach (var (other, seed) in seedsByOtherParty)
            {
                if (other == partyId)
                {
                    throw new ArgumentException($"Party {partyId} has a mask seed with itself.", nameof(seedsByOtherParty));
                }

                if (other < 1 || other > ushort.MaxValue)
                {
                    throw new ArgumentException($"Mask seed for party {other}, outside 1..{ushort.MaxValue}.", nameof(seedsByOtherParty));
                }

                if (seed is null || seed.Length != SeedLength)
                {
                    throw new ArgumentException($"The mask seed shared with party {other} has {seed?.Length ?? 0} bytes, not {SeedLength}.", nameof(seedsByOtherParty));
                }

                _seeds[other] = seed.ToArray();
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The party j these seeds belong to.</summary>
    public int PartyId { get; }

    /// <summary>The other parties this party shares a seed with, in increasing order.</summary>
    public IReadOnlyCollection<int> OtherParties => _seeds.Keys;

    /// <summary>Serializes the seeds for the key file at rest. The bytes are secret.</summary>
    /// <exception cref="ObjectDisposedException">The seeds were disposed.</exception>
    public byte[] ToBytes()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var bytes = new byte[HeaderLength + (_seeds.Count * EntryLength)];
        Magic.CopyTo(bytes);
        bytes[4] = FormatVersion;
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(5), (ushort)PartyId);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(7), (ushort)_seeds.Count);
        int offset = HeaderLength;
        foreach (var (other, seed) in _seeds)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(offset), (ushort)other);
            seed.CopyTo(bytes, offset + 2);
            offset += EntryLength;
        }

        return bytes;
    }

    /// <summary>Reads seeds written by <see cref="ToBytes"/>.</summary>
    /// <exception cref="CkksFormatException">The bytes are not seeds of this format version, are truncated, have trailing bytes, name a party outside 1..65535, this party itself, or parties out of increasing order.</exception>
    public static DecryptionMaskSeeds FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < HeaderLength)
        {
            throw new CkksFormatException("header", 0, $"{bytes.Length} bytes; decryption mask seeds start with a {HeaderLength}-byte header.");
        }

        if (!bytes[..4].SequenceEqual(Magic))
        {
            throw new CkksFormatException("magic", 0, "not decryption mask seeds.");
        }

        if (bytes[4] != FormatVersion)
        {
            throw new CkksFormatException("version", 4, $"version {bytes[4]}; this reader knows version {FormatVersion}.");
        }

        int partyId = BinaryPrimitives.ReadUInt16LittleEndian(bytes[5..]);
        if (partyId < 1)
        {
            throw new CkksFormatException("partyId", 5, "party index 0.");
        }

        int count = BinaryPrimitives.ReadUInt16LittleEndian(bytes[7..]);
        long expected = HeaderLength + ((long)count * EntryLength);
        if (bytes.Length != expected)
        {
            throw new CkksFormatException("count", 7, $"{count} seeds need {expected} bytes; there are {bytes.Length}.");
        }

        var seeds = new Dictionary<int, byte[]>(count);
        try
        {
            int previous = 0;
            for (int i = 0; i < count; i++)
            {
                int offset = HeaderLength + (i * EntryLength);
                int other = BinaryPrimitives.ReadUInt16LittleEndian(bytes[offset..]);
                if (other <= previous || other == partyId)
                {
                    throw new CkksFormatException("otherParty", offset, $"party {other} after {previous} (parties must be increasing, not 0 and not this party {partyId}).");
                }

                seeds[other] = bytes.Slice(offset + 2, SeedLength).ToArray();
                previous = other;
            }

            return new DecryptionMaskSeeds(partyId, seeds);
        }
        finally
        {
            foreach (var seed in seeds.Values)
            {
                CryptographicOperations.ZeroMemory(seed);
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var seed in _seeds.Values)
        {
            CryptographicOperations.ZeroMemory(seed);
        }

        _disposed = true;
    }

    /// <summary>
    /// Checks the seeds can mask a share of <paramref name="decryptorParty"/> for <paramref name="committee"/>
    /// under an n-party key.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The seeds were disposed.</exception>
    /// <exception cref="ThresholdProtocolException">The seeds belong to another party, name a party outside 1..n, or lack a committee member's seed.</exception>
    internal void CheckFor(int decryptorParty, int partyCount, ReadOnlySpan<int> committee)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (PartyId != decryptorParty)
        {
            throw new ThresholdProtocolException(ThresholdProtocolFailure.MaskSeedMismatch, decryptorParty, $"the decryption mask seeds belong to party {PartyId}.");
        }

        foreach (int other in _seeds.Keys)
        {
            if (other > partyCount)
            {
                throw new ThresholdProtocolException(ThresholdProtocolFailure.PartyOutOfRange, other, $"a decryption mask seed for party {other} of a {partyCount}-party key.");
            }
        }

        foreach (int member in committee)
        {
            if (member != PartyId && !_seeds.ContainsKey(member))
            {
                throw new ThresholdProtocolException(ThresholdProtocolFailure.MaskSeedMismatch, member, $"party {PartyId} has no decryption mask seed shared with committee member {member}.");
            }
        }
    }

    /// <summary>The seed shared with <paramref name="otherParty"/> (not a copy: the caller must not keep or change it).</summary>
    internal ReadOnlySpan<byte> SeedWith(int otherParty)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _seeds[otherParty];
    }
}
