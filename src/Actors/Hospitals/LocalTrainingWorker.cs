using Akka.Actor;
using FederatedHe.Training.Federation;
using FederatedHe.Training.Models;
using FederatedHe.Training.Privacy;
using FederatedHe.Privacy.Noise;
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
    private readonly DpSgdOptions? _privacy;
    private FederatedClient? _client;

    // Local mode's sampling and noise: the operating system's CSPRNG, never a seed (anyone who could predict it could subtract it).
    private readonly NoiseRandomness? _randomness;

    public LocalTrainingWorker(string hospitalId, ModelSpec spec, DpSgdOptions? privacy)
    {
        _hospitalId = hospitalId;
        _spec = spec;
        _privacy = privacy;
        _randomness = privacy is null ? null : NoiseRandomness.CreateSecure();

        Receive<PrepareData>(prepare =>
        {
            _client?.Dispose();
            _client = new FederatedClient(_hospitalId, prepare.ScaledTrain, _spec, prepare.ScaledEvaluation);
        });
        Receive<TrainLocally>(request => Run(request.Instruction.Round, client => new LocalTrainingCompleted(_privacy is null
            ? client.Fit(request.Instruction)
            : client.FitPrivately(request.Instruction, _privacy, _randomness!))));
        Receive<EvaluateLocally>(request => Run(request.Round, client => new LocalEvaluationCompleted(client.Evaluate(request.Round, request.Parameters))));
    }

    /// <summary>The worker's props; with <paramref name="privacy"/> (local mode) it trains with DP-SGD.</summary>
    public static Props Props(string hospitalId, ModelSpec spec, DpSgdOptions? privacy = null) =>
        Akka.Actor.Props.Create(() => new LocalTrainingWorker(hospitalId, spec, privacy)).WithDispatcher("fedhe.training-dispatcher");

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
