using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using static FederatedHe.Actors.Persistence.CheckpointProtocol;

namespace FederatedHe.Actors.Persistence;

/// <summary>
/// The coordinator's durable memory, a persistent child so the round state machine stays a plain actor: it
/// replays the journal once at start (telling its parent the latest checkpoint) and then journals each
/// concluded round. Only the latest checkpoint matters, so older events are deleted once a new one is durable.
/// Journal writes run on the plugin's dispatcher; the coordinator's mailbox never waits on the database.
/// </summary>
internal sealed class CheckpointStore : ReceivePersistentActor
{
    /// <summary>One coordinator per federation, wherever the singleton runs: a stable id.</summary>
    public const string CoordinatorPersistenceId = "federation-coordinator";

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private RoundCheckpointed? _latest;

    public CheckpointStore()
    {
        Recover<RoundCheckpointed>(c => _latest = c);
        Recover<RecoveryCompleted>(_ =>
        {
            _log.Info("recovered {0}", _latest is null ? "no checkpoint" : $"the checkpoint of round {_latest.Round}");
            Context.Parent.Tell(new CheckpointRecovered(_latest));
        });
        Command<SaveCheckpoint>(save => Persist(save.Checkpoint, saved =>
        {
            _latest = saved;
            Sender.Tell(new CheckpointSaved(saved.Round));
            if (LastSequenceNr > 1)
                DeleteMessages(LastSequenceNr - 1);
        }));
        Command<DeleteMessagesSuccess>(_ => { });
        Command<DeleteMessagesFailure>(f => _log.Warning("could not delete old checkpoints: {0}", f.Cause.Message));
    }

    public override string PersistenceId => CoordinatorPersistenceId;

    public static Props Props() => Akka.Actor.Props.Create(() => new CheckpointStore());

    protected override void OnRecoveryFailure(Exception reason, object? message = null)
    {
        _log.Error(reason, "could not read the coordinator's checkpoints");
        base.OnRecoveryFailure(reason, message);
    }
}
