using System.Buffers.Binary;
using System.Text;

namespace FederatedHe.Actors.Security;

/// <summary>
/// The bytes a hospital signs to prove, at registration, that it holds the private key of the certificate
/// issued to the id it claims: a fixed label, then the coordinator's nonce, the hospital id, the CKKS
/// parameter-set id and the coordinator's address, each prefixed with its length.
/// </summary>
/// <remarks>
/// The label keeps these signatures apart from anything else the same key signs (TLS handshakes sign
/// their own transcripts); the length prefixes make the encoding unambiguous; the nonce makes each proof
/// single-use; the coordinator's address, as the hospital sees it, stops a rogue relaying a challenge it
/// received from the coordinator to a genuine hospital and passing the answer off as its own.
/// Pure and stateless: thread-safe.
/// </remarks>
public static class RegistrationProof
{
    /// <summary>The domain-separation label at the start of every signed proof.</summary>
    public const string Label = "FederatedHe hospital registration proof v1";

    /// <summary>The length of a challenge nonce, in bytes.</summary>
    public const int NonceLength = 32;

    /// <summary>The exact bytes a proof's signature covers.</summary>
    /// <param name="nonce">The coordinator's challenge nonce.</param>
    /// <param name="hospitalId">The hospital id being claimed.</param>
    /// <param name="parameterSetId">The CKKS parameter-set id the hospital registers with.</param>
    /// <param name="coordinatorAddress">The coordinator's node address (e.g. <c>akka.ssl.tcp://federation@10.0.0.1:4053</c>).</param>
    /// <exception cref="ArgumentException">The nonce is not <see cref="NonceLength"/> bytes, or a text field is empty.</exception>
    public static byte[] SignedBytes(ReadOnlySpan<byte> nonce, string hospitalId, string parameterSetId, string coordinatorAddress)
    {
        if (nonce.Length != NonceLength)
            throw new ArgumentException($"a challenge nonce is {NonceLength} bytes, not {nonce.Length}", nameof(nonce));
        ArgumentException.ThrowIfNullOrEmpty(hospitalId);
        ArgumentException.ThrowIfNullOrEmpty(parameterSetId);
        ArgumentException.ThrowIfNullOrEmpty(coordinatorAddress);
        using var buffer = new MemoryStream();
        Append(buffer, Encoding.ASCII.GetBytes(Label));
        Append(buffer, nonce);
        Append(buffer, Encoding.UTF8.GetBytes(hospitalId));
        Append(buffer, Encoding.UTF8.GetBytes(parameterSetId));
        Append(buffer, Encoding.UTF8.GetBytes(coordinatorAddress));
        return buffer.ToArray();
    }

    /// <summary>Signs a challenge with the node's certificate key.</summary>
    /// <returns>The ECDSA signature (P1363 r‖s) over <see cref="SignedBytes"/>.</returns>
    /// <exception cref="ArgumentException">The nonce is not <see cref="NonceLength"/> bytes, or a text field is empty.</exception>
    public static byte[] Sign(NodeIdentity identity, ReadOnlySpan<byte> nonce, string hospitalId, string parameterSetId, string coordinatorAddress)
    {
        ArgumentNullException.ThrowIfNull(identity);
        return identity.Sign(SignedBytes(nonce, hospitalId, parameterSetId, coordinatorAddress));
    }

    private static void Append(MemoryStream buffer, ReadOnlySpan<byte> field)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, field.Length);
        buffer.Write(length);
        buffer.Write(field);
    }
}
