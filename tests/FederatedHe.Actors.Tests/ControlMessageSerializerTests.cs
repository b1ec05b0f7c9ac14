using Akka.Actor;
using FederatedHe.Actors.Protocol;
using FederatedHe.Actors.Serialization;
using static FederatedHe.Actors.Protocol.FederationProtocol;

namespace FederatedHe.Actors.Tests;

public sealed class ControlMessageSerializerTests : IDisposable
{
    private readonly ActorSystem _system = ActorSystem.Create("serializer-tests");
    private readonly AllowListHyperionSerializer _serializer;

    public ControlMessageSerializerTests() => _serializer = new AllowListHyperionSerializer((ExtendedActorSystem)_system);

    public void Dispose() => _system.Dispose();

    public static TheoryData<object> ControlMessages => new()
    {
        new RegisterHospital("hospital-1", "abc123"),
        new RegisterHospitalResponse("hospital-1", false, "parameter set differs"),
        new ProveHospitalIdentity("hospital-1", Enumerable.Range(0, 32).Select(i => (byte)i).ToArray()),
        new ProveHospitalIdentityResponse("hospital-1", "abc123", new byte[32], Enumerable.Range(0, 700).Select(i => (byte)i).ToArray(), new byte[64]),
        new CollectFeatureStatistics(0, 2),
        new StartTraining(4, 3, 1),
        new FetchAggregate(3, "hospital-4"),
        new EvaluationReported(5, "hospital-2", 23, 0.97, 0.08, 0.99, new HospitalTimings(120.5, 3.2, 1.1)),
        new FederationFinished(20, true, "completed 20 rounds"),
        new BeginKeyGeneration(0, "session-1", ["hospital-1", "hospital-2"], ["akka.tcp://federation@127.0.0.1:1/user/hospital", "akka.tcp://federation@127.0.0.1:2/user/hospital"], 2),
        new KeyGenerationCompleted(0, "hospital-1", "abcd"),
        new DecryptionCommittee(3, 2, ["hospital-1", "hospital-3"]),
        new KeyGenerationFailed(0, "session-1", "hospital-2", "the commitment of hospital-1 is refused (NotOnRoster)"),
        new CollectiveKeyExposureSuspected(4, "hospital-3", "abcd", "the decryption carries 725 times the largest honest noise energy"),
        // An observer notice with each hospital's figures (an array of records) and the privacy spent, as a monitor node receives it.
        new ObserverNotices.RoundCompleted(4, ["hospital-1", "hospital-2"], ["hospital-3"], 2, 1, 2000, 4000, 59, 12.5, 830.25,
            new ObserverNotices.PooledFigures(2, 60, 0.9, 0.25, 0.95), 10, 2, 3,
            [new ObserverNotices.SiteFigures("hospital-1", 30, 1.0, 0.1, double.NaN), new ObserverNotices.SiteFigures("hospital-2", 30, 0.8, 0.4, 0.9)],
            new ObserverNotices.PrivacyFigures(1.25, 1e-5, 3.5)),
        new ObserverNotices.DeadlinePassed(3, 2, true),
    };

    [Theory]
    [MemberData(nameof(ControlMessages))]
    public void Every_control_message_survives_the_round_trip(object message)
    {
        var decoded = _serializer.FromBinary(_serializer.ToBinary(message), message.GetType());

        // Records with arrays compare arrays by reference, so compare their printed and serialized forms.
        Assert.Equal(message.GetType(), decoded.GetType());
        Assert.Equal(_serializer.ToBinary(message), _serializer.ToBinary(decoded));
        foreach (var property in message.GetType().GetProperties())
        {
            var expected = property.GetValue(message);
            var actual = property.GetValue(decoded);
            if (expected is string[] strings)
                Assert.Equal(strings, (string[])actual!);
            else if (expected is byte[] bytes)
                Assert.Equal(bytes, (byte[])actual!);
            else
                Assert.Equal(expected, actual);
        }
    }

    [Fact]
    public void Every_control_message_type_is_on_the_allow_list_and_nothing_else_is()
    {
        var controlTypes = typeof(FederationProtocol).GetNestedTypes()
            .Where(t => typeof(IControlMessage).IsAssignableFrom(t) && !t.IsInterface);

        Assert.Subset(AllowListHyperionSerializer.AllowedTypes.ToHashSet(), controlTypes.ToHashSet());
        Assert.DoesNotContain(typeof(EncryptedChunk), AllowListHyperionSerializer.AllowedTypes);
        Assert.All(AllowListHyperionSerializer.AllowedTypes, t => Assert.StartsWith("FederatedHe.Actors.Protocol", t.FullName));
    }

    [Fact]
    public void A_payload_naming_a_type_off_the_allow_list_is_refused()
    {
        var unrestricted = new Hyperion.Serializer();
        using var stream = new MemoryStream();
        unrestricted.Serialize(new Rogue { Command = "rm -rf /" }, stream);

        var error = Assert.Throws<WireFormatException>(() => _serializer.FromBinary(stream.ToArray(), typeof(object)));

        Assert.Equal("control message", error.MessageType);
    }

    [Fact]
    public void Writing_a_type_off_the_allow_list_is_refused()
    {
        Assert.Throws<ArgumentException>(() => _serializer.ToBinary(new Rogue()));
    }

    [Fact]
    public void Oversized_and_garbage_payloads_are_refused_with_a_typed_error()
    {
        Assert.Throws<WireFormatException>(() => _serializer.FromBinary(new byte[AllowListHyperionSerializer.MaxMessageBytes + 1], typeof(object)));
        var random = new Random(7);
        for (var i = 0; i < 2_000; i++)
        {
            var garbage = new byte[random.Next(1, 200)];
            random.NextBytes(garbage);
            try
            {
                var decoded = _serializer.FromBinary(garbage, typeof(object));
                Assert.Contains(decoded.GetType(), AllowListHyperionSerializer.AllowedTypes);
            }
            catch (WireFormatException)
            {
            }
        }
    }

    [Theory]
    [MemberData(nameof(ControlMessages))]
    public void Every_truncation_of_every_control_message_is_refused_with_a_typed_error(object message)
    {
        var bytes = _serializer.ToBinary(message);
        for (var length = 0; length < bytes.Length; length++)
            Assert.Throws<WireFormatException>(() => _serializer.FromBinary(bytes[..length], message.GetType()));
    }

    [Fact]
    public void A_control_message_inflated_past_the_size_limit_by_an_absurd_id_is_refused()
    {
        var bytes = _serializer.ToBinary(new RegisterHospital(new string('h', 100_000), "abc123"));

        var error = Assert.Throws<WireFormatException>(() => _serializer.FromBinary(bytes, typeof(RegisterHospital)));
        Assert.Equal("length", error.Field);
    }

    public sealed class Rogue
    {
        public string Command { get; set; } = string.Empty;
    }
}
