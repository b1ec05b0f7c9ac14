using System.Security.Cryptography.X509Certificates;
using FederatedHe.Actors.Security;

namespace FederatedHe.Actors.Tests;

/// <summary>
/// Proof of possession at registration: a hospital id is admitted only with a signature, over a fresh
/// single-use nonce, by the key of the certificate the federation's CA issued for that id (the roster's).
/// </summary>
public sealed class RegistrationProofTests(TestCertificates certificates) : IClassFixture<TestCertificates>
{
    private const string CoordinatorAddress = "akka.ssl.tcp://federation@10.0.0.1:4053";
    private const string ParameterSet = "params-1";
    private const string Requester = "akka.ssl.tcp://federation@10.0.0.2:4054/user/hospital#42";

    private readonly ManualClock _clock = new();

    private RegistrationProofVerifier Verifier(MembershipRoster? roster = null, bool withRoster = true) =>
        new(new RegistrationTrust(certificates.PublicAuthority, withRoster ? roster ?? certificates.Roster : null), CoordinatorAddress,
            TimeSpan.FromSeconds(30), _clock);

    /// <summary>What a hospital holding <paramref name="certificate"/> sends when it claims <paramref name="claimedId"/>.</summary>
    private static (byte[] Certificate, byte[] Signature) Answer(X509Certificate2 certificate, byte[] nonce, string claimedId,
        string coordinatorAddress = CoordinatorAddress, string parameterSet = ParameterSet) =>
        (certificate.RawData, RegistrationProof.Sign(NodeIdentity.FromCertificate(certificate), nonce, claimedId, parameterSet, coordinatorAddress));

    private static RegistrationProofCheck Check(RegistrationProofVerifier verifier, string claimedId, byte[] nonce, (byte[] Certificate, byte[] Signature) answer) =>
        verifier.Verify(claimedId, ParameterSet, nonce, answer.Certificate, answer.Signature, Requester);

    [Fact]
    public void A_hospital_signing_with_the_rosters_certificate_for_its_id_is_accepted()
    {
        var verifier = Verifier();
        var nonce = verifier.IssueChallenge("hospital-1", Requester);

        var check = Check(verifier, "hospital-1", nonce, Answer(certificates.Hospital1, nonce, "hospital-1"));

        Assert.Equal(RegistrationProofVerdict.Accepted, check.Verdict);
        Assert.True(check.IsAccepted);
    }

    [Fact]
    public void Nonces_are_32_fresh_bytes_each()
    {
        var verifier = Verifier();

        var nonces = Enumerable.Range(0, 100).Select(_ => Convert.ToHexString(verifier.IssueChallenge("hospital-1", Requester))).ToList();

        Assert.All(nonces, n => Assert.Equal(2 * RegistrationProof.NonceLength, n.Length));
        Assert.Equal(nonces.Count, nonces.Distinct().Count());
    }

    [Fact]
    public void Another_hospitals_certificate_cannot_prove_an_id_it_was_not_issued_for()
    {
        var verifier = Verifier();
        var nonce = verifier.IssueChallenge("hospital-1", Requester);

        // hospital-2 signs correctly with its own, valid, roster-listed certificate, but claims hospital-1.
        var check = Check(verifier, "hospital-1", nonce, Answer(certificates.Hospital2, nonce, "hospital-1"));

        Assert.Equal(RegistrationProofVerdict.WrongNodeId, check.Verdict);
        Assert.Contains("hospital-2", check.Detail);
    }

    [Fact]
    public void The_right_certificate_with_a_signature_by_another_key_is_refused()
    {
        var verifier = Verifier();
        var nonce = verifier.IssueChallenge("hospital-1", Requester);
        var (_, signatureByHospital2) = Answer(certificates.Hospital2, nonce, "hospital-1");

        var check = Check(verifier, "hospital-1", nonce, (certificates.Hospital1.RawData, signatureByHospital2));

        Assert.Equal(RegistrationProofVerdict.BadSignature, check.Verdict);
    }

    [Fact]
    public void A_certificate_for_the_id_from_another_CA_is_refused()
    {
        var verifier = Verifier();
        var nonce = verifier.IssueChallenge("hospital-1", Requester);

        var check = Check(verifier, "hospital-1", nonce, Answer(certificates.ForeignHospital1, nonce, "hospital-1"));

        Assert.Equal(RegistrationProofVerdict.UntrustedChain, check.Verdict);
    }

    [Fact]
    public void A_certificate_for_the_id_from_the_federations_CA_but_not_on_the_roster_is_refused()
    {
        var verifier = Verifier();
        var nonce = verifier.IssueChallenge("hospital-1", Requester);

        var check = Check(verifier, "hospital-1", nonce, Answer(certificates.UnlistedHospital1, nonce, "hospital-1"));

        Assert.Equal(RegistrationProofVerdict.NotOnRoster, check.Verdict);
        Assert.Contains(MembershipRoster.Fingerprint(certificates.UnlistedHospital1), check.Detail);
    }

    [Fact]
    public void Without_a_roster_any_certificate_the_CA_issued_for_the_id_is_accepted()
    {
        var verifier = Verifier(withRoster: false);
        var nonce = verifier.IssueChallenge("hospital-1", Requester);

        var check = Check(verifier, "hospital-1", nonce, Answer(certificates.UnlistedHospital1, nonce, "hospital-1"));

        Assert.Equal(RegistrationProofVerdict.Accepted, check.Verdict);
    }

    [Fact]
    public void The_CA_certificate_itself_is_not_a_hospital_certificate()
    {
        var verifier = Verifier();
        var nonce = verifier.IssueChallenge("hospital-1", Requester);

        var check = Check(verifier, "hospital-1", nonce, (certificates.PublicAuthority.RawData, new byte[64]));

        Assert.Equal(RegistrationProofVerdict.NotANodeCertificate, check.Verdict);
    }

    [Fact]
    public void A_tampered_nonce_is_refused_whether_it_is_the_one_answered_or_the_one_signed()
    {
        var verifier = Verifier();
        var nonce = verifier.IssueChallenge("hospital-1", Requester);
        var tampered = (byte[])nonce.Clone();
        tampered[7] ^= 0x01;

        var answeringAnother = Check(verifier, "hospital-1", tampered, Answer(certificates.Hospital1, tampered, "hospital-1"));
        var signingAnother = Check(verifier, "hospital-1", nonce, Answer(certificates.Hospital1, tampered, "hospital-1"));

        Assert.Equal(RegistrationProofVerdict.UnknownChallenge, answeringAnother.Verdict);
        Assert.Equal(RegistrationProofVerdict.BadSignature, signingAnother.Verdict);
    }

    [Fact]
    public void A_valid_proof_is_accepted_once_and_refused_when_replayed()
    {
        var verifier = Verifier();
        var nonce = verifier.IssueChallenge("hospital-1", Requester);
        var answer = Answer(certificates.Hospital1, nonce, "hospital-1");

        var first = Check(verifier, "hospital-1", nonce, answer);
        var replay = Check(verifier, "hospital-1", nonce, answer);

        Assert.Equal(RegistrationProofVerdict.Accepted, first.Verdict);
        Assert.Equal(RegistrationProofVerdict.UnknownChallenge, replay.Verdict);
    }

    [Fact]
    public void A_refused_answer_uses_up_its_nonce_too()
    {
        var verifier = Verifier();
        var nonce = verifier.IssueChallenge("hospital-1", Requester);

        Check(verifier, "hospital-1", nonce, Answer(certificates.Hospital2, nonce, "hospital-1"));
        var genuineTooLate = Check(verifier, "hospital-1", nonce, Answer(certificates.Hospital1, nonce, "hospital-1"));

        Assert.Equal(RegistrationProofVerdict.UnknownChallenge, genuineTooLate.Verdict);
    }

    [Fact]
    public void A_proof_arriving_after_its_nonce_expired_is_refused()
    {
        var verifier = Verifier();
        var nonce = verifier.IssueChallenge("hospital-1", Requester);
        var answer = Answer(certificates.Hospital1, nonce, "hospital-1");

        _clock.Advance(TimeSpan.FromSeconds(31));
        var check = Check(verifier, "hospital-1", nonce, answer);

        Assert.Equal(RegistrationProofVerdict.ExpiredChallenge, check.Verdict);
        Assert.Equal(0, verifier.OutstandingChallenges);
    }

    [Fact]
    public void A_nonce_answered_for_another_id_or_by_another_requester_is_refused()
    {
        var verifier = Verifier();
        var forHospital2 = verifier.IssueChallenge("hospital-2", Requester);
        var forOtherRequester = verifier.IssueChallenge("hospital-1", "akka.ssl.tcp://federation@10.0.0.9:1/user/hospital#7");

        var otherId = Check(verifier, "hospital-1", forHospital2, Answer(certificates.Hospital1, forHospital2, "hospital-1"));
        var otherRequester = Check(verifier, "hospital-1", forOtherRequester, Answer(certificates.Hospital1, forOtherRequester, "hospital-1"));

        Assert.Equal(RegistrationProofVerdict.ChallengeMismatch, otherId.Verdict);
        Assert.Equal(RegistrationProofVerdict.ChallengeMismatch, otherRequester.Verdict);
    }

    [Fact]
    public void A_signature_made_for_another_coordinator_or_parameter_set_is_refused()
    {
        var verifier = Verifier();
        var relayed = verifier.IssueChallenge("hospital-1", Requester);
        var otherParameters = verifier.IssueChallenge("hospital-1", Requester);

        // A rogue relaying the coordinator's challenge gets a signature for its own address, not the coordinator's.
        var relay = Check(verifier, "hospital-1", relayed,
            Answer(certificates.Hospital1, relayed, "hospital-1", coordinatorAddress: "akka.ssl.tcp://federation@10.0.0.66:4053"));
        var parameters = Check(verifier, "hospital-1", otherParameters,
            Answer(certificates.Hospital1, otherParameters, "hospital-1", parameterSet: "params-2"));

        Assert.Equal(RegistrationProofVerdict.BadSignature, relay.Verdict);
        Assert.Equal(RegistrationProofVerdict.BadSignature, parameters.Verdict);
    }

    [Fact]
    public void Garbage_or_missing_certificates_are_refused_with_their_own_reasons()
    {
        var verifier = Verifier();
        var garbage = new byte[600];
        new Random(3).NextBytes(garbage);
        var nonces = Enumerable.Range(0, 3).Select(_ => verifier.IssueChallenge("hospital-1", Requester)).ToArray();

        var random = Check(verifier, "hospital-1", nonces[0], (garbage, new byte[64]));
        var oversized = Check(verifier, "hospital-1", nonces[1], (new byte[RegistrationProofVerifier.MaxCertificateBytes + 1], new byte[64]));
        var none = Check(verifier, "hospital-1", nonces[2], ([], []));

        Assert.Equal(RegistrationProofVerdict.MalformedCertificate, random.Verdict);
        Assert.Equal(RegistrationProofVerdict.MalformedCertificate, oversized.Verdict);
        Assert.Equal(RegistrationProofVerdict.NoCertificate, none.Verdict);
        Assert.Contains("no certificate", none.Detail);
    }

    [Fact]
    public void Outstanding_nonces_are_bounded_and_the_oldest_go_first()
    {
        var verifier = Verifier();
        var oldest = verifier.IssueChallenge("hospital-1", Requester);
        for (var i = 0; i < RegistrationProofVerifier.MaxOutstandingChallenges; i++)
        {
            _clock.Advance(TimeSpan.FromMilliseconds(1));
            verifier.IssueChallenge("hospital-1", Requester);
        }

        var check = Check(verifier, "hospital-1", oldest, Answer(certificates.Hospital1, oldest, "hospital-1"));

        Assert.Equal(RegistrationProofVerdict.UnknownChallenge, check.Verdict);
        Assert.Equal(RegistrationProofVerifier.MaxOutstandingChallenges, verifier.OutstandingChallenges);
    }

    [Fact]
    public void The_signed_bytes_separate_their_fields_and_start_with_the_label()
    {
        var nonce = new byte[RegistrationProof.NonceLength];

        var a = RegistrationProof.SignedBytes(nonce, "hospital-1", "ab", "c");
        var b = RegistrationProof.SignedBytes(nonce, "hospital-1", "a", "bc");

        Assert.NotEqual(a, b);
        Assert.Contains(RegistrationProof.Label, System.Text.Encoding.ASCII.GetString(a));
        Assert.Throws<ArgumentException>(() => RegistrationProof.SignedBytes(new byte[31], "hospital-1", "ab", "c"));
    }

    [Fact]
    public void A_certificate_without_its_private_key_cannot_be_an_identity()
    {
        using var publicOnly = X509CertificateLoader.LoadCertificate(certificates.Hospital1.RawData);

        var error = Assert.Throws<ArgumentException>(() => NodeIdentity.FromCertificate(publicOnly));

        Assert.Contains("private key", error.Message);
    }

    private sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
