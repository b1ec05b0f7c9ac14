using Akka.Actor;
using Akka.Event;
using FederatedHe.Actors.Nodes;
using static FederatedHe.Actors.Hospitals.LocalTrainingProtocol;

namespace FederatedHe.Testing;

/// <summary>
/// A straggler injected from outside the hospital: a decorator around the props of the hospital's local training worker
/// (<see cref="FederationNode.StartHospital(ActorSystem, FederatedHe.Actors.Spec.FederationSpec, FederatedHe.Actors.Hospitals.HospitalCrypto, FederatedHe.Actors.Hospitals.HospitalData, Func{Props, Props}?, FederatedHe.Actors.Security.NodeIdentity?, FederatedHe.Actors.Security.RegistrationTrust?)"/>'s
/// <c>decorateTrainer</c>) that holds each <see cref="TrainLocally"/> back by a delay and forwards everything else at once.
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

    /// <summary>Starts the worker from <paramref name="worker"/> as its child; public because Akka creates actors through a public constructor.</summary>
    public StragglingTrainer(Props worker, TimeSpan delay)
    {
        var inner = Context.ActorOf(worker, "worker");
        Receive<SlowDownTraining>(slow =>
        {
            delay = slow.Delay < TimeSpan.Zero ? TimeSpan.Zero : slow.Delay;
            _log.Warning("fault injected: each local training now takes {0} longer", delay);
        });
        Receive<TrainLocally>(training =>
        {
            if (delay <= TimeSpan.Zero)
                inner.Forward(training);
            else
                Context.System.Scheduler.ScheduleTellOnce(delay, inner, training, Sender);
        });
        ReceiveAny(inner.Forward);
    }

    /// <summary>The decoration: wraps the worker's props so that each training starts <paramref name="initialDelay"/> late.</summary>
    public static Func<Props, Props> Decorate(TimeSpan initialDelay) =>
        worker => Props.Create(() => new StragglingTrainer(worker, initialDelay));
}
