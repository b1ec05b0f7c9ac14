using System.Buffers.Binary;
using System.Security.Cryptography;
using FederatedHe.Crypto.Ring;

namespace FederatedHe.Crypto.Multiparty;

/// <summary>
/// Expands the pairwise seeds of <see cref="DecryptionMaskSeeds"/> into the zero-sum mask of one
/// decryption share: r_j = Σ_{k∈C, k≠j} σ(j,k)·U_jk with σ = +1 if j &lt; k and −1 otherwise, where
/// U_jk is uniform modulo every prime of the ciphertext's level (sampled directly in NTT form: the NTT
/// is a bijection, so uniform stays uniform).
/// </summary>
/// <remarks>
/// <para>U_jk is AES-CTR output keyed with HKDF-SHA256(seed_jk, info), where info binds, each field
/// length-prefixed (u32 little-endian): a domain label, the key id, the ciphertext fingerprint (which
/// identifies the chunk), the committee, the context, the level, min(j,k) and max(j,k). Both ends of a
/// pair derive the same U_jk for the same decryption and independent ones for any other ciphertext,
/// committee or context.</para>
/// <para>Thread-safe (stateless); derived keys and scratch are zeroed before returning.</para>
/// </remarks>
internal static class DecryptionMasks
{
    // The info ends with min(j,k) and max(j,k), each a u32 length (2) and a u16.
    private const int PairFieldsLength = 2 * (4 + 2);

    private static ReadOnlySpan<byte> DomainLabel => "FederatedHe threshold decryption share mask v1"u8;

    /// <summary>Adds r_j of <paramref name="partyId"/> to the first level + 1 limbs of <paramref name="destination"/> (NTT form).</summary>
    public static void AddMask(RingContext ring, DecryptionMaskSeeds seeds, Sha256Digest keyId, Sha256Digest ciphertextFingerprint, ReadOnlySpan<int> committee, ReadOnlySpan<byte> context, int level, int partyId, RnsPolynomial destination)
    {
        byte[] info = Info(keyId, ciphertextFingerprint, committee, context, level);
        foreach (int other in committee)
        {
            if (other != partyId)
            {
                AddPairMask(ring, seeds.SeedWith(other), info, level, partyId, other, destination);
            }
        }
    }

    /// <summary>
    /// Adds σ(j,k)·U_jk, the term of pair (<paramref name="partyId"/>, <paramref name="otherParty"/>) in
    /// r_j, to <paramref name="destination"/>; <paramref name="info"/> is <see cref="Info"/> of the decryption
    /// (its pair fields are overwritten).
    /// </summary>
    internal static void AddPairMask(RingContext ring, ReadOnlySpan<byte> seed, byte[] info, int level, int partyId, int otherParty, RnsPolynomial destination)
    {
        int limbs = level + 1;
        BinaryPrimitives.WriteUInt16LittleEndian(info.AsSpan(info.Length - PairFieldsLength + 4), (ushort)Math.Min(partyId, otherParty));
        BinaryPrimitives.WriteUInt16LittleEndian(info.AsSpan(info.Length - 2), (ushort)Math.Max(partyId, otherParty));
        var uniform = RnsPolynomial.Rent(ring.N, limbs);
        Span<byte> key = stackalloc byte[AesCtrPrng.SeedLength];
        try
        {
            HKDF.DeriveKey(HashAlgorithmName.SHA256, seed, key, salt: ReadOnlySpan<byte>.Empty, info);
            using (var prng = new AesCtrPrng(key))
            {
                Sampling.SampleUniform(prng, ring, uniform, limbs);
            }

            if (partyId < otherParty)
            {
                ring.Add(destination, uniform, destination, limbs);
            }
            else
            {
                ring.Subtract(destination, uniform, destination, limbs);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            uniform.Clear();
            RnsPolynomial.ReturnRented(uniform);
        }
    }

    /// <summary>
    /// The HKDF info of one decryption; its last two fields, min(j,k) and max(j,k) (each a u32 length 2
    /// and a u16), are left zero for <see cref="AddMask"/> to fill per pair.
    /// </summary>
    internal static byte[] Info(Sha256Digest keyId, Sha256Digest ciphertextFingerprint, ReadOnlySpan<int> committee, ReadOnlySpan<byte> context, int level)
    {
        const int Prefix = 4;
        int length = Prefix + DomainLabel.Length
            + Prefix + Sha256Digest.Length
            + Prefix + Sha256Digest.Length
            + Prefix + (2 * committee.Length)
            + Prefix + context.Length
            + Prefix + 1
            + Prefix + 2
            + Prefix + 2;
        var info = new byte[length];
        int offset = 0;
        Field(info, ref offset, DomainLabel);
        Span<byte> digest = stackalloc byte[Sha256Digest.Length];
        keyId.WriteTo(digest);
        Field(info, ref offset, digest);
        ciphertextFingerprint.WriteTo(digest);
        Field(info, ref offset, digest);
        Span<byte> members = stackalloc byte[2 * committee.Length];
        for (int i = 0; i < committee.Length; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(members[(2 * i)..], (ushort)committee[i]);
        }

        Field(info, ref offset, members);
        Field(info, ref offset, context);
        Field(info, ref offset, [(byte)level]);
        Field(info, ref offset, stackalloc byte[2]);
        Field(info, ref offset, stackalloc byte[2]);
        return info;
    }

    private static void Field(byte[] info, ref int offset, ReadOnlySpan<byte> value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(info.AsSpan(offset), (uint)value.Length);
        value.CopyTo(info.AsSpan(offset + 4));
        offset += 4 + value.Length;
    }
}
