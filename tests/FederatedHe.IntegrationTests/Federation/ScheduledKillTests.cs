using Akka.Actor;
using FederatedHe.Actors.Spec;
using FederatedHe.Testing;
using FederatedHe.Training.Federation;
using FederatedHe.Training.Local;
using static FederatedHe.Actors.Hospitals.LocalTrainingProtocol;

namespace FederatedHe.IntegrationTests.Federation;

/// <summary>
/// A scheduled kill strikes at the moment the spec names, not when the harness or `cluster up` gets round to stopping the
/// node: from then on the hospital's training worker trains and evaluates no more.
/// </summary>
public sealed class ScheduledKillTests : IDisposable
{
    private static readonly TimeSpan Silence = TimeSpan.FromMilliseconds(700);

    private readonly ActorSystem _system = ActorSystem.Create("scheduled-kill");

    private static readonly FederationSpec Spec = FederationSpec.Default.WithHospitals(3).WithRounds(6).WithQuorum(2).WithFaults(
    [
        new SimulatedFault(3, FaultMoment.RoundStarted, FaultKind.KillHospital, "hospital-2"),
        new SimulatedFault(4, FaultMoment.AggregateDistributed, FaultKind.KillHospital, "hospital-3"),
    ]);

    private static TrainLocally Train(int round) => new(new FitInstruction("hospital", round, [0f], new TrainingOptions()));

    private (IActorRef Trainer, Inbox Inbox) Decorated(string hospitalId) =>
        (_system.ActorOf(StragglingTrainer.DecorateFor(Spec, hospitalId)(Props.Create(() => new EchoWorker()))), Inbox.Create(_system));

    [Fact]
    public void A_hospital_killed_as_round_3_starts_trains_for_round_2_but_neither_trains_nor_evaluates_from_round_3_on()
    {
        var (trainer, inbox) = Decorated("hospital-2");

        inbox.Send(trainer, Train(2));
        Assert.IsType<TrainLocally>(inbox.Receive(TimeSpan.FromSeconds(5)));
        inbox.Send(trainer, new EvaluateLocally(2, [0f]));
        Assert.IsType<EvaluateLocally>(inbox.Receive(TimeSpan.FromSeconds(5)));

        inbox.Send(trainer, Train(3));
        inbox.Send(trainer, new EvaluateLocally(3, [0f]));
        inbox.Send(trainer, Train(4));

        AssertSilent(inbox);
    }

    [Fact]
    public void A_hospital_killed_once_round_4s_aggregate_is_out_trains_for_round_4_but_does_not_evaluate_it()
    {
        var (trainer, inbox) = Decorated("hospital-3");

        inbox.Send(trainer, Train(4));
        Assert.IsType<TrainLocally>(inbox.Receive(TimeSpan.FromSeconds(5)));

        inbox.Send(trainer, new EvaluateLocally(4, [0f]));

        AssertSilent(inbox);
    }

    [Fact]
    public void A_hospital_the_schedule_spares_trains_in_every_round()
    {
        var (trainer, inbox) = Decorated("hospital-1");

        foreach (var round in new[] { 3, 4, 5 })
        {
            inbox.Send(trainer, Train(round));
            Assert.Equal(round, Assert.IsType<TrainLocally>(inbox.Receive(TimeSpan.FromSeconds(5))).Instruction.Round);
        }
    }

    /// <summary>Nothing reaches the worker (Inbox signals its deadline with a TimeoutException, at times wrapped).</summary>
    private static void AssertSilent(Inbox inbox)
    {
        var thrown = Record.Exception(() => inbox.Receive(Silence));
        Assert.True(thrown is TimeoutException or AggregateException { InnerException: TimeoutException },
            thrown is null ? "the worker was sent a message" : thrown.ToString());
    }

    public void Dispose() => _system.Terminate().Wait(TimeSpan.FromSeconds(10));

    /// <summary>Stands in for nothing a user runs: it only shows what reaches the worker, by answering with it.</summary>
    private sealed class EchoWorker : ReceiveActor
    {
        public EchoWorker() => ReceiveAny(message => Sender.Tell(message));
    }
}
