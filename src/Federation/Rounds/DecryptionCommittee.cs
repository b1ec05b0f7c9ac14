using System.Collections.Immutable;

namespace FederatedHe.Federation.Rounds;

/// <summary>A decryption-committee sub-machine's answer: its next state, its commands, and a failure that ends the federation.</summary>
public sealed record CommitteeStep(IDecryptionCommitteePhase Next, ImmutableArray<RoundCommand> Commands, string? Failure = null);

/// <summary>
/// The seam after the aggregate in threshold mode: who decrypts a round's aggregate together. The round machine calls
/// it whenever an aggregate goes out (distributed, caught up, re-sent) and whenever reachability changes; it is
/// immutable like the machine. <see cref="NoDecryptionCommittee"/> is shared-key mode's (every hospital decrypts
/// alone); <see cref="FirstReachablePartiesCommittee"/> is the minimal threshold one.
/// </summary>
public interface IDecryptionCommitteePhase
{
    /// <summary>
    /// A round's aggregate was sent to <paramref name="recipients"/>: name (or repeat) its committee to them and to its
    /// members. A member that made its shares already sends them again, to a recipient catching up that missed them.
    /// </summary>
    /// <param name="round">The aggregate's round.</param>
    /// <param name="recipients">The hospitals it went to.</param>
    /// <param name="reachableParties">The key's parties that are reachable, in key order.</param>
    CommitteeStep AggregateSent(int round, EquatableArray<string> recipients, EquatableArray<string> reachableParties);

    /// <summary>A hospital became unreachable or left: replace committees that lost a member.</summary>
    /// <param name="reachableParties">The key's parties that are reachable, in key order.</param>
    /// <param name="reachableHospitals">Every reachable hospital (a replacement committee is announced to all).</param>
    CommitteeStep MembersChanged(EquatableArray<string> reachableParties, EquatableArray<string> reachableHospitals);
}

/// <summary>Shared-key mode: every hospital decrypts the aggregate itself.</summary>
public sealed record NoDecryptionCommittee : IDecryptionCommitteePhase
{
    /// <summary>The one instance.</summary>
    public static readonly NoDecryptionCommittee Instance = new();

    /// <inheritdoc />
    public CommitteeStep AggregateSent(int round, EquatableArray<string> recipients, EquatableArray<string> reachableParties) => new(this, []);

    /// <inheritdoc />
    public CommitteeStep MembersChanged(EquatableArray<string> reachableParties, EquatableArray<string> reachableHospitals) => new(this, []);
}

/// <summary>
/// Tell these hospitals who decrypts a round's aggregate (the members send their decryption shares to every party). The
/// recipients always include the members.
/// </summary>
public sealed record AnnounceCommittee(int Round, int Attempt, EquatableArray<string> Members, EquatableArray<string> Recipients) : RoundCommand;

/// <summary>A round's committee and how many times it was named.</summary>
public sealed record NamedCommittee(int Round, int Attempt, EquatableArray<string> Members);

/// <summary>
/// The coordinator's committee rule: the first t reachable parties, kept while all of them stay reachable, renamed
/// (with the next attempt number) when one drops out; fewer than t reachable parties end the federation. Committees
/// of rounds older than the one before the latest are forgotten.
/// </summary>
/// <param name="Threshold">t.</param>
public sealed record FirstReachablePartiesCommittee(int Threshold) : IDecryptionCommitteePhase
{
    /// <summary>The committees named so far, by round.</summary>
    public ImmutableSortedDictionary<int, NamedCommittee> Committees { get; init; } = ImmutableSortedDictionary<int, NamedCommittee>.Empty;

    /// <inheritdoc />
    public CommitteeStep AggregateSent(int round, EquatableArray<string> recipients, EquatableArray<string> reachableParties)
    {
        var (next, committee, commands, failure) = CommitteeFor(round, reachableParties);
        return failure is not null
            ? new CommitteeStep(next, commands, failure)
            : new CommitteeStep(next, commands.Add(new AnnounceCommittee(round, committee.Attempt, committee.Members, [.. recipients.Union(committee.Members)])));
    }

    /// <inheritdoc />
    public CommitteeStep MembersChanged(EquatableArray<string> reachableParties, EquatableArray<string> reachableHospitals)
    {
        var state = this;
        var commands = ImmutableArray.CreateBuilder<RoundCommand>();
        foreach (var (round, committee) in Committees)
        {
            if (committee.Members.All(reachableParties.Contains))
                continue;
            var (next, replacement, named, failure) = state.CommitteeFor(round, reachableParties);
            commands.AddRange(named);
            if (failure is not null)
                return new CommitteeStep(next, commands.ToImmutable(), failure);
            commands.Add(new AnnounceCommittee(round, replacement.Attempt, replacement.Members, reachableHospitals));
            state = next;
        }

        return new CommitteeStep(state, commands.ToImmutable());
    }

    private (FirstReachablePartiesCommittee Next, NamedCommittee Committee, ImmutableArray<RoundCommand> Commands, string? Failure) CommitteeFor(
        int round, EquatableArray<string> reachableParties)
    {
        if (Committees.TryGetValue(round, out var current) && current.Members.All(reachableParties.Contains))
            return (this, current, [], null);

        var members = reachableParties.Take(Threshold).ToImmutableArray();
        var committee = new NamedCommittee(round, (current?.Attempt ?? 0) + 1, members);
        var committees = Committees.SetItem(round, committee).RemoveRange(Committees.Keys.Where(r => r < round - 1));
        var next = this with { Committees = committees };
        return members.Length < Threshold
            ? (next, committee, [], $"round {round}: only {members.Length} parties reachable, fewer than the threshold {Threshold} needed to decrypt")
            : (next, committee, [new Publish(new Decision(round, $"decryption committee {committee.Attempt}: {string.Join(", ", members)}"))], null);
    }
}
