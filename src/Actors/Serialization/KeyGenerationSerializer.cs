using System.Buffers.Binary;
using System.Text;
using Akka.Actor;
using Akka.Serialization;
using FederatedHe.Actors.Security;
using static FederatedHe.Actors.Protocol.KeyGenerationProtocol;

namespace FederatedHe.Actors.Serialization;

/// <summary>
/// A dedicated binary format for threshold key generation's messages (<see cref="PublicKeyShareCommitment"/>,
/// <see cref="PublicKeyShareReveal"/>, <see cref="CollectivePublicKeyAnnounced"/>, <see cref="EncryptedShamirShare"/>),
/// with every field bounded on the way in, so a hostile peer cannot make a node allocate without bound.
/// </summary>
/// <remarks>
/// <para>Layout (little-endian): magic "FHKG", version (1 byte), message type (1 byte), round (int32, always 0), then the
/// message's fields in declaration order: texts as uint16 length and UTF-8, integers as int32, byte fields as int32
/// length and bytes. Fixed-size fields (commitment, signature, nonce, tag) must have exactly their size; key material is
/// bounded by <see cref="MaxKeyMaterialBytes"/>, below the 1 MiB frame. No byte may follow the last field.</para>
/// <para>The serializer knows no parameter set: the receiving actor parses key material against its own, which checks
/// the exact sizes (a public-key share or public key of another set is refused there, by name).</para>
/// <para>Thread-safe: it holds no state.</para>
/// </remarks>
public sealed class KeyGenerationSerializer : Serializer
{
    /// <summary>The serializer id bound in hocon.</summary>
    public const int SerializerIdentifier = 7304;

    /// <summary>The largest public-key share, public key or sealed Shamir share accepted: well under the 1 MiB frame.</summary>
    public const int MaxKeyMaterialBytes = 960 * 1024;

    /// <summary>The longest text field (session id, hospital id, key id) accepted, in UTF-8 bytes.</summary>
    public const int MaxTextBytes = 512;

    /// <summary>The largest party id (the CKKS threshold library's limit).</summary>
    public const int MaxPartyId = 255;

    private const byte FormatVersion = 1;
    private static ReadOnlySpan<byte> Magic => "FHKG"u8;

    private enum MessageType : byte
    {
        Commitment = 1,
        Reveal = 2,
        CollectiveKey = 3,
        SealedShare = 4,
    }

    /// <summary>Creates the serializer; Akka calls this.</summary>
    public KeyGenerationSerializer(ExtendedActorSystem system) : base(system)
    {
    }

    /// <inheritdoc />
    public override int Identifier => SerializerIdentifier;

    /// <inheritdoc />
    public override bool IncludeManifest => false;

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The object is not a key-generation message, or a field is over its limit.</exception>
    public override byte[] ToBinary(object obj) => Write(obj as IKeyGenerationMessage
        ?? throw new ArgumentException($"{nameof(KeyGenerationSerializer)} serializes only key-generation messages, not {obj.GetType()}", nameof(obj)));

    /// <inheritdoc />
    /// <exception cref="WireFormatException">The bytes are not a well-formed key-generation message.</exception>
    public override object FromBinary(byte[] bytes, Type type) => Read(bytes);

    /// <summary>Encodes a key-generation message.</summary>
    /// <exception cref="ArgumentException">A field is over its limit or has the wrong size.</exception>
    public static byte[] Write(IKeyGenerationMessage message)
    {
        var writer = new Writer();
        switch (message)
        {
            case PublicKeyShareCommitment m:
                writer.Header(MessageType.Commitment, m.RoundId);
                writer.Text(m.SessionId);
                writer.Text(m.HospitalId);
                writer.Int(m.PartyId);
                writer.Bytes(m.Commitment, KeyGenerationTranscript.CommitmentLength, KeyGenerationTranscript.CommitmentLength);
                writer.Bytes(m.Certificate, 1, NodeCertificateCheck.MaxCertificateBytes);
                writer.Bytes(m.Signature, KeyGenerationTranscript.SignatureLength, KeyGenerationTranscript.SignatureLength);
                break;
            case PublicKeyShareReveal m:
                writer.Header(MessageType.Reveal, m.RoundId);
                writer.Text(m.SessionId);
                writer.Text(m.HospitalId);
                writer.Int(m.PartyId);
                writer.Bytes(m.PublicKeyShare, 1, MaxKeyMaterialBytes);
                writer.Bytes(m.KeyAgreementKey, 1, PartyKeyAgreement.MaxPublicKeyBytes);
                writer.Bytes(m.Signature, KeyGenerationTranscript.SignatureLength, KeyGenerationTranscript.SignatureLength);
                break;
            case CollectivePublicKeyAnnounced m:
                writer.Header(MessageType.CollectiveKey, m.RoundId);
                writer.Text(m.SessionId);
                writer.Text(m.KeyId);
                writer.Bytes(m.PublicKey, 1, MaxKeyMaterialBytes);
                break;
            case EncryptedShamirShare m:
                writer.Header(MessageType.SealedShare, m.RoundId);
                writer.Text(m.SessionId);
                writer.Text(m.KeyId);
                writer.Int(m.SenderParty);
                writer.Text(m.SenderId);
                writer.Int(m.RecipientParty);
                writer.Text(m.RecipientId);
                writer.Bytes(m.Nonce, ShamirShareSeal.NonceLength, ShamirShareSeal.NonceLength);
                writer.Bytes(m.Ciphertext, 1, MaxKeyMaterialBytes);
                writer.Bytes(m.Tag, ShamirShareSeal.TagLength, ShamirShareSeal.TagLength);
                break;
            default:
                throw new ArgumentException($"{message.GetType()} has no key-generation wire format", nameof(message));
        }

        return writer.ToArray();
    }

    /// <summary>Decodes and validates a key-generation message.</summary>
    /// <exception cref="WireFormatException">The bytes are not a well-formed message; the exception names the message and field.</exception>
    public static IKeyGenerationMessage Read(ReadOnlySpan<byte> bytes)
    {
        const string generic = "key-generation message";
        if (bytes.Length < 10)
            throw new WireFormatException(generic, "header", $"{bytes.Length} bytes is shorter than the 10-byte header");
        if (!bytes[..4].SequenceEqual(Magic))
            throw new WireFormatException(generic, "magic", "not a key-generation message");
        if (bytes[4] != FormatVersion)
            throw new WireFormatException(generic, "version", $"version {bytes[4]} is not supported (expected {FormatVersion})");
        var type = (MessageType)bytes[5];
        var name = type switch
        {
            MessageType.Commitment => nameof(PublicKeyShareCommitment),
            MessageType.Reveal => nameof(PublicKeyShareReveal),
            MessageType.CollectiveKey => nameof(CollectivePublicKeyAnnounced),
            MessageType.SealedShare => nameof(EncryptedShamirShare),
            _ => throw new WireFormatException(generic, "message type", $"unknown message type {bytes[5]}"),
        };

        var reader = new Reader(bytes, name, 6);
        var round = reader.Int("round");
        if (round != 0)
            throw new WireFormatException(name, "round", $"round {round}: key generation precedes round 0");
        IKeyGenerationMessage message = type switch
        {
            MessageType.Commitment => new PublicKeyShareCommitment(round, reader.Text("session id"), reader.Text("hospital id"), reader.Party("party id"),
                reader.Bytes("commitment", KeyGenerationTranscript.CommitmentLength, KeyGenerationTranscript.CommitmentLength),
                reader.Bytes("certificate", 1, NodeCertificateCheck.MaxCertificateBytes),
                reader.Bytes("signature", KeyGenerationTranscript.SignatureLength, KeyGenerationTranscript.SignatureLength)),
            MessageType.Reveal => new PublicKeyShareReveal(round, reader.Text("session id"), reader.Text("hospital id"), reader.Party("party id"),
                reader.Bytes("public-key share", 1, MaxKeyMaterialBytes),
                reader.Bytes("key-agreement key", 1, PartyKeyAgreement.MaxPublicKeyBytes),
                reader.Bytes("signature", KeyGenerationTranscript.SignatureLength, KeyGenerationTranscript.SignatureLength)),
            MessageType.CollectiveKey => new CollectivePublicKeyAnnounced(round, reader.Text("session id"), reader.Text("key id"),
                reader.Bytes("public key", 1, MaxKeyMaterialBytes)),
            _ => new EncryptedShamirShare(round, reader.Text("session id"), reader.Text("key id"), reader.Party("sender party"), reader.Text("sender id"),
                reader.Party("recipient party"), reader.Text("recipient id"),
                reader.Bytes("nonce", ShamirShareSeal.NonceLength, ShamirShareSeal.NonceLength),
                reader.Bytes("ciphertext", 1, MaxKeyMaterialBytes),
                reader.Bytes("tag", ShamirShareSeal.TagLength, ShamirShareSeal.TagLength)),
        };
        reader.End();
        return message;
    }

    private sealed class Writer
    {
        private readonly MemoryStream _buffer = new();

        public void Header(MessageType type, int round)
        {
            _buffer.Write(Magic);
            _buffer.WriteByte(FormatVersion);
            _buffer.WriteByte((byte)type);
            Int(round);
        }

        public void Int(int value)
        {
            Span<byte> bytes = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(bytes, value);
            _buffer.Write(bytes);
        }

        public void Text(string text)
        {
            var bytes = Encoding.UTF8.GetBytes(text ?? throw new ArgumentException("a text field is null"));
            if (bytes.Length > MaxTextBytes)
                throw new ArgumentException($"a text field of {bytes.Length} bytes is over {MaxTextBytes}");
            Span<byte> length = stackalloc byte[2];
            BinaryPrimitives.WriteUInt16LittleEndian(length, (ushort)bytes.Length);
            _buffer.Write(length);
            _buffer.Write(bytes);
        }

        public void Bytes(byte[] bytes, int min, int max)
        {
            if (bytes is null || bytes.Length < min || bytes.Length > max)
                throw new ArgumentException($"a byte field of {bytes?.Length ?? 0} bytes is outside {min}..{max}");
            Int(bytes.Length);
            _buffer.Write(bytes);
        }

        public byte[] ToArray() => _buffer.ToArray();
    }

    private ref struct Reader(ReadOnlySpan<byte> bytes, string message, int offset)
    {
        private readonly ReadOnlySpan<byte> _bytes = bytes;
        private int _offset = offset;

        public int Int(string field)
        {
            if (_bytes.Length - _offset < 4)
                throw new WireFormatException(message, field, $"the message ends at byte {_bytes.Length}, before the field");
            var value = BinaryPrimitives.ReadInt32LittleEndian(_bytes[_offset..]);
            _offset += 4;
            return value;
        }

        public int Party(string field)
        {
            var party = Int(field);
            if (party < 1 || party > MaxPartyId)
                throw new WireFormatException(message, field, $"party {party} is outside 1..{MaxPartyId}");
            return party;
        }

        public string Text(string field)
        {
            if (_bytes.Length - _offset < 2)
                throw new WireFormatException(message, field, $"the message ends at byte {_bytes.Length}, before the field");
            int length = BinaryPrimitives.ReadUInt16LittleEndian(_bytes[_offset..]);
            _offset += 2;
            if (length == 0 || length > MaxTextBytes || length > _bytes.Length - _offset)
                throw new WireFormatException(message, field, $"length {length} is outside 1..{MaxTextBytes} or past the end of the {_bytes.Length}-byte message");
            try
            {
                var text = new UTF8Encoding(false, true).GetString(_bytes.Slice(_offset, length));
                _offset += length;
                return text;
            }
            catch (DecoderFallbackException)
            {
                throw new WireFormatException(message, field, "not valid UTF-8");
            }
        }

        public byte[] Bytes(string field, int min, int max)
        {
            var length = Int(field);
            if (length < min || length > max || length > _bytes.Length - _offset)
                throw new WireFormatException(message, field, $"length {length} is outside {min}..{max} or past the end of the {_bytes.Length}-byte message");
            var value = _bytes.Slice(_offset, length).ToArray();
            _offset += length;
            return value;
        }

        public readonly void End()
        {
            if (_offset != _bytes.Length)
                throw new WireFormatException(message, "end", $"{_bytes.Length - _offset} unexpected bytes follow the last field");
        }
    }
}
