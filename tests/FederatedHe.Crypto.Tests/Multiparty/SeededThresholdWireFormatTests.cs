using System.Security.Cryptography;
using FederatedHe.Crypto.Multiparty;
using FederatedHe.Crypto.Ring;
using FederatedHe.Crypto.Rlwe;

namespace FederatedHe.Crypto.Tests.Multiparty;

/// <summary>
/// The seeded threshold scheme's payloads (update chunk, sum chunk, decryption share, dealt secret shares) use the
/// library's validating wire format: they round-trip through bytes and streams, every reader survives 10,000 mutated
/// or truncated payloads throwing only <see cref="CkksFormatException"/> or <see cref="ParameterSetMismatchException"/>,
/// a golden hash pins each format, and their sizes at the preset are those the parameter set gives.
/// </summary>
public class SeededThresholdWireFormatTests
{
    private const int Iterations = 10_000;

    public static TheoryData<string> Readers => new() { "update", "sum", "decryptionShare", "dealtShares" };

    private static SeededFederation Federation => SharedSeededFederations.ThreeOfFiveSmall;

    private static ThresholdParameters Small => TestInsecureSeededThresholdParameters.TestInsecureLogN6SeededThreshold;

    private static (byte[] Valid, Func<byte[], byte[]> FromBytes, Func<byte[], byte[]> FromStream) Payload(string reader)
    {
        var p = Small;
        static byte[] Stream(byte[] bytes, Func<Stream, byte[]> read)
        {
            using var stream = new MemoryStream(bytes);
            return read(stream);
        }

        byte[] context = SharedFederations.Context($"wire {reader}");
        var values = new[] { CkksContext.RandomValues(new Random(1), 100, 5), CkksContext.RandomValues(new Random(2), 100, 5) };
        switch (reader)
        {
            case "update":
                return (Federation.Encryptor(3).EncryptChunk(values[0], 1, context).ToBytes(), b => SeededUpdateChunk.FromBytes(p, b).ToBytes(), b => Stream(b, s => SeededUpdateChunk.ReadFrom(p, s).ToBytes()));
            case "sum":
                return (SumOf(values, context).ToBytes(), b => SeededAggregateChunk.FromBytes(p, b).ToBytes(), b => Stream(b, s => SeededAggregateChunk.ReadFrom(p, s).ToBytes()));
            case "decryptionShare":
                // Unchecked: the member's memory of decryptions (one sum per round) is no part of the format.
                var share = Federation.Party(2).GenShareUnchecked(SumOf(values, context), [1, 2, 4], context, Federation.Masks(2));
                return (share.ToBytes(), b => DecryptionShare.FromBytes(p, b).ToBytes(), b => Stream(b, s => DecryptionShare.ReadFrom(p, s).ToBytes()));
            case "dealtShares":
                return (Federation.Keys[1].ToBytes(), b => DealtSecretShares.FromBytes(p, b).ToBytes(), b => Stream(b, s => DealtSecretShares.ReadFrom(p, s).ToBytes()));
            default:
                throw new ArgumentException(reader);
        }
    }

    private static SeededAggregateChunk SumOf(double[][] values, byte[] context)
    {
        var aggregator = new SeededAggregator(Small, values[0].Length, 5);
        aggregator.Add(Federation.Encryptor(1).EncryptChunk(values[0], 1, context));
        aggregator.Add(Federation.Encryptor(4).EncryptChunk(values[1], 1, context));
        return aggregator.ToChunk(1);
    }

    [Theory]
    [MemberData(nameof(Readers))]
    public void Every_payload_round_trips_through_bytes_and_streams_unchanged(string reader)
    {
        var (valid, fromBytes, fromStream) = Payload(reader);
        Assert.Equal(valid, fromBytes(valid));
        Assert.Equal(valid, fromStream(valid));
    }

    [Theory]
    [MemberData(nameof(Readers))]
    public void Every_reader_survives_ten_thousand_mutated_and_truncated_payloads(string reader)
    {
        var (valid, fromBytes, fromStream) = Payload(reader);
        int accepted = ShareSerializationTests.AcceptedMutations(valid, fromBytes, fromStream, new Random(reader.Length * 104729), Iterations);
        Assert.True(accepted < Iterations / 2, $"{accepted} of {Iterations} mutations were accepted");
    }

    [Fact]
    public void A_payload_read_as_another_kind_is_refused()
    {
        byte[] update = Federation.Encryptor(1).EncryptChunk(new double[3], 0, "kind"u8).ToBytes();
        Assert.Equal("kind", Assert.Throws<CkksFormatException>(() => SeededAggregateChunk.FromBytes(Small, update)).Field);
        Assert.Equal("kind", Assert.Throws<CkksFormatException>(() => DealtSecretShares.FromBytes(Small, update)).Field);
        Assert.Equal("kind", Assert.Throws<CkksFormatException>(() => SeededUpdateChunk.FromBytes(Small, Federation.Keys[0].ToBytes())).Field);
    }

    [Fact]
    public void Sums_repeating_a_party_or_a_seed_are_refused_on_reading()
    {
        byte[] context = SharedFederations.Context("wire duplicate");
        var values = new[] { new double[100], new double[100] };
        byte[] bytes = SumOf(values, context).ToBytes();
        int entries = WireFormat.HeaderLength + 32 + 4 + 4 + 2 + 2;
        byte[] sameParty = (byte[])bytes.Clone();
        sameParty[entries + 34] = sameParty[entries]; // second contributor's index := the first's
        Assert.Equal("contributor", Assert.Throws<CkksFormatException>(() => SeededAggregateChunk.FromBytes(Small, sameParty)).Field);
        byte[] sameSeed = (byte[])bytes.Clone();
        bytes.AsSpan(entries + 2, 32).CopyTo(sameSeed.AsSpan(entries + 34 + 2));
        Assert.Equal("seed", Assert.Throws<CkksFormatException>(() => SeededAggregateChunk.FromBytes(Small, sameSeed)).Field);
    }

    [Fact]
    public void Sizes_at_the_preset_follow_from_the_parameter_set()
    {
        var preset = ThresholdPresets.Params128BitLogN13LogQ108SeededThreshold;
        int c0 = 8192 * 108 / 8;
        Assert.Equal(c0, preset.Ckks.PackedPolynomialLength(2));
        Assert.Equal(WireFormat.HeaderLength + 32 + 4 + 4 + 2 + 32 + c0, SeededUpdateChunk.SerializedSizeFor(preset));
        Assert.Equal(WireFormat.HeaderLength + 32 + 4 + 4 + 2 + 2 + (4 * 34) + c0, SeededAggregateChunk.SerializedSizeFor(preset, 4));

        var federation = SharedSeededFederations.ThreeOfFiveLogN13;
        byte[] context = "r"u8.ToArray();
        var sum = federation.Sum([1, 2, 3, 4], Enumerable.Range(0, 4).Select(_ => new double[8192]).ToArray(), context);
        Assert.Equal(sum.SerializedSize, sum.ToBytes().Length);
        var share = federation.Party(1).GenShare(sum, [1, 2, 3], context, federation.Masks(1), 4);
        Assert.Equal(share.SerializedSize, share.ToBytes().Length);
        Assert.Equal(WireFormat.HeaderLength + 64 + 11 + 6 + 1 + c0, share.SerializedSize);
        Assert.Equal(WireFormat.HeaderLength + 40 + (5 * (2 + c0)), federation.Keys[0].SerializedSize);
        Assert.Equal(federation.Keys[0].SerializedSize, federation.Keys[0].ToBytes().Length);
    }

    [Fact]
    public void Golden_hashes_pin_the_seeded_wire_formats()
    {
        // Deterministic: the secret from seeds 1, 2, …, the seed sequence keyed 0xCD…, a fixed key id and context. The
        // noise and the Shamir coefficients are random, so each hash covers the parameter set and every byte before
        // the first polynomial (for the share, all but the sum's fingerprint, which covers the random c0).
        var p = Small;
        int counter = 0;
        byte[] NextSeed() => Enumerable.Repeat((byte)++counter, 32).ToArray();
        using var secret = new KeyGenerator(p.Ckks, NextSeed).GenerateSecretKey();
        var keyId = Sha256Digest.Of("golden key set"u8);
        var encryptor = new SeededThresholdEncryptor(p, secret, 2, keyId, new SeedSequence(Enumerable.Repeat((byte)0xCD, 32).ToArray()));
        byte[] context = "golden round"u8.ToArray();
        var values = Enumerable.Range(0, 100).Select(i => (i - 50) / 4.0).ToArray();
        var update = encryptor.EncryptChunk(values, 1, context);
        var aggregator = new SeededAggregator(p, values.Length, 3);
        aggregator.Add(update);
        var second = encryptor.EncryptChunk(values, 1, context); // entered as party 3's: only its format matters here
        aggregator.Add(new SeededUpdateChunk(p, second.ContextDigest, 1, values.Length, 3, second.Seed.ToArray(), second.C0));
        var sum = aggregator.ToChunk(1);
        var sharer = new ThresholdSecretSharer(p);
        using var dealt = DealtSecretShares.FromShares(p, [sharer.GenShares(secret, 2, 2, 3, keyId)[0], sharer.GenShares(secret, 3, 2, 3, keyId)[0]]);
        var seeds = ThresholdFederation.PairwiseMaskSeeds(3);
        var share = new SeededThresholdDecryptor(p, dealt).GenShareUnchecked(sum, [1, 3], context, seeds[0]);

        string Hash(byte[] payload, params Range[] ranges)
        {
            using var all = new MemoryStream();
            p.Ckks.WriteTo(all);
            foreach (var range in ranges)
            {
                all.Write(payload.AsSpan(range));
            }

            return Convert.ToHexStringLower(SHA256.HashData(all.ToArray()));
        }

        int header = WireFormat.HeaderLength;
        Assert.Equal("5c7dad29acd7519128216fd381383c3a9b66b93555c3d8f91bbcc31734150598", Hash(update.ToBytes(), ..(header + 74)));
        Assert.Equal("e7bed6d63cde8c08ac07bf96f8936acff453120a9cc8e5258051f8e1b43b4ed9", Hash(sum.ToBytes(), ..(header + 44 + (2 * 34))));
        Assert.Equal("2aac9d4e1f461465bbc1c1bc2a5567a249f71c59bbc21fe691418856117d1350", Hash(share.ToBytes(), ..(header + 32), (header + 64)..(header + 64 + 11 + 4 + context.Length)));
        Assert.Equal("7f46e22049837d9a865231fc851fa8a34179584f52907c250760fa37722d2166", Hash(dealt.ToBytes(), ..(header + 40 + 2)));
        Assert.Equal("124b15aabe5064ec7d3c8ab54749d85e98c394db990ad76ccf18498918369bac", ThresholdPresets.Params128BitLogN13LogQ108SeededThreshold.Ckks.Id.ToString());
    }
}
