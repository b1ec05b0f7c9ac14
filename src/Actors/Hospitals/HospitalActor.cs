using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using FederatedHe.Actors.Configuration;
using FederatedHe.Actors.CryptoPool;
using FederatedHe.Actors.Diagnostics;
using FederatedHe.Actors.Nodes;
using FederatedHe.Actors.Persistence;
using FederatedHe.Actors.Security;
using FederatedHe.Actors.Transfer;
using FederatedHe.Training.Data;
using FederatedHe.Training.Federation;
using FederatedHe.Training.Models;
using static FederatedHe.Actors.Hospitals.LocalTrainingProtocol;
using static FederatedHe.Actors.Protocol.FederationProtocol;

namespace FederatedHe.Actors.Hospitals;

/// <summary>
/// A hospital: owns its data partition, trains locally (on the training dispatcher), encrypts its
/// update through its crypto pool (which alone holds the keys), decrypts the aggregate, and shares
/// only the evaluation figures it chooses to.
/// </summary>
internal sealed partial class HospitalActor : ReceiveActor, IWithTimers
{
    private const string RegistrationTimerKey = "register";
    private static readonly TimeSpan RegistrationRetry = TimeSpan.FromSeconds(2);

    private readonly HospitalData _data;
    private readonly HospitalTrainingPlan _plan;
    private readonly string _parameterSetId;
    private readonly IActorRef _coordinator;
    private readonly HospitalCrypto _cryptoSetup;
    private readonly FederationSettings _settings;
    private CryptoPoolClient? _crypto;
    private IActorRef? _cryptoPool;
    private int _cryptoPools;
    private readonly Func<Props, Props>? _decorateTrainer;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly ChunkAssembler _assembler;
    private readonly RefusalTally _refusals = new();
    private readonly Dictionary<(int Round, PayloadKind Kind), EncryptedChunk[]> _sent = new();
    private readonly int _parameterCount;

    // With fedhe.persistence on, the latest decrypted global model survives a restart of this process.
    private readonly HospitalModelFile? _modelFile;
    private readonly string _modelDirectory;
    private IActorRef? _watchedCoordinator;

    private IActorRef _trainer = ActorRefs.Nobody;
    private bool _registered;
    private int _registrationAttempts;

    // Aggregates are accepted only from the node whose coordinator accepted our registration.
    private Address? _coordinatorNode;
    private Dataset? _scaledTrain;
    private Dataset? _scaledEvaluation;
    private float[] _globalParameters;
    private int _globalRound;
    private StartTraining? _pendingTraining;
    private int _aggregatesInFlight;
    private int _trainingRound = -1;
    private double _trainingMs;
    private double _encryptionMs;
    private double _decryptionMs;

    public HospitalActor(HospitalData data, HospitalTrainingPlan plan, HospitalCrypto crypto, IActorRef coordinator,
        FederationSettings settings, Func<Props, Props>? decorateTrainer, NodeIdentity? identity, RegistrationTrust? trust)
    {
        _data = data;
        _identity = identity;
        _trust = trust;
        _plan = plan;
        _cryptoSetup = crypto;
        _settings = settings;
        _parameterSetId = crypto.Parameters.Id.ToString();
        _coordinator = coordinator;
        _decorateTrainer = decorateTrainer;
        _assembler = new ChunkAssembler(settings.TransferLimits(FederatedHe.Crypto.Rlwe.Ciphertext.MaxSerializedSize(crypto.Parameters)));
        _globalParameters = ModelFactory.InitialParameters(plan.Model, data.Train.FeatureCount, plan.InitialisationSeed);
        _parameterCount = _globalParameters.Length;
        var persistence = PersistenceSettings.Create(Context.System.Settings.Config);
        if (persistence.Enabled)
            _modelFile = new HospitalModelFile(persistence.HospitalDirectory, data.HospitalId);
        // The final model file goes to fedhe.hospital.model-directory, else the hospital directory, persistence on or off.
        _modelDirectory = Context.System.Settings.Config.GetString("fedhe.hospital.model-directory", string.Empty) is { Length: > 0 } directory
            ? directory
            : persistence.HospitalDirectory;

        ReceiveRegistrationMessages();
        Receive<CollectFeatureStatistics>(Handle);
        Receive<StartTraining>(Handle);
        Receive<EncryptedChunk>(Handle);
        Receive<VectorEncrypted>(Handle);
        Receive<VectorDecrypted>(Handle);
        Receive<AggregateRefused>(Handle);
        Receive<LocalTrainingCompleted>(Handle);
        Receive<LocalEvaluationCompleted>(Handle);
        Receive<LocalWorkFailed>(f => _log.Error("{0}: round {1}: {2}", _data.HospitalId, f.Round, f.Reason));
        ReceiveThresholdMessages();
        Receive<Status.Failure>(f =>
        {
            _aggregatesInFlight = Math.Max(0, _aggregatesInFlight - 1);
            _log.Error(f.Cause, "{0}: CKKS work failed", _data.HospitalId);
        });
        Receive<Terminated>(t => t.ActorRef.Equals(_watchedCoordinator), _ => OnCoordinatorLost());
        Receive<FederationFinished>(f =>
        {
            // Only the coordinator may end this hospital's federation: the hosting process stops on this message.
            if (!SentFromCoordinatorNode)
            {
                Refuse($"FederationFinished from {Sender.Path}, which is not the coordinator's node ({_coordinatorNode?.ToString() ?? "none yet"})");
                return;
            }

            _log.Info("{0}: federation finished at round {1}: {2}", _data.HospitalId, f.RoundId, f.Status);
            // An orderly end: the coordinator's node stopping now is its shutdown, not a crash to register with a successor after.
            if (_watchedCoordinator is not null)
                Context.Unwatch(_watchedCoordinator);
            _watchedCoordinator = null;
            if (f.Succeeded)
                WriteFinalModel();
            Context.System.EventStream.Publish(f); // lets the hosting process know it may stop
        });
        Receive<IControlMessage>(m => Refuse($"{m.GetType().Name}, which a hospital does not accept, from {Sender.Path}"));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(HospitalData data, HospitalTrainingPlan plan, HospitalCrypto crypto, IActorRef coordinator,
        FederationSettings settings, Func<Props, Props>? decorateTrainer, NodeIdentity? identity = null, RegistrationTrust? trust = null) =>
        Akka.Actor.Props.Create(() => new HospitalActor(data, plan, crypto, coordinator, settings, decorateTrainer, identity, trust));

    protected override void PreStart()
    {
        // The hosting process may wrap the worker (the harness's straggler does): the hospital itself has no fault code.
        var trainer = LocalTrainingWorker.Props(_data.HospitalId, _plan.Model);
        _trainer = Context.ActorOf(_decorateTrainer?.Invoke(trainer) ?? trainer, FederationNode.HospitalTrainerName);
        if (_cryptoSetup.SharedKeys is { } keys)
            StartCryptoPool(keys);
        else
            StartThresholdParty();
        LoadSavedModel();
        if (!_restoringThresholdKey)
            RegisterNow();
    }

    /// <summary>The pool that encrypts (and in shared-key mode decrypts); the only place the keys live.</summary>
    private void StartCryptoPool(CkksKeyMaterial material)
    {
        // A pool is named for the key it holds; a new key generation stops the pool of the previous key first.
        var pool = Context.ActorOf(CryptoWorker.PoolProps(material, _settings.EffectiveCryptoPoolSize), $"crypto-{++_cryptoPools}");
        _cryptoPool = pool;
        _crypto = new CryptoPoolClient(pool, material.Parameters.SlotCount, TimeSpan.FromMinutes(5));
    }

    /// <summary>Stops encrypting under the current key: a new collective key is being made.</summary>
    private void StopCryptoPool()
    {
        if (_cryptoPool is { } pool)
            Context.Stop(pool);
        _cryptoPool = null;
        _crypto = null;
    }

    private void LoadSavedModel()
    {
        if (_modelFile is null)
            return;
        try
        {
            if (_modelFile.Load(_parameterSetId, _parameterCount) is { } saved)
            {
                _globalParameters = saved.Parameters;
                _globalRound = saved.Round;
                _log.Info("{0}: resumed with the global model of round {1} from {2}", _data.HospitalId, saved.Round, _modelFile.FilePath);
            }
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            // Starting from the initial model is safe: the coordinator hands out the latest aggregate on request.
            _log.Error("{0}: ignored the saved model: {1}", _data.HospitalId, e.Message);
        }
    }

    private void SaveModel()
    {
        if (_modelFile is null)
            return;
        try
        {
            _modelFile.Save(_globalRound, _parameterSetId, _globalParameters);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _log.Error("{0}: could not save the global model of round {1}: {2}", _data.HospitalId, _globalRound, e.Message);
        }
    }

    /// <summary>Watches the coordinator that knows us: if its node goes (crash, restart), register again.</summary>
    private void WatchCoordinator(IActorRef coordinator)
    {
        if (coordinator.Equals(_watchedCoordinator))
            return;
        if (_watchedCoordinator is not null)
            Context.Unwatch(_watchedCoordinator);
        _watchedCoordinator = coordinator;
        Context.Watch(coordinator);
    }

    private void OnCoordinatorLost()
    {
        _log.Warning("{0}: the coordinator at {1} is gone; registering with its successor", _data.HospitalId, _watchedCoordinator?.Path);
        _watchedCoordinator = null;
        _registered = false;
        RegisterNow();
    }

    // A round request proves the coordinator knows us (the registration answer may have been lost).
    private void OnCoordinatorContact()
    {
        _registered = true;
        Timers.Cancel(RegistrationTimerKey);
        _coordinatorNode = Sender.Path.Address;
        WatchCoordinator(Sender);
    }

    private void Handle(CollectFeatureStatistics request)
    {
        if (!FromCoordinator(request))
            return;
        OnCoordinatorContact();
        if (Resend(request.RoundId, PayloadKind.FeatureStatistics))
            return;
        var statistics = FeatureStatistics.Compute(_data.Train).ToVector();
        EncryptAndSend(request.RoundId, PayloadKind.FeatureStatistics, statistics);
    }

    private void Handle(StartTraining request)
    {
        if (!FromCoordinator(request))
            return;
        OnCoordinatorContact();
        TryStartTraining(request);
    }

    private void TryStartTraining(StartTraining request)
    {
        if (Resend(request.RoundId, PayloadKind.ModelUpdate) || _trainingRound == request.RoundId)
            return;

        // Training needs the global statistics and the global model the round starts from. They are
        // usually still being decrypted (they arrive just before the request); if not, ask for them again.
        var missing = _scaledTrain is null ? 0 : request.GlobalModelRound != _globalRound ? request.GlobalModelRound : -1;
        if (missing >= 0)
        {
            _pendingTraining = request;
            if (_aggregatesInFlight == 0)
                _coordinator.Tell(new FetchAggregate(missing, _data.HospitalId));
            return;
        }

        _pendingTraining = null;
        _trainingRound = request.RoundId;
        var instruction = _plan.Strategy.ConfigureFit(request.RoundId, _globalParameters, [_data.HospitalId]).SingleOrDefault();
        if (instruction is null)
        {
            _log.Info("{0}: the strategy leaves this hospital out of round {1}", _data.HospitalId, request.RoundId);
            return;
        }

        _trainer.Tell(new TrainLocally(instruction));
    }

    private void Handle(LocalTrainingCompleted completed)
    {
        var update = completed.Update;
        _trainingMs = update.Duration.TotalMilliseconds;

        // Enc(n_i·w_i) and Enc(n_i) in one vector: the aggregator learns neither weights nor sample counts.
        var weighted = FedAvg.Weight(update.Parameters, update.SampleCount);
        var vector = new double[weighted.Length + 1];
        weighted.CopyTo(vector, 0);
        vector[^1] = update.SampleCount;
        Context.System.EventStream.Publish(new HospitalEvents.LocalUpdateTrained(_data.HospitalId, update.Round, update.Parameters, update.SampleCount));
        EncryptAndSend(update.Round, PayloadKind.ModelUpdate, vector);
    }

    private void EncryptAndSend(int round, PayloadKind kind, double[] vector)
    {
        // A diverged local model must not reach the aggregate: one NaN would poison every hospital's next model.
        var nonFinite = Array.FindIndex(vector, v => !double.IsFinite(v));
        if (nonFinite >= 0)
        {
            _log.Error("{0}: round {1}: value {2} of the {3} is {4}; nothing is encrypted or sent this round",
                _data.HospitalId, round, nonFinite, kind, vector[nonFinite]);
            return;
        }

        if (_crypto is null)
        {
            if (_thresholdKeyRetired is not null)
                _log.Error("{0}: cannot encrypt round {1}: the collective key is retired ({2})", _data.HospitalId, round, _thresholdKeyRetired);
            else
                _log.Error("{0}: cannot encrypt round {1}: the collective key is not ready", _data.HospitalId, round);
            return;
        }

        var clock = Stopwatch.StartNew();
        _crypto.EncryptAsync(vector).PipeTo(Self,
            success: chunks => new VectorEncrypted(round, kind, vector.Length, chunks, clock.Elapsed.TotalMilliseconds));
    }

    private void Handle(VectorEncrypted encrypted)
    {
        _encryptionMs = encrypted.ElapsedMs;
        var chunks = encrypted.Ciphertexts
            .Select((c, i) => new EncryptedChunk(encrypted.Round, _data.HospitalId, encrypted.Kind, i, encrypted.Ciphertexts.Length, encrypted.VectorLength, c))
            .ToArray();
        _sent.Clear();
        _sent[(encrypted.Round, encrypted.Kind)] = chunks;
        foreach (var chunk in chunks)
            _coordinator.Tell(chunk);
        Context.System.EventStream.Publish(new HospitalEvents.UpdateSent(_data.HospitalId, encrypted.Round, encrypted.VectorLength,
            encrypted.Ciphertexts.Sum(c => (long)c.Length), encrypted.ElapsedMs));
    }

    private bool Resend(int round, PayloadKind kind)
    {
        if (!_sent.TryGetValue((round, kind), out var chunks))
            return false;
        _log.Info("{0}: re-sending the {1} of round {2}", _data.HospitalId, kind, round);
        foreach (var chunk in chunks)
            _coordinator.Tell(chunk);
        return true;
    }

    private void Handle(EncryptedChunk chunk)
    {
        if (chunk.Kind == PayloadKind.DecryptionShare)
        {
            HandleShareFromParty(chunk);
            return;
        }

        var expected = chunk.Kind is PayloadKind.AggregatedStatistics or PayloadKind.AggregatedModel;
        if (!expected || !SentFromCoordinatorNode)
        {
            Refuse($"a {chunk.Kind} chunk of round {chunk.RoundId} from {Sender.Path}");
            return;
        }

        if (chunk.Kind == PayloadKind.AggregatedStatistics && chunk.RoundId != 0)
        {
            Refuse($"aggregated statistics claiming round {chunk.RoundId}; statistics belong to round 0");
            return;
        }

        if (chunk.Kind == PayloadKind.AggregatedModel && chunk.RoundId <= _globalRound)
            return; // already have this or a newer global model

        switch (_assembler.Offer(chunk, out var vector))
        {
            case ChunkOutcome.Refused:
                Refuse($"an aggregate chunk of round {chunk.RoundId}: {_assembler.LastRefusal}");
                break;
            case ChunkOutcome.Completed when _cryptoSetup.Threshold is not null:
                _aggregatesInFlight++;
                OnThresholdAggregate(vector!);
                break;
            case ChunkOutcome.Completed:
                _aggregatesInFlight++;
                var clock = Stopwatch.StartNew();
                _crypto!.DecryptAsync(vector!.Ciphertexts, vector.VectorLength).PipeTo(Self,
                    success: values => new VectorDecrypted(vector.RoundId, vector.Kind, values, clock.Elapsed.TotalMilliseconds),
                    failure: exception => new AggregateRefused(vector.RoundId, vector.Kind, exception.Message));
                break;
        }
    }

    private void Handle(VectorDecrypted decrypted)
    {
        _aggregatesInFlight--;
        _decryptionMs = decrypted.ElapsedMs;
        if (Array.FindIndex(decrypted.Values, v => !double.IsFinite(v)) is var nonFinite and >= 0)
        {
            _log.Error("{0}: refused the {1} of round {2}: value {3} decrypts to {4}; the model of round {5} stays",
                _data.HospitalId, decrypted.Kind, decrypted.Round, nonFinite, decrypted.Values[nonFinite], _globalRound);
            return;
        }

        if (decrypted.Kind == PayloadKind.AggregatedStatistics)
        {
            Standardizer standardizer;
            FeatureStatistics statistics;
            try
            {
                // Settled on a grid far above CKKS noise: every run of the spec then scales its data identically (DecryptedValues).
                statistics = FeatureStatistics.FromVector(DecryptedValues.SettleRelative(decrypted.Values), _data.Train.FeatureCount);
                standardizer = Standardizer.FromStatistics(statistics);
            }
            catch (ArgumentException exception)
            {
                _log.Error("{0}: refused the aggregated statistics: {1}", _data.HospitalId, exception.Message);
                return;
            }

            _globalStatistics = statistics;
            _scaledTrain = standardizer.Apply(_data.Train);
            _scaledEvaluation = standardizer.Apply(_data.Evaluation);
            _trainer.Tell(new PrepareData(_scaledTrain, _scaledEvaluation));
            _log.Info("{0}: scaling with global statistics of {1:F0} samples", _data.HospitalId, statistics.SampleCount);
        }
        else
        {
            if (decrypted.Round <= _globalRound)
                return;
            var values = decrypted.Values;
            var totalSamples = values[_parameterCount];
            if (!(totalSamples >= 0.5) || values.Length != _parameterCount + 1)
            {
                _log.Error("{0}: the aggregate of round {1} is unusable (Σn = {2})", _data.HospitalId, decrypted.Round, totalSamples);
                return;
            }

            float[] global;
            try
            {
                // Settled like the statistics, so every hospital and every run of the spec reach the same model bit for bit.
                global = DecryptedValues.SettledAverage(values.AsSpan(0, _parameterCount), totalSamples);
            }
            catch (ArgumentException exception)
            {
                _log.Error("{0}: refused the aggregate of round {1}: {2}; the model of round {3} stays",
                    _data.HospitalId, decrypted.Round, exception.Message, _globalRound);
                return;
            }

            _assembler.DiscardBefore(decrypted.Round + 1, PayloadKind.AggregatedModel);
            Context.System.EventStream.Publish(new HospitalEvents.AggregateDecrypted(_data.HospitalId, decrypted.Round, values));
            _globalParameters = global;
            _globalRound = decrypted.Round;
            SaveModel();
            if (_scaledEvaluation is not null)
                _trainer.Tell(new EvaluateLocally(decrypted.Round, global));
        }

        if (_pendingTraining is { } pending)
            TryStartTraining(pending);
    }

    private void Handle(AggregateRefused refused)
    {
        _aggregatesInFlight = Math.Max(0, _aggregatesInFlight - 1);
        _log.Error("{0}: refused the {1} of round {2}: {3}; the model of round {4} stays", _data.HospitalId, refused.Kind, refused.Round, refused.Reason, _globalRound);
    }

    /// <summary>
    /// Whether a command comes from the coordinator: once registered, only its node may steer this hospital. Before
    /// that (or while re-registering after losing it) a round request is what tells the hospital where the coordinator
    /// is, so it is taken only from a cluster member with the aggregator role.
    /// </summary>
    private bool FromCoordinator(IControlMessage message)
    {
        // A remote message without a sender arrives from dead letters, whose address is this node's own.
        if (Sender.IsNobody())
        {
            Refuse($"{message.GetType().Name} of round {message.RoundId} without a sender");
            return false;
        }

        var sender = Sender.Path.Address;
        if (_registered && _coordinatorNode is not null)
        {
            if (sender.Equals(_coordinatorNode))
                return true;
            Refuse($"{message.GetType().Name} of round {message.RoundId} from {Sender.Path}, which is not the coordinator's node {_coordinatorNode}");
            return false;
        }

        if (IsAggregatorNode(sender))
            return true;
        Refuse($"{message.GetType().Name} of round {message.RoundId} from {Sender.Path}, which is not an aggregator node of the cluster");
        return false;
    }

    // A remote message without a sender arrives from dead letters, whose address is this node's own: never the coordinator's.
    private bool SentFromCoordinatorNode => !Sender.IsNobody() && Sender.Path.Address.Equals(_coordinatorNode);

    // Outside a cluster (a hospital under test with probes) there are no roles to check.
    private static bool IsAggregatorNode(Address address) =>
        Context.System is not ExtendedActorSystem { Provider: ClusterActorRefProvider }
        || address.HasLocalScope
        || Cluster.Get(Context.System).State.Members.Any(m => m.Address.Equals(address) && m.HasRole(FederationRoles.Aggregator));

    /// <summary>Logs a refused message (the first few from each node, then a sample) so a flood cannot fill the disk.</summary>
    private void Refuse(string what)
    {
        var source = Sender.Path.Address.ToString();
        if (!_refusals.Record(source, out var count))
            return;
        if (count <= _refusals.LogFirst)
            _log.Warning("{0}: ignored {1}", _data.HospitalId, what);
        else
            _log.Warning("{0}: ignored {1} ({2} messages from {3} ignored; only some are logged)", _data.HospitalId, what, count, source);
    }

    private void Handle(LocalEvaluationCompleted evaluated)
    {
        var round = evaluated.Evaluation.Round;
        var metrics = evaluated.Evaluation.Metrics;
        _lastEvaluation = evaluated.Evaluation;
        var timings = new HospitalTimings(_trainingMs, _encryptionMs, _decryptionMs);
        _coordinator.Tell(new EvaluationReported(round, _data.HospitalId, _data.Evaluation.SampleCount,
            metrics.Accuracy, metrics.LogLoss, metrics.RocAuc, timings));
        Context.System.EventStream.Publish(new HospitalEvents.EvaluationSent(_data.HospitalId, round, metrics.Accuracy, metrics.LogLoss, metrics.RocAuc, timings));
    }

    private sealed class Register : INoSerializationVerificationNeeded
    {
        public static readonly Register Instance = new();
    }

    private sealed record VectorEncrypted(int Round, PayloadKind Kind, int VectorLength, byte[][] Ciphertexts, double ElapsedMs)
        : INoSerializationVerificationNeeded;

    private sealed record AggregateRefused(int Round, PayloadKind Kind, string Reason) : INoSerializationVerificationNeeded;

    private sealed record VectorDecrypted(int Round, PayloadKind Kind, double[] Values, double ElapsedMs) : INoSerializationVerificationNeeded;
}
