using System.Buffers.Binary;
using System.Text;
using Akka.Actor;
using Akka.Serialization;
using static FederatedHe.Actors.Protocol.FederationProtocol;

namespace FederatedHe.Actors.Serialization;

/// <summary>
/// A dedicated binary format for <see cref="EncryptedChunk"/>: a fixed header and the ciphertext bytes,
/// with every field checked on the way in, so a hostile peer cannot make a node allocate without bound.
/// </summary>
/// <remarks>
/// Layout (little-endian): magic "FHEC", version (1 byte), kind (1 byte), round (int32), chunk index (int32),
/// chunk count (int32), vector length (int32), participant id length (uint16) and UTF-8 bytes,
/// ciphertext length (int32) and bytes. Thread-safe: it holds no state.
/// </remarks>
public sealed class EncryptedChunkSerializer : Serializer
{
    /// <summary>The serializer id bound in hocon (ids below 100 are Akka's own).</summary>
    public const int SerializerIdentifier = 7301;

    /// <summary>The largest ciphertext a chunk may carry; far above N=2^16 with 2 limbs, far below the frame size limit.</summary>
    public const int MaxCiphertextBytes = 4 * 1024 * 1024;

    /// <summary>The longest participant id accepted, in UTF-8 bytes.</summary>
    public const int MaxParticipantIdBytes = 256;

    private const byte FormatVersion = 1;
    private static ReadOnlySpan<byte> Magic => "FHEC"u8;
    private const int FixedHeaderBytes = 4 + 1 + 1 + 4 * 4 + 2;

    /// <summary>Creates the serializer; Akka calls this.</summary>
    public EncryptedChunkSerializer(ExtendedActorSystem system) : base(system)
    {
    }

    /// <inheritdoc />
    public override int Identifier => SerializerIdentifier;

    /// <inheritdoc />
    public override bool IncludeManifest => false;

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The object is not an <see cref="EncryptedChunk"/>, or a field is over its limit.</exception>
    public override byte[] ToBinary(object obj)
    {
        if (obj is not EncryptedChunk chunk)
            throw new ArgumentException($"{nameof(EncryptedChunkSerializer)} serializes only {nameof(EncryptedChunk)}, not {obj.GetType()}", nameof(obj));
        return Write(chunk);
    }

    /// <inheritdoc />
    /// <exception cref="WireFormatException">The bytes are not a well-formed chunk.</exception>
    public override object FromBinary(byte[] bytes, Type type) => Read(bytes);

    /// <summary>Encodes a chunk.</summary>
    /// <exception cref="ArgumentException">The participant id or the ciphertext is over its limit.</exception>
    public static byte[] Write(EncryptedChunk chunk)
    {
        var participant = Encoding.UTF8.GetBytes(chunk.ParticipantId);
        if (participant.Length > MaxParticipantIdBytes)
            throw new ArgumentException($"participant id is {participant.Length} bytes, over {MaxParticipantIdBytes}", nameof(chunk));
        if (chunk.Ciphertext.Length > MaxCiphertextBytes)
            throw new ArgumentException($"ciphertext is {chunk.Ciphertext.Length} bytes, over {MaxCiphertextBytes}", nameof(chunk));

        var buffer = new byte[FixedHeaderBytes + participant.Length + 4 + chunk.Ciphertext.Length];
        var span = buffer.AsSpan();
        Magic.CopyTo(span);
        span[4] = FormatVersion;
        span[5] = (byte)chunk.Kind;
        BinaryPrimitives.WriteInt32LittleEndian(span[6..], chunk.RoundId);
        BinaryPrimitives.WriteInt32LittleEndian(span[10..], chunk.ChunkIndex);
        BinaryPrimitives.WriteInt32LittleEndian(span[14..], chunk.ChunkCount);
        BinaryPrimitives.WriteInt32LittleEndian(span[18..], chunk.VectorLength);
        BinaryPrimitives.WriteUInt16LittleEndian(span[22..], (ushort)participant.Length);
        participant.CopyTo(span[FixedHeaderBytes..]);
        var offset = FixedHeaderBytes + participant.Length;
        BinaryPrimitives.WriteInt32LittleEndian(span[offset..], chunk.Ciphertext.Length);
        chunk.Ciphertext.CopyTo(span[(offset + 4)..]);
        return buffer;
    }

    /// <summary>Decodes and validates a chunk.</summary>
    /// <exception cref="WireFormatException">The bytes are not a well-formed chunk; the message names the field.</exception>
    public static EncryptedChunk Read(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < FixedHeaderBytes + 4)
            throw new WireFormatException(nameof(EncryptedChunk), "header", $"{bytes.Length} bytes is shorter than the {FixedHeaderBytes + 4}-byte header");
        if (!bytes[..4].SequenceEqual(Magic))
            throw new WireFormatException(nameof(EncryptedChunk), "magic", "not an encrypted chunk");
        if (bytes[4] != FormatVersion)
            throw new WireFormatException(nameof(EncryptedChunk), "version", $"version {bytes[4]} is not supported (expected {FormatVersion})");

        var kind = (PayloadKind)bytes[5];
        if (!Enum.IsDefined(kind))
            throw new WireFormatException(nameof(EncryptedChunk), "kind", $"unknown payload kind {bytes[5]}");
        var round = BinaryPrimitives.ReadInt32LittleEndian(bytes[6..]);
        var index = BinaryPrimitives.ReadInt32LittleEndian(bytes[10..]);
        var count = BinaryPrimitives.ReadInt32LittleEndian(bytes[14..]);
        var length = BinaryPrimitives.ReadInt32LittleEndian(bytes[18..]);
        if (round < 0)
            throw new WireFormatException(nameof(EncryptedChunk), "round", $"round {round} is negative");
        if (count <= 0 || index < 0 || index >= count)
            throw new WireFormatException(nameof(EncryptedChunk), "chunk index", $"chunk {index} of {count} is out of range");
        if (length <= 0)
            throw new WireFormatException(nameof(EncryptedChunk), "vector length", $"vector length {length} is not positive");

        int participantLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes[22..]);
        if (participantLength > MaxParticipantIdBytes || FixedHeaderBytes + participantLength + 4 > bytes.Length)
            throw new WireFormatException(nameof(EncryptedChunk), "participant id", $"length {participantLength} does not fit the {bytes.Length}-byte message");
        string participant;
        try
        {
            participant = new UTF8Encoding(false, true).GetString(bytes.Slice(FixedHeaderBytes, participantLength));
        }
        catch (DecoderFallbackException)
        {
            throw new WireFormatException(nameof(EncryptedChunk), "participant id", "not valid UTF-8");
        }

        var offset = FixedHeaderBytes + participantLength;
        var ciphertextLength = BinaryPrimitives.ReadInt32LittleEndian(bytes[offset..]);
        if (ciphertextLength <= 0 || ciphertextLength > MaxCiphertextBytes || ciphertextLength != bytes.Length - offset - 4)
            throw new WireFormatException(nameof(EncryptedChunk), "ciphertext length", $"{ciphertextLength} does not match the {bytes.Length - offset - 4} bytes that follow (limit {MaxCiphertextBytes})");

        return new EncryptedChunk(round, participant, kind, index, count, length, bytes[(offset + 4)..].ToArray());
    }
}
