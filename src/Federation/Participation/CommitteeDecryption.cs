using System.Collections.Immutable;

namespace FederatedHe.Federation.Participation;

/// <summary>A round's decryption committee as this party knows it: the attempt and its members' party ids, ascending.</summary>
/// <param name="Attempt">The committee's attempt number (a later attempt replaces an earlier one).</param>
/// <param name="Members">The members' party ids (1-based), ascending.</param>
public sealed record CommitteeMembers(int Attempt, EquatableArray<int> Members)
{
    /// <summary>The committee a decryption share names, as text: the shares of one committee fuse together.</summary>
    public string Key => string.Join(',', Members);
}

/// <summary>One party's view of threshold decryption, after the hospital machine hands it an aggregate.</summary>
/// <typeparam name="TAggregate">The assembled aggregate (ciphertexts); the machine only keeps it.</typeparam>
/// <typeparam name="TShare">A parsed decryption share; the machine only keeps it.</typeparam>
/// <param name="Parties">The parties of the collective key, by hospital id; party p is at index p − 1.</param>
/// <param name="PartyId">This hospital's party id.</param>
/// <param name="Aggregates">Aggregates waiting to be fused, by round, with their ciphertext count.</param>
/// <param name="Committees">The latest committee the coordinator named for each round.</param>
/// <param name="Shares">Decryption shares by round, then by (party, committee), one per ciphertext.</param>
/// <param name="SharesMade">Committees (round, attempt) this party has made its shares for.</param>
/// <param name="Fusing">Committees (round, attempt) whose shares are being fused.</param>
public sealed record CommitteeDecryptionState<TAggregate, TShare>(
    EquatableArray<string> Parties,
    int PartyId,
    ImmutableDictionary<int, (TAggregate Aggregate, int Ciphertexts)> Aggregates,
    ImmutableDictionary<int, CommitteeMembers> Committees,
    ImmutableDictionary<int, ImmutableDictionary<(int Party, string Committee), ImmutableArray<TShare?>>> Shares,
    ImmutableHashSet<(int Round, int Attempt)> SharesMade,
    ImmutableHashSet<(int Round, int Attempt)> Fusing)
    where TShare : class
{
    /// <summary>No key yet: no parties, nothing held.</summary>
    public static readonly CommitteeDecryptionState<TAggregate, TShare> Empty = new(
        default, 0, ImmutableDictionary<int, (TAggregate, int)>.Empty, ImmutableDictionary<int, CommitteeMembers>.Empty,
        ImmutableDictionary<int, ImmutableDictionary<(int, string), ImmutableArray<TShare?>>>.Empty, [], []);
}

/// <summary>What the committee decryption asks the actor to do.</summary>
public abstract record CommitteeCommand;

/// <summary>Make this party's decryption shares of the round's aggregate for this committee and send them to every party.</summary>
public sealed record MakeDecryptionShares(int Round, int Attempt, EquatableArray<int> Committee) : CommitteeCommand;

/// <summary>
/// The coordinator named again a committee this party made its shares for: a party catching up (back from a restart, or
/// fetching an aggregate it missed) did not get them. Send the same shares again to every party; never make new ones for
/// the same committee.
/// </summary>
public sealed record ResendDecryptionShares(int Round, int Attempt) : CommitteeCommand;

/// <summary>Every member's shares are in: fuse them (the key holder audits and decrypts).</summary>
/// <param name="Round">The round.</param>
/// <param name="Attempt">The committee's attempt.</param>
/// <param name="SharesByMember">Each member's shares, one per ciphertext, by party id.</param>
public sealed record FuseDecryptionShares<TShare>(int Round, int Attempt, ImmutableSortedDictionary<int, ImmutableArray<TShare>> SharesByMember) : CommitteeCommand;

/// <summary>Log (rate-limited) a committee message or share this party ignored.</summary>
public sealed record RefuseCommitteeMessage(string What) : CommitteeCommand;

/// <summary>The next committee state and the commands to carry out, in order.</summary>
public sealed record CommitteeStep<TAggregate, TShare>(CommitteeDecryptionState<TAggregate, TShare> State, EquatableArray<CommitteeCommand> Commands)
    where TShare : class;

/// <summary>Whether a decryption share is worth parsing: kept, dropped as stale, or refused (with why).</summary>
public sealed record ShareAdmission(bool Keep, string? Refusal)
{
    /// <summary>Parse it and offer it.</summary>
    public static readonly ShareAdmission Accepted = new(true, null);

    /// <summary>For a round this party has moved past: dropped silently.</summary>
    public static readonly ShareAdmission Stale = new(false, null);
}

/// <summary>
/// Threshold decryption as one party of the committee sees it, pure: it keeps each round's aggregate, the committee the
/// coordinator named and the decryption shares that arrive (which can overtake the committee message, so they are kept
/// under the committee they were made for), makes this party's shares once it is a member of a round's committee and
/// holds its aggregate, and fuses once every member's shares of every ciphertext are in. Bounds keep a flooding party
/// from filling memory. Ciphertexts and shares are opaque to it; the actor parses and checks them.
/// </summary>
/// <param name="maxRoundsOfShares">Rounds whose shares are held at once (an honest federation has one or two in flight).</param>
public sealed class CommitteeDecryption<TAggregate, TShare>(int maxRoundsOfShares = 4) where TShare : class
{
    /// <summary>The parties of a new or restored collective key; what is held stays (a restarted coordinator clears it with <see cref="ForgetUnconcluded"/>).</summary>
    public static CommitteeDecryptionState<TAggregate, TShare> WithParties(CommitteeDecryptionState<TAggregate, TShare> state, IEnumerable<string> parties, int partyId) =>
        state with { Parties = [.. parties], PartyId = partyId };

    /// <summary>The hospital machine handed over the aggregate of <paramref name="round"/> with <paramref name="ciphertexts"/> ciphertexts.</summary>
    public CommitteeStep<TAggregate, TShare> AggregateReceived(CommitteeDecryptionState<TAggregate, TShare> state, int round, TAggregate aggregate, int ciphertexts)
    {
        var commands = new List<CommitteeCommand>();
        state = state with { Aggregates = state.Aggregates.SetItem(round, (aggregate, ciphertexts)) };
        return Step(TryFuse(MakeShares(state, round, commands), round, commands), commands);
    }

    /// <summary>The coordinator named a committee for <paramref name="round"/> (the actor checked it comes from the coordinator's node).</summary>
    public CommitteeStep<TAggregate, TShare> CommitteeNamed(CommitteeDecryptionState<TAggregate, TShare> state, int round, int attempt, IReadOnlyList<string>? members)
    {
        members ??= [];
        if (members.Count == 0 || members.Count > state.Parties.Length || members.Distinct(StringComparer.Ordinal).Count() != members.Count
            || !members.All(state.Parties.Contains))
            return Refuse(state, $"decryption committee {attempt} of round {round}: its {members.Count} members are not distinct parties of the key");
        if (state.Committees.TryGetValue(round, out var known) && known.Attempt >= attempt)
            return Step(state, known.Attempt == attempt && state.SharesMade.Contains((round, attempt)) ? [new ResendDecryptionShares(round, attempt)] : []);
        var ids = members.Select(m => state.Parties.Items.IndexOf(m) + 1).Where(id => id > 0).Order().ToImmutableArray();
        var commands = new List<CommitteeCommand>();
        state = state with { Committees = state.Committees.SetItem(round, new CommitteeMembers(attempt, new EquatableArray<int>(ids))) };
        return Step(TryFuse(MakeShares(state, round, commands), round, commands), commands);
    }

    /// <summary>
    /// Whether a share of <paramref name="round"/> from party <paramref name="senderId"/> is worth parsing: the cheap
    /// bounds come first, so a party flooding shares for absurd chunk counts or many rounds costs no parsing.
    /// Shares of what this party holds already (a concluded model round; the statistics, once known) are stale: members
    /// send theirs again whenever a party catches up.
    /// </summary>
    public ShareAdmission Admit(CommitteeDecryptionState<TAggregate, TShare> state, int round, string senderId, int chunkIndex, int chunkCount,
        int maxChunks, int globalRound, bool statisticsKnown = false)
    {
        if (round > 0 ? round <= globalRound : statisticsKnown)
            return ShareAdmission.Stale;
        if (chunkCount <= 0 || chunkCount > maxChunks || chunkIndex < 0 || chunkIndex >= chunkCount)
            return new ShareAdmission(false, $"a decryption share from {senderId} for chunk {chunkIndex} of {chunkCount} (limit {maxChunks})");
        if (!state.Shares.ContainsKey(round) && state.Shares.Count >= maxRoundsOfShares)
            return new ShareAdmission(false, $"a decryption share from {senderId} for round {round}: shares of {state.Shares.Count} rounds are already held");
        return ShareAdmission.Accepted;
    }

    /// <summary>A parsed share of ciphertext <paramref name="chunkIndex"/> (of <paramref name="chunkCount"/>) made by <paramref name="party"/> for <paramref name="committee"/>.</summary>
    public CommitteeStep<TAggregate, TShare> ShareReceived(CommitteeDecryptionState<TAggregate, TShare> state, int round, int party, string senderId,
        int chunkIndex, int chunkCount, IEnumerable<int> committee, TShare share)
    {
        var byParty = state.Shares.GetValueOrDefault(round) ?? ImmutableDictionary<(int, string), ImmutableArray<TShare?>>.Empty;
        var key = (party, string.Join(',', committee));
        if (!byParty.TryGetValue(key, out var perChunk))
        {
            // Each party makes shares for each committee the coordinator names; a few committees per round at most.
            if (byParty.Count >= state.Parties.Length * maxRoundsOfShares)
                return Refuse(state, $"a decryption share from {senderId} for committee {key.Item2}: too many committees in round {round}");
            perChunk = [.. new TShare?[chunkCount]];
        }

        if (chunkIndex < perChunk.Length)
            perChunk = perChunk.SetItem(chunkIndex, share);
        var commands = new List<CommitteeCommand>();
        state = state with { Shares = state.Shares.SetItem(round, byParty.SetItem(key, perChunk)) };
        return Step(TryFuse(state, round, commands), commands);
    }

    /// <summary>The shares of (round, attempt) were fused; the aggregate they decrypted, or default if it was dropped meanwhile.</summary>
    public static (CommitteeDecryptionState<TAggregate, TShare> State, TAggregate? Aggregate, bool Found) Fused(CommitteeDecryptionState<TAggregate, TShare> state, int round, int attempt)
    {
        state = state with { Fusing = state.Fusing.Remove((round, attempt)) };
        if (!state.Aggregates.TryGetValue(round, out var held))
            return (state, default, false);
        return (state with { Aggregates = state.Aggregates.Remove(round), Shares = state.Shares.Remove(round) }, held.Aggregate, true);
    }

    /// <summary>The fused aggregate of (round, attempt) was refused (the audit suspects key exposure); whether it was still held.</summary>
    public static (CommitteeDecryptionState<TAggregate, TShare> State, bool Dropped) Refused(CommitteeDecryptionState<TAggregate, TShare> state, int round, int attempt)
    {
        var dropped = state.Aggregates.ContainsKey(round);
        return (state with
        {
            Fusing = state.Fusing.Remove((round, attempt)),
            Aggregates = state.Aggregates.Remove(round),
            Shares = state.Shares.Remove(round),
        }, dropped);
    }

    /// <summary>
    /// A restarted coordinator runs the rounds after <paramref name="globalRound"/> again, naming committees afresh: what
    /// this party kept of their decryption would block the new run. Returns how many aggregates were dropped.
    /// </summary>
    public static (CommitteeDecryptionState<TAggregate, TShare> State, int AggregatesDropped) ForgetUnconcluded(CommitteeDecryptionState<TAggregate, TShare> state, int globalRound)
    {
        bool Unconcluded(int round) => round > globalRound;
        var dropped = state.Aggregates.Keys.Where(Unconcluded).ToList();
        return (state with
        {
            Aggregates = state.Aggregates.RemoveRange(dropped),
            Committees = state.Committees.RemoveRange(state.Committees.Keys.Where(Unconcluded).ToList()),
            Shares = state.Shares.RemoveRange(state.Shares.Keys.Where(Unconcluded).ToList()),
            SharesMade = state.SharesMade.Except(state.SharesMade.Where(s => Unconcluded(s.Round)).ToList()),
            Fusing = state.Fusing.Except(state.Fusing.Where(f => Unconcluded(f.Round)).ToList()),
        }, dropped.Count);
    }

    private static CommitteeDecryptionState<TAggregate, TShare> MakeShares(CommitteeDecryptionState<TAggregate, TShare> state, int round, List<CommitteeCommand> commands)
    {
        if (!state.Aggregates.ContainsKey(round) || !state.Committees.TryGetValue(round, out var committee)
            || !committee.Members.Contains(state.PartyId) || state.SharesMade.Contains((round, committee.Attempt)))
            return state;
        commands.Add(new MakeDecryptionShares(round, committee.Attempt, committee.Members));
        return state with { SharesMade = state.SharesMade.Add((round, committee.Attempt)) };
    }

    private CommitteeDecryptionState<TAggregate, TShare> TryFuse(CommitteeDecryptionState<TAggregate, TShare> state, int round, List<CommitteeCommand> commands)
    {
        if (!state.Aggregates.TryGetValue(round, out var held) || !state.Committees.TryGetValue(round, out var committee)
            || !state.Shares.TryGetValue(round, out var byParty))
            return state;
        var key = committee.Key;
        if (!committee.Members.All(m => byParty.TryGetValue((m, key), out var perChunk) && perChunk.Length == held.Ciphertexts && perChunk.All(s => s is not null))
            || state.Fusing.Contains((round, committee.Attempt)))
            return state;
        var shares = committee.Members.ToImmutableSortedDictionary(m => m, m => byParty[(m, key)].Select(s => s!).ToImmutableArray());
        commands.Add(new FuseDecryptionShares<TShare>(round, committee.Attempt, shares));
        return state with { Fusing = state.Fusing.Add((round, committee.Attempt)) };
    }

    private static CommitteeStep<TAggregate, TShare> Refuse(CommitteeDecryptionState<TAggregate, TShare> state, string what) =>
        Step(state, [new RefuseCommitteeMessage(what)]);

    private static CommitteeStep<TAggregate, TShare> Step(CommitteeDecryptionState<TAggregate, TShare> state, List<CommitteeCommand> commands) =>
        new(state, new EquatableArray<CommitteeCommand>([.. commands]));
}
