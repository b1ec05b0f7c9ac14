using System.Collections.Immutable;
using FederatedHe.Federation.Rounds;
using FederatedHe.Federation.Strategies;

namespace FederatedHe.Federation.Tests;

/// <summary>
/// Plays the coordinator's part for the round machine: feeds it events and keeps what it commanded, with no actor
/// system, no timer and no ciphertext. Every step is checked to be a pure function of its input.
/// </summary>
internal sealed class MachineDriver
{
    public static readonly FederationIdentity Identity = new("test-parameters", 42, "SharedKey");

    public static readonly RoundMachineSettings DefaultSettings = new(
        Rounds: 2,
        MinHospitals: 3,
        RegistrationTimeout: TimeSpan.FromSeconds(30),
        CollectTimeout: TimeSpan.FromSeconds(10),
        EvaluateTimeout: TimeSpan.FromSeconds(5),
        MaxFetchesPerAggregate: 2,
        CheckpointsEnabled: false,
        Identity: Identity);

    public static readonly FederationStrategyOptions DefaultPolicy = new() { Quorum = 2, MaxAttempts = 2, Seed = 42 };

    public static readonly UpdateShape Shape = new(VectorLength: 3, CiphertextCount: 1, CiphertextBytes: 1000);

    private readonly List<RoundCommand> _history = [];

    public MachineDriver(RoundMachineSettings? settings = null, FederationStrategyOptions? policy = null, IFederationStrategy? strategy = null,
        IKeyGenerationPhase? keyGeneration = null, IDecryptionCommitteePhase? committee = null, IPrivacyBudget? privacy = null)
    {
        Machine = new RoundMachine(settings ?? DefaultSettings, strategy ?? new EncryptedAggregation(new FederatedAveraging(policy ?? DefaultPolicy)),
            keyGeneration, committee, privacy);
        var start = Machine.Start();
        State = start.State;
        Last = start.Commands;
        _history.AddRange(Last);
    }

    public RoundMachine Machine { get; }

    public RoundMachineState State { get; private set; }

    /// <summary>The commands of the last step.</summary>
    public ImmutableArray<RoundCommand> Last { get; private set; }

    /// <summary>Every command so far.</summary>
    public IReadOnlyList<RoundCommand> History => _history;

    public ImmutableArray<RoundCommand> On(RoundEvent message)
    {
        var before = State;
        var transition = Machine.Handle(before, message);
        Assert.Equal(transition.Commands.ToArray(), Machine.Handle(before, message).Commands.ToArray()); // same input, same output
        State = transition.State;
        Last = transition.Commands;
        _history.AddRange(Last);
        return Last;
    }

    public T Single<T>() where T : RoundCommand => Assert.Single(Last.OfType<T>());

    public IEnumerable<T> Notices<T>() where T : FederationNotice => _history.OfType<Publish>().Select(p => p.Notice).OfType<T>();

    public IEnumerable<T> NoticesOfLastStep<T>() where T : FederationNotice => Last.OfType<Publish>().Select(p => p.Notice).OfType<T>();

    public static string[] Hospitals(int count) => [.. Enumerable.Range(1, count).Select(i => $"hospital-{i}")];

    public void Register(params string[] hospitalIds)
    {
        foreach (var id in hospitalIds)
            On(new HospitalRegistered(id));
    }

    public void Arrive(int round, params string[] hospitalIds)
    {
        foreach (var id in hospitalIds)
        {
            On(new UpdateAssembled(round, id));
            On(new UpdateArrived(round, id, Shape));
        }
    }

    public void AggregateIsReady(int round) => On(new AggregateReady(round, Shape.VectorLength, Shape.CiphertextBytes * State.Contributors.Length, 12.5));

    public void ExpireCollect() => On(new TimerFired(new RoundTimer(TimerKind.Collect, State.Round, State.Attempt)));

    public void ExpireEvaluate() => On(new TimerFired(new RoundTimer(TimerKind.Evaluate, State.Round, State.Attempt)));

    public static EvaluationReport Report(int round, string hospitalId, int samples = 100, double accuracy = 0.8, double logLoss = 0.4, double rocAuc = 0.9) =>
        new(hospitalId, round, samples, accuracy, logLoss, rocAuc, new ReportedTimings(10, 2, 1));

    public void Evaluate(int round, params string[] hospitalIds)
    {
        foreach (var id in hospitalIds)
            On(new EvaluationReported(Report(round, id)));
    }

    /// <summary>Registers the hospitals and plays round 0 with all of them, up to round 1's request.</summary>
    public void ThroughStatisticsRound(params string[] hospitalIds)
    {
        Register(hospitalIds);
        Arrive(0, hospitalIds);
        AggregateIsReady(0);
    }

    /// <summary>Plays a training round in which everyone contributes and evaluates.</summary>
    public void CompleteRound(int round, params string[] hospitalIds)
    {
        Arrive(round, hospitalIds);
        AggregateIsReady(round);
        Evaluate(round, hospitalIds);
    }
}
