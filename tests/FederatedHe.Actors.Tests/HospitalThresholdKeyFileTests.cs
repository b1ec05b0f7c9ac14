using System.Security.Cryptography;
using FederatedHe.Actors.Persistence;
using FederatedHe.Crypto.Multiparty;

namespace FederatedHe.Actors.Tests;

/// <summary>A hospital's threshold key share at rest: it loads back exactly, owner-only, and anything doubtful is refused naming the file.</summary>
public sealed class HospitalThresholdKeyFileTests : IClassFixture<HospitalThresholdKeyFileTests.ThreePartyKey>, IDisposable
{
    private static readonly string[] Parties = ["hospital-1", "hospital-2", "hospital-3"];
    private readonly ThreePartyKey _key;
    private readonly string _directory = Directory.CreateTempSubdirectory("fedhe-key-file-").FullName;

    public HospitalThresholdKeyFileTests(ThreePartyKey key) => _key = key;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void A_saved_key_share_loads_back_with_its_party_parties_session_and_collective_key()
    {
        var file = SaveHospitalTwo();

        using var loaded = file.Load(_key.Parameters);

        Assert.NotNull(loaded);
        Assert.Equal("hospital-2", loaded.HospitalId);
        Assert.Equal("session-7", loaded.SessionId);
        Assert.Equal(Parties, loaded.Parties);
        Assert.Equal(_key.KeyId, loaded.KeyId);
        Assert.Equal(2, loaded.SecretKey!.PartyId);
        Assert.Equal(_key.SecretKey.ToBytes(), loaded.SecretKey.ToBytes());
        Assert.Equal(_key.PublicKey.ToBytes(), loaded.CollectivePublicKey.ToBytes());
        Assert.Equal(MaskSeeds().ToBytes(), loaded.MaskSeeds.ToBytes());
    }

    [Fact]
    public void A_version_1_file_without_decryption_mask_seeds_is_refused_saying_why()
    {
        var file = SaveHospitalTwo();
        var bytes = File.ReadAllBytes(file.FilePath);
        var body = bytes[..^SHA256.HashSizeInBytes];
        body[4] = 1;
        File.WriteAllBytes(file.FilePath, [.. body, .. SHA256.HashData(body)]);

        var error = Assert.Throws<ThresholdKeyFileException>(() => file.Load(_key.Parameters));
        Assert.Contains("version 1", error.Reason);
        Assert.Contains("cannot serve safely on a decryption committee", error.Reason);
    }

    [Fact]
    public void A_file_missing_a_parties_mask_seed_is_refused()
    {
        var file = new HospitalThresholdKeyFile(_directory, "hospital-2");
        file.Save(new SavedThresholdKey("hospital-2", "session-7", Parties, _key.PublicKey, _key.SecretKey,
            new DecryptionMaskSeeds(2, new Dictionary<int, byte[]> { [1] = new byte[32] })));

        var error = Assert.Throws<ThresholdKeyFileException>(() => file.Load(_key.Parameters));
        Assert.Contains("decryption-mask seeds with parties [1]; party 2 needs one with every other party ([1, 3])", error.Reason);
    }

    [Fact]
    public void Without_a_file_there_is_nothing_to_load()
    {
        Assert.Null(new HospitalThresholdKeyFile(_directory, "hospital-2").Load(_key.Parameters));
    }

    [Fact]
    public void The_file_is_readable_and_writable_by_its_owner_only()
    {
        if (OperatingSystem.IsWindows())
            return;

        var file = SaveHospitalTwo();

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file.FilePath));
        Assert.False(File.Exists(file.FilePath + ".tmp"));
    }

    [Fact]
    public void Saving_again_replaces_the_file_and_keeps_it_owner_only()
    {
        if (OperatingSystem.IsWindows())
            return;

        var file = SaveHospitalTwo();
        File.WriteAllText(file.FilePath + ".tmp", "left behind by a crash");
        File.SetUnixFileMode(file.FilePath + ".tmp", (UnixFileMode)0b110_110_110);
        file.Save(new SavedThresholdKey("hospital-2", "session-8", Parties, _key.PublicKey, _key.SecretKey, MaskSeeds()));

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file.FilePath));
        using var loaded = file.Load(_key.Parameters);
        Assert.Equal("session-8", loaded!.SessionId);
    }

    [Fact]
    public void A_file_others_may_read_is_refused()
    {
        if (OperatingSystem.IsWindows())
            return;

        var file = SaveHospitalTwo();
        File.SetUnixFileMode(file.FilePath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var error = Assert.Throws<ThresholdKeyFileException>(() => file.Load(_key.Parameters));
        Assert.Equal(file.FilePath, error.FilePath);
        Assert.Contains("chmod 600", error.Message);
    }

    [Theory]
    [InlineData(10)]
    [InlineData(200)]
    [InlineData(-40)]
    public void A_corrupted_byte_anywhere_is_refused_by_the_checksum(int position)
    {
        var file = SaveHospitalTwo();
        var bytes = File.ReadAllBytes(file.FilePath);
        bytes[position >= 0 ? position : bytes.Length + position] ^= 0x01;
        File.WriteAllBytes(file.FilePath, bytes);

        var error = Assert.Throws<ThresholdKeyFileException>(() => file.Load(_key.Parameters));
        Assert.Contains(file.FilePath, error.Message);
        Assert.Contains("checksum", error.Reason);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(20)]
    [InlineData(5000)]
    public void A_truncated_file_is_refused(int length)
    {
        var file = SaveHospitalTwo();
        File.WriteAllBytes(file.FilePath, File.ReadAllBytes(file.FilePath)[..length]);

        var error = Assert.Throws<ThresholdKeyFileException>(() => file.Load(_key.Parameters));
        Assert.Equal(file.FilePath, error.FilePath);
    }

    [Fact]
    public void A_key_for_another_parameter_set_is_refused_naming_both_sets()
    {
        var file = SaveHospitalTwo();
        var other = ThresholdPresets.Params128BitLogN14LogQ160Threshold;

        var error = Assert.Throws<ThresholdKeyFileException>(() => file.Load(other));
        Assert.Contains(other.Ckks.Id.ToString(), error.Reason);
        Assert.Contains(_key.Parameters.Ckks.Id.ToString(), error.Reason);
    }

    [Fact]
    public void Another_hospitals_key_file_is_refused()
    {
        var file = SaveHospitalTwo();
        var impostor = new HospitalThresholdKeyFile(_directory, "hospital-3");
        File.Copy(file.FilePath, impostor.FilePath);

        var error = Assert.Throws<ThresholdKeyFileException>(() => impostor.Load(_key.Parameters));
        Assert.Contains("belongs to hospital-2", error.Reason);
    }

    [Fact]
    public void A_file_of_an_unknown_format_version_is_refused_even_with_a_valid_checksum()
    {
        var file = SaveHospitalTwo();
        var bytes = File.ReadAllBytes(file.FilePath);
        var body = bytes[..^SHA256.HashSizeInBytes];
        body[4] = 9;
        File.WriteAllBytes(file.FilePath, [.. body, .. SHA256.HashData(body)]);

        var error = Assert.Throws<ThresholdKeyFileException>(() => file.Load(_key.Parameters));
        Assert.Contains("version 9", error.Reason);
    }

    [Fact]
    public void A_party_list_that_does_not_place_the_hospital_at_its_party_id_is_refused_when_saved_and_loaded()
    {
        var file = new HospitalThresholdKeyFile(_directory, "hospital-2");
        file.Save(new SavedThresholdKey("hospital-2", "session-7", ["hospital-2", "hospital-1", "hospital-3"], _key.PublicKey, _key.SecretKey, MaskSeeds()));

        var error = Assert.Throws<ThresholdKeyFileException>(() => file.Load(_key.Parameters));
        Assert.Contains("party 2", error.Reason);
    }

    [Fact]
    public void A_hospital_cannot_save_another_hospitals_key_in_its_file()
    {
        var file = new HospitalThresholdKeyFile(_directory, "hospital-1");

        Assert.Throws<ArgumentException>(() => file.Save(new SavedThresholdKey("hospital-2", "session-7", Parties, _key.PublicKey, _key.SecretKey, MaskSeeds())));
    }

    [Fact]
    public void A_seeded_schemes_key_loads_back_with_its_own_secret_and_one_dealt_share_per_party()
    {
        using var seeded = SeededKey.ForPartyTwo();
        var file = new HospitalThresholdKeyFile(_directory, "hospital-2");
        file.Save(new SavedThresholdKey("hospital-2", "session-7", Parties, seeded.PublicKey, null, MaskSeeds(), seeded.Key));

        using var loaded = file.Load(seeded.Parameters);

        Assert.NotNull(loaded);
        Assert.Null(loaded.SecretKey);
        Assert.Equal(HospitalThresholdKeyFile.SeededVersion, File.ReadAllBytes(file.FilePath)[4]);
        Assert.Equal((2, 2, 3), (loaded.PartyId, loaded.Threshold, loaded.PartyCount));
        Assert.Equal(seeded.Key.Dealt.KeyId, loaded.KeyId);
        Assert.Equal(seeded.Key.Own.ToBytes(), loaded.Seeded!.Own.ToBytes());
        Assert.Equal(seeded.Key.Dealt.ToBytes(), loaded.Seeded.Dealt.ToBytes());
        Assert.Equal(MaskSeeds().ToBytes(), loaded.MaskSeeds.ToBytes());
    }

    [Fact]
    public void A_key_file_of_one_threshold_scheme_is_refused_by_a_federation_of_the_other()
    {
        using var seeded = SeededKey.ForPartyTwo();
        var seededFile = new HospitalThresholdKeyFile(Directory.CreateDirectory(Path.Combine(_directory, "seeded")).FullName, "hospital-2");
        seededFile.Save(new SavedThresholdKey("hospital-2", "session-7", Parties, seeded.PublicKey, null, MaskSeeds(), seeded.Key));
        var collectiveFile = SaveHospitalTwo();

        // The seeded set's id differs too; the scheme is named first.
        Assert.Contains("the seeded scheme", Assert.Throws<ThresholdKeyFileException>(() => seededFile.Load(_key.Parameters)).Reason);
        Assert.Contains("the collective-key scheme", Assert.Throws<ThresholdKeyFileException>(() => collectiveFile.Load(seeded.Parameters)).Reason);
    }

    [Fact]
    public void A_seeded_key_missing_a_dealers_share_is_refused()
    {
        using var seeded = SeededKey.ForPartyTwo(dealers: [1, 2]);
        var file = new HospitalThresholdKeyFile(_directory, "hospital-2");
        file.Save(new SavedThresholdKey("hospital-2", "session-7", Parties, seeded.PublicKey, null, MaskSeeds(), seeded.Key));

        var error = Assert.Throws<ThresholdKeyFileException>(() => file.Load(seeded.Parameters));
        Assert.Contains("shares dealt by parties [1, 2]; every party 1..3 deals one", error.Reason);
    }

    private HospitalThresholdKeyFile SaveHospitalTwo()
    {
        var file = new HospitalThresholdKeyFile(_directory, "hospital-2");
        file.Save(new SavedThresholdKey("hospital-2", "session-7", Parties, _key.PublicKey, _key.SecretKey, MaskSeeds()));
        return file;
    }

    // Party 2's seeds with parties 1 and 3: fresh arrays each time, since disposing a saved key zeroes them.
    private static DecryptionMaskSeeds MaskSeeds() => new(2, new Dictionary<int, byte[]>
    {
        [1] = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray(),
        [3] = Enumerable.Range(100, 32).Select(i => (byte)i).ToArray(),
    });

    /// <summary>A real 2-of-3 seeded key set: party 2's own secret and the shares the named dealers dealt it, and the key set's public key.</summary>
    private sealed class SeededKey : IDisposable
    {
        private SeededKey(ThresholdParameters parameters, Crypto.Rlwe.PublicKey publicKey, SeededPartyKey key) =>
            (Parameters, PublicKey, Key) = (parameters, publicKey, key);

        public ThresholdParameters Parameters { get; }

        public Crypto.Rlwe.PublicKey PublicKey { get; }

        public SeededPartyKey Key { get; }

        public static SeededKey ForPartyTwo(int[]? dealers = null)
        {
            var parameters = ThresholdPresets.Params128BitLogN13LogQ108SeededThreshold;
            var generator = new CollectivePublicKeyGenerator(parameters);
            var seed = CollectivePublicKeyGenerator.DeriveCommonSeed("seeded-key-file-tests"u8);
            var secrets = Enumerable.Range(0, 3).Select(_ => generator.GenSecretShare()).ToList();
            var publicKey = generator.AggregateShares(secrets.Select((secret, i) => generator.GenShare(secret, seed, i + 1, 3)).ToList());
            var keyId = CollectivePublicKeyGenerator.KeyIdOf(publicKey);
            var sharer = new ThresholdSecretSharer(parameters);
            var toPartyTwo = (dealers ?? [1, 2, 3]).Select(dealer => sharer.GenShares(secrets[dealer - 1], dealer, 2, 3, keyId).Single(s => s.RecipientId == 2)).ToList();
            var dealt = DealtSecretShares.FromShares(parameters, toPartyTwo);
            foreach (var share in toPartyTwo)
                share.Dispose();
            secrets[0].Dispose();
            secrets[2].Dispose();
            return new SeededKey(parameters, publicKey, new SeededPartyKey(secrets[1], dealt));
        }

        public void Dispose() => Key.Dispose();
    }

    /// <summary>A real three-party collective key and party 2's share of it (n-of-n), made once for the class.</summary>
    public sealed class ThreePartyKey : IDisposable
    {
        public ThreePartyKey()
        {
            var generator = new CollectivePublicKeyGenerator(Parameters);
            var seed = CollectivePublicKeyGenerator.DeriveCommonSeed("key-file-tests"u8);
            var secrets = Enumerable.Range(0, 3).Select(_ => generator.GenSecretShare()).ToList();
            PublicKey = generator.AggregateShares(secrets.Select((secret, i) => generator.GenShare(secret, seed, i + 1, 3)).ToList());
            KeyId = CollectivePublicKeyGenerator.KeyIdOf(PublicKey);
            SecretKey = ThresholdSecretKey.FromAdditiveShare(Parameters, secrets[1], 2, 3, KeyId);
            foreach (var secret in secrets)
                secret.Dispose();
        }

        public ThresholdParameters Parameters { get; } = ThresholdPresets.Params128BitLogN13LogQ160Threshold;

        public Crypto.Rlwe.PublicKey PublicKey { get; }

        public Sha256Digest KeyId { get; }

        public ThresholdSecretKey SecretKey { get; }

        public void Dispose() => SecretKey.Dispose();
    }
}
