using Akka.TestKit.Xunit2;
using FederatedHe.Actors.Configuration;
using FederatedHe.Actors.CryptoPool;
using FederatedHe.Crypto.Ckks;
using FederatedHe.Crypto.Rlwe;

namespace FederatedHe.Actors.Tests;

/// <summary>The CKKS worker pool splits long vectors into one request per ciphertext and reassembles them in order.</summary>
public sealed class CryptoPoolTests() : TestKit(FederationConfig.Default)
{
    private static readonly CkksParameters Parameters = CkksPresets.Params128BitLogN13LogQ101;

    [Fact]
    public async Task A_vector_of_several_ciphertexts_survives_encryption_summation_and_decryption_across_workers()
    {
        var (secretKey, publicKey) = new KeyGenerator(Parameters).GenerateKeyPair();
        var pool = Sys.ActorOf(CryptoWorker.PoolProps(new CkksKeyMaterial(Parameters, publicKey, secretKey), 2));
        var client = new CryptoPoolClient(pool, Parameters.SlotCount, TimeSpan.FromMinutes(1));
        var length = Parameters.SlotCount * 2 + 123;
        var a = Enumerable.Range(0, length).Select(i => Math.Sin(i) * 50).ToArray();
        var b = Enumerable.Range(0, length).Select(i => Math.Cos(i) * 20).ToArray();

        var encryptedA = await client.EncryptAsync(a);
        var encryptedB = await client.EncryptAsync(b);
        var sum = await client.SumAsync([encryptedA, encryptedB], length);
        var decrypted = await client.DecryptAsync(sum, length);

        Assert.Equal(3, encryptedA.Length);
        Assert.Equal(length, decrypted.Length);
        Assert.All(Enumerable.Range(0, length), i => Assert.InRange(Math.Abs(decrypted[i] - (a[i] + b[i])), 0, 1e-6));
    }

    [Fact]
    public async Task A_pool_without_a_secret_key_refuses_to_decrypt_with_a_typed_error()
    {
        var (_, publicKey) = new KeyGenerator(Parameters).GenerateKeyPair();
        var pool = Sys.ActorOf(CryptoWorker.PoolProps(new CkksKeyMaterial(Parameters, publicKey, null), 1));
        var client = new CryptoPoolClient(pool, Parameters.SlotCount, TimeSpan.FromMinutes(1));
        var encrypted = await client.EncryptAsync(new double[] { 1, 2, 3 });

        var error = await Assert.ThrowsAsync<CryptoPoolException>(() => client.DecryptAsync(encrypted, 3));
        Assert.Contains("no key to decrypt", error.Message);
    }

    [Fact]
    public async Task A_request_the_CKKS_code_did_not_anticipate_is_answered_with_an_error_not_left_to_time_out()
    {
        // Two chunks for a vector of three values: the second chunk would hold a negative number of values (an
        // OverflowException inside the worker). Unanswered, the caller would wait out its timeout.
        var (secretKey, publicKey) = new KeyGenerator(Parameters).GenerateKeyPair();
        var pool = Sys.ActorOf(CryptoWorker.PoolProps(new CkksKeyMaterial(Parameters, publicKey, secretKey), 1));
        var client = new CryptoPoolClient(pool, Parameters.SlotCount, TimeSpan.FromSeconds(20));
        var twoChunks = await client.EncryptAsync(new double[Parameters.SlotCount + 1]);

        var error = await Assert.ThrowsAsync<CryptoPoolException>(() => client.DecryptAsync(twoChunks, 3));

        Assert.Equal(1, error.ChunkIndex);
        Assert.DoesNotContain("no answer", error.Message);
    }

    [Fact]
    public async Task A_malformed_ciphertext_is_refused_with_a_typed_error_naming_its_chunk()
    {
        var pool = Sys.ActorOf(CryptoWorker.PoolProps(CkksKeyMaterial.ParametersOnly(Parameters), 1));
        var client = new CryptoPoolClient(pool, Parameters.SlotCount, TimeSpan.FromMinutes(1));

        var error = await Assert.ThrowsAsync<CryptoPoolException>(() => client.SumAsync([[new byte[] { 1, 2, 3 }], [new byte[] { 4, 5, 6 }]], 3));
        Assert.Equal(0, error.ChunkIndex);
    }
}
