namespace FederatedHe.Actors.Persistence;

/// <summary>An encrypted aggregate as the coordinator keeps it: round 0's feature statistics or a round's model.</summary>
/// <param name="Round">The round it aggregates.</param>
/// <param name="VectorLength">Plaintext values it encrypts.</param>
/// <param name="Ciphertexts">One serialized ciphertext per chunk.</param>
internal sealed record StoredAggregate(int Round, int VectorLength, IReadOnlyList<byte[]> Ciphertexts);

/// <summary>
/// Threshold mode: the collective key the federation runs under, so a restarted coordinator can resume without
/// generating a new one (the hospitals keep their key shares on their own disks). All of it is public.
/// </summary>
/// <param name="SessionId">The key-generation session the key came from.</param>
/// <param name="KeyId">The collective public key's id (hex SHA-256), which every party's key share is bound to.</param>
/// <param name="Threshold">How many parties must join to decrypt.</param>
/// <param name="Parties">The parties in party-id order (party j is element j−1).</param>
/// <param name="CollectivePublicKey">The collective public key in FederatedHe.Crypto's wire format.</param>
internal sealed record ThresholdKeyCheckpoint(string SessionId, string KeyId, int Threshold, IReadOnlyList<string> Parties, byte[] CollectivePublicKey);

/// <summary>
/// The event the coordinator journals when a round concludes: everything it needs to resume at the next
/// round. Each checkpoint is self-contained (statistics and latest model), so older ones can be deleted.
/// The coordinator holds no key, so nothing here can be decrypted by whoever reads the journal.
/// </summary>
/// <param name="Round">The last concluded round.</param>
/// <param name="ParameterSetId">The CKKS parameter set the ciphertexts belong to.</param>
/// <param name="Seed">The federation seed (initial model, common random polynomial).</param>
/// <param name="Mode">The key mode the federation runs in.</param>
/// <param name="Statistics">Round 0's aggregated feature statistics.</param>
/// <param name="Model">The latest aggregated model, null after round 0.</param>
/// <param name="ThresholdKey">Threshold mode: the collective key and its parties; null in shared-key mode and in version 1 checkpoints.</param>
internal sealed record RoundCheckpointed(int Round, string ParameterSetId, int Seed, string Mode, StoredAggregate? Statistics, StoredAggregate? Model,
    ThresholdKeyCheckpoint? ThresholdKey = null);

/// <summary>Messages between the coordinator and its checkpoint store.</summary>
internal static class CheckpointProtocol
{
    /// <summary>Journal this checkpoint; answered with <see cref="CheckpointSaved"/>.</summary>
    public sealed record SaveCheckpoint(RoundCheckpointed Checkpoint) : Akka.Actor.INoSerializationVerificationNeeded;

    /// <summary>The checkpoint of <paramref name="Round"/> is durable.</summary>
    public sealed record CheckpointSaved(int Round) : Akka.Actor.INoSerializationVerificationNeeded;

    /// <summary>Recovery finished; <paramref name="Latest"/> is null when there is nothing to resume.</summary>
    public sealed record CheckpointRecovered(RoundCheckpointed? Latest) : Akka.Actor.INoSerializationVerificationNeeded;
}
