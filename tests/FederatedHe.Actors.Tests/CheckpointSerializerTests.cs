using System.Runtime.Serialization;
using System.Text;
using Akka.Actor;
using FederatedHe.Actors.Persistence;

namespace FederatedHe.Actors.Tests;

/// <summary>The coordinator's journalled checkpoint bytes: version 2 with and without threshold state, version 1 still read, corruption refused.</summary>
public sealed class CheckpointSerializerTests : IDisposable
{
    private readonly ActorSystem _system = ActorSystem.Create("checkpoint-serializer-tests");
    private readonly CheckpointSerializer _serializer;

    public CheckpointSerializerTests() => _serializer = new CheckpointSerializer((ExtendedActorSystem)_system);

    public void Dispose() => _system.Dispose();

    private static readonly StoredAggregate Statistics = new(0, 9, [[1, 2, 3], [4, 5]]);
    private static readonly StoredAggregate Model = new(3, 12, [Enumerable.Range(0, 300).Select(i => (byte)i).ToArray()]);

    private static readonly ThresholdKeyCheckpoint Key = new("akka.tcp://federation@127.0.0.1:4000/a1b2", new string('c', 64), 3,
        ["hospital-1", "hospital-2", "hospital-3", "hospital-4"], Enumerable.Range(0, 1000).Select(i => (byte)(i * 7)).ToArray());

    private static readonly RoundCheckpointed SharedKeyCheckpoint = new(3, "params-id", 42, "SharedKey", Statistics, Model);

    private static readonly RoundCheckpointed ThresholdCheckpoint = new(3, "params-id", 42, "Threshold", Statistics, Model, Key);

    [Fact]
    public void A_threshold_checkpoint_survives_the_round_trip_with_its_collective_key()
    {
        var decoded = RoundTrip(ThresholdCheckpoint);

        AssertSame(ThresholdCheckpoint, decoded);
        Assert.NotNull(decoded.ThresholdKey);
        Assert.Equal(Key.SessionId, decoded.ThresholdKey.SessionId);
        Assert.Equal(Key.KeyId, decoded.ThresholdKey.KeyId);
        Assert.Equal(Key.Threshold, decoded.ThresholdKey.Threshold);
        Assert.Equal(Key.Parties, decoded.ThresholdKey.Parties);
        Assert.Equal(Key.CollectivePublicKey, decoded.ThresholdKey.CollectivePublicKey);
    }

    [Fact]
    public void A_shared_key_checkpoint_survives_the_round_trip_without_threshold_state()
    {
        var decoded = RoundTrip(SharedKeyCheckpoint);

        AssertSame(SharedKeyCheckpoint, decoded);
        Assert.Null(decoded.ThresholdKey);
    }

    [Fact]
    public void A_checkpoint_of_round_0_without_a_model_survives_the_round_trip()
    {
        var roundZero = new RoundCheckpointed(0, "params-id", 7, "Threshold", Statistics, null, Key);

        var decoded = RoundTrip(roundZero);

        AssertSame(roundZero, decoded);
        Assert.Null(decoded.Model);
    }

    [Fact]
    public void Checkpoints_are_written_as_version_2_behind_the_magic()
    {
        var bytes = _serializer.ToBinary(SharedKeyCheckpoint);

        Assert.Equal("FHCK", Encoding.ASCII.GetString(bytes, 0, 4));
        Assert.Equal(2, bytes[4]);
        Assert.Equal(CheckpointSerializer.CurrentVersion, bytes[4]);
    }

    [Fact]
    public void A_version_1_checkpoint_written_by_an_earlier_build_is_still_read_and_has_no_threshold_state()
    {
        var decoded = (RoundCheckpointed)_serializer.FromBinary(VersionOne(SharedKeyCheckpoint), typeof(RoundCheckpointed));

        AssertSame(SharedKeyCheckpoint, decoded);
        Assert.Null(decoded.ThresholdKey);
    }

    [Fact]
    public void Every_truncation_of_a_checkpoint_is_refused()
    {
        var bytes = _serializer.ToBinary(ThresholdCheckpoint);

        for (var length = 0; length < bytes.Length; length++)
            Assert.Throws<SerializationException>(() => _serializer.FromBinary(bytes[..length], typeof(RoundCheckpointed)));
    }

    [Fact]
    public void Trailing_bytes_after_a_checkpoint_are_refused()
    {
        var bytes = _serializer.ToBinary(ThresholdCheckpoint).Append((byte)0).ToArray();

        var error = Assert.Throws<SerializationException>(() => _serializer.FromBinary(bytes, typeof(RoundCheckpointed)));
        Assert.Contains("trailing", error.Message);
    }

    [Fact]
    public void Bytes_without_the_checkpoint_magic_are_refused()
    {
        var bytes = _serializer.ToBinary(SharedKeyCheckpoint);
        bytes[0] ^= 0xFF;

        var error = Assert.Throws<SerializationException>(() => _serializer.FromBinary(bytes, typeof(RoundCheckpointed)));
        Assert.Contains("magic", error.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(255)]
    public void A_checkpoint_of_an_unknown_version_is_refused_naming_the_version(byte version)
    {
        var bytes = _serializer.ToBinary(SharedKeyCheckpoint);
        bytes[4] = version;

        var error = Assert.Throws<SerializationException>(() => _serializer.FromBinary(bytes, typeof(RoundCheckpointed)));
        Assert.Contains($"version {version}", error.Message);
    }

    [Fact]
    public void A_checkpoint_claiming_an_absurd_number_of_ciphertexts_is_refused_before_allocating_them()
    {
        var bytes = Build(w =>
        {
            WriteHeader(w, 2);
            w.Write(true);
            w.Write(0);
            w.Write(9);
            w.Write(int.MaxValue);
        });

        var error = Assert.Throws<SerializationException>(() => _serializer.FromBinary(bytes, typeof(RoundCheckpointed)));
        Assert.Contains($"{int.MaxValue} ciphertexts", error.Message);
    }

    [Fact]
    public void A_ciphertext_claiming_more_bytes_than_the_checkpoint_holds_is_refused()
    {
        var bytes = Build(w =>
        {
            WriteHeader(w, 2);
            w.Write(true);
            w.Write(0);
            w.Write(9);
            w.Write(1);
            w.Write(1 << 30);
            w.Write(new byte[16]);
        });

        var error = Assert.Throws<SerializationException>(() => _serializer.FromBinary(bytes, typeof(RoundCheckpointed)));
        Assert.Contains($"{1 << 30} bytes", error.Message);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(100_000, 3)]
    [InlineData(-1, 1)]
    [InlineData(4, 5)]
    [InlineData(4, 0)]
    public void Threshold_state_with_an_absurd_party_count_or_threshold_is_refused(int partyCount, int threshold)
    {
        var bytes = Build(w =>
        {
            WriteHeader(w, 2);
            w.Write(false);
            w.Write(false);
            w.Write(true);
            w.Write("session");
            w.Write("key-id");
            w.Write(threshold);
            w.Write(partyCount);
            for (var i = 0; i < Math.Clamp(partyCount, 0, 8); i++)
                w.Write($"hospital-{i + 1}");
            w.Write(0);
        });

        Assert.Throws<SerializationException>(() => _serializer.FromBinary(bytes, typeof(RoundCheckpointed)));
    }

    [Fact]
    public void Only_checkpoints_can_be_serialized()
    {
        Assert.Throws<ArgumentException>(() => _serializer.ToBinary("not a checkpoint"));
    }

    private RoundCheckpointed RoundTrip(RoundCheckpointed checkpoint) =>
        (RoundCheckpointed)_serializer.FromBinary(_serializer.ToBinary(checkpoint), typeof(RoundCheckpointed));

    private static void AssertSame(RoundCheckpointed expected, RoundCheckpointed actual)
    {
        Assert.Equal(expected.Round, actual.Round);
        Assert.Equal(expected.ParameterSetId, actual.ParameterSetId);
        Assert.Equal(expected.Seed, actual.Seed);
        Assert.Equal(expected.Mode, actual.Mode);
        AssertSame(expected.Statistics, actual.Statistics);
        AssertSame(expected.Model, actual.Model);
    }

    private static void AssertSame(StoredAggregate? expected, StoredAggregate? actual)
    {
        if (expected is null)
        {
            Assert.Null(actual);
            return;
        }

        Assert.NotNull(actual);
        Assert.Equal(expected.Round, actual.Round);
        Assert.Equal(expected.VectorLength, actual.VectorLength);
        Assert.Equal(expected.Ciphertexts.Count, actual.Ciphertexts.Count);
        for (var i = 0; i < expected.Ciphertexts.Count; i++)
            Assert.Equal(expected.Ciphertexts[i], actual.Ciphertexts[i]);
    }

    /// <summary>The layout of version 1, written out by hand as the earlier build wrote it: no threshold section.</summary>
    private static byte[] VersionOne(RoundCheckpointed checkpoint) => Build(w =>
    {
        w.Write(CheckpointSerializer.Magic);
        w.Write((byte)1);
        w.Write(checkpoint.Round);
        w.Write(checkpoint.ParameterSetId);
        w.Write(checkpoint.Seed);
        w.Write(checkpoint.Mode);
        foreach (var aggregate in new[] { checkpoint.Statistics, checkpoint.Model })
        {
            w.Write(aggregate is not null);
            if (aggregate is null)
                continue;
            w.Write(aggregate.Round);
            w.Write(aggregate.VectorLength);
            w.Write(aggregate.Ciphertexts.Count);
            foreach (var ciphertext in aggregate.Ciphertexts)
            {
                w.Write(ciphertext.Length);
                w.Write(ciphertext);
            }
        }
    });

    private static void WriteHeader(BinaryWriter writer, byte version)
    {
        writer.Write(CheckpointSerializer.Magic);
        writer.Write(version);
        writer.Write(1);
        writer.Write("params-id");
        writer.Write(42);
        writer.Write("Threshold");
    }

    private static byte[] Build(Action<BinaryWriter> write)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
            write(writer);
        return stream.ToArray();
    }
}
