using FederatedHe.Crypto.Multiparty;
using FederatedHe.Crypto.Rlwe;

namespace FederatedHe.Crypto.Tests.Multiparty;

/// <summary>
/// Shares use the library's validating wire format: they round-trip through bytes and streams, and
/// every reader survives 10,000 mutated or truncated payloads, throwing only
/// <see cref="CkksFormatException"/> or <see cref="ParameterSetMismatchException"/>.
/// </summary>
public class ShareSerializationTests
{
    private const int Iterations = 10_000;

    public static TheoryData<string> Readers => new() { "publicKeyShare", "shamirShare", "thresholdSecretKey", "decryptionShare" };

    private static (byte[] Valid, Func<byte[], byte[]> FromBytes, Func<byte[], byte[]> FromStream) Payload(string reader)
    {
        var federation = SharedFederations.ThreeOfFiveSmall;
        var p = federation.Parameters;
        static byte[] Stream(byte[] bytes, Func<Stream, byte[]> read)
        {
            using var stream = new MemoryStream(bytes);
            return read(stream);
        }

        switch (reader)
        {
            case "publicKeyShare":
                return (federation.PublicKeyShares[1].ToBytes(), b => PublicKeyShare.FromBytes(p, b).ToBytes(), b => Stream(b, s => PublicKeyShare.ReadFrom(p, s).ToBytes()));
            case "shamirShare":
                return (federation.ShamirShares![1][3].ToBytes(), b => ShamirShare.FromBytes(p, b).ToBytes(), b => Stream(b, s => ShamirShare.ReadFrom(p, s).ToBytes()));
            case "thresholdSecretKey":
                return (federation.Keys[2].ToBytes(), b => ThresholdSecretKey.FromBytes(p, b).ToBytes(), b => Stream(b, s => ThresholdSecretKey.ReadFrom(p, s).ToBytes()));
            case "decryptionShare":
                var ciphertext = federation.Encrypt([1, 2, 3]);
                var share = federation.Party(2).GenShare(ciphertext, [1, 2, 4], "round 3 / chunk 0"u8, federation.Masks(2));
                return (share.ToBytes(), b => DecryptionShare.FromBytes(p, b).ToBytes(), b => Stream(b, s => DecryptionShare.ReadFrom(p, s).ToBytes()));
            default:
                throw new ArgumentException(reader);
        }
    }

    [Theory]
    [MemberData(nameof(Readers))]
    public void Every_share_round_trips_through_bytes_and_streams_unchanged(string reader)
    {
        var (valid, fromBytes, fromStream) = Payload(reader);
        Assert.Equal(valid, fromBytes(valid));
        Assert.Equal(valid, fromStream(valid));
    }

    [Theory]
    [MemberData(nameof(Readers))]
    public void Every_share_reader_survives_ten_thousand_mutated_and_truncated_payloads(string reader)
    {
        var (valid, fromBytes, fromStream) = Payload(reader);
        int accepted = AcceptedMutations(valid, fromBytes, fromStream, new Random(reader.Length * 7919), Iterations);
        Assert.True(accepted < Iterations / 2, $"{accepted} of {Iterations} mutations were accepted");
    }

    /// <summary>
    /// Feeds <paramref name="iterations"/> mutations of <paramref name="valid"/> to the readers (bytes and stream in turn)
    /// and counts those accepted; any exception but <see cref="CkksFormatException"/> or
    /// <see cref="ParameterSetMismatchException"/> fails the calling test.
    /// </summary>
    internal static int AcceptedMutations(byte[] valid, Func<byte[], byte[]> fromBytes, Func<byte[], byte[]> fromStream, Random random, int iterations)
    {
        int accepted = 0;
        for (int i = 0; i < iterations; i++)
        {
            byte[] mutated = Mutate(valid, random);
            try
            {
                _ = (i & 1) == 0 ? fromBytes(mutated) : fromStream(mutated);
                accepted++;
            }
            catch (CkksFormatException)
            {
            }
            catch (ParameterSetMismatchException)
            {
            }
        }

        return accepted;
    }

    [Fact]
    public void A_share_read_as_another_kind_of_share_is_refused()
    {
        var federation = SharedFederations.ThreeOfFiveSmall;
        byte[] publicKeyShare = federation.PublicKeyShares[0].ToBytes();
        Assert.Equal("kind", Assert.Throws<CkksFormatException>(() => ShamirShare.FromBytes(federation.Parameters, publicKeyShare)).Field);
        Assert.Equal("kind", Assert.Throws<CkksFormatException>(() => DecryptionShare.FromBytes(federation.Parameters, publicKeyShare)).Field);
    }

    [Fact]
    public void A_decryption_share_states_its_size_and_that_of_the_preset()
    {
        var federation = SharedFederations.ThreeOfFiveLogN13;
        var ciphertext = federation.Encrypt([1]);
        var share = federation.Party(1).GenShare(ciphertext, [1, 2, 3], "r"u8, federation.Masks(1));
        Assert.Equal(share.SerializedSize, share.ToBytes().Length);
        Assert.Equal(WireFormat.HeaderLength + 64 + 11 + 6 + 1 + (8192 * 160 / 8), share.SerializedSize);
    }

    private static byte[] Mutate(byte[] valid, Random random)
    {
        var bytes = (byte[])valid.Clone();
        switch (random.Next(6))
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
            case 2: // overwrite a header byte
                bytes[random.Next(48)] = (byte)random.Next(256);
                return bytes;
            case 3: // random body-length field
                BitConverter.TryWriteBytes(bytes.AsSpan(40), random.Next(3) switch
                {
                    0 => ulong.MaxValue,
                    1 => (ulong)(bytes.Length - 48 + random.Next(-3, 4)),
                    _ => (ulong)random.Next(100000),
                });
                return bytes;
            case 4: // scramble the share metadata after the digests (indices, t, n, level, committee, context)
                for (int k = 48; k < Math.Min(bytes.Length, 48 + 96); k++)
                {
                    if (random.Next(8) == 0)
                    {
                        bytes[k] = (byte)random.Next(256);
                    }
                }

                return bytes;
            default: // append garbage
                return [.. bytes, .. Enumerable.Range(0, random.Next(1, 9)).Select(_ => (byte)random.Next(256))];
        }
    }
}
