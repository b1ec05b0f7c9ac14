using System.Buffers.Binary;
using System.Security.Cryptography;
using FederatedHe.Crypto.Ring;
using FederatedHe.Crypto.Rlwe;

namespace FederatedHe.Crypto.Multiparty;

/// <summary>
/// The public uniform polynomial a of one seeded update, and the digest that binds updates, sums and
/// decryption shares to one caller-supplied context (round, purpose).
/// </summary>
/// <remarks>
/// <para>a is AES-CTR output keyed with HKDF-SHA256(seed, info), sampled directly in NTT form over every
/// ciphertext prime (the NTT is a bijection, so uniform stays uniform). info binds, each field length-prefixed:
/// a domain label, the parameter-set id, the key id, the party index, the chunk index, the vector length and the
/// context digest. So a seed replayed under another party's index, in another chunk, vector, key or round expands
/// to an independent polynomial: a replayed (party, seed) entry cannot cancel the c0 it was first sent with.</para>
/// <para>Thread-safe (stateless); derived keys are zeroed before returning.</para>
/// </remarks>
internal static class SeededExpansion
{
    private static ReadOnlySpan<byte> ExpansionLabel => "FederatedHe seeded threshold update a v1"u8;

    private static ReadOnlySpan<byte> ContextLabel => "FederatedHe seeded threshold context v1"u8;

    /// <summary>SHA-256 of the domain label and <paramref name="context"/>: what updates and sums carry instead of the context.</summary>
    public static Sha256Digest ContextDigest(ReadOnlySpan<byte> context)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(ContextLabel);
        hash.AppendData(context);
        Span<byte> digest = stackalloc byte[Sha256Digest.Length];
        hash.GetHashAndReset(digest);
        return Sha256Digest.FromBytes(digest);
    }

    /// <summary>Writes a into every limb of <paramref name="destination"/> (NTT form).</summary>
    public static void Expand(ThresholdParameters parameters, Sha256Digest keyId, ReadOnlySpan<byte> seed, int partyId, int chunkIndex, int vectorLength, Sha256Digest contextDigest, RnsPolynomial destination)
    {
        var ckks = parameters.Ckks;
        Span<byte> info = stackalloc byte[ExpansionLabel.Length + ParameterSetId.Length + (2 * Sha256Digest.Length) + 2 + 4 + 4 + (7 * 4)];
        int offset = 0;
        Field(info, ref offset, ExpansionLabel);
        Span<byte> field = stackalloc byte[Sha256Digest.Length];
        ckks.Id.WriteTo(field);
        Field(info, ref offset, field[..ParameterSetId.Length]);
        keyId.WriteTo(field);
        Field(info, ref offset, field);
        BinaryPrimitives.WriteUInt16LittleEndian(field, (ushort)partyId);
        Field(info, ref offset, field[..2]);
        BinaryPrimitives.WriteUInt32LittleEndian(field, (uint)chunkIndex);
        Field(info, ref offset, field[..4]);
        BinaryPrimitives.WriteUInt32LittleEndian(field, (uint)vectorLength);
        Field(info, ref offset, field[..4]);
        contextDigest.WriteTo(field);
        Field(info, ref offset, field);

        Span<byte> key = stackalloc byte[AesCtrPrng.SeedLength];
        try
        {
            HKDF.DeriveKey(HashAlgorithmName.SHA256, seed, key, salt: ReadOnlySpan<byte>.Empty, info[..offset]);
            using var prng = new AesCtrPrng(key);
            destination.SetLimbCount(ckks.MaxLevel + 1);
            Sampling.SampleUniform(prng, ckks.Ring, destination, ckks.MaxLevel + 1);
            destination.IsNttForm = true;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    private static void Field(Span<byte> info, ref int offset, ReadOnlySpan<byte> value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(info[offset..], (uint)value.Length);
        value.CopyTo(info[(offset + 4)..]);
        offset += 4 + value.Length;
    }
}
