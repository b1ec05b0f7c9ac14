using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace FederatedHe.Actors.Security;

/// <summary>What the coordinator checks registering hospitals' certificates against.</summary>
/// <param name="Authority">The federation's CA certificate (<c>ca.crt</c>); every hospital certificate must chain to it.</param>
/// <param name="Roster">The membership roster, whose fingerprint for the claimed id the certificate must have; null for none.</param>
public sealed record RegistrationTrust(X509Certificate2 Authority, MembershipRoster? Roster);

/// <summary>Why a registration proof was accepted or refused.</summary>
public enum RegistrationProofVerdict
{
    /// <summary>A certificate from the federation's CA for the claimed id (the roster's, if there is one) and a valid signature over a fresh nonce.</summary>
    Accepted,

    /// <summary>The nonce was never issued, or was already used, or was dropped to make room for newer ones.</summary>
    UnknownChallenge,

    /// <summary>The nonce was issued but its lifetime ran out before the proof arrived.</summary>
    ExpiredChallenge,

    /// <summary>The nonce was issued to another hospital id or another requester.</summary>
    ChallengeMismatch,

    /// <summary>No certificate was presented (the hospital has no identity configured).</summary>
    NoCertificate,

    /// <summary>The certificate bytes are not a DER X.509 certificate, or are oversized.</summary>
    MalformedCertificate,

    /// <summary>The certificate is a CA's, not a node's.</summary>
    NotANodeCertificate,

    /// <summary>The certificate does not chain to the federation's CA, is expired or is not valid for TLS.</summary>
    UntrustedChain,

    /// <summary>The certificate names another node id than the one claimed.</summary>
    WrongNodeId,

    /// <summary>The roster does not list this certificate as the claimed hospital's.</summary>
    NotOnRoster,

    /// <summary>The signature does not verify with the certificate's public key over this challenge.</summary>
    BadSignature,
}

/// <summary>The outcome of checking a registration proof.</summary>
/// <param name="Verdict">Accepted, or why not.</param>
/// <param name="Detail">A line for the log and for the refused hospital.</param>
public sealed record RegistrationProofCheck(RegistrationProofVerdict Verdict, string Detail)
{
    /// <summary>Whether the hospital proved its identity.</summary>
    public bool IsAccepted => Verdict == RegistrationProofVerdict.Accepted;
}

/// <summary>
/// The coordinator's side of proof of possession at registration: issues single-use nonces from a CSPRNG
/// and checks the answers: a certificate from the federation's CA naming the claimed hospital id (and, with
/// a roster, the roster's certificate for it), and an ECDSA signature by its key over
/// <see cref="RegistrationProof.SignedBytes"/> with this coordinator's address.
/// </summary>
/// <remarks>
/// Every answer consumes its nonce, whether it verifies or not, so a proof cannot be replayed and a nonce
/// cannot be guessed at repeatedly. At most <see cref="MaxOutstandingChallenges"/> nonces are held; beyond
/// that the oldest is dropped, so a flood of registrations cannot grow the coordinator's memory.
/// Not thread-safe: one actor owns it.
/// </remarks>
public sealed class RegistrationProofVerifier
{
    /// <summary>How long a nonce stays valid unless told otherwise.</summary>
    public static readonly TimeSpan DefaultChallengeLifetime = TimeSpan.FromSeconds(30);

    /// <summary>The most nonces outstanding at once.</summary>
    public const int MaxOutstandingChallenges = 1024;

    /// <summary>The largest certificate accepted, in bytes; a P-256 node certificate is well under 1 KiB.</summary>
    public const int MaxCertificateBytes = NodeCertificateCheck.MaxCertificateBytes;

    private readonly X509Certificate2 _authority;
    private readonly MembershipRoster? _roster;
    private readonly string _coordinatorAddress;
    private readonly TimeSpan _lifetime;
    private readonly TimeProvider _clock;
    private readonly Dictionary<string, Challenge> _outstanding = new(StringComparer.Ordinal);

    /// <summary>Creates a verifier for one coordinator.</summary>
    /// <param name="trust">The federation's CA and, optionally, its roster.</param>
    /// <param name="coordinatorAddress">This coordinator's node address, which every proof must be signed for.</param>
    /// <param name="challengeLifetime">How long a nonce stays valid; <see cref="DefaultChallengeLifetime"/> when null.</param>
    /// <param name="clock">The clock nonces expire by; the system clock when null.</param>
    /// <exception cref="ArgumentException">The authority is not a CA certificate, the address is empty or the lifetime is not positive.</exception>
    public RegistrationProofVerifier(RegistrationTrust trust, string coordinatorAddress, TimeSpan? challengeLifetime = null, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(trust);
        ArgumentNullException.ThrowIfNull(trust.Authority);
        ArgumentException.ThrowIfNullOrEmpty(coordinatorAddress);
        if (!NodeCertificateChain.IsAuthority(trust.Authority))
            throw new ArgumentException($"{trust.Authority.Subject} is not a CA certificate", nameof(trust));
        _lifetime = challengeLifetime ?? DefaultChallengeLifetime;
        if (_lifetime <= TimeSpan.Zero)
            throw new ArgumentException($"the challenge lifetime {_lifetime} is not positive", nameof(challengeLifetime));
        _authority = trust.Authority;
        _roster = trust.Roster;
        _coordinatorAddress = coordinatorAddress;
        _clock = clock ?? TimeProvider.System;
    }

    /// <summary>How many nonces are issued and not yet answered or expired.</summary>
    public int OutstandingChallenges
    {
        get
        {
            DropExpired();
            return _outstanding.Count;
        }
    }

    /// <summary>Issues a fresh nonce for a hospital id, to be answered by the same requester.</summary>
    /// <param name="hospitalId">The id the requester claims.</param>
    /// <param name="requester">Who asked (e.g. the actor path); the answer must come from the same requester.</param>
    /// <returns>A new <see cref="RegistrationProof.NonceLength"/>-byte nonce.</returns>
    public byte[] IssueChallenge(string hospitalId, string requester)
    {
        ArgumentNullException.ThrowIfNull(hospitalId);
        ArgumentNullException.ThrowIfNull(requester);
        DropExpired();
        if (_outstanding.Count >= MaxOutstandingChallenges)
            _outstanding.Remove(_outstanding.MinBy(c => c.Value.ExpiresAt).Key);
        var nonce = RandomNumberGenerator.GetBytes(RegistrationProof.NonceLength);
        _outstanding[Convert.ToHexString(nonce)] = new Challenge(hospitalId, requester, _clock.GetUtcNow() + _lifetime);
        return nonce;
    }

    /// <summary>Checks a hospital's answer to a challenge; consumes the nonce whatever the verdict.</summary>
    /// <param name="hospitalId">The id claimed.</param>
    /// <param name="parameterSetId">The CKKS parameter-set id the hospital signed.</param>
    /// <param name="nonce">The nonce answered.</param>
    /// <param name="certificate">The hospital's certificate, DER.</param>
    /// <param name="signature">The ECDSA signature (P1363 r‖s) over <see cref="RegistrationProof.SignedBytes"/>.</param>
    /// <param name="requester">Who answered; must be who asked.</param>
    public RegistrationProofCheck Verify(string hospitalId, string parameterSetId, byte[] nonce, byte[] certificate, byte[] signature, string requester)
    {
        ArgumentNullException.ThrowIfNull(hospitalId);
        ArgumentNullException.ThrowIfNull(parameterSetId);
        ArgumentNullException.ThrowIfNull(requester);
        if (nonce is not { Length: RegistrationProof.NonceLength } || !_outstanding.Remove(Convert.ToHexString(nonce), out var challenge))
            return Refuse(RegistrationProofVerdict.UnknownChallenge, $"{hospitalId} answered a challenge this coordinator did not issue or that was already used");
        if (_clock.GetUtcNow() > challenge.ExpiresAt)
            return Refuse(RegistrationProofVerdict.ExpiredChallenge, $"{hospitalId} answered a challenge that expired at {challenge.ExpiresAt:O}");
        if (challenge.HospitalId != hospitalId || challenge.Requester != requester)
            return Refuse(RegistrationProofVerdict.ChallengeMismatch, $"{hospitalId} answered a challenge issued to {challenge.HospitalId} at {challenge.Requester}");

        if (certificate is null || certificate.Length == 0)
            return Refuse(RegistrationProofVerdict.NoCertificate,
                $"{hospitalId} presented no certificate; this federation admits a hospital only with proof that it holds its certificate's key");
        var check = NodeCertificateCheck.Check(hospitalId, certificate, new RegistrationTrust(_authority, _roster), out var parsed);
        if (parsed is null)
            return check;
        using (parsed)
        {
            var fingerprint = MembershipRoster.Fingerprint(parsed);
            var signedBytes = RegistrationProof.SignedBytes(nonce, hospitalId, parameterSetId, _coordinatorAddress);
            if (!NodeCertificateCheck.VerifySignature(parsed, signedBytes, signature))
                return Refuse(RegistrationProofVerdict.BadSignature, $"{hospitalId}'s signature does not verify with its certificate's key (sha256 {fingerprint}) for this challenge");
            return new RegistrationProofCheck(RegistrationProofVerdict.Accepted, $"{hospitalId} proved possession of its certificate (sha256 {fingerprint})");
        }
    }

    private void DropExpired()
    {
        var now = _clock.GetUtcNow();
        foreach (var expired in _outstanding.Where(c => c.Value.ExpiresAt < now).Select(c => c.Key).ToList())
            _outstanding.Remove(expired);
    }

    private static RegistrationProofCheck Refuse(RegistrationProofVerdict verdict, string detail) => new(verdict, detail);

    private sealed record Challenge(string HospitalId, string Requester, DateTimeOffset ExpiresAt);
}
