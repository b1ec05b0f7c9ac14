using System.Runtime.Serialization;
using System.Text;
using Akka.Actor;
using Akka.Serialization;

namespace FederatedHe.Actors.Persistence;

/// <summary>
/// Writes <see cref="RoundCheckpointed"/> to the journal in an explicit, versioned binary form (magic, version,
/// fields, length-prefixed ciphertexts), so a journal outlives refactorings and needs no reflection to read.
/// </summary>
/// <remarks>
/// Version 2 appends the threshold key state (a presence flag, then session, key id, threshold, parties and the
/// collective public key). Version 1 journals, written before it, are still read: they carry no threshold state.
/// Every count and length is checked against what the bytes can hold, so a corrupt journal row fails with a
/// <see cref="SerializationException"/> rather than a huge allocation. Thread-safe: it holds no state.
/// </remarks>
public sealed class CheckpointSerializer : Serializer
{
    /// <summary>This serializer's id (unique among the federation's serializers).</summary>
    public const int SerializerIdentifier = 7303;

    /// <summary>The version this serializer writes.</summary>
    public const byte CurrentVersion = 2;

    /// <summary>The first four bytes of every checkpoint ("FHCK" little-endian).</summary>
    internal const uint Magic = 0x4B434846;

    // A collective key cannot have more parties than the threshold wire format allows (ThresholdParameters.MaxSupportedParties).
    private const int MaxParties = 255;
    private const int MaxCiphertexts = 1_000_000;

    /// <summary>Creates the serializer.</summary>
    public CheckpointSerializer(ExtendedActorSystem system) : base(system)
    {
    }

    /// <inheritdoc />
    public override int Identifier => SerializerIdentifier;

    /// <inheritdoc />
    public override bool IncludeManifest => false;

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The object is not a <see cref="RoundCheckpointed"/>.</exception>
    public override byte[] ToBinary(object obj)
    {
        if (obj is not RoundCheckpointed checkpoint)
            throw new ArgumentException($"cannot serialize {obj.GetType()}", nameof(obj));
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(CurrentVersion);
            writer.Write(checkpoint.Round);
            writer.Write(checkpoint.ParameterSetId);
            writer.Write(checkpoint.Seed);
            writer.Write(checkpoint.Mode);
            WriteAggregate(writer, checkpoint.Statistics);
            WriteAggregate(writer, checkpoint.Model);
            WriteThresholdKey(writer, checkpoint.ThresholdKey);
        }

        return stream.ToArray();
    }

    /// <inheritdoc />
    /// <exception cref="SerializationException">The bytes are not a checkpoint of a known version, or are truncated or corrupt.</exception>
    public override object FromBinary(byte[] bytes, Type type)
    {
        try
        {
            using var reader = new BinaryReader(new MemoryStream(bytes, writable: false), Encoding.UTF8);
            if (reader.ReadUInt32() != Magic)
                throw new SerializationException("not a coordinator checkpoint (bad magic)");
            var version = reader.ReadByte();
            if (version is < 1 or > CurrentVersion)
                throw new SerializationException($"coordinator checkpoint version {version} is not supported (this build reads 1 to {CurrentVersion})");
            var checkpoint = new RoundCheckpointed(reader.ReadInt32(), reader.ReadString(), reader.ReadInt32(), reader.ReadString(),
                ReadAggregate(reader), ReadAggregate(reader), version >= 2 ? ReadThresholdKey(reader) : null);
            if (reader.BaseStream.Position != reader.BaseStream.Length)
                throw new SerializationException($"coordinator checkpoint has {reader.BaseStream.Length - reader.BaseStream.Position} unexpected trailing bytes");
            return checkpoint;
        }
        catch (EndOfStreamException e)
        {
            throw new SerializationException("coordinator checkpoint is truncated", e);
        }
        catch (Exception e) when (e is FormatException or DecoderFallbackException)
        {
            throw new SerializationException($"coordinator checkpoint holds a malformed string: {e.Message}", e);
        }
    }

    private static void WriteAggregate(BinaryWriter writer, StoredAggregate? aggregate)
    {
        writer.Write(aggregate is not null);
        if (aggregate is null)
            return;
        writer.Write(aggregate.Round);
        writer.Write(aggregate.VectorLength);
        writer.Write(aggregate.Ciphertexts.Count);
        foreach (var ciphertext in aggregate.Ciphertexts)
            WriteBytes(writer, ciphertext);
    }

    private static StoredAggregate? ReadAggregate(BinaryReader reader)
    {
        if (!reader.ReadBoolean())
            return null;
        var round = reader.ReadInt32();
        var vectorLength = reader.ReadInt32();
        var count = reader.ReadInt32();
        if (count is < 0 or > MaxCiphertexts)
            throw new SerializationException($"coordinator checkpoint claims {count} ciphertexts");
        var ciphertexts = new byte[count][];
        for (var i = 0; i < count; i++)
            ciphertexts[i] = ReadBytes(reader, $"ciphertext {i}");
        return new StoredAggregate(round, vectorLength, ciphertexts);
    }

    private static void WriteThresholdKey(BinaryWriter writer, ThresholdKeyCheckpoint? key)
    {
        writer.Write(key is not null);
        if (key is null)
            return;
        writer.Write(key.SessionId);
        writer.Write(key.KeyId);
        writer.Write(key.Threshold);
        writer.Write(key.Parties.Count);
        foreach (var party in key.Parties)
            writer.Write(party);
        WriteBytes(writer, key.CollectivePublicKey);
    }

    private static ThresholdKeyCheckpoint? ReadThresholdKey(BinaryReader reader)
    {
        if (!reader.ReadBoolean())
            return null;
        var session = reader.ReadString();
        var keyId = reader.ReadString();
        var threshold = reader.ReadInt32();
        var count = reader.ReadInt32();
        if (count is < 1 or > MaxParties)
            throw new SerializationException($"coordinator checkpoint claims {count} threshold parties (1 to {MaxParties} possible)");
        if (threshold < 1 || threshold > count)
            throw new SerializationException($"coordinator checkpoint claims threshold {threshold} of {count} parties");
        var parties = new string[count];
        for (var i = 0; i < count; i++)
            parties[i] = reader.ReadString();
        return new ThresholdKeyCheckpoint(session, keyId, threshold, parties, ReadBytes(reader, "collective public key"));
    }

    private static void WriteBytes(BinaryWriter writer, byte[] bytes)
    {
        writer.Write(bytes.Length);
        writer.Write(bytes);
    }

    private static byte[] ReadBytes(BinaryReader reader, string what)
    {
        var length = reader.ReadInt32();
        if (length < 0 || length > reader.BaseStream.Length - reader.BaseStream.Position)
            throw new SerializationException($"coordinator checkpoint {what} claims {length} bytes");
        return reader.ReadBytes(length);
    }
}
