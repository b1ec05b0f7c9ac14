using System.Security.Cryptography;
using FederatedHe.Crypto.Ckks;
using FederatedHe.Crypto.Rlwe;

namespace FederatedHe.Crypto.Tests;

public class SerializationTests
{
    private static CkksContext P1 => SharedContexts.For(nameof(CkksPresets.Params128BitLogN13LogQ101));

    [Fact]
    public void Parameters_round_trip_and_keep_their_identifier()
    {
        foreach (var parameters in CkksPresets.All.Values)
        {
            var bytes = parameters.ToBytes();
            Assert.Equal(parameters.SerializedSize, bytes.Length);
            var read = CkksParameters.FromBytes(bytes);
            Assert.Equal(parameters.Id, read.Id);
            Assert.Equal(parameters.CiphertextPrimes, read.CiphertextPrimes);
            using var stream = new MemoryStream();
            parameters.WriteTo(stream);
            stream.Position = 0;
            Assert.Equal(parameters.Id, CkksParameters.ReadFrom(stream).Id);
        }
    }

    [Fact]
    public void The_largest_serialized_ciphertext_is_a_fresh_public_key_encryption_and_a_longer_payload_is_refused()
    {
        var ctx = P1;
        var plaintext = ctx.Encoder.EncodeNew([1.0, 2.0]);
        var fresh = ctx.PublicEncryptor.EncryptNew(plaintext);
        var compact = ctx.SecretEncryptor.EncryptNew(plaintext);
        var maximum = Ciphertext.MaxSerializedSize(ctx.Parameters);

        Assert.Equal(maximum, fresh.SerializedSize);
        Assert.True(compact.SerializedSize < maximum);
        var padded = fresh.ToBytes().Concat(new byte[1]).ToArray();
        Assert.Throws<CkksFormatException>(() => Ciphertext.FromBytes(ctx.Parameters, padded));
    }

    [Fact]
    public void Insecure_parameters_are_refused_when_read_unless_allowed()
    {
        var bytes = TestInsecureParameters.TestInsecureLogN6.ToBytes();
        var exception = Assert.Throws<CkksFormatException>(() => CkksParameters.FromBytes(bytes));
        Assert.IsType<CkksParameterException>(exception.InnerException, exactMatch: false);
        Assert.Equal(TestInsecureParameters.TestInsecureLogN6.Id, CkksParameters.FromBytes(bytes, allowInsecure: true).Id);
    }

    [Fact]
    public void Keys_round_trip_and_the_secret_key_takes_2_bits_per_coefficient()
    {
        var ctx = P1;
        var secret = SecretKey.FromBytes(ctx.Parameters, ctx.SecretKey.ToBytes());
        Assert.Equal(ctx.SecretKey.Value.Coefficients.ToArray(), secret.Value.Coefficients.ToArray());
        Assert.Equal(WireFormat.HeaderLength + 1 + (8192 / 4), ctx.SecretKey.SerializedSize);
        var publicKey = PublicKey.FromBytes(ctx.Parameters, ctx.PublicKey.ToBytes());
        Assert.Equal(ctx.PublicKey.B.Coefficients.ToArray(), publicKey.B.Coefficients.ToArray());
        Assert.Equal(ctx.PublicKey.A.Coefficients.ToArray(), publicKey.A.Coefficients.ToArray());
        Assert.Equal(ctx.PublicKey.SerializedSize, ctx.PublicKey.ToBytes().Length);

        var share = SecretKey.FromPolynomial(ctx.Parameters, ctx.SecretKey.Value);
        Assert.False(share.IsTernary);
        Assert.Equal(share.Value.Coefficients.ToArray(), SecretKey.FromBytes(ctx.Parameters, share.ToBytes()).Value.Coefficients.ToArray());
    }

    [Fact]
    public void A_fresh_public_key_ciphertext_takes_fewer_bytes_per_slot_than_OpenFHE_and_a_seeded_one_about_half()
    {
        var ctx = P1;
        var values = CkksContext.RandomValues(new Random(41), 4096, 1);
        var fresh = ctx.Encrypt(values);
        var compact = ctx.Encrypt(values, compact: true);
        double freshPerSlot = (double)fresh.ToBytes().Length / 4096;
        double compactPerSlot = (double)compact.ToBytes().Length / 4096;
        Assert.True(freshPerSlot < 64.3, $"{freshPerSlot} B/slot");
        Assert.InRange(freshPerSlot, 50.4, 50.6); // 2 · 8192 · (60 + 41) bits / 4096 slots = 50.5 B
        Assert.InRange(compactPerSlot, 25.2, 25.4);
        var rescaled = ctx.Evaluator.RescaleNew(ctx.Evaluator.MultiplyConstNew(fresh, 0.25));
        Assert.InRange((double)rescaled.SerializedSize / 4096, 29.9, 30.1); // 1 tower of 60 bits
    }

    [Fact]
    public void Ciphertexts_round_trip_in_both_forms_through_bytes_and_streams()
    {
        var ctx = P1;
        var values = CkksContext.RandomValues(new Random(42), 4096, 100);
        foreach (bool compact in new[] { false, true })
        {
            var ciphertext = ctx.Encrypt(values, compact);
            var bytes = ciphertext.ToBytes();
            Assert.Equal(ciphertext.SerializedSize, bytes.Length);
            var read = Ciphertext.FromBytes(ctx.Parameters, bytes);
            Assert.Equal(compact, read.IsCompact);
            Assert.Equal(ciphertext.C0.Coefficients.ToArray(), read.C0.Coefficients.ToArray());
            Assert.Equal(ciphertext.C1.Coefficients.ToArray(), read.C1.Coefficients.ToArray());
            Assert.Equal(ciphertext.Scale, read.Scale);
            using var stream = new MemoryStream();
            ciphertext.WriteTo(stream);
            ciphertext.WriteTo(stream);
            stream.Position = 0;
            Ciphertext.ReadFrom(ctx.Parameters, stream);
            var second = Ciphertext.ReadFrom(ctx.Parameters, stream);
            Assert.Equal(stream.Length, stream.Position);
            Assert.True(CkksContext.MaxError(values, ctx.Decrypt(second, 4096)) < 1e-6);
        }
    }

    [Fact]
    public void Encrypted_vectors_round_trip_through_bytes_and_streams()
    {
        var ctx = SharedContexts.For(nameof(CkksPresets.Params128BitLogN13FedAvg));
        var values = CkksContext.RandomValues(new Random(43), 9000, 100);
        var vector = new VectorEncryptor(ctx.Parameters, ctx.PublicKey).Encrypt(values);
        var bytes = vector.ToBytes();
        Assert.Equal(vector.SerializedSize, bytes.Length);
        var decryptor = new VectorDecryptor(ctx.Parameters, ctx.SecretKey);
        Assert.True(CkksContext.MaxError(values, decryptor.Decrypt(EncryptedVector.FromBytes(ctx.Parameters, bytes))) < 1e-6);
        using var stream = new MemoryStream(bytes);
        Assert.True(CkksContext.MaxError(values, decryptor.Decrypt(EncryptedVector.ReadFrom(ctx.Parameters, stream))) < 1e-6);
    }

    [Fact]
    public void A_residue_not_below_its_prime_is_refused_with_field_and_offset()
    {
        var ctx = SharedContexts.For(nameof(TestInsecureParameters.TestInsecureLogN6));
        var bytes = ctx.Encrypt([1.0]).ToBytes();
        int c0 = WireFormat.HeaderLength + 10;
        for (int i = 0; i < 7; i++)
        {
            bytes[c0 + i] = 0xFF; // first residue of limb 0 (50 bits) becomes 2^50 - 1 ≥ q0
        }

        var exception = Assert.Throws<CkksFormatException>(() => Ciphertext.FromBytes(ctx.Parameters, bytes));
        Assert.Equal("c0.limb0", exception.Field);
        Assert.Equal(c0, exception.Offset);
    }

    [Fact]
    public void Truncated_payloads_and_wrong_headers_are_refused_with_typed_exceptions()
    {
        var ctx = P1;
        var bytes = ctx.Encrypt([1.0]).ToBytes();
        Assert.Equal("body", Assert.Throws<CkksFormatException>(() => Ciphertext.FromBytes(ctx.Parameters, bytes.AsSpan(0, bytes.Length - 1))).Field);
        Assert.Equal("header", Assert.Throws<CkksFormatException>(() => Ciphertext.FromBytes(ctx.Parameters, bytes.AsSpan(0, 20))).Field);
        var wrongMagic = (byte[])bytes.Clone();
        wrongMagic[0] = (byte)'X';
        Assert.Equal("magic", Assert.Throws<CkksFormatException>(() => Ciphertext.FromBytes(ctx.Parameters, wrongMagic)).Field);
        var wrongVersion = (byte[])bytes.Clone();
        wrongVersion[4] = 2;
        Assert.Equal("version", Assert.Throws<CkksFormatException>(() => Ciphertext.FromBytes(ctx.Parameters, wrongVersion)).Field);
        Assert.Equal("kind", Assert.Throws<CkksFormatException>(() => PublicKey.FromBytes(ctx.Parameters, bytes)).Field);
        using var truncated = new MemoryStream(bytes, 0, bytes.Length / 2);
        Assert.Throws<CkksFormatException>(() => Ciphertext.ReadFrom(ctx.Parameters, truncated));
    }

    [Fact]
    public void Golden_hash_pins_the_wire_format()
    {
        // Deterministic material: seeds 1, 2, 3, … for every random draw. Any change to the header, the
        // packing, the PRNG expansion, the samplers, the NTT root choice or the encoder changes this hash.
        var parameters = TestInsecureParameters.TestInsecureLogN6;
        int counter = 0;
        byte[] NextSeed() => Enumerable.Repeat((byte)++counter, 32).ToArray();
        var keyGenerator = new KeyGenerator(parameters, NextSeed);
        var secretKey = keyGenerator.GenerateSecretKey();
        var publicKey = keyGenerator.GeneratePublicKey(secretKey);
        var encoder = new CkksEncoder(parameters);
        var plaintext = encoder.EncodeNew(Enumerable.Range(0, 32).Select(i => (i - 16) / 4.0).ToArray());
        var full = new Encryptor(parameters, publicKey, null, NextSeed).EncryptNew(plaintext);
        var compact = new Encryptor(parameters, null, secretKey, NextSeed).EncryptNew(plaintext);
        var vector = new EncryptedVector(parameters, 40, [full, compact]);
        using var all = new MemoryStream();
        parameters.WriteTo(all);
        secretKey.WriteTo(all);
        publicKey.WriteTo(all);
        full.WriteTo(all);
        compact.WriteTo(all);
        vector.WriteTo(all);
        string hash = Convert.ToHexStringLower(SHA256.HashData(all.ToArray()));
        Assert.Equal("b678025e24c67c6d7aeed2c5956f3f2834a06695fbf5ddb1424fa68bfaf78d60", hash);
        Assert.Equal("44ab17963c8724ee6820345b75be622d5bb53f82e5aca223c265a6eca49dc482", CkksPresets.Params128BitLogN13LogQ101.Id.ToString());
    }

    [Fact]
    public void A_ternary_secret_key_round_trips_every_coefficient_and_an_invalid_ternary_code_is_refused_with_its_position()
    {
        var parameters = TestInsecureParameters.TestInsecureLogN6;
        using var key = new KeyGenerator(parameters).GenerateSecretKey();
        byte[] bytes = key.ToBytes();
        using var read = SecretKey.FromBytes(parameters, bytes);
        Assert.True(read.IsTernary);
        Assert.Equal(bytes, read.ToBytes());
        Assert.True(key.Value.Coefficients.SequenceEqual(read.Value.Coefficients));

        bytes[WireFormat.HeaderLength + 1 + 3] |= 0b11 << 4; // coefficients 12..15 share byte 3; code 3 for 14
        var refused = Assert.Throws<CkksFormatException>(() => SecretKey.FromBytes(parameters, bytes));
        Assert.Contains("coefficient 14", refused.Message);
    }
}
