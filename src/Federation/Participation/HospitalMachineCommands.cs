namespace FederatedHe.Federation.Participation;

/// <summary>What the hospital machine asks the actor to do, in order.</summary>
public abstract record HospitalCommand;

/// <summary>Send <c>RegisterHospital</c> to the coordinator.</summary>
public sealed record SendRegistration : HospitalCommand
{
    /// <summary>The one instance.</summary>
    public static readonly SendRegistration Instance = new();
}

/// <summary>Start the registration retry timer.</summary>
public sealed record StartRegistrationTimer(TimeSpan Delay) : HospitalCommand;

/// <summary>Cancel the registration retry timer.</summary>
public sealed record CancelRegistrationTimer : HospitalCommand
{
    /// <summary>The one instance.</summary>
    public static readonly CancelRegistrationTimer Instance = new();
}

/// <summary>Warn that the coordinator has not answered <paramref name="Attempts"/> registrations.</summary>
public sealed record WarnNoRegistrationAnswer(int Attempts) : HospitalCommand;

/// <summary>Log the coordinator's answer to the registration.</summary>
public sealed record LogRegistration(bool Accepted, string Reason) : HospitalCommand;

/// <summary>Watch the sender of the current message as the coordinator (if it is not watched already).</summary>
public sealed record WatchCoordinator : HospitalCommand
{
    /// <summary>The one instance.</summary>
    public static readonly WatchCoordinator Instance = new();
}

/// <summary>Stop watching the coordinator: its node stopping now is an orderly end, not a crash.</summary>
public sealed record UnwatchCoordinator : HospitalCommand
{
    /// <summary>The one instance.</summary>
    public static readonly UnwatchCoordinator Instance = new();
}

/// <summary>Warn that the coordinator is gone and this hospital registers with its successor.</summary>
public sealed record WarnCoordinatorLost : HospitalCommand
{
    /// <summary>The one instance.</summary>
    public static readonly WarnCoordinatorLost Instance = new();
}

/// <summary>Log (rate-limited, by source) a message this hospital ignored.</summary>
public sealed record LogRefusal(string What) : HospitalCommand;

/// <summary>Compute the feature statistics of the local data, then encrypt and send them for <paramref name="Round"/>.</summary>
public sealed record SendStatistics(int Round) : HospitalCommand;

/// <summary>Re-send the chunks of the update already sent for this round.</summary>
public sealed record ResendUpdate(int Round, UpdateKind Kind) : HospitalCommand;

/// <summary>Ask the coordinator again for the aggregate of <paramref name="Round"/> (round 0: the statistics).</summary>
public sealed record FetchMissedAggregate(int Round) : HospitalCommand;

/// <summary>Train locally for <paramref name="Round"/> from the global model held (the local strategy may leave this hospital out).</summary>
public sealed record StartLocalTraining(int Round) : HospitalCommand;

/// <summary>Encrypt the update of <paramref name="Round"/> and, once encrypted, hand back <see cref="UpdateEncrypted"/>.</summary>
public sealed record EncryptUpdate(int Round, UpdateKind Kind) : HospitalCommand;

/// <summary>Send the encrypted chunks of this update to the coordinator (they replace any update kept before).</summary>
public sealed record SendUpdate(int Round, UpdateKind Kind) : HospitalCommand;

/// <summary>Offer the current chunk to the aggregate assembler.</summary>
public sealed record AssembleChunk(int Round, AggregateKind Kind) : HospitalCommand;

/// <summary>Shared-key mode: decrypt the assembled aggregate with the crypto pool.</summary>
public sealed record DecryptAggregate(int Round, AggregateKind Kind) : HospitalCommand;

/// <summary>Threshold mode: hand the assembled aggregate to the decryption committee (contribute shares, fuse).</summary>
public sealed record DecryptWithCommittee(int Round, AggregateKind Kind) : HospitalCommand;

/// <summary>Check the decrypted values and take them; on success hand back <see cref="AggregateAdopted"/>.</summary>
public sealed record AdoptAggregate(int Round, AggregateKind Kind) : HospitalCommand;

/// <summary>Evaluate the global model of <paramref name="Round"/> on the local hold-out and report the figures.</summary>
public sealed record EvaluateModel(int Round) : HospitalCommand;

/// <summary>Threshold mode: the saved statistics go through the path of a decrypted aggregate (<see cref="AggregateDecrypted"/> for round 0).</summary>
public sealed record ReplaySavedStatistics : HospitalCommand
{
    /// <summary>The one instance.</summary>
    public static readonly ReplaySavedStatistics Instance = new();
}

/// <summary>A new collective key means a new federation: reset the model to the initial one and start this party's key generation.</summary>
public sealed record StartKeyGeneration : HospitalCommand
{
    /// <summary>The one instance.</summary>
    public static readonly StartKeyGeneration Instance = new();
}

/// <summary>The federation ended: log it, write the final model if it succeeded, and let the hosting process know.</summary>
public sealed record EndFederation(int Round, bool Succeeded, string Status) : HospitalCommand;
