namespace FederatedHe.Federation.Participation;

/// <summary>What happened to a hospital: a message, a timer, or the result of work it asked for.</summary>
public abstract record HospitalEvent;

/// <summary>Where a message came from, as the actor sees it.</summary>
/// <param name="Node">The sender's node (address text), or null for a message without a sender.</param>
/// <param name="Path">The sender's path, for refusal lines.</param>
/// <param name="IsAggregatorNode">Whether that node is a cluster member with the aggregator role (or there is no cluster).</param>
public sealed record MessageSource(string? Node, string Path, bool IsAggregatorNode);

/// <summary>The saved key share was loaded or refused; <paramref name="SavedStatisticsFound"/> when the decrypted global statistics were saved too.</summary>
public sealed record KeyRestoreEnded(bool SavedStatisticsFound) : HospitalEvent;

/// <summary>The registration retry timer fired.</summary>
public sealed record RegistrationTimerFired : HospitalEvent
{
    /// <summary>The one instance.</summary>
    public static readonly RegistrationTimerFired Instance = new();
}

/// <summary>A coordinator answered the registration (the actor has checked it comes from an aggregator node).</summary>
public sealed record RegistrationAnswered(string Node, bool Accepted, string Reason) : HospitalEvent;

/// <summary>The watched coordinator terminated (its node crashed or restarted).</summary>
public sealed record CoordinatorLost : HospitalEvent
{
    /// <summary>The one instance.</summary>
    public static readonly CoordinatorLost Instance = new();
}

/// <summary>The coordinator asks for the feature statistics of round 0 (<paramref name="What"/> names the message in refusal lines).</summary>
public sealed record StatisticsRequested(MessageSource From, string What, int Round) : HospitalEvent;

/// <summary>The coordinator asks for training round <paramref name="Round"/> from the global model of <paramref name="GlobalModelRound"/>.</summary>
public sealed record TrainingRequested(MessageSource From, string What, int Round, int GlobalModelRound) : HospitalEvent;

/// <summary>
/// The coordinator begins a threshold key generation. <paramref name="Refusal"/> is why this hospital cannot follow it
/// (shared-key mode, an impossible party list), or null.
/// </summary>
public sealed record KeyGenerationRequested(MessageSource From, string What, string? Refusal) : HospitalEvent;

/// <summary>Local training of <paramref name="Round"/> finished; its update is ready to encrypt.</summary>
public sealed record UpdateTrained(int Round) : HospitalEvent;

/// <summary>The update of <paramref name="Round"/> is encrypted and ready to send.</summary>
public sealed record UpdateEncrypted(int Round, UpdateKind Kind) : HospitalEvent;

/// <summary>
/// A chunk of an aggregate arrived. <paramref name="Kind"/> is null for a chunk of a kind a hospital never receives from
/// the coordinator (<paramref name="KindName"/> names it).
/// </summary>
public sealed record AggregateChunkArrived(MessageSource From, AggregateKind? Kind, string KindName, int Round) : HospitalEvent;

/// <summary>Every chunk of an aggregate is in.</summary>
public sealed record AggregateAssembled(int Round, AggregateKind Kind) : HospitalEvent;

/// <summary>Decrypting an aggregate failed (the crypto pool, or the committee's audit); it is dropped.</summary>
public sealed record AggregateDecryptionFailed : HospitalEvent
{
    /// <summary>The one instance.</summary>
    public static readonly AggregateDecryptionFailed Instance = new();
}

/// <summary>A restarted coordinator runs unconcluded rounds again: <paramref name="Count"/> aggregates waiting for the committee were dropped.</summary>
public sealed record UnconcludedAggregatesDropped(int Count) : HospitalEvent;

/// <summary>An aggregate was decrypted; <paramref name="Finite"/> is false when a value decrypted to NaN or infinity.</summary>
public sealed record AggregateDecrypted(int Round, AggregateKind Kind, bool Finite) : HospitalEvent;

/// <summary>The actor checked and took the decrypted aggregate (<see cref="AdoptAggregate"/>): statistics standardise the data, a model becomes the global model.</summary>
public sealed record AggregateAdopted(int Round, AggregateKind Kind) : HospitalEvent;

/// <summary>The coordinator's node says the federation finished.</summary>
public sealed record FederationEnded(MessageSource From, int Round, bool Succeeded, string Status) : HospitalEvent;
