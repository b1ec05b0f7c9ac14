using System.Text;

namespace FederatedHe.Actors.CryptoPool;

/// <summary>
/// The context a hospital's update of a round is encrypted for in the seeded threshold scheme, and that its sum is
/// decrypted for. It names the key set and the round and nothing the coordinator chooses, so an update cannot be carried
/// into another round or key set, and a hospital decrypts at most one sum of each (docs/THRESHOLD.md).
/// </summary>
public static class SeededUpdateContext
{
    /// <summary>The context of round <paramref name="round"/>'s updates under key set <paramref name="keyId"/> (round 0: the feature statistics).</summary>
    public static byte[] For(string keyId, int round) => Encoding.UTF8.GetBytes($"fedhe/seeded-update/key-{keyId}/round-{round}");
}
