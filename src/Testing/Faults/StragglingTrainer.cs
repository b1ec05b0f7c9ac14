using Akka.Actor;
using Akka.Event;
using FederatedHe.Actors.Nodes;
using FederatedHe.Actors.Spec;
using static FederatedHe.Actors.Hospitals.LocalTrainingProtocol;

namespace FederatedHe.Testing;

/// <summary>
/// Faults injected from outside the hospital: a decorator around the props of the hospital's local training worker
/// (<see cref="FederationNode.StartHospital(ActorSystem, FederatedHe.Actors.Spec.FederationSpec, FederatedHe.Actors.Hospitals.HospitalCrypto, FederatedHe.Actors.Hospitals.HospitalData, Func{Props, Props}?, FederatedHe.Actors.Security.NodeIdentity?, FederatedHe.Actors.Security.RegistrationTrust?)"/>'s
/// <c>decorateTrainer</c>) that holds each <see cref="TrainLocally"/> back by a delay (a straggler) and forwards everything
/// else at once; and, for a hospital the schedule kills, that cuts the hospital off from its training and evaluation at
/// the very moment the spec names, so it contributes nothing from then on however late its node's death follows (the
/// harness or `cluster up` stops the node when it learns of the moment, a little later).
/// The worker runs as its child and replies to the hospital directly (it answers the forwarded message's sender), so
/// the hospital cannot tell the decorator is there. <see cref="SlowDownTraining"/> at
/// <see cref="TrainerPath"/> changes the delay while the node runs.
/// </summary>
public sealed class StragglingTrainer : ReceiveActor
{
    /// <summary>From now on, each local training takes <paramref name="Delay"/> longer; zero ends it. Local only: on no serializer's allow-list.</summary>
    public sealed record SlowDownTraining(TimeSpan Delay) : INoSerializationVerificationNeeded;

    /// <summary>Where the decorator sits on a hospital node.</summary>
    public static readonly string TrainerPath = $"/user/{FederationNode.HospitalActorName}/{FederationNode.HospitalTrainerName}";

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private bool _dead;

    /// <summary>Starts the worker from <paramref name="worker"/> as its child; public because Akka creates actors through a public constructor.</summary>
    /// <param name="worker">The hospital's own training worker.</param>
    /// <param name="delay">How much later each local training starts.</param>
    /// <param name="killedAt">The moment the schedule kills this hospital, or null.</param>
    public StragglingTrainer(Props worker, TimeSpan delay, (int Round, FaultMoment Moment)? killedAt = null)
    {
        var inner = Context.ActorOf(worker, "worker");
        Receive<SlowDownTraining>(slow =>
        {
            delay = slow.Delay < TimeSpan.Zero ? TimeSpan.Zero : slow.Delay;
            _log.Warning("fault injected: each local training now takes {0} longer", delay);
        });
        Receive<TrainLocally>(training =>
        {
            // Killed as round R is announced: no training for R; killed once R's aggregate is out: none for the rounds after.
            if (Dies(killedAt is { } kill && (kill.Moment == FaultMoment.RoundStarted ? training.Instruction.Round >= kill.Round : training.Instruction.Round > kill.Round),
                    training.Instruction.Round))
                return;
            if (delay <= TimeSpan.Zero)
                inner.Forward(training);
            else
                Context.System.Scheduler.ScheduleTellOnce(delay, inner, training, Sender);
        });
        Receive<EvaluateLocally>(evaluation =>
        {
            if (!Dies(killedAt is { } kill && evaluation.Round >= kill.Round, evaluation.Round))
                inner.Forward(evaluation);
        });
        ReceiveAny(message =>
        {
            if (!_dead)
                inner.Forward(message);
        });
    }

    /// <summary>Whether the hospital is dead to its training from now on (it is once <paramref name="strikes"/> has held).</summary>
    private bool Dies(bool strikes, int round)
    {
        if (strikes && !_dead)
        {
            _dead = true;
            _log.Warning("fault injected: this hospital is killed at round {0}; it trains and evaluates no more", round);
        }

        return _dead;
    }

    /// <summary>The decoration: wraps the worker's props so that each training starts <paramref name="initialDelay"/> late.</summary>
    public static Func<Props, Props> Decorate(TimeSpan initialDelay) =>
        worker => Props.Create(() => new StragglingTrainer(worker, initialDelay, null));

    /// <summary>
    /// The decoration a spec's faults give a hospital: the spec's training delay, and the moment of the first
    /// <see cref="FaultKind.KillHospital"/> aimed at it.
    /// </summary>
    public static Func<Props, Props> DecorateFor(FederationSpec spec, string hospitalId)
    {
        var kill = spec.Faults.Schedule.Where(f => f.Kind == FaultKind.KillHospital && f.Target == hospitalId)
            .OrderBy(f => f.Round).ThenBy(f => f.Moment).Select(f => ((int, FaultMoment)?)(f.Round, f.Moment)).FirstOrDefault();
        return worker => Props.Create(() => new StragglingTrainer(worker, spec.Faults.TrainingDelay, kill));
    }
}
