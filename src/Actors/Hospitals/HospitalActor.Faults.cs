using Akka.Actor;
using Akka.Event;
using static FederatedHe.Actors.Hospitals.HospitalFaultProtocol;
using static FederatedHe.Actors.Hospitals.LocalTrainingProtocol;

namespace FederatedHe.Actors.Hospitals;

/// <summary>The hospital as a straggler: its local training is held back by a delay (fedhe.faults.training-delay or <see cref="SlowDownTraining"/>).</summary>
internal sealed partial class HospitalActor
{
    private TimeSpan _trainingDelay;

    private void ReceiveFaultMessages()
    {
        _trainingDelay = Context.System.Settings.Config.GetTimeSpan("fedhe.faults.training-delay", TimeSpan.Zero);
        Receive<SlowDownTraining>(slow =>
        {
            _trainingDelay = slow.Delay < TimeSpan.Zero ? TimeSpan.Zero : slow.Delay;
            _log.Warning("{0}: fault injected: each local training now takes {1} longer", _data.HospitalId, _trainingDelay);
        });
    }

    /// <summary>Hands the training to the worker, after the straggler delay if one is set.</summary>
    private void TrainLocallyAfterAnyDelay(TrainLocally training)
    {
        if (_trainingDelay <= TimeSpan.Zero)
            _trainer.Tell(training);
        else
            Context.System.Scheduler.ScheduleTellOnce(_trainingDelay, _trainer, training, Self);
    }
}
