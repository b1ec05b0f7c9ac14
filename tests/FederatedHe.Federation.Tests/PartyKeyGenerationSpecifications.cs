using System.Text;
using FederatedHe.Federation.Participation;

namespace FederatedHe.Federation.Tests;

/// <summary>
/// Threshold key generation as one party sees it (party 2 of three, t = 2), played without an actor system, certificates
/// or keys. The checks the actor makes with crypto are answered by a stand-in, as the actor answers them: synchronously,
/// before the next event. Its rules: a commitment is c(share, key-agreement key); a certificate is accepted when it is
/// "certificate of" the hospital it is presented for; a signature is valid when it is "signed by" that certificate over
/// what it covers; a share is malformed when it says so; an announced key's bytes "key:K" hash to K.
/// </summary>
public sealed class PartyKeyGenerationSpecifications
{
    private static readonly string[] Parties = ["hospital-1", "hospital-2", "hospital-3"];
    private const string Session = "session-1";
    private const string KeyId = "key-K";
    private static readonly RelayedBy Coordinator = new("akka.tcp://federation@10.0.0.1:4053/user/coordinator", true);
    private static readonly RelayedBy Intruder = new("akka.tcp://federation@10.0.0.9:4053/user/intruder", false);
    private static readonly PartyKeyGenerationSession TheSession = new(Session, [.. Parties], 2, 2);

    private static EquatableArray<byte> Bytes(string text) => [.. Encoding.UTF8.GetBytes(text)];

    private static string Text(EquatableArray<byte> bytes) => Encoding.UTF8.GetString(bytes.Items.AsSpan());

    private static EquatableArray<byte> Commit(EquatableArray<byte> share, EquatableArray<byte> keyAgreementKey) => Bytes($"c({Text(share)},{Text(keyAgreementKey)})");

    private static EquatableArray<byte> CertificateOf(string hospitalId) => Bytes($"certificate of {hospitalId}");

    private static EquatableArray<byte> Sign(EquatableArray<byte> certificate, string what, EquatableArray<byte> commitment) =>
        Bytes($"signed by {Text(certificate)}: {what} {Text(commitment)}");

    private static EquatableArray<byte> ShareOf(int party) => Bytes($"share-{party}");

    private static EquatableArray<byte> KeyAgreementOf(int party) => Bytes($"ka-{party}");

    /// <summary>Party 2, with the stand-in answering the machine's checks; <see cref="Last"/> holds every command of the last event.</summary>
    private sealed class Party
    {
        private readonly PartyKeyGeneration<string, string> _machine = new();

        public PartyKeyGenerationState<string, string> State { get; private set; } = PartyKeyGenerationState<string, string>.Idle;

        public List<PartyKeyGenerationCommand> Last { get; } = [];

        public PartyKeyGenerationStage Stage => State.Stage;

        public Party Feed(PartyKeyGenerationEvent message)
        {
            Last.Clear();
            Run(message);
            return this;
        }

        private void Run(PartyKeyGenerationEvent message)
        {
            var step = _machine.Handle(State, message);
            Assert.Equal(step, _machine.Handle(State, message)); // the same event from the same state gives the same step
            State = step.State;
            foreach (var command in step.Commands)
            {
                Last.Add(command);
                if (Answer(command) is { } answer)
                    Run(answer);
            }
        }

        private static PartyKeyGenerationEvent? Answer(PartyKeyGenerationCommand command) => command switch
        {
            VerifyCommitment verify => new CommitmentChecked(verify.Session.SessionId, verify.PartyId, verify.HospitalId, verify.Commitment, verify.Certificate,
                verify.Certificate == CertificateOf(verify.HospitalId)
                    ? new CertificateVerdict(true, "Accepted", "accepted", $"fp-{verify.HospitalId}")
                    : new CertificateVerdict(false, "NotOnRoster", $"{verify.HospitalId}'s certificate is not the roster's", string.Empty),
                verify.Signature == Sign(verify.Certificate, "commit", verify.Commitment)),
            VerifyReveal verify => CheckReveal(verify),
            ReadAnnouncedKey read => Text(read.PublicKey).StartsWith("key:", StringComparison.Ordinal)
                ? new AnnouncedKeyRead(read.SessionId, Text(read.PublicKey)["key:".Length..], null)
                : new AnnouncedKeyRead(read.SessionId, null, "not a public key"),
            _ => null,
        };

        // As the actor does: the signature only of a reveal that matches its commitment, the share only of a signed one.
        private static RevealChecked CheckReveal(VerifyReveal verify)
        {
            var commitment = Commit(verify.PublicKeyShare, verify.KeyAgreementKey);
            var signed = commitment == verify.Committed && verify.Signature == Sign(verify.Certificate, "reveal", commitment);
            var problem = signed && Text(verify.PublicKeyShare).StartsWith("malformed", StringComparison.Ordinal) ? "is malformed: truncated" : null;
            return new RevealChecked(verify.Session.SessionId, verify.PartyId, verify.HospitalId, verify.PublicKeyShare, verify.KeyAgreementKey, commitment, signed, problem);
        }

        public IEnumerable<T> Sent<T>() => Last.OfType<T>();

        public string Failure => Assert.Single(Sent<FailKeyGeneration>()).Problem;

        public string Refusal => Assert.Single(Sent<RefuseKeyGenerationMessage>()).What;

        public Party Begin(string session = Session, bool canSign = true) =>
            Feed(new KeyGenerationBegun(TheSession with { SessionId = session }, canSign));

        public Party OwnShare(string session = Session) => Feed(new OwnShareGenerated(session, ShareOf(2), KeyAgreementOf(2), Commit(ShareOf(2), KeyAgreementOf(2))));

        public Party Commitment(int party, RelayedBy? from = null, string session = Session, string? hospitalId = null, EquatableArray<byte>? commitment = null,
            EquatableArray<byte>? certificate = null, EquatableArray<byte>? signature = null)
        {
            var id = hospitalId ?? Parties[party - 1];
            var committed = commitment ?? Commit(ShareOf(party), KeyAgreementOf(party));
            var presented = certificate ?? CertificateOf(id);
            return Feed(new CommitmentRelayed(from ?? Coordinator, session, id, party, committed, presented, signature ?? Sign(presented, "commit", committed)));
        }

        public Party Commitments(params int[] parties)
        {
            foreach (var party in parties)
                Commitment(party);
            return this;
        }

        public Party Reveal(int party, RelayedBy? from = null, string session = Session, EquatableArray<byte>? share = null, EquatableArray<byte>? signature = null)
        {
            var revealed = share ?? ShareOf(party);
            var id = Parties[party - 1];
            return Feed(new RevealRelayed(from ?? Coordinator, session, id, party, revealed, KeyAgreementOf(party),
                signature ?? Sign(CertificateOf(id), "reveal", Commit(revealed, KeyAgreementOf(party)))));
        }

        public Party Reveals(params int[] parties)
        {
            foreach (var party in parties)
                Reveal(party);
            return this;
        }

        /// <summary>Begun, committed, every commitment verified and revealed.</summary>
        public Party Revealing() => Begin().OwnShare().Commitments(1, 2, 3);

        /// <summary>Every reveal verified and the key computed: the party is sharing.</summary>
        public Party Sharing(string keyId = KeyId) => Revealing().Reveals(1, 2, 3).Computed(keyId);

        public Party Computed(string keyId = KeyId, string session = Session) => Feed(new CollectiveKeyComputed<string>(session, keyId, $"public key {keyId}"));

        public Party Announce(string keyId = KeyId, string? bytes = null, RelayedBy? from = null, string session = Session) =>
            Feed(new CollectiveKeyAnnounced(from ?? Coordinator, session, keyId, Bytes(bytes ?? $"key:{keyId}")));

        public Party Share(int sender, int recipient = 2, string? recipientId = null, string session = Session) =>
            Feed(new SealedShareArrived<string>(session, sender, Parties[sender - 1], recipient, recipientId ?? Parties[recipient - 1], $"sealed {sender}→{recipient}"));

        public Party Opened(int sender, string session = Session) => Feed(new SealedShareOpened(session, sender));

        public Party Combined(string keyId = KeyId) => Feed(new KeyCombined(keyId));
    }

    private static PartyKeyGenerationCommand[] Commands(params PartyKeyGenerationCommand[] commands) => commands;

    // Begin and the party's own share

    [Fact]
    public void When_key_generation_begins_the_party_asks_its_key_holder_for_its_share_and_commits_once_it_is_made()
    {
        var party = new Party().Begin();
        Assert.Equal(Commands(new GenerateOwnShare(TheSession)), party.Last);
        Assert.Equal(PartyKeyGenerationStage.MakingShare, party.Stage);

        party.OwnShare();

        Assert.Equal(Commands(new SendCommitment(TheSession, Commit(ShareOf(2), KeyAgreementOf(2)))), party.Last);
        Assert.Equal(PartyKeyGenerationStage.Committing, party.Stage);
    }

    [Fact]
    public void A_party_without_a_certificate_and_CA_refuses_key_generation_at_once_and_never_commits()
    {
        var party = new Party().Begin(canSign: false);

        Assert.Contains("given no certificate and federation CA", party.Failure);
        Assert.Equal(PartyKeyGenerationStage.Failed, party.Stage);
        Assert.Empty(party.OwnShare().Last);
    }

    [Fact]
    public void A_share_made_for_another_session_is_not_committed_to()
    {
        Assert.Empty(new Party().Begin().OwnShare(session: "session-0").Last);
    }

    [Fact]
    public void A_new_session_replaces_the_previous_one_whose_messages_are_then_refused_as_not_in_progress()
    {
        var party = new Party().Sharing().Begin("session-2");

        Assert.Equal(PartyKeyGenerationStage.MakingShare, party.Stage);
        Assert.Equal(0, party.State.CommitmentCount);
        Assert.Null(party.State.OwnKey);
        Assert.Equal($"a key-generation commitment from hospital-1 for session {Session}, which is not in progress here", party.Commitment(1).Refusal);
        Assert.Equal($"a Shamir share from hospital-3 for key generation {Session}, which is not in progress here", party.Share(3).Refusal);
        Assert.Empty(party.Computed().Last);
    }

    // Commitments

    [Fact]
    public void The_party_reveals_only_once_every_commitment_is_verified_and_only_once()
    {
        var party = new Party().Begin().OwnShare().Commitments(1, 3);
        Assert.Empty(party.Sent<SendReveal>());
        Assert.Equal(2, party.State.CommitmentCount);

        party.Commitment(2);

        var own = new OwnContribution(ShareOf(2), KeyAgreementOf(2), Commit(ShareOf(2), KeyAgreementOf(2)));
        Assert.Equal(new SendReveal(TheSession, own), Assert.Single(party.Sent<SendReveal>()));
        Assert.Equal(PartyKeyGenerationStage.Revealing, party.Stage);
        Assert.Empty(party.Commitment(1).Last); // the same commitment again: ignored, not even verified again
    }

    [Fact]
    public void Each_relayed_commitment_is_verified_before_it_counts()
    {
        var party = new Party().Begin().OwnShare().Commitment(3);

        var verify = Assert.IsType<VerifyCommitment>(party.Last[0]);
        Assert.Equal((3, "hospital-3", CertificateOf("hospital-3")), (verify.PartyId, verify.HospitalId, verify.Certificate));
        Assert.Equal(new VerifiedCommitment(Commit(ShareOf(3), KeyAgreementOf(3)), CertificateOf("hospital-3")), party.State.Commitments[2]);
    }

    [Fact]
    public void Commitments_that_overtake_the_partys_own_share_are_kept_and_it_reveals_when_its_own_is_relayed()
    {
        var party = new Party().Begin().Commitments(1, 3).OwnShare();
        Assert.Empty(party.Sent<SendReveal>());

        party.Commitment(2);

        Assert.Single(party.Sent<SendReveal>());
    }

    [Fact]
    public void A_commitment_not_from_the_coordinators_node_is_refused_by_name_and_changes_nothing()
    {
        var party = new Party().Begin().OwnShare();
        var before = party.State;

        party.Commitment(1, from: Intruder);

        Assert.Equal(Commands(new RefuseKeyGenerationMessage($"a key-generation commitment from hospital-1 sent by {Intruder.SenderPath}, which is not the coordinator's node")),
            party.Last);
        Assert.Equal(before, party.State);
    }

    [Fact]
    public void A_commitment_of_another_session_is_refused_as_not_in_progress()
    {
        Assert.Equal("a key-generation commitment from hospital-1 for session session-9, which is not in progress here",
            new Party().Begin().OwnShare().Commitment(1, session: "session-9").Refusal);
        Assert.Equal("a key-generation commitment from hospital-1 for session session-1, which is not in progress here", new Party().Commitment(1).Refusal);
    }

    [Fact]
    public void A_commitment_from_a_hospital_out_of_its_place_fails_key_generation()
    {
        Assert.Equal("a commitment from hospital-1 as party 2, which is not that hospital's place among [hospital-1, hospital-2, hospital-3]",
            new Party().Begin().OwnShare().Commitment(2, hospitalId: "hospital-1").Failure);
        Assert.Equal("a commitment from hospital-9 as party 7, which is not that hospital's place among [hospital-1, hospital-2, hospital-3]",
            new Party().Begin().OwnShare().Feed(new CommitmentRelayed(Coordinator, Session, "hospital-9", 7, Bytes("c"), Bytes("x"), Bytes("s"))).Failure);
    }

    [Fact]
    public void A_party_that_appears_with_two_different_commitments_fails_key_generation()
    {
        var party = new Party().Begin().OwnShare().Commitment(1).Commitment(1, commitment: Bytes("another"));

        Assert.Equal("hospital-1 appears with two different commitments", party.Failure);
        Assert.Equal(PartyKeyGenerationStage.Failed, party.Stage);
    }

    [Fact]
    public void A_commitment_whose_certificate_is_not_the_partys_fails_key_generation_naming_the_verdict_and_nothing_is_revealed()
    {
        var party = new Party().Begin().OwnShare().Commitments(1, 2).Commitment(3, certificate: Bytes("certificate of someone else"));

        Assert.Equal("the commitment of hospital-3 is refused (NotOnRoster): hospital-3's certificate is not the roster's", party.Failure);
        Assert.Null(party.State.Commitments[2]);
        Assert.Empty(party.Sent<SendReveal>());
    }

    [Fact]
    public void A_commitment_not_signed_by_its_certificates_key_fails_key_generation()
    {
        Assert.Equal("the commitment of hospital-3 is not signed by its certificate's key (sha256 fp-hospital-3) for this key generation",
            new Party().Begin().OwnShare().Commitment(3, signature: Bytes("forged")).Failure);
    }

    [Fact]
    public void A_commitment_in_this_partys_name_that_it_did_not_make_fails_key_generation()
    {
        const string Problem = "the coordinator relayed a commitment in this hospital's name that this hospital did not make";
        Assert.Equal(Problem, new Party().Begin().OwnShare().Commitment(2, commitment: Bytes("substituted")).Failure);
        Assert.Equal(Problem, new Party().Begin().Commitment(2).Failure); // before it made any
    }

    [Fact]
    public void After_a_refusal_the_sessions_messages_are_dropped_silently_and_the_failure_is_reported_once()
    {
        var party = new Party().Begin().OwnShare().Commitment(3, signature: Bytes("forged"));
        Assert.Single(party.Sent<FailKeyGeneration>());

        Assert.Empty(party.Commitment(1).Last);
        Assert.Empty(party.Commitment(1, commitment: Bytes("another")).Last);
        Assert.Empty(party.Reveal(1).Last);
        Assert.Empty(party.Announce().Last);
        Assert.Empty(party.Computed().Last);
        Assert.Empty(party.Opened(1).Last);
        Assert.Equal(PartyKeyGenerationStage.Failed, party.Stage);
    }

    [Fact]
    public void A_check_answered_for_a_session_no_longer_in_progress_is_dropped()
    {
        var party = new Party().Begin().OwnShare();
        var late = new CommitmentChecked("session-0", 1, "hospital-1", Bytes("c"), CertificateOf("hospital-1"),
            new CertificateVerdict(true, "Accepted", "accepted", "fp"), true);

        Assert.Empty(party.Feed(late).Last);
        Assert.Equal(0, party.State.CommitmentCount);
    }

    // Reveals

    [Fact]
    public void Each_reveal_is_verified_with_the_certificate_its_party_committed_with()
    {
        var party = new Party().Revealing().Reveal(3);

        var verify = Assert.IsType<VerifyReveal>(party.Last[0]);
        Assert.Equal((3, CertificateOf("hospital-3"), Commit(ShareOf(3), KeyAgreementOf(3)), ShareOf(3)),
            (verify.PartyId, verify.Certificate, verify.Committed, verify.PublicKeyShare));
        Assert.Equal(new VerifiedReveal(ShareOf(3), KeyAgreementOf(3)), party.State.Reveals[2]);
    }

    [Fact]
    public void Once_every_reveal_is_verified_the_party_sums_the_shares_itself_in_party_order()
    {
        var party = new Party().Revealing().Reveals(3, 1);
        Assert.Empty(party.Sent<ComputeCollectiveKey>());

        party.Reveal(2);

        var compute = Assert.Single(party.Sent<ComputeCollectiveKey>());
        Assert.Equal([ShareOf(1), ShareOf(2), ShareOf(3)], compute.PublicKeyShares);
        Assert.Equal([KeyAgreementOf(1), KeyAgreementOf(2), KeyAgreementOf(3)], compute.KeyAgreementKeys);
        Assert.Equal([.. new[] { 1, 2, 3 }.Select(p => Commit(ShareOf(p), KeyAgreementOf(p)))], compute.Commitments);
        Assert.Empty(party.Reveal(2).Last); // a repeat is ignored: the key is not summed twice
    }

    [Fact]
    public void A_reveal_before_its_partys_commitment_was_verified_fails_key_generation()
    {
        Assert.Equal("hospital-3 revealed before this hospital saw its signed commitment",
            new Party().Begin().OwnShare().Commitments(1, 2).Reveal(3).Failure);
    }

    [Fact]
    public void A_reveal_that_does_not_match_its_commitment_is_refused_as_a_rogue_key_attempt()
    {
        var failure = new Party().Revealing().Reveal(3, share: Bytes("rogue share")).Failure;

        Assert.StartsWith("the reveal of hospital-3 does not match its commitment", failure);
        Assert.Contains("rogue-key", failure);
    }

    [Fact]
    public void A_reveal_not_signed_by_the_certificate_its_party_committed_with_fails_key_generation()
    {
        Assert.Equal("the reveal of hospital-3 is not signed by the key of the certificate it committed with",
            new Party().Revealing().Reveal(3, signature: Bytes("signed by another key")).Failure);
    }

    [Fact]
    public void A_revealed_share_that_cannot_be_summed_fails_key_generation_naming_why()
    {
        var party = new Party().Begin().OwnShare();
        party.Feed(new CommitmentRelayed(Coordinator, Session, "hospital-3", 3, Commit(Bytes("malformed"), KeyAgreementOf(3)), CertificateOf("hospital-3"),
            Sign(CertificateOf("hospital-3"), "commit", Commit(Bytes("malformed"), KeyAgreementOf(3))))).Commitments(1, 2);

        Assert.Equal("the public-key share of hospital-3 is malformed: truncated", party.Reveal(3, share: Bytes("malformed")).Failure);
    }

    [Fact]
    public void A_party_that_appears_with_two_different_reveals_fails_key_generation()
    {
        Assert.Equal("hospital-3 appears with two different reveals",
            new Party().Revealing().Reveal(3).Reveal(3, share: Bytes("another share")).Failure);
    }

    [Fact]
    public void Reveals_not_from_the_coordinators_node_or_out_of_place_are_refused_or_fail()
    {
        Assert.Equal($"a key-generation reveal from hospital-3 sent by {Intruder.SenderPath}, which is not the coordinator's node",
            new Party().Revealing().Reveal(3, from: Intruder).Refusal);
        Assert.Equal("a reveal from hospital-9 as party 3, which is not that hospital's place among [hospital-1, hospital-2, hospital-3]",
            new Party().Revealing().Feed(new RevealRelayed(Coordinator, Session, "hospital-9", 3, ShareOf(3), KeyAgreementOf(3), Bytes("s"))).Failure);
    }

    // The collective key

    [Fact]
    public void With_its_own_sum_the_party_sends_its_sealed_shares_then_opens_the_shares_that_waited_in_arrival_order()
    {
        var party = new Party().Revealing().Share(3).Share(1);
        Assert.Empty(party.Last);
        Assert.Equal(["sealed 3→2", "sealed 1→2"], party.State.PendingShares);

        party.Reveals(1, 2, 3).Computed();

        Assert.Equal(Commands(new DistributeSealedShares(Session), new OpenSealedShare<string>("sealed 3→2"), new OpenSealedShare<string>("sealed 1→2")), party.Last);
        Assert.Equal(PartyKeyGenerationStage.Sharing, party.Stage);
        Assert.Empty(party.State.PendingShares);
    }

    [Fact]
    public void A_key_computed_for_another_session_is_ignored()
    {
        var party = new Party().Revealing().Reveals(1, 2, 3).Computed(session: "session-0");

        Assert.Empty(party.Last);
        Assert.Null(party.State.OwnKey);
    }

    [Fact]
    public void The_coordinators_key_is_read_once_the_party_has_its_own_sum_in_either_order()
    {
        var early = new Party().Revealing().Announce();
        Assert.Empty(early.Last);
        early.Reveals(1, 2, 3).Computed();
        Assert.Equal(new ReadAnnouncedKey(Session, Bytes($"key:{KeyId}")), Assert.Single(early.Sent<ReadAnnouncedKey>()));
        Assert.True(early.State.KeyConfirmed);

        var late = new Party().Sharing().Announce();
        Assert.Single(late.Sent<ReadAnnouncedKey>());
        Assert.True(late.State.KeyConfirmed);
    }

    [Fact]
    public void The_key_generation_completes_once_the_key_is_combined_and_the_coordinators_key_confirmed_in_either_order()
    {
        var complete = new CompleteKeyGeneration<string>(TheSession, KeyId, $"public key {KeyId}");

        var combinedFirst = new Party().Sharing().Combined();
        Assert.Empty(combinedFirst.Last);
        Assert.Equal(Commands(new ReadAnnouncedKey(Session, Bytes($"key:{KeyId}")), complete), combinedFirst.Announce().Last);
        Assert.Equal(PartyKeyGenerationStage.Completed, combinedFirst.Stage);

        var confirmedFirst = new Party().Sharing().Announce();
        Assert.Empty(confirmedFirst.Sent<CompleteKeyGeneration<string>>());
        Assert.Equal(Commands(complete), confirmedFirst.Combined().Last);

        Assert.Empty(confirmedFirst.Combined().Last); // completed once
        Assert.Empty(confirmedFirst.Announce().Last);
    }

    [Fact]
    public void A_combined_key_other_than_the_partys_own_sum_does_not_complete_it()
    {
        var party = new Party().Sharing().Announce().Combined("key-other");

        Assert.Empty(party.Last);
        Assert.False(party.State.Combined);
    }

    [Fact]
    public void A_coordinators_key_that_is_not_the_partys_sum_fails_key_generation_naming_both_keys()
    {
        Assert.Equal($"the coordinator's collective key key-S (whose bytes hash to key-S) is not the sum of the 3 signed public-key shares this hospital verified, "
            + $"which is key {KeyId}; nothing is encrypted under it", new Party().Sharing().Announce("key-S").Failure);
        Assert.Contains($"collective key {KeyId} (whose bytes hash to key-S)", new Party().Sharing().Announce(KeyId, bytes: "key:key-S").Failure);
        Assert.Contains("(whose bytes hash to unreadable (not a public key))", new Party().Sharing().Announce(KeyId, bytes: "garbage").Failure);

        var refused = new Party().Sharing().Announce("key-S").Combined();
        Assert.Empty(refused.Last); // never completes: nothing is encrypted under either key
        Assert.Equal(PartyKeyGenerationStage.Failed, refused.Stage);
    }

    [Fact]
    public void A_coordinator_that_announces_two_different_keys_fails_key_generation_and_the_same_key_twice_is_ignored()
    {
        Assert.Equal($"the coordinator announced two different collective keys ({KeyId} and key-S)",
            new Party().Revealing().Announce().Announce("key-S").Failure);
        Assert.Contains("two different collective keys", new Party().Revealing().Announce().Announce(KeyId, bytes: "key:other bytes").Failure);
        Assert.Empty(new Party().Sharing().Announce().Announce().Last);
    }

    [Fact]
    public void A_collective_key_not_from_the_coordinators_node_or_of_another_session_is_refused()
    {
        Assert.Equal($"a key-generation collective key from the coordinator sent by {Intruder.SenderPath}, which is not the coordinator's node",
            new Party().Sharing().Announce(from: Intruder).Refusal);
        Assert.Equal("a key-generation collective key from the coordinator for session session-0, which is not in progress here",
            new Party().Sharing().Announce(session: "session-0").Refusal);
    }

    // Sealed Shamir shares

    [Fact]
    public void A_sealed_share_is_opened_at_once_once_the_party_has_its_own_sum()
    {
        Assert.Equal(Commands(new OpenSealedShare<string>("sealed 1→2")), new Party().Sharing().Share(1).Last);
    }

    [Fact]
    public void Sealed_shares_for_no_key_generation_in_progress_or_for_another_party_are_refused_by_name()
    {
        Assert.Equal("a Shamir share from hospital-3 for key generation session-1, which is not in progress here", new Party().Share(3).Refusal);
        Assert.Equal("a Shamir share from hospital-3 for key generation another-session, which is not in progress here",
            new Party().Sharing().Share(3, session: "another-session").Refusal);
        Assert.Equal("a Shamir share from hospital-3 addressed to party 1 (hospital-1), not to this hospital", new Party().Sharing().Share(3, recipient: 1).Refusal);
        Assert.Equal("a Shamir share from hospital-3 addressed to party 2 (hospital-1), not to this hospital",
            new Party().Sharing().Share(3, recipientId: "hospital-1").Refusal);
    }

    [Fact]
    public void A_second_share_from_a_party_whose_share_was_opened_is_refused_as_a_replay()
    {
        Assert.Equal("a second Shamir share from hospital-1 (a replay): the first one stands", new Party().Sharing().Opened(1).Share(1).Refusal);
    }

    [Fact]
    public void At_most_two_shares_per_party_wait_for_the_partys_own_sum()
    {
        var party = new Party().Revealing();
        for (var i = 0; i < 6; i++)
            Assert.Empty(party.Share(1 + i % 3).Last);

        Assert.Equal("a Shamir share from hospital-1: 6 shares already wait for this party's reveals", party.Share(1).Refusal);
        Assert.Equal(6, party.State.PendingShares.Length);
    }

    [Fact]
    public void The_shares_are_combined_once_every_partys_is_opened_and_only_once()
    {
        var party = new Party().Sharing().Opened(3).Opened(1).Opened(1);
        Assert.Empty(party.Last);
        Assert.Equal([1, 3], party.State.OpenedFrom);

        Assert.Equal(Commands(new CombineSealedShares(Session)), party.Opened(2).Last);
        Assert.Empty(party.Opened(2).Last);
        Assert.Empty(new Party().Sharing().Opened(1).Opened(2).Opened(3, session: "session-0").Last);
    }

    // The request itself

    [Theory]
    [InlineData(new string[0], 0, 1, "0 parties, outside 1..16", null)]
    [InlineData(new[] { "hospital-1", "hospital-2" }, 1, 1, "1 party paths for 2 parties", null)]
    [InlineData(new[] { "hospital-2", "hospital-2" }, 2, 1, "a party is listed twice", null)]
    [InlineData(new[] { "hospital-1", "hospital-3" }, 2, 1, "this hospital is not a party", null)]
    [InlineData(new[] { "hospital-1", "hospital-2" }, 2, 3, "threshold 3 is outside 1..2", null)]
    [InlineData(new[] { "hospital-1", "hospital-2" }, 2, 0, "threshold 0 is outside 1..2", null)]
    [InlineData(new[] { "hospital-1", "hospital-2" }, 2, 2, "party path 'nowhere' is not an actor path", "nowhere")]
    [InlineData(new[] { "hospital-1", "hospital-2" }, 2, 2, null, null)]
    public void A_request_the_party_cannot_follow_is_refused_with_why(string[] parties, int paths, int threshold, string? problem, string? unparseablePath)
    {
        Assert.Equal(problem, PartyKeyGeneration.RequestProblem("hospital-2", parties, paths, threshold, 16, unparseablePath));
    }

    [Fact]
    public void A_request_for_more_parties_than_the_parameter_set_allows_is_refused()
    {
        var parties = Enumerable.Range(1, 17).Select(i => $"hospital-{i}").ToArray();
        Assert.Equal("17 parties, outside 1..16", PartyKeyGeneration.RequestProblem("hospital-2", parties, 17, 2, 16, null));
        Assert.Equal("0 parties, outside 1..16", PartyKeyGeneration.RequestProblem("hospital-2", null, 0, 2, 16, null));
    }

    [Fact]
    public void An_honest_key_generation_runs_through_every_stage_and_ends_with_the_partys_own_key()
    {
        var party = new Party();
        Assert.Equal(PartyKeyGenerationStage.Idle, party.Stage);
        party.Sharing().Opened(1).Opened(2).Opened(3).Announce().Combined();

        var complete = Assert.IsType<CompleteKeyGeneration<string>>(Assert.Single(party.Last));
        Assert.Equal((KeyId, $"public key {KeyId}"), (complete.KeyId, complete.Key));
        Assert.Equal(PartyKeyGenerationStage.Completed, party.Stage);
        Assert.Null(party.State.Failure);
    }
}
