using FederatedHe.Federation.Strategies;

namespace FederatedHe.Federation.Rounds;

/// <summary>
/// What happened, as the round machine sees it. The coordinator turns messages, timers and cluster events into these
/// after the checks only it can make (a sender is the hospital it claims to be, chunks reassemble, ciphertexts belong
/// to the parameter set); everything that depends on the round's state is the machine's to judge.
/// </summary>
public abstract record RoundEvent;

/// <summary>A hospital proved its id (or the federation takes ids on trust) and was admitted: new, or rejoining from a new address.</summary>
/// <param name="HospitalId">The hospital.</param>
/// <param name="Origin">Where it registered from (its node's address), for the decision log; null if not known.</param>
/// <param name="Data">What it says of its data (schema, never values) for the preflight before round 0; null if it said nothing.</param>
public sealed record HospitalRegistered(string HospitalId, string? Origin = null, HospitalDataDescription? Data = null) : RoundEvent;

/// <summary>A hospital left the cluster or stopped: dropped from the federation.</summary>
public sealed record HospitalLeft(string HospitalId, string Why) : RoundEvent;

/// <summary>A hospital's node became unreachable: it is not waited for until it returns.</summary>
public sealed record HospitalUnreachable(string HospitalId) : RoundEvent;

/// <summary>A hospital's node is reachable again.</summary>
public sealed record HospitalReachable(string HospitalId) : RoundEvent;

/// <summary>A hospital's update for a round reassembled completely and is being validated: further chunks of it are duplicates.</summary>
public sealed record UpdateAssembled(int Round, string HospitalId) : RoundEvent;

/// <summary>A hospital's update for a round is complete and validated.</summary>
public sealed record UpdateArrived(int Round, string HospitalId, UpdateShape Shape) : RoundEvent;

/// <summary>A hospital's update for a round was refused (a malformed chunk or ciphertext): it sits out the round.</summary>
public sealed record UpdateRefused(int Round, string HospitalId, string Reason) : RoundEvent;

/// <summary>A timer the machine asked for fired; it carries what it was started for, so a stale one is recognised.</summary>
public sealed record TimerFired(RoundTimer Timer) : RoundEvent;

/// <summary>The homomorphic sum the machine asked for is ready.</summary>
/// <param name="Round">The round it sums.</param>
/// <param name="VectorLength">Plaintext values in it.</param>
/// <param name="CiphertextBytesReceived">Ciphertext bytes of the updates summed.</param>
/// <param name="AggregationMs">Time the crypto pool took (measured by the coordinator: the machine has no clock).</param>
public sealed record AggregateReady(int Round, int VectorLength, long CiphertextBytesReceived, double AggregationMs) : RoundEvent;

/// <summary>A hospital reported its evaluation of a round's aggregate.</summary>
public sealed record EvaluationReported(EvaluationReport Report) : RoundEvent;

/// <summary>The checkpoint store's recovery finished; <paramref name="Latest"/> is null when nothing was journalled.</summary>
public sealed record CheckpointRecovered(RecoveredCheckpoint? Latest) : RoundEvent;

/// <summary>The checkpoint of a round is durable.</summary>
public sealed record CheckpointSaved(int Round) : RoundEvent;

/// <summary>A hospital asked for a round's aggregate again (it missed chunks).</summary>
public sealed record AggregateFetchRequested(string HospitalId, int Round) : RoundEvent;

/// <summary>The coordinator ignored a message the machine never sees (a stray chunk, an impersonation): counted in the round's figures.</summary>
public sealed record MessageIgnored(string Source, string What, IgnoredReason Reason = IgnoredReason.Unexpected) : RoundEvent;

/// <summary>Something the federation cannot continue after (the sum failed, the checkpoint journal is unusable).</summary>
public sealed record FatalError(string Reason) : RoundEvent;

/// <summary>A message of the key-generation sub-machine (see <see cref="IKeyGenerationPhase"/>), routed to it.</summary>
public sealed record KeyGenerationMessage(IKeyGenerationEvent Inner) : RoundEvent;

/// <summary>What a recovered checkpoint tells the machine; the ciphertexts stay with the coordinator.</summary>
/// <param name="Round">The concluded round it journals.</param>
/// <param name="Identity">The federation it belongs to.</param>
/// <param name="StatisticsRound">The round of the aggregated statistics it holds (0), or null.</param>
/// <param name="ModelRound">The round of the aggregated model it holds, or null.</param>
/// <param name="KeyMaterial">What the key-generation sub-machine journalled (threshold mode), or null.</param>
public sealed record RecoveredCheckpoint(int Round, FederationIdentity Identity, int? StatisticsRound, int? ModelRound, object? KeyMaterial);

/// <summary>The kinds of timer the machine runs.</summary>
public enum TimerKind
{
    /// <summary>Registration must complete in time.</summary>
    Registration,

    /// <summary>Key generation (or its resumption) must complete in time.</summary>
    KeyGeneration,

    /// <summary>One collection attempt's deadline.</summary>
    Collect,

    /// <summary>The evaluations' deadline.</summary>
    Evaluate,
}

/// <summary>A timer's identity: one per kind runs at a time, and a firing whose round or attempt is past is ignored.</summary>
public sealed record RoundTimer(TimerKind Kind, int Round, int Attempt);
