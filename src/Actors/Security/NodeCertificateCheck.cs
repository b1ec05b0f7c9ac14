using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace FederatedHe.Actors.Security;

/// <summary>
/// Whether a certificate presented for a hospital id is that hospital's in this federation: a DER X.509 node certificate
/// (not a CA's) chaining to the federation's CA, naming the id in its CN and, with a roster, the roster's certificate for it.
/// One check shared by the coordinator's registration proof and the hospitals' check of one another's key-generation
/// messages, so both admit exactly the same certificates.
/// </summary>
/// <remarks>Stateless: thread-safe.</remarks>
public static class NodeCertificateCheck
{
    /// <summary>The largest certificate accepted, in bytes; a P-256 node certificate is well under 1 KiB.</summary>
    public const int MaxCertificateBytes = 8 * 1024;

    /// <summary>Checks the certificate bytes presented for <paramref name="hospitalId"/>.</summary>
    /// <param name="hospitalId">The id the certificate is presented for.</param>
    /// <param name="certificate">The certificate, DER.</param>
    /// <param name="trust">The federation's CA and, optionally, its roster.</param>
    /// <param name="accepted">The parsed certificate when it is accepted (the caller disposes it); null otherwise.</param>
    /// <returns>The verdict (<see cref="RegistrationProofVerdict.Accepted"/> or why not) and a line naming the hospital.</returns>
    public static RegistrationProofCheck Check(string hospitalId, byte[]? certificate, RegistrationTrust trust, out X509Certificate2? accepted)
    {
        ArgumentNullException.ThrowIfNull(hospitalId);
        ArgumentNullException.ThrowIfNull(trust);
        accepted = null;
        if (certificate is null || certificate.Length == 0)
            return new(RegistrationProofVerdict.NoCertificate, $"{hospitalId} presented no certificate");
        if (certificate.Length > MaxCertificateBytes)
            return new(RegistrationProofVerdict.MalformedCertificate, $"{hospitalId}'s certificate is {certificate.Length} bytes, over {MaxCertificateBytes}");
        X509Certificate2 parsed;
        try
        {
            parsed = X509CertificateLoader.LoadCertificate(certificate);
        }
        catch (CryptographicException exception)
        {
            return new(RegistrationProofVerdict.MalformedCertificate, $"{hospitalId}'s certificate is not a DER X.509 certificate: {exception.Message}");
        }

        var check = Check(hospitalId, parsed, trust);
        if (check.IsAccepted)
            accepted = parsed;
        else
            parsed.Dispose();
        return check;
    }

    /// <summary>Checks a parsed certificate presented for <paramref name="hospitalId"/>.</summary>
    public static RegistrationProofCheck Check(string hospitalId, X509Certificate2 certificate, RegistrationTrust trust)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(trust);
        if (NodeCertificateChain.IsAuthority(certificate))
            return new(RegistrationProofVerdict.NotANodeCertificate, $"{hospitalId} presented a CA certificate ({certificate.Subject})");
        if (!NodeCertificateChain.IsIssuedBy(certificate, trust.Authority, out var problem))
            return new(RegistrationProofVerdict.UntrustedChain, $"{hospitalId}'s certificate is not the federation's: {problem}");
        var named = NodeCertificateChain.NodeId(certificate);
        if (named != hospitalId)
            return new(RegistrationProofVerdict.WrongNodeId, $"the certificate presented for {hospitalId} was issued to {named ?? certificate.Subject}");
        var fingerprint = MembershipRoster.Fingerprint(certificate);
        if (trust.Roster is not null && !trust.Roster.IsAllowedHospital(hospitalId, fingerprint))
            return new(RegistrationProofVerdict.NotOnRoster, $"the roster does not list the certificate sha256 {fingerprint} as hospital {hospitalId}'s");
        return new(RegistrationProofVerdict.Accepted, $"{hospitalId}'s certificate (sha256 {fingerprint}) is the federation's");
    }

    /// <summary>Whether <paramref name="signature"/> (ECDSA P-256 with SHA-256, P1363 r‖s) over <paramref name="data"/> verifies with the certificate's key.</summary>
    public static bool VerifySignature(X509Certificate2 certificate, ReadOnlySpan<byte> data, byte[]? signature)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        using var key = certificate.GetECDsaPublicKey();
        return key is not null && signature is not null
            && key.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }
}
