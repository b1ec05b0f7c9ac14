using FederatedHe.Actors.Transfer;
using static FederatedHe.Actors.Protocol.FederationProtocol;

namespace FederatedHe.Actors.Tests;

public sealed class ChunkAssemblerTests
{
    private static EncryptedChunk Chunk(int index, int count = 3, int length = 10, string from = "h1", int round = 1,
        PayloadKind kind = PayloadKind.ModelUpdate, int bytes = 1) =>
        new(round, from, kind, index, count, length, Enumerable.Repeat((byte)(index + 1), bytes).ToArray());

    private static ChunkAssembler Assembler(int maxOpenVectors = 4, int perParticipant = 4, long maxCiphertextBytes = 100) =>
        new(new TransferLimits(16, maxOpenVectors, perParticipant, maxCiphertextBytes));

    [Fact]
    public void Chunks_arriving_out_of_order_complete_the_vector_in_order()
    {
        var assembler = Assembler();

        Assert.Equal(ChunkOutcome.Stored, assembler.Offer(Chunk(2), out _));
        Assert.Equal(ChunkOutcome.Stored, assembler.Offer(Chunk(0), out _));
        Assert.Equal(ChunkOutcome.Completed, assembler.Offer(Chunk(1), out var vector));

        Assert.NotNull(vector);
        Assert.Equal([1, 2, 3], vector.Ciphertexts.Select(c => (int)c[0]));
        Assert.Equal(10, vector.VectorLength);
    }

    [Fact]
    public void A_repeated_chunk_is_reported_as_duplicate_and_changes_nothing()
    {
        var assembler = Assembler();
        assembler.Offer(Chunk(0), out _);

        Assert.Equal(ChunkOutcome.Duplicate, assembler.Offer(Chunk(0), out _));
    }

    [Theory]
    [InlineData(-1, 3)]
    [InlineData(3, 3)]
    [InlineData(0, 0)]
    [InlineData(0, 17)]
    public void Chunks_with_impossible_positions_or_counts_are_refused(int index, int count)
    {
        var assembler = Assembler();

        Assert.Equal(ChunkOutcome.Refused, assembler.Offer(Chunk(index, count), out _));
        Assert.NotEmpty(assembler.LastRefusal);
    }

    [Fact]
    public void A_chunk_contradicting_earlier_chunks_of_its_vector_is_refused()
    {
        var assembler = Assembler();
        assembler.Offer(Chunk(0, count: 3), out _);

        Assert.Equal(ChunkOutcome.Refused, assembler.Offer(Chunk(1, count: 4), out _));
        Assert.Equal(ChunkOutcome.Refused, assembler.Offer(Chunk(1, length: 11), out _));
    }

    [Fact]
    public void The_number_of_vectors_held_open_at_once_is_bounded()
    {
        var assembler = Assembler(maxOpenVectors: 2);
        assembler.Offer(Chunk(0, from: "a"), out _);
        assembler.Offer(Chunk(0, from: "b"), out _);

        Assert.Equal(ChunkOutcome.Refused, assembler.Offer(Chunk(0, from: "c"), out _));

        assembler.DiscardFrom("a");
        Assert.Equal(ChunkOutcome.Stored, assembler.Offer(Chunk(0, from: "c"), out _));
    }

    [Fact]
    public void Discarding_old_rounds_forgets_their_partial_vectors()
    {
        var assembler = Assembler();
        assembler.Offer(Chunk(0, round: 1), out _);

        assembler.DiscardBefore(2);

        Assert.Equal(ChunkOutcome.Stored, assembler.Offer(Chunk(0, round: 1), out _));
    }

    [Fact]
    public void A_chunk_longer_than_any_ciphertext_of_the_parameter_set_is_refused_and_nothing_is_buffered()
    {
        var assembler = Assembler(maxCiphertextBytes: 100);

        Assert.Equal(ChunkOutcome.Stored, assembler.Offer(Chunk(0, bytes: 100), out _));
        Assert.Equal(ChunkOutcome.Refused, assembler.Offer(Chunk(1, bytes: 101), out _));
        Assert.Contains("longer than any ciphertext", assembler.LastRefusal);
        Assert.Equal(100, assembler.BufferedBytes);
    }

    [Fact]
    public void One_participant_cannot_take_the_open_vector_slots_the_others_need()
    {
        var assembler = Assembler(maxOpenVectors: 8, perParticipant: 2);
        var flood = Enumerable.Range(1, 1000).Select(round => assembler.Offer(Chunk(0, from: "flooder", round: round), out _)).ToList();

        Assert.Equal(2, flood.Count(o => o == ChunkOutcome.Stored));
        Assert.Contains("flooder already has 2 vectors", assembler.LastRefusal);
        Assert.Equal(ChunkOutcome.Stored, assembler.Offer(Chunk(0, from: "honest"), out _));
        Assert.Equal(ChunkOutcome.Stored, assembler.Offer(Chunk(1, from: "honest"), out _));
        Assert.Equal(ChunkOutcome.Completed, assembler.Offer(Chunk(2, from: "honest"), out var vector));
        Assert.Equal("honest", vector!.ParticipantId);
    }

    [Fact]
    public void Buffered_bytes_are_counted_while_held_and_released_when_a_vector_completes_or_is_discarded()
    {
        var assembler = Assembler();
        assembler.Offer(Chunk(0, from: "a", bytes: 40), out _);
        assembler.Offer(Chunk(1, from: "a", bytes: 40), out _);
        assembler.Offer(Chunk(0, from: "b", bytes: 30), out _);
        Assert.Equal((2, 110L), (assembler.OpenVectors, assembler.BufferedBytes));

        assembler.Offer(Chunk(2, from: "a", bytes: 40), out _);
        Assert.Equal((1, 30L), (assembler.OpenVectors, assembler.BufferedBytes));

        assembler.DiscardFrom("b");
        Assert.Equal((0, 0L, 150L), (assembler.OpenVectors, assembler.BufferedBytes, assembler.PeakBufferedBytes));
    }

    [Fact]
    public void Discarding_one_kind_of_old_rounds_keeps_the_other_kinds()
    {
        var assembler = Assembler();
        assembler.Offer(Chunk(0, round: 0, kind: PayloadKind.AggregatedStatistics), out _);
        assembler.Offer(Chunk(0, round: 1, kind: PayloadKind.AggregatedModel), out _);

        assembler.DiscardBefore(2, PayloadKind.AggregatedModel);

        Assert.Equal(1, assembler.OpenVectors);
        Assert.Equal(ChunkOutcome.Duplicate, assembler.Offer(Chunk(0, round: 0, kind: PayloadKind.AggregatedStatistics), out _));
    }

    [Fact]
    public void Limits_that_are_not_positive_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Assembler(perParticipant: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Assembler(maxCiphertextBytes: 0));
    }
}
