using FederatedHe.Crypto.Ckks;
using FederatedHe.Crypto.Rlwe;

namespace FederatedHe.Crypto.Tests;

/// <summary>
/// Feeds 10,000 mutated or truncated payloads to every reader: each must either succeed or throw
/// <see cref="CkksFormatException"/> / <see cref="ParameterSetMismatchException"/> — never another
/// exception, a crash or a hang. Mutations use a seeded System.Random (tests only).
/// </summary>
public class FuzzTests
{
    private const int Iterations = 10_000;

    private static CkksContext Small => SharedContexts.For(nameof(TestInsecureParameters.TestInsecureLogN6));

    public static TheoryData<string> Readers => new()
    {
        "parameters", "publicKey", "secretKeyTernary", "secretKeyGeneral", "ciphertext", "ciphertextCompact", "ciphertextLevel0", "vector",
        "parametersComplexSlots", "aggregationUpdate", "aggregationSum",
    };

    [Theory]
    [MemberData(nameof(Readers))]
    public void Every_reader_survives_ten_thousand_mutated_and_truncated_payloads(string reader)
    {
        var ctx = Small;
        var (valid, read) = Payload(ctx, reader);
        read(valid); // the unmutated payload is accepted
        var random = new Random(reader.GetHashCode(StringComparison.Ordinal) ^ 12345);
        int accepted = 0;
        for (int i = 0; i < Iterations; i++)
        {
            byte[] mutated = Mutate(valid, random);
            try
            {
                read(mutated); // alternates between FromBytes and ReadFrom(Stream)
                accepted++;
            }
            catch (CkksFormatException)
            {
            }
            catch (ParameterSetMismatchException)
            {
            }
        }

        Assert.True(accepted < Iterations, "some mutations must be refused");
    }

    private static (byte[] Valid, Action<byte[]> Read) Payload(CkksContext ctx, string reader)
    {
        var p = ctx.Parameters;
        var values = Enumerable.Range(0, 32).Select(i => i / 3.0).ToArray();
        int flip = 0;
        Action<byte[]> Both(Action<byte[]> fromBytes, Action<Stream> fromStream) => bytes =>
        {
            if ((flip++ & 1) == 0)
            {
                fromBytes(bytes);
            }
            else
            {
                using var stream = new MemoryStream(bytes);
                fromStream(stream);
            }
        };

        return reader switch
        {
            "parameters" => (p.ToBytes(), Both(b => CkksParameters.FromBytes(b, allowInsecure: true), s => CkksParameters.ReadFrom(s, allowInsecure: true))),
            "publicKey" => (ctx.PublicKey.ToBytes(), Both(b => PublicKey.FromBytes(p, b), s => PublicKey.ReadFrom(p, s))),
            "secretKeyTernary" => (ctx.SecretKey.ToBytes(), Both(b => SecretKey.FromBytes(p, b), s => SecretKey.ReadFrom(p, s))),
            "secretKeyGeneral" => (SecretKey.FromPolynomial(p, ctx.SecretKey.Value).ToBytes(), Both(b => SecretKey.FromBytes(p, b), s => SecretKey.ReadFrom(p, s))),
            "ciphertext" => (ctx.Encrypt(values).ToBytes(), Both(b => Ciphertext.FromBytes(p, b), s => Ciphertext.ReadFrom(p, s))),
            "ciphertextCompact" => (ctx.Encrypt(values, compact: true).ToBytes(), Both(b => Ciphertext.FromBytes(p, b), s => Ciphertext.ReadFrom(p, s))),
            "ciphertextLevel0" => (ctx.Evaluator.RescaleNew(ctx.Encrypt(values)).ToBytes(), Both(b => Ciphertext.FromBytes(p, b), s => Ciphertext.ReadFrom(p, s))),
            "vector" => (new VectorEncryptor(p, ctx.PublicKey).Encrypt(Enumerable.Range(0, 70).Select(i => i / 7.0).ToArray()).ToBytes(),
                Both(b => EncryptedVector.FromBytes((CkksParameters)p, b), s => EncryptedVector.ReadFrom((CkksParameters)p, s))),
            "parametersComplexSlots" => (TestInsecureParameters.TestInsecureLogN6Aggregation.ToBytes(),
                Both(b => CkksParameters.FromBytes(b, allowInsecure: true), s => CkksParameters.ReadFrom(s, allowInsecure: true))),
            "aggregationUpdate" or "aggregationSum" => AggregationPayload(reader == "aggregationSum"),
            _ => throw new ArgumentException(reader),
        };
    }

    private static (byte[] Valid, Action<byte[]> Read) AggregationPayload(bool sum)
    {
        var p = TestInsecureParameters.TestInsecureLogN6Aggregation;
        using var key = new KeyGenerator(p).GenerateSecretKey();
        var encryptor = new AggregationEncryptor(p, key);
        var values = Enumerable.Range(0, 150).Select(i => (i - 75) / 7.0).ToArray();
        var chunk = encryptor.EncryptChunk(values, 1);
        if (sum)
        {
            var accumulator = new AggregationAccumulator(p, values.Length);
            accumulator.Add(chunk);
            accumulator.Add(encryptor.EncryptChunk(values, 1));
            accumulator.Add(encryptor.EncryptChunk(values, 1));
            chunk = accumulator.ToChunk(1);
        }

        int flip = 0;
        return (chunk.ToBytes(), bytes =>
        {
            if ((flip++ & 1) == 0)
            {
                AggregationChunk.FromBytes(p, bytes);
            }
            else
            {
                using var stream = new MemoryStream(bytes);
                AggregationChunk.ReadFrom(p, stream);
            }
        });
    }

    private static byte[] Mutate(byte[] valid, Random random)
    {
        var bytes = (byte[])valid.Clone();
        switch (random.Next(8))
        {
            case 0: // truncate
                return bytes[..random.Next(bytes.Length)];
            case 1: // flip a few bits anywhere
                for (int k = random.Next(1, 5); k > 0; k--)
                {
                    int index = random.Next(bytes.Length);
                    bytes[index] ^= (byte)(1 << random.Next(8));
                }

                return bytes;
            case 2: // overwrite a header byte (magic, version, kind, flags, id, length)
                bytes[random.Next(Math.Min(48, bytes.Length))] = (byte)random.Next(256);
                return bytes;
            case 3: // random body-length field
                BitConverter.TryWriteBytes(bytes.AsSpan(40), random.Next(4) switch
                {
                    0 => ulong.MaxValue,
                    1 => (ulong)random.NextInt64(),
                    2 => (ulong)(bytes.Length - 48 + random.Next(-3, 4)),
                    _ => (ulong)random.Next(100000),
                });
                return bytes;
            case 4: // overwrite the first body bytes (level, form, scale, counts)
                for (int k = 48; k < Math.Min(bytes.Length, 48 + 16); k++)
                {
                    if (random.Next(3) == 0)
                    {
                        bytes[k] = (byte)random.Next(256);
                    }
                }

                return bytes;
            case 5: // append garbage
                return [.. bytes, .. Enumerable.Range(0, random.Next(1, 64)).Select(_ => (byte)random.Next(256))];
            case 6: // saturate a run of bytes (residues out of range)
                {
                    int start = random.Next(bytes.Length);
                    for (int k = start; k < Math.Min(bytes.Length, start + random.Next(1, 16)); k++)
                    {
                        bytes[k] = 0xFF;
                    }

                    return bytes;
                }

            default: // remove a byte from the middle
                {
                    int index = random.Next(bytes.Length);
                    return [.. bytes[..index], .. bytes[(index + 1)..]];
                }
        }
    }
}
