using FederatedHe.Actors.Transfer;
using static FederatedHe.Actors.Protocol.FederationProtocol;

namespace FederatedHe.Actors.Tests;

public sealed class ChunkAssemblerTests
{
    private static EncryptedChunk Chunk(int index, int count = 3, int length = 10, string from = "h1", int round = 1) =>
        new(round, from, PayloadKind.ModelUpdate, index, count, length, [(byte)(index + 1)]);

    [Fact]
    public void Chunks_arriving_out_of_order_complete_the_vector_in_order()
    {
        var assembler = new ChunkAssembler(16, 4);

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
        var assembler = new ChunkAssembler(16, 4);
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
        var assembler = new ChunkAssembler(16, 4);

        Assert.Equal(ChunkOutcome.Refused, assembler.Offer(Chunk(index, count), out _));
        Assert.NotEmpty(assembler.LastRefusal);
    }

    [Fact]
    public void A_chunk_contradicting_earlier_chunks_of_its_vector_is_refused()
    {
        var assembler = new ChunkAssembler(16, 4);
        assembler.Offer(Chunk(0, count: 3), out _);

        Assert.Equal(ChunkOutcome.Refused, assembler.Offer(Chunk(1, count: 4), out _));
        Assert.Equal(ChunkOutcome.Refused, assembler.Offer(Chunk(1, length: 11), out _));
    }

    [Fact]
    public void The_number_of_vectors_held_open_at_once_is_bounded()
    {
        var assembler = new ChunkAssembler(16, 2);
        assembler.Offer(Chunk(0, from: "a"), out _);
        assembler.Offer(Chunk(0, from: "b"), out _);

        Assert.Equal(ChunkOutcome.Refused, assembler.Offer(Chunk(0, from: "c"), out _));

        assembler.DiscardFrom("a");
        Assert.Equal(ChunkOutcome.Stored, assembler.Offer(Chunk(0, from: "c"), out _));
    }

    [Fact]
    public void Discarding_old_rounds_forgets_their_partial_vectors()
    {
        var assembler = new ChunkAssembler(16, 4);
        assembler.Offer(Chunk(0, round: 1), out _);

        assembler.DiscardBefore(2);

        Assert.Equal(ChunkOutcome.Stored, assembler.Offer(Chunk(0, round: 1), out _));
    }
}
