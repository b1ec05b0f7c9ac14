using Akka.Actor;
using FederatedHe.Training.Federation;
using FederatedHe.Training.Models;
using static FederatedHe.Actors.Hospitals.LocalTrainingProtocol;

namespace FederatedHe.Actors.Hospitals;

/// <summary>
/// Runs a hospital's TorchSharp training and evaluation on the dedicated training dispatcher, so slow
/// work never blocks a mailbox that serves the network. It drives the same <see cref="FederatedClient"/>
/// the plaintext baseline uses, so the encrypted federation and the baseline train identically.
/// </summary>
internal sealed class LocalTrainingWorker : ReceiveActor
{
    private readonly string _hospitalId;
    private readonly ModelSpec _spec;
    private FederatedClient? _client;

    public LocalTrainingWorker(string hospitalId, ModelSpec spec)
    {
        _hospitalId = hospitalId;
        _spec = spec;

        Receive<PrepareData>(prepare =>
        {
            _client?.Dispose();
            _client = new FederatedClient(_hospitalId, prepare.ScaledTrain, _spec, prepare.ScaledEvaluation);
        });
        Receive<TrainLocally>(request => Run(request.Instruction.Round, client => new LocalTrainingCompleted(client.Fit(request.Instruction))));
        Receive<EvaluateLocally>(request => Run(request.Round, client => new LocalEvaluationCompleted(client.Evaluate(request.Round, request.Parameters))));
    }

    public static Props Props(string hospitalId, ModelSpec spec) =>
        Akka.Actor.Props.Create(() => new LocalTrainingWorker(hospitalId, spec)).WithDispatcher("fedhe.training-dispatcher");

    private void Run(int round, Func<FederatedClient, object> work)
    {
        if (_client is null)
        {
            Sender.Tell(new LocalWorkFailed(round, "the data has not been scaled yet"));
            return;
        }

        try
        {
            Sender.Tell(work(_client));
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            Sender.Tell(new LocalWorkFailed(round, exception.Message));
        }
    }

    protected override void PostStop() => _client?.Dispose();
}
