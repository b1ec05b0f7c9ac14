using FederatedHe.Actors.Serialization;
using static FederatedHe.Actors.Protocol.FederationProtocol;

namespace FederatedHe.Actors.Tests;

public sealed class EncryptedChunkSerializerTests
{
    private static readonly EncryptedChunk Sample =
        new(7, "hospital-2", PayloadKind.ModelUpdate, 1, 3, 9000, Enumerable.Range(0, 300).Select(i => (byte)i).ToArray());

    [Fact]
    public void A_chunk_survives_the_round_trip_unchanged()
    {
        var decoded = EncryptedChunkSerializer.Read(EncryptedChunkSerializer.Write(Sample));

        Assert.Equal(Sample with { Ciphertext = decoded.Ciphertext }, decoded);
        Assert.Equal(Sample.Ciphertext, decoded.Ciphertext);
    }

    [Fact]
    public void Every_truncation_is_refused_with_a_typed_error()
    {
        var bytes = EncryptedChunkSerializer.Write(Sample);
        for (var length = 0; length < bytes.Length; length++)
            Assert.Throws<WireFormatException>(() => EncryptedChunkSerializer.Read(bytes.AsSpan(0, length)));
    }

    [Fact]
    public void Ten_thousand_mutated_payloads_never_escape_as_anything_but_a_typed_error()
    {
        var original = EncryptedChunkSerializer.Write(Sample);
        var random = new Random(20261124);
        for (var trial = 0; trial < 10_000; trial++)
        {
            var bytes = (byte[])original.Clone();
            var flips = random.Next(1, 6);
            for (var f = 0; f < flips; f++)
                bytes[random.Next(Math.Min(bytes.Length, 40))] = (byte)random.Next(256);
            try
            {
                var decoded = EncryptedChunkSerializer.Read(bytes);
                Assert.InRange(decoded.ChunkIndex, 0, decoded.ChunkCount - 1);
                Assert.True(decoded.VectorLength > 0);
            }
            catch (WireFormatException)
            {
            }
        }
    }

    [Fact]
    public void A_header_claiming_a_huge_ciphertext_is_refused_without_allocating_it()
    {
        var bytes = EncryptedChunkSerializer.Write(Sample);
        var lengthOffset = bytes.Length - Sample.Ciphertext.Length - 4;
        BitConverter.TryWriteBytes(bytes.AsSpan(lengthOffset), int.MaxValue);

        var error = Assert.Throws<WireFormatException>(() => EncryptedChunkSerializer.Read(bytes));
        Assert.Equal("ciphertext length", error.Field);
    }

    [Fact]
    public void A_payload_carrying_more_than_the_largest_ciphertext_or_trailing_bytes_is_refused()
    {
        var tiny = EncryptedChunkSerializer.Write(Sample with { Ciphertext = [1] });
        var header = tiny[..^5]; // everything before the ciphertext's length field
        const int over = EncryptedChunkSerializer.MaxCiphertextBytes + 1;
        var oversized = header.Concat(BitConverter.GetBytes(over)).Concat(new byte[over]).ToArray();
        var trailing = tiny.Concat(new byte[] { 0 }).ToArray();

        Assert.Equal("ciphertext length", Assert.Throws<WireFormatException>(() => EncryptedChunkSerializer.Read(oversized)).Field);
        Assert.Equal("ciphertext length", Assert.Throws<WireFormatException>(() => EncryptedChunkSerializer.Read(trailing)).Field);
        Assert.Throws<ArgumentException>(() => EncryptedChunkSerializer.Write(Sample with { Ciphertext = new byte[over] }));
    }

    [Theory]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    public void A_chunk_of_a_retired_key_generation_kind_is_refused_as_unknown(byte kind)
    {
        // 5, 6 and 7 once carried public-key shares, the collective key and Shamir shares in the clear.
        var bytes = EncryptedChunkSerializer.Write(Sample);
        bytes[5] = kind;

        Assert.Equal("kind", Assert.Throws<WireFormatException>(() => EncryptedChunkSerializer.Read(bytes)).Field);
    }
}
