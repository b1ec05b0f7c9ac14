using FederatedHe.Actors.Serialization;
using static FederatedHe.Actors.Protocol.KeyGenerationProtocol;

namespace FederatedHe.Actors.Tests;

/// <summary>
/// Key generation's wire format: every message kind survives the round trip, and hostile bytes (truncated, mutated,
/// oversized, trailing) are refused with a typed error naming the message and field, without allocating what they claim.
/// </summary>
public sealed class KeyGenerationSerializerTests
{
    private static byte[] Bytes(int length, int seed) => Enumerable.Range(seed, length).Select(i => (byte)i).ToArray();

    public static TheoryData<string> Kinds => new() { "commitment", "reveal", "collective key", "sealed share" };

    private static IKeyGenerationMessage Sample(string kind) => kind switch
    {
        "commitment" => new PublicKeyShareCommitment(0, "session-1", "hospital-2", 2, Bytes(32, 1), Bytes(600, 2), Bytes(64, 3)),
        "reveal" => new PublicKeyShareReveal(0, "session-1", "hospital-2", 2, Bytes(5000, 4), Bytes(91, 5), Bytes(64, 6)),
        "collective key" => new CollectivePublicKeyAnnounced(0, "session-1", "ab12", Bytes(5000, 7)),
        _ => new EncryptedShamirShare(0, "session-1", "ab12", 1, "hospital-1", 3, "hospital-3", Bytes(12, 8), Bytes(5000, 9), Bytes(16, 10)),
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Every_message_kind_survives_the_round_trip_unchanged(string kind)
    {
        var sample = Sample(kind);
        var bytes = KeyGenerationSerializer.Write(sample);

        Assert.Equal(bytes, KeyGenerationSerializer.Write(KeyGenerationSerializer.Read(bytes)));
        Assert.Equal(sample.GetType(), KeyGenerationSerializer.Read(bytes).GetType());
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Every_truncation_and_every_trailing_byte_is_refused_with_a_typed_error(string kind)
    {
        var bytes = KeyGenerationSerializer.Write(Sample(kind));
        for (var length = 0; length < bytes.Length; length += length < 200 ? 1 : 97)
            Assert.Throws<WireFormatException>(() => KeyGenerationSerializer.Read(bytes.AsSpan(0, length)));
        Assert.Equal("end", Assert.Throws<WireFormatException>(() => KeyGenerationSerializer.Read([.. bytes, 0])).Field);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Mutated_headers_and_fields_never_escape_as_anything_but_a_typed_error(string kind)
    {
        var original = KeyGenerationSerializer.Write(Sample(kind));
        var random = new Random(20261201);
        for (var trial = 0; trial < 3_000; trial++)
        {
            var bytes = (byte[])original.Clone();
            for (var f = random.Next(1, 6); f > 0; f--)
                bytes[random.Next(Math.Min(bytes.Length, 120))] = (byte)random.Next(256);
            try
            {
                var decoded = KeyGenerationSerializer.Read(bytes);
                Assert.Equal(0, decoded.RoundId);
            }
            catch (WireFormatException)
            {
            }
        }
    }

    [Fact]
    public void A_field_claiming_more_than_the_frame_holds_is_refused_without_allocating_it()
    {
        var share = (EncryptedShamirShare)Sample("sealed share");
        var bytes = KeyGenerationSerializer.Write(share);
        // The ciphertext's length field sits just before its bytes, which are followed by the 16-byte tag and its length.
        var lengthOffset = bytes.Length - 16 - 4 - share.Ciphertext.Length - 4;
        BitConverter.TryWriteBytes(bytes.AsSpan(lengthOffset), int.MaxValue);

        var error = Assert.Throws<WireFormatException>(() => KeyGenerationSerializer.Read(bytes));
        Assert.Equal(("EncryptedShamirShare", "ciphertext"), (error.MessageType, error.Field));
    }

    [Fact]
    public void Wrong_sized_fixed_fields_a_round_other_than_0_and_impossible_parties_are_refused_by_name()
    {
        var commitment = (PublicKeyShareCommitment)Sample("commitment");
        Assert.Throws<ArgumentException>(() => KeyGenerationSerializer.Write(commitment with { Commitment = Bytes(31, 0) }));
        Assert.Throws<ArgumentException>(() => KeyGenerationSerializer.Write(commitment with { Signature = Bytes(72, 0) }));
        Assert.Throws<ArgumentException>(() => KeyGenerationSerializer.Write(commitment with { Certificate = new byte[9000] }));
        var share = (EncryptedShamirShare)Sample("sealed share");
        Assert.Throws<ArgumentException>(() => KeyGenerationSerializer.Write(share with { Ciphertext = new byte[KeyGenerationSerializer.MaxKeyMaterialBytes + 1] }));

        var roundOne = KeyGenerationSerializer.Write(commitment);
        BitConverter.TryWriteBytes(roundOne.AsSpan(6), 1);
        Assert.Equal("round", Assert.Throws<WireFormatException>(() => KeyGenerationSerializer.Read(roundOne)).Field);

        var partyZero = KeyGenerationSerializer.Write(commitment with { PartyId = 0 });
        Assert.Equal("party id", Assert.Throws<WireFormatException>(() => KeyGenerationSerializer.Read(partyZero)).Field);
        var unknownType = KeyGenerationSerializer.Write(commitment);
        unknownType[5] = 9;
        Assert.Equal("message type", Assert.Throws<WireFormatException>(() => KeyGenerationSerializer.Read(unknownType)).Field);
    }
}
