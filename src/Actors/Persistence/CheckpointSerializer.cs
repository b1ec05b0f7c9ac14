using System.Text;
using Akka.Actor;
using Akka.Serialization;

namespace FederatedHe.Actors.Persistence;

/// <summary>
/// Writes <see cref="RoundCheckpointed"/> to the journal in an explicit, versioned binary form (magic, version,
/// fields, length-prefixed ciphertexts), so a journal outlives refactorings and needs no reflection to read.
/// </summary>
public sealed class CheckpointSerializer : Serializer
{
    /// <summary>This serializer's id (unique among the federation's serializers).</summary>
    public const int SerializerIdentifier = 7303;

    private const uint Magic = 0x4B434846; // "FHCK"
    private const byte Version = 1;

    /// <summary>Creates the serializer.</summary>
    public CheckpointSerializer(ExtendedActorSystem system) : base(system)
    {
    }

    /// <inheritdoc />
    public override int Identifier => SerializerIdentifier;

    /// <inheritdoc />
    public override bool IncludeManifest => false;

    /// <inheritdoc />
    public override byte[] ToBinary(object obj)
    {
        if (obj is not RoundCheckpointed checkpoint)
            throw new ArgumentException($"cannot serialize {obj.GetType()}", nameof(obj));
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(Version);
            writer.Write(checkpoint.Round);
            writer.Write(checkpoint.ParameterSetId);
            writer.Write(checkpoint.Seed);
            writer.Write(checkpoint.Mode);
            WriteAggregate(writer, checkpoint.Statistics);
            WriteAggregate(writer, checkpoint.Model);
        }

        return stream.ToArray();
    }

    /// <inheritdoc />
    /// <exception cref="System.Runtime.Serialization.SerializationException">The bytes are not a checkpoint of a known version.</exception>
    public override object FromBinary(byte[] bytes, Type type)
    {
        try
        {
            using var reader = new BinaryReader(new MemoryStream(bytes), Encoding.UTF8);
            if (reader.ReadUInt32() != Magic)
                throw new System.Runtime.Serialization.SerializationException("not a coordinator checkpoint (bad magic)");
            var version = reader.ReadByte();
            if (version != Version)
                throw new System.Runtime.Serialization.SerializationException($"coordinator checkpoint version {version} is not supported (expected {Version})");
            return new RoundCheckpointed(reader.ReadInt32(), reader.ReadString(), reader.ReadInt32(), reader.ReadString(),
                ReadAggregate(reader), ReadAggregate(reader));
        }
        catch (EndOfStreamException e)
        {
            throw new System.Runtime.Serialization.SerializationException("coordinator checkpoint is truncated", e);
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
        {
            writer.Write(ciphertext.Length);
            writer.Write(ciphertext);
        }
    }

    private static StoredAggregate? ReadAggregate(BinaryReader reader)
    {
        if (!reader.ReadBoolean())
            return null;
        var round = reader.ReadInt32();
        var vectorLength = reader.ReadInt32();
        var count = reader.ReadInt32();
        if (count is < 0 or > 1_000_000)
            throw new System.Runtime.Serialization.SerializationException($"coordinator checkpoint claims {count} ciphertexts");
        var ciphertexts = new byte[count][];
        for (var i = 0; i < count; i++)
        {
            var length = reader.ReadInt32();
            if (length < 0 || length > reader.BaseStream.Length - reader.BaseStream.Position)
                throw new System.Runtime.Serialization.SerializationException($"coordinator checkpoint ciphertext {i} claims {length} bytes");
            ciphertexts[i] = reader.ReadBytes(length);
        }

        return new StoredAggregate(round, vectorLength, ciphertexts);
    }
}
