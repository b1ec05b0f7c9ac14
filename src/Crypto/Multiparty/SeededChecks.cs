using FederatedHe.Crypto.Ckks;

namespace FederatedHe.Crypto.Multiparty;

/// <summary>Checks shared by the seeded threshold types.</summary>
internal static class SeededChecks
{
    /// <summary>Throws unless <paramref name="parameters"/> is sized for the seeded scheme.</summary>
    /// <exception cref="ArgumentException">It is a collective-key set.</exception>
    public static void RequireSeeded(ThresholdParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (parameters.Scheme != ThresholdScheme.SeededSecretKey)
        {
            throw new ArgumentException($"{parameters} is sized for the collective-key scheme, whose B_ct and packing differ; the seeded types need a {nameof(ThresholdScheme.SeededSecretKey)} set.", nameof(parameters));
        }
    }

    /// <summary>Throws if <paramref name="parameters"/> is sized for the seeded scheme (for the collective-key types).</summary>
    /// <exception cref="ArgumentException">It is a seeded set.</exception>
    public static void RequireCollectiveKey(ThresholdParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (parameters.Scheme != ThresholdScheme.CollectiveKey)
        {
            throw new ArgumentException($"{parameters} is sized for the seeded scheme: its B_ct does not cover public-key ciphertexts.", nameof(parameters));
        }
    }

    /// <summary>Reads the chunk index and vector length (u32 each) and checks that the chunk exists.</summary>
    /// <exception cref="CkksFormatException">The length is 0 or beyond int, or the vector has no such chunk.</exception>
    public static (int ChunkIndex, int VectorLength) ReadChunkPosition(ref ShareBodyReader reader, CkksParameters ckks)
    {
        long indexOffset = reader.Offset;
        uint index = reader.U32("chunkIndex");
        long lengthOffset = reader.Offset;
        uint length = reader.U32("vectorLength");
        if (length == 0 || length > int.MaxValue)
        {
            throw new CkksFormatException("vectorLength", lengthOffset, $"vector length {length} is outside [1, {int.MaxValue}].");
        }

        int chunks = AggregationChunk.ChunkCountFor(ckks, (int)length);
        if (index >= (uint)chunks)
        {
            throw new CkksFormatException("chunkIndex", indexOffset, $"chunk {index} of a vector of {length} values, which has {chunks} chunks.");
        }

        return ((int)index, (int)length);
    }
}
