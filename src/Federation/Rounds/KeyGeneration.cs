using System.Collections.Immutable;

namespace FederatedHe.Federation.Rounds;

/// <summary>Marker of the messages a key-generation sub-machine consumes (routed to it in <see cref="KeyGenerationMessage"/>).</summary>
public interface IKeyGenerationEvent;

/// <summary>Whether key generation let the federation go on.</summary>
public enum KeyGenerationStatus
{
    /// <summary>Still waiting for parties.</summary>
    Pending,

    /// <summary>The key is ready: the federation starts round 0, or resumes after its checkpoint.</summary>
    Ready,

    /// <summary>It cannot complete; the federation fails with the reason.</summary>
    Failed,
}

/// <summary>What the round machine tells a key-generation sub-machine about the federation.</summary>
/// <param name="Round">The round the federation is at (the concluded one when resuming).</param>
/// <param name="ReachableHospitals">The registered, reachable hospitals, in ordinal order.</param>
public sealed record KeyGenerationContext(int Round, EquatableArray<string> ReachableHospitals);

/// <summary>A key-generation sub-machine's answer: its next state, its commands, its status and the hospitals it excludes for good.</summary>
public sealed record KeyGenerationStep(
    IKeyGenerationPhase Next,
    ImmutableArray<RoundCommand> Commands,
    KeyGenerationStatus Status,
    string? FailureReason = null,
    EquatableArray<(string HospitalId, string Reason)> Excluded = default)
{
    /// <summary>Messages the sub-machine ignored (out of order, repeated), by source: counted in the round's figures.</summary>
    public EquatableArray<(string Source, string What)> Ignored { get; init; }
}

/// <summary>
/// The seam where the collective key is made before round 0 (or confirmed before a resumed round): a sub-machine the
/// round machine waits on in <see cref="RoundPhase.KeyGeneration"/>, immutable like it. <see cref="SharedKeySetup"/>
/// needs no step at all; <see cref="AllPartiesKeyGeneration"/> is the minimal threshold one; the full threshold protocol
/// (public-key shares, the collective key, re-sharing) implements this same interface.
/// </summary>
public interface IKeyGenerationPhase
{
    /// <summary>The key's parties (every decryption committee is drawn from them); empty when there is no collective key.</summary>
    EquatableArray<string> Parties { get; }

    /// <summary>What a checkpoint must journal so that a restarted aggregator can resume under the same key, or null.</summary>
    object? CheckpointMaterial { get; }

    /// <summary>Why this hospital may not register (now or ever), or null.</summary>
    string? RegistrationRefusal(string hospitalId);

    /// <summary>Makes the key for a new federation.</summary>
    KeyGenerationStep Begin(KeyGenerationContext context);

    /// <summary>Takes the key recorded by a checkpoint about to be resumed (failing if it cannot).</summary>
    KeyGenerationStep Restore(RecoveredCheckpoint checkpoint);

    /// <summary>Confirms the restored key with the parties before the federation resumes.</summary>
    KeyGenerationStep Resume(KeyGenerationContext context);

    /// <summary>A hospital registered after the key existed (a rejoin from a new address, typically).</summary>
    KeyGenerationStep HospitalRegistered(string hospitalId, KeyGenerationContext context);

    /// <summary>One of the sub-machine's own messages.</summary>
    KeyGenerationStep Handle(IKeyGenerationEvent message, KeyGenerationContext context);

    /// <summary>The key-generation timer fired.</summary>
    KeyGenerationStep TimedOut(KeyGenerationContext context);
}

/// <summary>Every hospital holds the one CKKS secret key already: nothing to generate, nothing to confirm.</summary>
public sealed record SharedKeySetup : IKeyGenerationPhase
{
    /// <summary>The one instance.</summary>
    public static readonly SharedKeySetup Instance = new();

    /// <inheritdoc />
    public EquatableArray<string> Parties => [];

    /// <inheritdoc />
    public object? CheckpointMaterial => null;

    /// <inheritdoc />
    public string? RegistrationRefusal(string hospitalId) => null;

    /// <inheritdoc />
    public KeyGenerationStep Begin(KeyGenerationContext context) => Ready;

    /// <inheritdoc />
    public KeyGenerationStep Restore(RecoveredCheckpoint checkpoint) => Ready;

    /// <inheritdoc />
    public KeyGenerationStep Resume(KeyGenerationContext context) => Ready;

    /// <inheritdoc />
    public KeyGenerationStep HospitalRegistered(string hospitalId, KeyGenerationContext context) => Ready;

    /// <inheritdoc />
    public KeyGenerationStep Handle(IKeyGenerationEvent message, KeyGenerationContext context) => Ready;

    /// <inheritdoc />
    public KeyGenerationStep TimedOut(KeyGenerationContext context) => Ready;

    private KeyGenerationStep Ready => new(this, [], KeyGenerationStatus.Ready);
}

/// <summary>Ask the parties to make a t-of-n collective key among themselves.</summary>
public sealed record BeginKeyGeneration(EquatableArray<string> Parties, int Threshold) : RoundCommand;

/// <summary>Ask these parties whether they still hold their share of the checkpointed key (and tell all parties where everyone is).</summary>
public sealed record ConfirmKeyShares(EquatableArray<string> Parties, EquatableArray<string> Asked, int Threshold) : RoundCommand;

/// <summary>Drop a hospital from the federation for good and tell it why (it lost its key share).</summary>
public sealed record ExcludeHospital(string HospitalId, string Reason) : RoundCommand;

/// <summary>A party reports that it holds its threshold key share.</summary>
/// <param name="HospitalId">The party.</param>
/// <param name="KeyId">The id of the collective key it combined its share for, when the protocol forms one; it must be
/// the key announced in <see cref="CollectiveKeyFormed"/>, or key generation fails.</param>
public sealed record PartyHoldsKey(string HospitalId, string? KeyId = null) : IKeyGenerationEvent;

/// <summary>A party answers <see cref="ConfirmKeyShares"/>. A party that no longer holds its share is excluded for good,
/// also outside a resumption (a party that rejoined after a restart of its own).</summary>
public sealed record KeyShareConfirmed(string HospitalId, bool Holds, string Reason) : IKeyGenerationEvent;

/// <summary>
/// The collective public key was formed from the parties' revealed shares (by the coordinator's relay, which checks the
/// commitments and sums the shares off the machine): it is what checkpoints journal and what parties must combine for.
/// </summary>
public sealed record CollectiveKeyFormed(CollectiveKey Key) : IKeyGenerationEvent;

/// <summary>A party's signed commitment to its public-key share arrived (the relay checked that it comes from that party).</summary>
public sealed record ShareCommitted(string HospitalId) : IKeyGenerationEvent;

/// <summary>A party's reveal arrived and matches its commitment (the relay checked both).</summary>
public sealed record ShareRevealed(string HospitalId) : IKeyGenerationEvent;

/// <summary>Every party committed: send each reachable party every signed commitment.</summary>
public sealed record RelayCommitments(EquatableArray<string> Parties) : RoundCommand;

/// <summary>Every party revealed: send each reachable party every signed reveal, and form the collective key from them
/// (answer with <see cref="CollectiveKeyFormed"/>, or <see cref="KeyGenerationAborted"/> if the shares do not sum).</summary>
public sealed record RelayRevealsAndFormKey(EquatableArray<string> Parties) : RoundCommand;

/// <summary>Key generation cannot complete (a party refused it, a reveal broke its commitment, the shares did not sum).</summary>
public sealed record KeyGenerationAborted(string Reason) : IKeyGenerationEvent;

/// <summary>The collective key as public, journalled material: its session, its id and the serialized public key.</summary>
public sealed record CollectiveKey(string SessionId, string KeyId, EquatableArray<byte> PublicKey);

/// <summary>What <see cref="AllPartiesKeyGeneration"/> journals: the key's parties and threshold, and the collective key once formed.</summary>
public sealed record ThresholdKeyRecord(EquatableArray<string> Parties, int Threshold)
{
    /// <summary>The collective key, when the protocol forms one (null for the minimal protocol).</summary>
    public CollectiveKey? Key { get; init; }
}

/// <summary>
/// The minimal threshold key-generation sub-machine: the reachable hospitals become the parties, and the key is ready
/// once every party reports holding its share (the federation fails at the timeout otherwise). Resuming, the parties
/// are asked whether they still hold their shares; one that lost its share is excluded for good, and the federation
/// resumes if at least t parties hold theirs. The cryptographic exchange itself happens between the hospitals (and,
/// for public-key shares, in the coordinator's adapter), outside this machine.
/// </summary>
/// <param name="Threshold">t: how many parties decrypt together.</param>
/// <param name="Timeout">How long generation or confirmation may take.</param>
public sealed record AllPartiesKeyGeneration(int Threshold, TimeSpan Timeout) : IKeyGenerationPhase
{
    /// <inheritdoc />
    public EquatableArray<string> Parties { get; init; } = [];

    /// <summary>Parties known to hold their share (generating) or still to confirm it (resuming).</summary>
    public ImmutableSortedSet<string> Holding { get; init; } = ImmutableSortedSet.Create<string>(StringComparer.Ordinal);

    /// <summary>Parties still to confirm their share while resuming.</summary>
    public ImmutableSortedSet<string> Awaiting { get; init; } = ImmutableSortedSet.Create<string>(StringComparer.Ordinal);

    /// <summary>Parties that lost their share, and why.</summary>
    public ImmutableSortedDictionary<string, string> Lost { get; init; } = ImmutableSortedDictionary.Create<string, string>(StringComparer.Ordinal);

    /// <summary>Whether the key exists (generated, or restored from a checkpoint).</summary>
    public bool KeyExists { get; init; }

    /// <summary>Whether parties are being asked to confirm their shares.</summary>
    public bool Resuming { get; init; }

    /// <summary>The collective key, once formed (<see cref="CollectiveKeyFormed"/>) or restored from a checkpoint.</summary>
    public CollectiveKey? Key { get; init; }

    /// <summary>Parties whose signed commitment arrived in the generation under way (commit-then-reveal).</summary>
    public ImmutableSortedSet<string> Committed { get; init; } = ImmutableSortedSet.Create<string>(StringComparer.Ordinal);

    /// <summary>Parties whose reveal arrived and matched its commitment.</summary>
    public ImmutableSortedSet<string> Revealed { get; init; } = ImmutableSortedSet.Create<string>(StringComparer.Ordinal);

    /// <inheritdoc />
    public object? CheckpointMaterial => KeyExists ? new ThresholdKeyRecord(Parties, Threshold) { Key = Key } : null;

    /// <inheritdoc />
    public string? RegistrationRefusal(string hospitalId) =>
        Lost.TryGetValue(hospitalId, out var reason)
            ? $"{hospitalId} lost its share of the collective threshold key ({reason}) and cannot decrypt under it any more"
            : !Parties.IsEmpty && !Parties.Contains(hospitalId)
                ? "the collective threshold key is already generated; new hospitals cannot join it"
                : null;

    /// <inheritdoc />
    public KeyGenerationStep Begin(KeyGenerationContext context)
    {
        var next = this with { Parties = context.ReachableHospitals, Holding = Holding.Clear(), Key = null, Committed = Committed.Clear(), Revealed = Revealed.Clear() };
        return new KeyGenerationStep(next,
        [
            new Publish(new Decision(context.Round, $"threshold key generation: {context.ReachableHospitals.Length} parties, any {Threshold} can decrypt")),
            new BeginKeyGeneration(context.ReachableHospitals, Threshold),
            new StartTimer(new RoundTimer(TimerKind.KeyGeneration, context.Round, 1), Timeout),
        ], KeyGenerationStatus.Pending);
    }

    /// <inheritdoc />
    public KeyGenerationStep Restore(RecoveredCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        if (checkpoint.KeyMaterial is not ThresholdKeyRecord key)
            return Failed($"cannot resume the checkpoint of round {checkpoint.Round}: it records no collective threshold key; delete the checkpoint journal to start a new federation");
        if (key.Threshold != Threshold)
            return Failed($"cannot resume the checkpoint of round {checkpoint.Round}: its collective key needs {key.Threshold} parties to decrypt, this federation is configured for {Threshold}");
        return new KeyGenerationStep(this with { Parties = key.Parties, KeyExists = true, Key = key.Key }, [], KeyGenerationStatus.Pending);
    }

    /// <inheritdoc />
    public KeyGenerationStep Resume(KeyGenerationContext context)
    {
        var asked = Parties.Where(context.ReachableHospitals.Contains).ToImmutableSortedSet(StringComparer.Ordinal);
        var next = this with { Resuming = true, Awaiting = asked, Holding = asked };
        var step = new KeyGenerationStep(next,
        [
            new Publish(new Decision(context.Round, $"resuming under the collective key: asking {asked.Count} parties to confirm their saved key shares")),
            new ConfirmKeyShares(Parties, [.. asked], Threshold),
            new StartTimer(new RoundTimer(TimerKind.KeyGeneration, context.Round, 1), Timeout),
        ], KeyGenerationStatus.Pending);
        return asked.IsEmpty ? next.FinishResumption(context, step.Commands) : step;
    }

    /// <inheritdoc />
    public KeyGenerationStep HospitalRegistered(string hospitalId, KeyGenerationContext context)
    {
        if (!KeyExists || !Parties.Contains(hospitalId))
            return Unchanged(KeyExists && !Resuming ? KeyGenerationStatus.Ready : KeyGenerationStatus.Pending);

        // A party back from a new address: every party learns where it is now, and a resuming one is asked for its share.
        var next = Resuming ? this with { Awaiting = Awaiting.Add(hospitalId), Holding = Holding.Add(hospitalId) } : this;
        return new KeyGenerationStep(next, [new ConfirmKeyShares(Parties, Resuming ? [hospitalId] : [], Threshold)],
            Resuming ? KeyGenerationStatus.Pending : KeyGenerationStatus.Ready);
    }

    /// <inheritdoc />
    public KeyGenerationStep Handle(IKeyGenerationEvent message, KeyGenerationContext context)
    {
        switch (message)
        {
            case ShareCommitted committed when !KeyExists && Key is null && Parties.Contains(committed.HospitalId):
                if (Committed.Contains(committed.HospitalId))
                    return Ignore(committed.HospitalId, $"second commitment from {committed.HospitalId}: the first one stands");
                var withCommitment = this with { Committed = Committed.Add(committed.HospitalId) };
                return withCommitment.Committed.Count < Parties.Length
                    ? new KeyGenerationStep(withCommitment, [], KeyGenerationStatus.Pending)
                    : new KeyGenerationStep(withCommitment,
                    [
                        new Publish(new Decision(context.Round, $"all {Parties.Length} parties committed to their public-key shares; relaying the signed commitments")),
                        new RelayCommitments(Parties),
                    ], KeyGenerationStatus.Pending);

            case ShareRevealed revealed when !KeyExists && Key is null && Parties.Contains(revealed.HospitalId):
                if (Committed.Count < Parties.Length)
                    return Ignore(revealed.HospitalId, $"reveal from {revealed.HospitalId} before every party committed");
                if (Revealed.Contains(revealed.HospitalId))
                    return Ignore(revealed.HospitalId, $"second reveal from {revealed.HospitalId}: the first one stands");
                var withReveal = this with { Revealed = Revealed.Add(revealed.HospitalId) };
                return withReveal.Revealed.Count < Parties.Length
                    ? new KeyGenerationStep(withReveal, [], KeyGenerationStatus.Pending)
                    : new KeyGenerationStep(withReveal,
                    [
                        new Publish(new Decision(context.Round, $"all {Parties.Length} parties revealed their committed shares; relaying the signed reveals")),
                        new RelayRevealsAndFormKey(Parties),
                    ], KeyGenerationStatus.Pending);

            case ShareCommitted or ShareRevealed:
                var party = message is ShareCommitted c ? c.HospitalId : ((ShareRevealed)message).HospitalId;
                return Ignore(party, $"a key-generation message from {party} outside key generation or from no party of it");

            case CollectiveKeyFormed formed when !KeyExists && Key is null:
                return new KeyGenerationStep(this with { Key = formed.Key }, [], KeyGenerationStatus.Pending);

            case KeyGenerationAborted aborted when !KeyExists:
                return Failed(aborted.Reason);

            case PartyHoldsKey held when !KeyExists && Parties.Contains(held.HospitalId) && held.KeyId is { } keyId && keyId != Key?.KeyId:
                return Failed($"{held.HospitalId} combined a key share for key {keyId}, the key it computed from the signed shares, "
                    + $"not for the collective key {Key?.KeyId ?? "(not yet formed)"} this coordinator computed");

            case PartyHoldsKey held when !KeyExists && Parties.Contains(held.HospitalId):
                var holding = Holding.Add(held.HospitalId);
                if (holding.Count < Parties.Length)
                    return new KeyGenerationStep(this with { Holding = holding }, [], KeyGenerationStatus.Pending);
                return new KeyGenerationStep(this with { Holding = holding, KeyExists = true },
                [
                    new CancelTimer(TimerKind.KeyGeneration),
                    new Publish(new Decision(context.Round, "every party holds its threshold key")),
                ], KeyGenerationStatus.Ready);

            case KeyShareConfirmed confirmed when Resuming && Awaiting.Contains(confirmed.HospitalId):
                var next = confirmed.Holds
                    ? this with { Awaiting = Awaiting.Remove(confirmed.HospitalId) }
                    : this with
                    {
                        Awaiting = Awaiting.Remove(confirmed.HospitalId),
                        Holding = Holding.Remove(confirmed.HospitalId),
                        Lost = Lost.SetItem(confirmed.HospitalId, confirmed.Reason),
                    };
                var excluded = confirmed.Holds ? default : new EquatableArray<(string, string)>([(confirmed.HospitalId, confirmed.Reason)]);
                return next.Awaiting.IsEmpty
                    ? next.FinishResumption(context, []) with { Excluded = excluded }
                    : new KeyGenerationStep(next, [], KeyGenerationStatus.Pending, Excluded: excluded);

            case KeyShareConfirmed { Holds: false } lost when KeyExists && !Resuming && Parties.Contains(lost.HospitalId) && !Lost.ContainsKey(lost.HospitalId):
                // A party that rejoined without its share (it restarted and lost it) can never decrypt under the key again.
                return new KeyGenerationStep(this with { Lost = Lost.SetItem(lost.HospitalId, lost.Reason) }, [], KeyGenerationStatus.Ready,
                    Excluded: [(lost.HospitalId, lost.Reason)]);

            default:
                return Unchanged(KeyExists && !Resuming ? KeyGenerationStatus.Ready : KeyGenerationStatus.Pending);
        }
    }

    /// <inheritdoc />
    public KeyGenerationStep TimedOut(KeyGenerationContext context)
    {
        if (!Resuming)
            return KeyExists
                ? Unchanged(KeyGenerationStatus.Ready)
                : Failed($"key generation incomplete after {Timeout}: " + (Committed.IsEmpty ? string.Empty : $"{Committed.Count} commitments, {Revealed.Count} reveals, ")
                    + $"{Holding.Count} of {Parties.Length} parties hold their threshold key");

        // A party still registered but silent is treated as having lost its share.
        var silent = Awaiting.Where(context.ReachableHospitals.Contains).ToList();
        var next = this with
        {
            Awaiting = Awaiting.Clear(),
            Holding = Holding.Except(silent),
            Lost = Lost.SetItems(silent.Select(id => KeyValuePair.Create(id, $"did not confirm its key share within {Timeout}"))),
        };
        return next.FinishResumption(context, []) with { Excluded = [.. silent.Select(id => (id, $"did not confirm its key share within {Timeout}"))] };
    }

    private KeyGenerationStep FinishResumption(KeyGenerationContext context, ImmutableArray<RoundCommand> before)
    {
        var holders = Holding.Where(context.ReachableHospitals.Contains).ToList();
        var lost = string.Join("; ", Lost.Select(p => $"{p.Key}: {p.Value}"));
        var done = this with { Resuming = false };
        if (holders.Count < Threshold)
        {
            return new KeyGenerationStep(done, before, KeyGenerationStatus.Failed,
                $"cannot resume under the collective key: only {holders.Count} parties hold their key share ([{string.Join(", ", holders)}]), "
                + $"fewer than the {Threshold} needed to decrypt{(lost.Length > 0 ? $" ({lost})" : string.Empty)}");
        }

        var decision = new Decision(context.Round, $"{holders.Count} parties hold their share of the collective key: [{string.Join(", ", holders)}]"
            + (lost.Length > 0 ? $"; continuing without the lost ones ({lost})" : string.Empty));
        return new KeyGenerationStep(done, [.. before, new CancelTimer(TimerKind.KeyGeneration), new Publish(decision)], KeyGenerationStatus.Ready);
    }

    private KeyGenerationStep Unchanged(KeyGenerationStatus status) => new(this, [], status);

    private KeyGenerationStep Ignore(string source, string what) =>
        new KeyGenerationStep(this, [], KeyExists && !Resuming ? KeyGenerationStatus.Ready : KeyGenerationStatus.Pending) { Ignored = [(source, what)] };

    private KeyGenerationStep Failed(string reason) => new(this, [], KeyGenerationStatus.Failed, reason);
}
