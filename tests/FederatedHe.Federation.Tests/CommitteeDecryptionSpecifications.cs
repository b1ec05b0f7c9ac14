using FederatedHe.Federation.Participation;

namespace FederatedHe.Federation.Tests;

/// <summary>Threshold decryption as one party sees it, played without an actor system or ciphertexts.</summary>
public sealed class CommitteeDecryptionSpecifications
{
    private static readonly string[] Parties = ["hospital-1", "hospital-2", "hospital-3"];
    private const int MaxChunks = 64;

    /// <summary>Party 2 of three; aggregates and shares are named by text.</summary>
    private sealed class Party
    {
        private readonly CommitteeDecryption<string, string> _machine = new(maxRoundsOfShares: 4);

        public CommitteeDecryptionState<string, string> State { get; private set; } =
            CommitteeDecryption<string, string>.WithParties(CommitteeDecryptionState<string, string>.Empty, Parties, 2);

        public EquatableArray<CommitteeCommand> Last { get; private set; }

        private Party Take(CommitteeStep<string, string> step)
        {
            (State, Last) = step;
            return this;
        }

        public Party Aggregate(int round, int ciphertexts = 2) => Take(_machine.AggregateReceived(State, round, $"aggregate-{round}", ciphertexts));

        public Party Committee(int round, int attempt, params string[] members) => Take(_machine.CommitteeNamed(State, round, attempt, members));

        public Party Share(int round, int party, int chunk, int[] committee, int chunks = 2) =>
            Take(_machine.ShareReceived(State, round, party, Parties[party - 1], chunk, chunks, committee, $"share-{round}-{party}-{chunk}"));

        public Party AllShares(int round, int[] committee, int chunks = 2)
        {
            foreach (var party in committee)
                for (var chunk = 0; chunk < chunks; chunk++)
                    Share(round, party, chunk, committee, chunks);
            return this;
        }

        public ShareAdmission Admit(int round, int chunk = 0, int chunks = 2, int globalRound = 0, bool statisticsKnown = false) =>
            _machine.Admit(State, round, "hospital-1", chunk, chunks, MaxChunks, globalRound, statisticsKnown);
    }

    private static CommitteeCommand[] Commands(params CommitteeCommand[] commands) => commands;

    [Fact]
    public void A_member_makes_its_shares_once_it_holds_the_aggregate_and_knows_the_committee_in_either_order()
    {
        Assert.Empty(new Party().Aggregate(1).Last);
        Assert.Equal(Commands(new MakeDecryptionShares(1, 1, [1, 2])), new Party().Aggregate(1).Committee(1, 1, "hospital-2", "hospital-1").Last);
        Assert.Equal(Commands(new MakeDecryptionShares(1, 1, [1, 2])), new Party().Committee(1, 1, "hospital-1", "hospital-2").Aggregate(1).Last);
    }

    [Fact]
    public void A_party_outside_the_committee_makes_no_shares_but_fuses_the_members_shares()
    {
        var party = new Party().Aggregate(1).Committee(1, 1, "hospital-1", "hospital-3");
        Assert.Empty(party.Last);

        party.AllShares(1, [1, 3]);

        var fuse = Assert.IsType<FuseDecryptionShares<string>>(Assert.Single(party.Last));
        Assert.Equal((1, 1), (fuse.Round, fuse.Attempt));
        Assert.Equal([1, 3], fuse.SharesByMember.Keys);
        Assert.Equal(["share-1-3-0", "share-1-3-1"], fuse.SharesByMember[3].ToArray());
    }

    [Fact]
    public void Shares_that_overtake_the_committee_message_are_kept_and_fused_when_it_arrives()
    {
        var party = new Party().Aggregate(1).AllShares(1, [1, 3]);
        Assert.Empty(party.Last);

        party.Committee(1, 1, "hospital-1", "hospital-3");

        Assert.IsType<FuseDecryptionShares<string>>(Assert.Single(party.Last));
    }

    [Fact]
    public void Fusing_starts_once_per_committee_and_waits_for_every_chunk_of_every_member()
    {
        var party = new Party().Aggregate(1).Committee(1, 1, "hospital-1", "hospital-3").Share(1, 1, 0, [1, 3]).Share(1, 1, 1, [1, 3]).Share(1, 3, 0, [1, 3]);
        Assert.Empty(party.Last);

        party.Share(1, 3, 1, [1, 3]);
        Assert.Single(party.Last);
        party.Share(1, 3, 1, [1, 3]);
        Assert.Empty(party.Last);
    }

    [Fact]
    public void Shares_made_for_another_committee_do_not_count_towards_the_current_one()
    {
        var party = new Party().Aggregate(1).Committee(1, 1, "hospital-1", "hospital-3").AllShares(1, [1, 2]);

        Assert.Empty(party.Last);
    }

    [Fact]
    public void A_later_committee_attempt_replaces_the_earlier_and_an_older_one_is_ignored()
    {
        var party = new Party().Aggregate(1).Committee(1, 2, "hospital-1", "hospital-3");

        party.Committee(1, 1, "hospital-1", "hospital-2");
        Assert.Empty(party.Last);

        party.Committee(1, 3, "hospital-2", "hospital-3");
        Assert.Equal(Commands(new MakeDecryptionShares(1, 3, [2, 3])), party.Last);
    }

    [Fact]
    public void A_member_named_again_to_a_committee_it_made_shares_for_sends_the_same_shares_again_and_makes_none()
    {
        // A party back from a restart, or fetching an aggregate it missed, did not get the members' shares: the coordinator
        // names the committee again, to it and to the members.
        var member = new Party().Aggregate(1).Committee(1, 2, "hospital-1", "hospital-2");
        Assert.Equal(Commands(new MakeDecryptionShares(1, 2, [1, 2])), member.Last);

        member.Committee(1, 2, "hospital-1", "hospital-2");
        Assert.Equal(Commands(new ResendDecryptionShares(1, 2)), member.Last);

        // Not a member, or a member that has not made its shares yet: nothing to send again.
        Assert.Empty(new Party().Aggregate(1).Committee(1, 1, "hospital-1", "hospital-3").Committee(1, 1, "hospital-1", "hospital-3").Last);
        Assert.Empty(new Party().Committee(1, 1, "hospital-1", "hospital-2").Committee(1, 1, "hospital-1", "hospital-2").Last);
    }

    [Fact]
    public void A_committee_of_unknown_repeated_or_too_many_members_is_refused()
    {
        Assert.IsType<RefuseCommitteeMessage>(Assert.Single(new Party().Committee(1, 1, "hospital-1", "hospital-9").Last));
        Assert.IsType<RefuseCommitteeMessage>(Assert.Single(new Party().Committee(1, 1, "hospital-1", "hospital-1").Last));
        Assert.IsType<RefuseCommitteeMessage>(Assert.Single(new Party().Committee(1, 1).Last));
        Assert.Equal(Commands(new RefuseCommitteeMessage("decryption committee 1 of round 1: its 4 members are not distinct parties of the key")),
            new Party().Committee(1, 1, "hospital-1", "hospital-2", "hospital-3", "hospital-4").Last);
    }

    [Fact]
    public void Shares_of_a_concluded_round_are_stale_and_out_of_bounds_chunks_are_refused_before_parsing()
    {
        var party = new Party();

        Assert.Equal(ShareAdmission.Stale, party.Admit(round: 2, globalRound: 2));
        Assert.Equal(ShareAdmission.Accepted, party.Admit(round: 0, globalRound: 2));
        Assert.Equal(ShareAdmission.Stale, party.Admit(round: 0, globalRound: 2, statisticsKnown: true));
        Assert.Equal("a decryption share from hospital-1 for chunk 2 of 2 (limit 64)", party.Admit(round: 3, chunk: 2).Refusal);
        Assert.Equal("a decryption share from hospital-1 for chunk 0 of 65 (limit 64)", party.Admit(round: 3, chunks: 65).Refusal);
    }

    [Fact]
    public void Shares_of_more_than_four_rounds_at_once_are_refused()
    {
        var party = new Party();
        for (var round = 1; round <= 4; round++)
            party.Share(round, 1, 0, [1, 2]);

        Assert.Equal(ShareAdmission.Accepted, party.Admit(round: 4));
        Assert.Equal("a decryption share from hospital-1 for round 5: shares of 4 rounds are already held", party.Admit(round: 5).Refusal);
    }

    [Fact]
    public void A_party_naming_more_committees_in_a_round_than_the_bound_is_refused()
    {
        var party = new Party();
        for (var committee = 0; committee < 12; committee++)
            party.Share(1, 1, 0, [1, 100 + committee]);
        Assert.Empty(party.Last);

        party.Share(1, 1, 0, [1, 200]);

        Assert.Equal(Commands(new RefuseCommitteeMessage("a decryption share from hospital-1 for committee 1,200: too many committees in round 1")), party.Last);
    }

    [Fact]
    public void A_fused_round_is_forgotten_and_hands_back_its_aggregate()
    {
        var party = new Party().Aggregate(1).Committee(1, 1, "hospital-1", "hospital-3").AllShares(1, [1, 3]);

        var (state, aggregate, found) = CommitteeDecryption<string, string>.Fused(party.State, 1, 1);

        Assert.True(found);
        Assert.Equal("aggregate-1", aggregate);
        Assert.Empty(state.Aggregates);
        Assert.Empty(state.Shares);
        Assert.Empty(state.Fusing);
        Assert.False(CommitteeDecryption<string, string>.Fused(state, 1, 1).Found);
    }

    [Fact]
    public void A_refused_fusion_drops_the_round_and_says_whether_it_was_held()
    {
        var party = new Party().Aggregate(1).Committee(1, 1, "hospital-1", "hospital-3").AllShares(1, [1, 3]);

        var (state, dropped) = CommitteeDecryption<string, string>.Refused(party.State, 1, 1);

        Assert.True(dropped);
        Assert.Empty(state.Aggregates);
        Assert.False(CommitteeDecryption<string, string>.Refused(state, 1, 1).Dropped);
    }

    [Fact]
    public void A_restarted_coordinator_makes_the_party_forget_unconcluded_rounds_so_they_can_run_again()
    {
        var party = new Party().Aggregate(1).Committee(1, 1, "hospital-1", "hospital-2").Aggregate(2).Committee(2, 1, "hospital-1", "hospital-2");

        var (state, dropped) = CommitteeDecryption<string, string>.ForgetUnconcluded(party.State, globalRound: 1);

        Assert.Equal(1, dropped);
        Assert.Equal([1], state.Aggregates.Keys);
        Assert.Equal([1], state.Committees.Keys);
        Assert.DoesNotContain((2, 1), state.SharesMade);

        var rerun = new CommitteeDecryption<string, string>().AggregateReceived(state, 2, "aggregate-2", 2).State;
        Assert.Contains(new MakeDecryptionShares(2, 1, [1, 2]),
            new CommitteeDecryption<string, string>().CommitteeNamed(rerun, 2, 1, ["hospital-1", "hospital-2"]).Commands);
    }
}
