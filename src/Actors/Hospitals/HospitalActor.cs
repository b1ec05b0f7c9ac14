using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using FederatedHe.Actors.Configuration;
using FederatedHe.Actors.CryptoPool;
using FederatedHe.Actors.Diagnostics;
using FederatedHe.Actors.Nodes;
using FederatedHe.Actors.Persistence;
using FederatedHe.Actors.Protocol;
using FederatedHe.Actors.Security;
using FederatedHe.Actors.Transfer;
using FederatedHe.Crypto.Ckks;
using FederatedHe.Federation.Participation;
using FederatedHe.Training.Data;
using FederatedHe.Training.Federation;
using FederatedHe.Training.Models;
using static FederatedHe.Actors.Hospitals.LocalTrainingProtocol;
using static FederatedHe.Actors.Protocol.FederationProtocol;
using Core = FederatedHe.Federation.Participation;

namespace FederatedHe.Actors.Hospitals;

/// <summary>
/// A hospital: owns its data partition, trains locally (on the training dispatcher), encrypts its
/// update through its crypto pool (which alone holds the keys), decrypts the aggregate, and shares
/// only the evaluation figures it chooses to.
/// </summary>
/// <remarks>
/// A thin adapter around the pure <see cref="HospitalMachine"/>: it turns messages, timers and cluster events into the
/// machine's events and carries out its commands, with one behaviour per <see cref="HospitalPhase"/>. What needs keys,
/// data, models or actor references stays here: the crypto pool, the trainer, the chunk assembler, the chunks sent, the
/// model files, the registration proof and, in threshold mode, the crypto of key generation and of the decryption committee
/// (whose decisions are the sub-machines <see cref="PartyKeyGeneration{TSealedShare, TCollectiveKey}"/> and
/// <see cref="CommitteeDecryption{TAggregate, TShare}"/>).
/// </remarks>
internal sealed partial class HospitalActor : ReceiveActor, IWithTimers
{
    private const string RegistrationTimerKey = "register";

    private readonly HospitalData _data;
    private readonly HospitalTrainingPlan _plan;
    private readonly string _parameterSetId;
    private readonly IActorRef _coordinator;
    private readonly HospitalCrypto _cryptoSetup;
    private readonly UpdateChunking _chunking;
    private readonly FederationSettings _settings;
    private CryptoPoolClient? _crypto;
    private IActorRef? _cryptoPool;
    private int _cryptoPools;
    private readonly Func<Props, Props>? _decorateTrainer;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly ChunkAssembler _assembler;
    private readonly RefusalTally _refusals = new();
    private readonly int _parameterCount;

    // FedAvg's weighted sum, or distributed mode's noise shares: how an update is encrypted and an aggregate becomes the model.
    private readonly UpdateEncoding _encoding;

    private readonly HospitalMachine _machine;
    private HospitalState _state = null!;

    // The chunks of the last update sent (the machine's LastSent), re-sent when the coordinator asks again.
    private EncryptedChunk[] _sentChunks = [];

    // With fedhe.persistence on, the latest decrypted global model survives a restart of this process.
    private readonly HospitalModelFile? _modelFile;
    private readonly string _modelDirectory;
    private IActorRef? _watchedCoordinator;

    private IActorRef _trainer = ActorRefs.Nobody;
    private Dataset? _scaledTrain;
    private Dataset? _scaledEvaluation;
    private float[] _globalParameters;
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
        _chunking = UpdateChunking.For(crypto.Parameters, settings.Mode == KeyMode.InsecurePlaintext, crypto.Threshold);
        // An aggregate sums at most as many updates as the coordinator may assemble at once; each adds a 32-byte seed.
        _assembler = new ChunkAssembler(settings.TransferLimits(_chunking.MaxChunkBytes(settings.MaxOpenVectors)));
        _globalParameters = ModelFactory.InitialParameters(plan.Model, data.Train.FeatureCount, plan.InitialisationSeed);
        _parameterCount = _globalParameters.Length;
        // FedAvg's weights are normalised to the range of a sum, so a hospital's size never puts its update out of range.
        _encoding = UpdateEncoding.For(plan.DistributedNoise, _parameterCount, _chunking.SumRange);
        var persistence = PersistenceSettings.Create(Context.System.Settings.Config);
        if (persistence.Enabled)
            _modelFile = new HospitalModelFile(persistence.HospitalDirectory, data.HospitalId);
        // The final model file goes to fedhe.hospital.model-directory, else the hospital directory, persistence on or off.
        _modelDirectory = Context.System.Settings.Config.GetString("fedhe.hospital.model-directory", string.Empty) is { Length: > 0 } directory
            ? directory
            : persistence.HospitalDirectory;
        _machine = new HospitalMachine(new HospitalMachineSettings(
            Threshold: crypto.Threshold is not null,
            RestoresKeyFirst: crypto.Threshold is not null && persistence.Enabled,
            RegistrationRetry: HospitalMachineSettings.DefaultRegistrationRetry));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(HospitalData data, HospitalTrainingPlan plan, HospitalCrypto crypto, IActorRef coordinator,
        FederationSettings settings, Func<Props, Props>? decorateTrainer, NodeIdentity? identity = null, RegistrationTrust? trust = null) =>
        Akka.Actor.Props.Create(() => new HospitalActor(data, plan, crypto, coordinator, settings, decorateTrainer, identity, trust));

    protected override void PreStart()
    {
        // The hosting process may wrap the worker (the harness's straggler does): the hospital itself has no fault code.
        var trainer = LocalTrainingWorker.Props(_data.HospitalId, _plan.Model, _plan.DpSgd);
        _trainer = Context.ActorOf(_decorateTrainer?.Invoke(trainer) ?? trainer, FederationNode.HospitalTrainerName);
        if (_cryptoSetup.SharedKeys is { } keys)
            StartCryptoPool(keys);
        else
            StartThresholdParty();
        var (state, commands) = _machine.Start(LoadSavedModel());
        _state = state;
        Become(() => Behaviour(state.Phase));
        foreach (var command in commands)
            Execute(command, null);
    }

    /// <summary>Hands an event to the machine, carries out its commands and switches behaviour when the phase changes.</summary>
    private void Apply(HospitalEvent message, object? current = null)
    {
        var before = _state.Phase;
        var (next, commands) = _machine.Handle(_state, message);
        _state = next;
        foreach (var command in commands)
            Execute(command, current);
        if (_state.Phase != before)
        {
            var phase = _state.Phase;
            Become(() => Behaviour(phase));
        }
    }

    /// <summary>
    /// What each phase accepts. Round requests, aggregates and committee traffic overlap in time (a re-sent request or a
    /// caught-up aggregate may come at any point of a round), so training, encrypting and awaiting an aggregate are
    /// states of the machine, not behaviours: a behaviour for each would accept the same messages.
    /// </summary>
    private void Behaviour(HospitalPhase phase)
    {
        switch (phase)
        {
            case HospitalPhase.RestoringKey:
                ReceiveKeyRestore();
                break;
            case HospitalPhase.Participating:
                // Only an admitted hospital watches a coordinator; losing it means registering with its successor.
                Receive<Terminated>(t => t.ActorRef.Equals(_watchedCoordinator), t => Apply(CoordinatorLost.Instance, t));
                break;
        }

        Common();
    }

    private void Common()
    {
        ReceiveRegistrationMessages();
        Receive<CollectFeatureStatistics>(m => Apply(new StatisticsRequested(Source(), Describe(m), m.RoundId), m));
        Receive<StartTraining>(m => Apply(new TrainingRequested(Source(), Describe(m), m.RoundId, m.GlobalModelRound), m));
        Receive<EncryptedChunk>(Handle);
        Receive<VectorEncrypted>(e => Apply(new UpdateEncrypted(e.Round, UpdateKindOf(e.Kind)), e));
        Receive<VectorDecrypted>(Handle);
        Receive<AggregateRefused>(Handle);
        Receive<LocalTrainingCompleted>(Handle);
        Receive<LocalEvaluationCompleted>(Handle);
        Receive<LocalWorkFailed>(f => _log.Error("{0}: round {1}: {2}", _data.HospitalId, f.Round, f.Reason));
        ReceiveThresholdMessages();
        Receive<Status.Failure>(f =>
        {
            Apply(AggregateDecryptionFailed.Instance);
            _log.Error(f.Cause, "{0}: CKKS work failed", _data.HospitalId);
        });
        Receive<FederationFinished>(f => Apply(new FederationEnded(Source(checkRole: false), f.RoundId, f.Succeeded, f.Status), f));
        Receive<IControlMessage>(m => Refuse($"{m.GetType().Name}, which a hospital does not accept, from {Sender.Path}"));
    }

    /// <summary>Carries out one command; <paramref name="current"/> is what the event came with (the message, the assembled aggregate, saved values).</summary>
    private void Execute(HospitalCommand command, object? current)
    {
        switch (command)
        {
            case SendRegistration:
                // The schema (never values) travels with the registration, for the coordinator's preflight before round 0.
                _coordinator.Tell(new RegisterHospital(_data.HospitalId, _parameterSetId, DataDescription.Of(_data.Train.Schema, _data.Problem)));
                break;
            case StartRegistrationTimer timer:
                Timers.StartSingleTimer(RegistrationTimerKey, Register.Instance, timer.Delay);
                break;
            case CancelRegistrationTimer:
                Timers.Cancel(RegistrationTimerKey);
                break;
            case WarnNoRegistrationAnswer warn:
                _log.Warning("{0}: no answer from the coordinator after {1} registration attempts; still trying", _data.HospitalId, warn.Attempts);
                break;
            case LogRegistration { Accepted: true }:
                _log.Info("{0}: registered with the coordinator", _data.HospitalId);
                break;
            case LogRegistration refused:
                _log.Error("{0}: the coordinator refused registration: {1}", _data.HospitalId, refused.Reason);
                // A refusal is final (the hospital does not ask again): the hosting process stops, with the coordinator's reason.
                Context.System.EventStream.Publish(new FederationFinished(0, false, $"the coordinator refused registration: {refused.Reason}"));
                break;
            case Core.WatchCoordinator:
                WatchCoordinator(Sender);
                break;
            case UnwatchCoordinator:
                if (_watchedCoordinator is not null)
                    Context.Unwatch(_watchedCoordinator);
                _watchedCoordinator = null;
                break;
            case WarnCoordinatorLost:
                _log.Warning("{0}: the coordinator at {1} is gone; registering with its successor", _data.HospitalId, _watchedCoordinator?.Path);
                _watchedCoordinator = null;
                break;
            case LogRefusal refuse:
                Refuse(refuse.What);
                break;
            case SendStatistics send:
                EncryptStatistics(send.Round);
                break;
            case ResendUpdate resend:
                _log.Info("{0}: re-sending the {1} of round {2}", _data.HospitalId, PayloadKindOf(resend.Kind), resend.Round);
                foreach (var chunk in _sentChunks)
                    _coordinator.Tell(chunk);
                break;
            case FetchMissedAggregate fetch:
                _coordinator.Tell(new FetchAggregate(fetch.Round, _data.HospitalId));
                break;
            case StartLocalTraining train:
                TrainLocally(train.Round);
                break;
            case EncryptUpdate:
                EncryptTrainedUpdate(((LocalTrainingCompleted)current!).Update);
                break;
            case SendUpdate:
                SendEncrypted((VectorEncrypted)current!);
                break;
            case AssembleChunk:
                Assemble((EncryptedChunk)current!);
                break;
            case DecryptAggregate:
                DecryptWithPool((AssembledVector)current!);
                break;
            case DecryptWithCommittee:
                OnThresholdAggregate((AssembledVector)current!);
                break;
            case AdoptAggregate adopt:
                Adopt((VectorDecrypted)current!, adopt);
                break;
            case EvaluateModel evaluate:
                _trainer.Tell(new EvaluateLocally(evaluate.Round, _globalParameters));
                break;
            case ReplaySavedStatistics:
                Self.Tell(new VectorDecrypted(0, PayloadKind.AggregatedStatistics, (double[])current!, 0));
                _log.Info("{0}: loaded the global statistics", _data.HospitalId);
                break;
            case StartKeyGeneration:
                BeginKeyGenerationAsParty((BeginKeyGeneration)current!);
                break;
            case EndFederation end:
                _log.Info("{0}: federation finished at round {1}: {2}", _data.HospitalId, end.Round, end.Status);
                if (end.Succeeded)
                    WriteFinalModel();
                Context.System.EventStream.Publish((FederationFinished)current!); // lets the hosting process know it may stop
                break;
            default:
                throw new InvalidOperationException($"the hospital actor does not carry out {command.GetType().Name}");
        }
    }

    /// <summary>The pool that encrypts (and in shared-key mode decrypts); the only place the keys live.</summary>
    private void StartCryptoPool(CkksKeyMaterial material)
    {
        // A pool is named for the key it holds; a new key generation stops the pool of the previous key first.
        var pool = Context.ActorOf(CryptoWorker.PoolProps(material with { InsecurePlaintext = _chunking.IsInsecurePlaintext },
            _settings.EffectiveCryptoPoolSize), $"crypto-{++_cryptoPools}");
        _cryptoPool = pool;
        _crypto = new CryptoPoolClient(pool, _chunking.ValuesPerChunk, TimeSpan.FromMinutes(5));
    }

    /// <summary>Stops encrypting under the current key: a new collective key is being made.</summary>
    private void StopCryptoPool()
    {
        if (_cryptoPool is { } pool)
            Context.Stop(pool);
        _cryptoPool = null;
        _crypto = null;
    }

    /// <summary>The round of the global model saved before a restart (0: none, or it was refused).</summary>
    private int LoadSavedModel()
    {
        if (_modelFile is null)
            return 0;
        try
        {
            if (_modelFile.Load(_parameterSetId, _parameterCount) is { } saved)
            {
                _globalParameters = saved.Parameters;
                _log.Info("{0}: resumed with the global model of round {1} from {2}", _data.HospitalId, saved.Round, _modelFile.FilePath);
                return saved.Round;
            }
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            // Starting from the initial model is safe: the coordinator hands out the latest aggregate on request.
            _log.Error("{0}: ignored the saved model: {1}", _data.HospitalId, e.Message);
        }

        return 0;
    }

    private void SaveModel(int round)
    {
        if (_modelFile is null)
            return;
        try
        {
            _modelFile.Save(round, _parameterSetId, _globalParameters);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _log.Error("{0}: could not save the global model of round {1}: {2}", _data.HospitalId, round, e.Message);
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

    private void TrainLocally(int round)
    {
        var instruction = _plan.Strategy.ConfigureFit(round, _globalParameters, [_data.HospitalId]).SingleOrDefault();
        if (instruction is null)
        {
            _log.Info("{0}: the strategy leaves this hospital out of round {1}", _data.HospitalId, round);
            return;
        }

        _trainer.Tell(new TrainLocally(instruction));
    }

    private void Handle(LocalTrainingCompleted completed)
    {
        _trainingMs = completed.Update.Duration.TotalMilliseconds;
        Apply(new UpdateTrained(completed.Update.Round), completed);
    }

    private void EncryptTrainedUpdate(ClientUpdate update)
    {
        // Enc(ν_i·w_i) and Enc(ν_i) in one vector, ν_i = n_i·W/N₀ (or, in distributed mode, the clipped update with its noise
        // share): the aggregator learns neither weights nor sample counts. N₀ comes from the decrypted round-0 statistics.
        double[] vector;
        try
        {
            vector = _encoding.Encode(update.Parameters, update.SampleCount, _globalParameters, _globalStatistics?.SampleCount ?? 0);
        }
        catch (ArgumentException exception)
        {
            _log.Error("{0}: round {1}: the update cannot be encoded: {2}; nothing is encrypted or sent this round", _data.HospitalId, update.Round, exception.Message);
            return;
        }

        Context.System.EventStream.Publish(new HospitalEvents.LocalUpdateTrained(_data.HospitalId, update.Round, update.Parameters, update.SampleCount, vector[^1]));
        EncryptAndSend(update.Round, PayloadKind.ModelUpdate, vector);
    }

    private void EncryptStatistics(int round)
    {
        var statistics = FeatureStatistics.Compute(_data.Train).ToVector();
        if (!_chunking.HasNarrowRange)
        {
            EncryptAndSend(round, PayloadKind.FeatureStatistics, statistics);
            return;
        }

        // Sums of squares outgrow a narrow range: they travel split into narrow limbs and are joined after decryption. The
        // seeded threshold set's decryption error (up to 4e-5) is too large to leave in a limb: its limbs are all integers
        // (fixed point), so every decryption of the statistics gives the same values and every run standardises alike.
        double[] limbs;
        try
        {
            limbs = _chunking.IsSeededThresholdFormat ? WideValueSplitting.SplitFixedPoint(statistics) : WideValueSplitting.Split(statistics);
        }
        catch (ArgumentException exception)
        {
            _log.Error("{0}: the feature statistics cannot be encrypted ({1}); nothing is sent", _data.HospitalId, exception.Message);
            return;
        }

        EncryptAndSend(round, PayloadKind.FeatureStatistics, limbs);
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

        // A single-modulus sum wraps beyond its range: an update that could push the sum there is never sent. FedAvg's
        // encoding has kept its own sum in range (its bound is on the parameters, whatever the record counts); statistics and
        // distributed mode's shares take an equal share of the range each.
        var bound = kind == PayloadKind.ModelUpdate && _encoding is SampleWeightedEncoding
            ? _chunking.SumRange
            : _chunking.MaxUpdateMagnitude(_settings.MinHospitals);
        var tooLarge = Array.FindIndex(vector, v => Math.Abs(v) > bound);
        if (tooLarge >= 0)
        {
            _log.Error($"{_data.HospitalId}: round {round}: value {tooLarge} of the {kind} is {vector[tooLarge]}, over the {bound:G3} " +
                       $"a sum of {_settings.MinHospitals} updates can hold; nothing is encrypted or sent this round");
            return;
        }

        var clock = Stopwatch.StartNew();
        _crypto.EncryptAsync(vector, SeededContext(round)).PipeTo(Self,
            success: chunks => new VectorEncrypted(round, kind, vector.Length, chunks, clock.Elapsed.TotalMilliseconds));
    }

    /// <summary>This hospital's update chunks of <paramref name="aggregate"/>'s round and kind, if it sent one (a sum it uses must include it).</summary>
    private IReadOnlyList<byte[]>? OwnUpdateOf(AssembledVector aggregate)
    {
        var updateKind = aggregate.Kind == PayloadKind.AggregatedStatistics ? PayloadKind.FeatureStatistics : PayloadKind.ModelUpdate;
        return _sentChunks.Length > 0 && _sentChunks[0].RoundId == aggregate.RoundId && _sentChunks[0].Kind == updateKind
            ? _sentChunks.Select(c => c.Ciphertext).ToArray()
            : null;
    }

    /// <summary>
    /// A decrypted aggregate as this hospital takes it, from its pool or its committee: statistics of a narrow-range sum joined
    /// from their limbs (fixed point in the seeded threshold format; see EncryptStatistics). Limbs that do not join refuse the
    /// aggregate, whichever decrypted it.
    /// </summary>
    /// <returns>A <see cref="VectorDecrypted"/>, or an <see cref="AggregateRefused"/>.</returns>
    private object Decrypted(int round, PayloadKind kind, double[] values, double elapsedMs)
    {
        if (!_chunking.HasNarrowRange || kind != PayloadKind.AggregatedStatistics)
            return new VectorDecrypted(round, kind, values, elapsedMs);
        try
        {
            var joined = _chunking.IsSeededThresholdFormat ? WideValueSplitting.JoinFixedPoint(values) : WideValueSplitting.Join(values);
            return new VectorDecrypted(round, kind, joined, elapsedMs);
        }
        catch (ArgumentException exception)
        {
            return new AggregateRefused(round, kind, exception.Message);
        }
    }

    private void SendEncrypted(VectorEncrypted encrypted)
    {
        _encryptionMs = encrypted.ElapsedMs;
        _sentChunks = encrypted.Ciphertexts
            .Select((c, i) => new EncryptedChunk(encrypted.Round, _data.HospitalId, encrypted.Kind, i, encrypted.Ciphertexts.Length, encrypted.VectorLength, c))
            .ToArray();
        foreach (var chunk in _sentChunks)
            _coordinator.Tell(chunk);
        Context.System.EventStream.Publish(new HospitalEvents.UpdateSent(_data.HospitalId, encrypted.Round, encrypted.VectorLength,
            encrypted.Ciphertexts.Sum(c => (long)c.Length), encrypted.ElapsedMs));
    }

    private void Handle(EncryptedChunk chunk)
    {
        if (chunk.Kind == PayloadKind.DecryptionShare)
        {
            HandleShareFromParty(chunk);
            return;
        }

        AggregateKind? kind = chunk.Kind switch
        {
            PayloadKind.AggregatedStatistics => AggregateKind.Statistics,
            PayloadKind.AggregatedModel => AggregateKind.Model,
            _ => null,
        };
        Apply(new AggregateChunkArrived(Source(checkRole: false), kind, chunk.Kind.ToString(), chunk.RoundId), chunk);
    }

    private void Assemble(EncryptedChunk chunk)
    {
        switch (_assembler.Offer(chunk, out var vector))
        {
            case ChunkOutcome.Refused:
                Refuse($"an aggregate chunk of round {chunk.RoundId}: {_assembler.LastRefusal}");
                break;
            case ChunkOutcome.Completed:
                Apply(new AggregateAssembled(vector!.RoundId, AggregateKindOf(vector.Kind)), vector);
                break;
        }
    }

    private void DecryptWithPool(AssembledVector vector)
    {
        var clock = Stopwatch.StartNew();
        int? contributors = null;
        IReadOnlyList<byte[]>? own = null;
        if (_chunking.IsAggregationFormat)
        {
            try
            {
                // Every chunk of a sum holds the same contributions, and a sum of a round this hospital contributed to includes its
                // update: otherwise the aggregate could be another hospital's update alone, or one with this update left out.
                contributors = AggregationChunk.FromBytes(_cryptoSetup.Parameters, vector.Ciphertexts[0]).ContributorCount;
            }
            catch (Exception exception) when (exception is FederatedHe.Crypto.CkksFormatException or FederatedHe.Crypto.ParameterSetMismatchException)
            {
                Self.Tell(new AggregateRefused(vector.RoundId, vector.Kind, $"chunk 0: {exception.Message}"));
                return;
            }

            own = OwnUpdateOf(vector);
        }

        _crypto!.DecryptAsync(vector.Ciphertexts, vector.VectorLength, contributors, own).PipeTo(Self,
            success: values => Decrypted(vector.RoundId, vector.Kind, values, clock.Elapsed.TotalMilliseconds),
            failure: exception => new AggregateRefused(vector.RoundId, vector.Kind, exception.Message));
    }

    private void Handle(VectorDecrypted decrypted)
    {
        _decryptionMs = decrypted.ElapsedMs;
        var nonFinite = Array.FindIndex(decrypted.Values, v => !double.IsFinite(v));
        if (nonFinite >= 0)
            _log.Error("{0}: refused the {1} of round {2}: value {3} decrypts to {4}; the model of round {5} stays",
                _data.HospitalId, decrypted.Kind, decrypted.Round, nonFinite, decrypted.Values[nonFinite], _state.GlobalRound);
        Apply(new AggregateDecrypted(decrypted.Round, AggregateKindOf(decrypted.Kind), nonFinite < 0), decrypted);
    }

    /// <summary>Checks the decrypted values and takes them: statistics standardise the data, a model becomes the global model.</summary>
    private void Adopt(VectorDecrypted decrypted, AdoptAggregate adopt)
    {
        if (adopt.Kind == AggregateKind.Statistics)
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
            Apply(new AggregateAdopted(adopt.Round, adopt.Kind));
            return;
        }

        var values = decrypted.Values;
        float[] global;
        try
        {
            // Settled (or put back on the noise grid), so every hospital and every run of the spec reach the same model bit for bit.
            global = _encoding.Decode(values, _globalParameters);
        }
        catch (ArgumentException exception)
        {
            _log.Error("{0}: the aggregate of round {1} is unusable: {2}; the model of round {3} stays",
                _data.HospitalId, decrypted.Round, exception.Message, _state.GlobalRound);
            return;
        }

        _assembler.DiscardBefore(decrypted.Round + 1, PayloadKind.AggregatedModel);
        Context.System.EventStream.Publish(new HospitalEvents.AggregateDecrypted(_data.HospitalId, decrypted.Round, values));
        _globalParameters = global;
        SaveModel(decrypted.Round);
        Apply(new AggregateAdopted(adopt.Round, adopt.Kind));
    }

    private void Handle(AggregateRefused refused)
    {
        Apply(AggregateDecryptionFailed.Instance);
        _log.Error("{0}: refused the {1} of round {2}: {3}; the model of round {4} stays", _data.HospitalId, refused.Kind, refused.Round, refused.Reason, _state.GlobalRound);
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

    /// <summary>Where the current message came from; <paramref name="checkRole"/> asks the cluster whether its node is an aggregator.</summary>
    private MessageSource Source(bool checkRole = true)
    {
        // A remote message without a sender arrives from dead letters, whose address is this node's own: never the coordinator's.
        if (Sender.IsNobody())
            return new MessageSource(null, Sender?.Path.ToString() ?? "no sender", false);
        var address = Sender.Path.Address;
        return new MessageSource(address.ToString(), Sender.Path.ToString(), checkRole && IsAggregatorNode(address));
    }

    private static string Describe(IControlMessage message) => $"{message.GetType().Name} of round {message.RoundId}";

    private bool SentFromCoordinatorNode => !Sender.IsNobody() && _state.IsCoordinatorNode(Sender.Path.Address.ToString());

    // Outside a cluster (a hospital under test with probes) there are no roles to check.
    private static bool IsAggregatorNode(Address address) =>
        Context.System is not ExtendedActorSystem { Provider: ClusterActorRefProvider }
        || address.HasLocalScope
        || Cluster.Get(Context.System).State.Members.Any(m => m.Address.Equals(address) && m.HasRole(FederationRoles.Aggregator));

    private static UpdateKind UpdateKindOf(PayloadKind kind) =>
        kind == PayloadKind.FeatureStatistics ? UpdateKind.FeatureStatistics : UpdateKind.ModelUpdate;

    private static PayloadKind PayloadKindOf(UpdateKind kind) =>
        kind == UpdateKind.FeatureStatistics ? PayloadKind.FeatureStatistics : PayloadKind.ModelUpdate;

    private static AggregateKind AggregateKindOf(PayloadKind kind) =>
        kind == PayloadKind.AggregatedStatistics ? AggregateKind.Statistics : AggregateKind.Model;

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

    private sealed class Register : INoSerializationVerificationNeeded
    {
        public static readonly Register Instance = new();
    }

    private sealed record VectorEncrypted(int Round, PayloadKind Kind, int VectorLength, byte[][] Ciphertexts, double ElapsedMs)
        : INoSerializationVerificationNeeded;

    private sealed record AggregateRefused(int Round, PayloadKind Kind, string Reason) : INoSerializationVerificationNeeded;

    private sealed record VectorDecrypted(int Round, PayloadKind Kind, double[] Values, double ElapsedMs) : INoSerializationVerificationNeeded;
}
