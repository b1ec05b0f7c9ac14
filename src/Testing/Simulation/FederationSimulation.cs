using System.Diagnostics;
using System.Threading.Channels;
using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using FederatedHe.Actors.Configuration;
using FederatedHe.Actors.CryptoPool;
using FederatedHe.Actors.Diagnostics;
using FederatedHe.Actors.Harness;
using FederatedHe.Actors.Hospitals;
using FederatedHe.Actors.Nodes;
using FederatedHe.Actors.Persistence;
using FederatedHe.Actors.Security;
using FederatedHe.Actors.Serialization;
using FederatedHe.Actors.Spec;
using FederatedHe.Crypto.Ckks;
using FederatedHe.Crypto.Multiparty;
using FederatedHe.Crypto.Rlwe;
using FederatedHe.Training.Data;
using FederatedHe.Training.Evaluation;
using FederatedHe.Training.Federation;
using FederatedHe.Training.Models;
using static FederatedHe.Actors.Protocol.FederationEvents;

namespace FederatedHe.Testing;

/// <summary>
/// Runs a whole federation in one process: an aggregator and N hospitals, each its own actor system
/// in one Akka cluster over real TCP on loopback, on a CSV data set, with a plaintext shadow of every
/// aggregate. The same actors run as separate processes under `fedhe node`.
/// </summary>
public static class FederationSimulation
{
    /// <summary>
    /// Most hospitals one process runs per core (measured on 2 cores; see <see cref="RequireCapacity"/>). 25 per core ran 50
    /// hospitals in some runs, but on 2026-12-02 two of three 50-hospital runs at idle failed to converge (heartbeats 3-5 s
    /// late while the systems started, then nodes gated, quarantined and downed). At 15 per core, 30 hospitals at idle took
    /// 40-58 s for one round with some 300 late-heartbeat warnings, and at load 9 every node was downed before registering;
    /// 20 hospitals at load 8 still finished. 10 per core leaves room for a machine that is busy with more than the run.
    /// </summary>
    public const int HospitalsPerCore = 10;

    /// <summary>Hospitals that join the cluster together; the next ones join once these are up.</summary>
    private const int JoinBatchSize = 10;

    /// <summary>Most hospitals whose in-process cluster gossips every 100 ms rather than every 200 ms (see <see cref="NodeSettings"/>).</summary>
    private const int FastPaceMostHospitals = 8;

    /// <summary>How long a run whose aggregator the process's shutdown stopped waits for the signal's cancellation to reach it.</summary>
    private static readonly TimeSpan SignalCancellationWait = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a run whose nodes end with the process waits for the hospitals to finish (write their final models) before it
    /// stops the nodes after all (<see cref="SimulationOptions.NodesEndWithProcess"/>).
    /// </summary>
    private static readonly TimeSpan HospitalsFinishWait = TimeSpan.FromSeconds(5);

    /// <summary>How long each node may take to leave the cluster and stop at the end.</summary>
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Checks, before anything starts or is printed, what a run would refuse: the options, the spec and the data (every
    /// file loads, with one schema and both classes). The run loads the data again; the files are small next to a federation.
    /// </summary>
    /// <exception cref="FederationSpecException">The spec is invalid.</exception>
    /// <exception cref="DatasetFormatException">A data file is malformed.</exception>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    public static void Check(SimulationOptions options)
    {
        options.Validate();
        RequireCapacity(options.Spec.Federation.Hospitals);
        _ = FederationData.Load(options.Spec);
    }

    /// <summary>
    /// Refuses more hospitals than this machine's cores can keep in one cluster in one process. Every node heartbeats its
    /// peers and gossips the membership each second and handshakes with every peer it meets: on 2 cores shared with other
    /// work, 50 hospitals ran only sometimes and 100 never converged (handshakes and heartbeats timed out until nodes were gated or downed).
    /// </summary>
    /// <exception cref="FederationSimulationException">More hospitals than <see cref="HospitalsPerCore"/> per core.</exception>
    public static void RequireCapacity(int hospitals)
    {
        var most = HospitalsPerCore * Environment.ProcessorCount;
        if (hospitals > most)
            throw new FederationSimulationException($"--hospitals {hospitals}: one process runs at most {most} hospitals on {Environment.ProcessorCount} cores "
                + $"({HospitalsPerCore} per core: each is a cluster node that heartbeats and gossips every second); run the federation as processes "
                + "with `fedhe cluster up`, or on a machine with more cores");
    }

    /// <summary>Runs the federation to its end and reports each round as it completes.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="DatasetFormatException">The data file is malformed.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public static async Task<SimulationResult> RunAsync(SimulationOptions options, Action<SimulationRound>? onRound = null,
        CancellationToken cancellationToken = default)
    {
        options.Validate();
        RequireCapacity(options.Spec.Federation.Hospitals);
        var spec = options.Spec;
        var (parameters, threshold) = spec.ResolveCrypto();

        // Several hospitals share this process's cores: one intra-op thread each keeps them from oversubscribing (the hospitals'
        // own training is set so by FederationNode.StartHospital; this covers the harness's baselines too). Its first call loads
        // libtorch (~0.4 s): on a thread of its own, while the data loads and the aggregator's node starts, which need no torch.
        var torchLoaded = OnThreadOfItsOwn(() => TorchSharp.torch.set_num_threads(1), cancellationToken);
        // The nodes' control-message serializer compiles a reader and a writer for every allowed type when it is first built
        // (~0.4 s of CPU, which the aggregator's node then waited for): built beside libtorch's load, which keeps one core.
        _ = OnThreadOfItsOwn(AllowListHyperionSerializer.Build, cancellationToken);

        // The one split every run mode makes (FederationData): the common test set first, then the seeded partition.
        var federationData = FederationData.Load(spec);
        var data = federationData.All;
        var split = federationData.Split;
        var partitions = federationData.Train;
        var hospitalIds = spec.HospitalIds.ToList();
        var training = spec.TrainingOptions;

        // The harness's own view of the test set, scaled as the hospitals scale theirs.
        var standardizer = Standardizer.FromStatistics(FeatureStatistics.Combine(partitions.Select(FeatureStatistics.Compute)));
        var scaledTest = standardizer.Apply(split.Test);

        // Shared-key mode: one key pair, provisioned to every hospital (never to the aggregator). Threshold
        // mode: no key exists yet; the hospitals generate the collective key together when the federation starts.
        var (secretKey, publicKey) = threshold is null ? options.SharedKeys?.Invoke(parameters) ?? new KeyGenerator(parameters).GenerateKeyPair() : (null, null);
        var hospitalCrypto = threshold is null
            ? HospitalCrypto.WithSharedKeys(new CkksKeyMaterial(parameters, publicKey, secretKey))
            : HospitalCrypto.WithThreshold(threshold);
        // Threshold mode signs and verifies key generation with the nodes' certificates: each run makes its own, in memory.
        using var identities = threshold is null ? null : SimulatedIdentities.Create(hospitalIds);
        // Restarted nodes resume from checkpoints; unless the spec keeps them somewhere, they live in a temporary directory.
        var restarts = spec.Faults.Schedule.Any(f => f.Kind is FaultKind.RestartAggregator or FaultKind.RestartHospital);
        var temporaryState = restarts && !spec.Persistence.Enabled
            ? Directory.CreateTempSubdirectory("fedhe-simulation-state-").FullName
            : null;
        if (temporaryState is not null)
            spec = spec.WithPersistence(new PersistenceSettings(true, Path.Combine(temporaryState, "aggregator.db"), Path.Combine(temporaryState, "hospitals")));
        var nodeSettings = NodeSettings(options, spec);
        var shadow = new ShadowFedAvg();
        var finishedHospitals = new FinishedHospitals();
        // Hospitals are wrapped in the straggler decorator only when the spec makes one: otherwise they run exactly as on a node.
        // A scheduled kill decorates too: the hospital is cut off from its training the moment the spec names, however late its node stops.
        var decorated = spec.Faults.TrainingDelay > TimeSpan.Zero
                        || spec.Faults.Schedule.Any(f => f.Kind is FaultKind.SlowHospital or FaultKind.KillHospital);
        Func<Props, Props>? DecorateTrainer(string hospitalId) => decorated ? StragglingTrainer.DecorateFor(spec, hospitalId) : null;
        // The baselines cost the rounds next to nothing: plaintext FedAvg is each round's contributors' updates averaged in
        // plaintext (the shadow sees them), and the centralised model, which needs nothing from the federation, trains a bounded
        // number of epochs (fedhe.experiment) on a thread of its own from the start, at the lowest priority: the nodes' start-up
        // keeps both cores busy, and the baseline (~0.85 s of CPU for 100 epochs) is only read at the end.
        var centralizedEpochs = spec.Experiment.CentralisedBaselineEpochs(training.Epochs, spec.Federation.Rounds);
        var centralizedBaseline = options.ComputeBaselines
            ? OnThreadOfItsOwn(() =>
            {
                LowestPriority.ForCurrentThread();
                torchLoaded.GetAwaiter().GetResult();
                return CentralizedBaseline.Run(split.Train, split.Test, spec.Training.Model, training with { Epochs = centralizedEpochs }, cancellationToken).Test;
            }, cancellationToken)
            : null;
        var events = Channel.CreateUnbounded<IFederationEvent>();
        var systems = new List<ActorSystem>();
        var rounds = new SortedDictionary<int, SimulationRound>();
        var clock = Stopwatch.StartNew();
        var timeline = new FederationTimeline();
        var decisions = new Queue<string>();
        FederatedEvaluation? finalEvaluation = null;
        FederationCompleted? completion;
        Task<SimulationResult>? concluded = null;
        var whileNodesStop = Task.CompletedTask;
        var nodesEndWithProcess = false;
        try
        {
            var aggregator = await StartAggregatorNodeAsync(0, null).ConfigureAwait(false);
            var aggregatorAddress = Cluster.Get(aggregator).SelfAddress;
            if (options.OnAggregatorStarted is { } onAggregatorStarted)
                await onAggregatorStarted(aggregatorAddress).ConfigureAwait(false);

            var hospitals = hospitalIds.Select(id => CreateNode(id, FederationRoles.Hospital,
                FederationNode.NodeConfig(spec, FederationRoles.Hospital, "127.0.0.1", 0, [], nodeSettings))).ToList();
            systems.AddRange(hospitals);
            // Without scheduled faults, and when the hospitals join in one batch, the coordinator and each hospital's actors start
            // before the hospitals have joined, as on a `fedhe node`: their start-up (crypto pools, trainers) overlaps the
            // cluster's forming, which is mostly a wait for gossip. A hospital registers as soon as it sees the aggregator's node,
            // before it sees itself up, so the federation may then be several rounds in before every join has ended: the
            // harness reads its events from the start, with the joins' end watched beside them. A run with faults starts them
            // once every hospital has joined, so that a node the schedule kills is never taken for one the cluster downed while
            // joining; so does a run with more batches, whose registration timeout then measures registration, not how long
            // many nodes of one process take to join on few cores.
            var startBeforeJoining = hospitals.Count <= JoinBatchSize && spec.Faults.Schedule.Count == 0;
            await torchLoaded.ConfigureAwait(false);
            var hospitalsJoined = Task.CompletedTask;
            try
            {
                if (!startBeforeJoining)
                    await JoinInBatchesAsync(hospitals, aggregatorAddress).ConfigureAwait(false);
                StartCoordinator(aggregator);
                for (var i = 0; i < hospitals.Count; i++)
                {
                    WatchHospital(hospitalIds[i], hospitals[i]);
                    FederationNode.StartHospital(hospitals[i], spec, hospitalCrypto, federationData.ForHospital(i, hospitalIds[i]), DecorateTrainer(hospitalIds[i]),
                        identities?.For(hospitalIds[i]), identities?.Trust);
                }

                if (startBeforeJoining)
                    hospitalsJoined = JoinInBatchesAsync(hospitals, aggregatorAddress);
            }
            catch (InvalidOperationException) when (!cancellationToken.IsCancellationRequested)
            {
                // A node downed while the federation starts refuses new actors ("Cannot create child while terminating") while
                // its system is still stopping: once it has stopped, the run ends with the capacity error.
                await Task.WhenAny(Task.WhenAny(systems.Select(s => s.WhenTerminated)), Task.Delay(ShutdownTimeout, CancellationToken.None)).ConfigureAwait(false);
                RequireRunning(systems, hospitalIds.Count);
                throw;
            }

            var hospitalSystems = hospitalIds.Select((id, i) => KeyValuePair.Create(id, hospitals[i])).ToDictionary(StringComparer.Ordinal);
            var nodes = new SimulatedNodes(aggregator, hospitalSystems, StartAggregatorAsync, StartHospitalAsync);
            using var model = ModelFactory.Create(spec.Training.Model, data.FeatureCount, spec.Federation.Seed);
            completion = null;
            while (completion is null)
            {
                var next = await NextEventAsync(events.Reader, nodes, hospitalsJoined, cancellationToken).ConfigureAwait(false);
                timeline.Record(next, clock.Elapsed);
                if (next is CoordinatorDecision decision)
                {
                    decisions.Enqueue($"{clock.Elapsed.TotalSeconds:F2} s, round {decision.RoundId}, attempt {decision.Attempt}: {decision.Decision}");
                    if (decisions.Count > SimulationResult.DecisionsKept)
                        decisions.Dequeue();
                }
                switch (next)
                {
                    case RoundStarted started:
                        await InjectFaultsAsync(spec, started.RoundId, FaultMoment.RoundStarted, nodes).ConfigureAwait(false);
                        break;
                    case AggregateDistributed distributed:
                        await InjectFaultsAsync(spec, distributed.RoundId, FaultMoment.AggregateDistributed, nodes).ConfigureAwait(false);
                        break;
                    case RoundCompleted { RoundId: > 0 } completed:
                        var round = Describe(completed, spec, shadow, model, scaledTest, spec.Privacy.Mode == PrivacyMode.Distributed, options.ComputeBaselines);
                        // A coordinator restarted after announcing a round but before journalling it concludes the round again
                        // when it resumes: the last word on it stands, as in a cluster run's report and the monitor.
                        rounds[round.Round] = round;
                        finalEvaluation = completed.Evaluation ?? finalEvaluation;
                        onRound?.Invoke(round);
                        shadow.Forget(completed.RoundId);
                        break;
                    case FederationCompleted done:
                        completion = done;
                        break;
                }
            }

            if (options.WhileNodesStop is { } whileStopping)
            {
                concluded = ConcludedAsync(completion, clock.Elapsed);
                whileNodesStop = Task.Run(async () => await whileStopping(await concluded.ConfigureAwait(false)).ConfigureAwait(false), CancellationToken.None);
            }

            // The hospitals the coordinator could reach were told the federation ended; once each has written its final model,
            // the nodes have nothing left to do that anyone outside this process would see.
            nodesEndWithProcess = options.NodesEndWithProcess
                && await finishedHospitals.AllAsync(ReachableHospitals(nodes), HospitalsFinishWait).ConfigureAwait(false);
        }
        catch (ClusterJoinFailedException exception) when (cancellationToken.IsCancellationRequested)
        {
            // Cancelled while nodes were still joining: the node they were joining may have stopped already.
            throw new OperationCanceledException("cancelled while the nodes were joining", exception, cancellationToken);
        }
        catch (InvalidOperationException exception) when (cancellationToken.IsCancellationRequested)
        {
            // Cancelled while a node was being created: its actor system was stopping before its extensions and actors were up
            // ("Cannot create child while terminating"). A Ctrl-C at that moment is a cancellation like any other, not a crash.
            throw new OperationCanceledException("cancelled while the nodes were starting", exception, cancellationToken);
        }
        finally
        {
            secretKey?.Dispose();
            if (!nodesEndWithProcess)
                await StopInOrderAsync(systems).ConfigureAwait(false);
            DeleteTemporaryState(temporaryState);
        }

        var federationTime = clock.Elapsed;
        var result = await (concluded ?? ConcludedAsync(completion, federationTime)).ConfigureAwait(false);
        await whileNodesStop.ConfigureAwait(false);
        return result with { FederationTime = federationTime, TimeBreakdown = timeline.Breakdown(federationTime) with { NodesEndWithProcess = nodesEndWithProcess } };

        // A node's actor system, with the caller's setup for it if any.
        ActorSystem CreateNode(string nodeId, string role, Config config) =>
            options.NodeSetup is { } setup
                ? FederationNode.CreateSystem(setup(nodeId, role).And(BootstrapSetup.Create().WithConfig(config)))
                : FederationNode.CreateSystem(config);

        // An aggregator node on the given port (0: any), joining the cluster through the seed (null: itself), with its coordinator.
        async Task<ActorSystem> StartAggregatorAsync(int port, Address? seed)
        {
            var system = await StartAggregatorNodeAsync(port, seed).ConfigureAwait(false);
            StartCoordinator(system);
            return system;
        }

        // The aggregator's node in the cluster, its coordinator not yet started.
        async Task<ActorSystem> StartAggregatorNodeAsync(int port, Address? seed)
        {
            var system = CreateNode(FederationRoles.Aggregator, FederationRoles.Aggregator,
                FederationNode.NodeConfig(spec, FederationRoles.Aggregator, "127.0.0.1", port, [], nodeSettings));
            systems.Add(system);
            FederationNode.OpenCheckpointJournal(system);
            await Cluster.Get(system).JoinAsync(seed ?? Cluster.Get(system).SelfAddress, cancellationToken).ConfigureAwait(false);
            return system;
        }

        // A few at a time: a hundred nodes joining at once flooded the shared cores with handshakes and gossip until heartbeats
        // were late and the split-brain resolver, seeing the cluster unstable, downed every node.
        async Task JoinInBatchesAsync(List<ActorSystem> joining, Address seed)
        {
            foreach (var batch in joining.Chunk(JoinBatchSize))
            {
                await Task.WhenAll(batch.Select(h => Cluster.Get(h).JoinAsync(seed, cancellationToken))).ConfigureAwait(false);
                RequireRunning(systems, hospitalIds.Count);
            }
        }

        // The harness's listeners on a hospital's node, subscribed before the hospital starts there: its plaintext updates and
        // aggregates (the shadow FedAvg) and its end (the final model written).
        void WatchHospital(string id, ActorSystem system)
        {
            shadow.Watch(system);
            finishedHospitals.Watch(id, system);
        }

        void StartCoordinator(ActorSystem system)
        {
            system.ActorOf(Props.Create(() => new EventForwarder(events.Writer)), "simulation-events");
            FederationNode.StartAggregator(system, spec, identities?.Trust);
        }

        // A hospital node (again) with the given id, its data and the shared plan, joining through the seed.
        async Task<ActorSystem> StartHospitalAsync(string id, Address seed)
        {
            var index = hospitalIds.IndexOf(id);
            var system = CreateNode(id, FederationRoles.Hospital,
                FederationNode.NodeConfig(spec, FederationRoles.Hospital, "127.0.0.1", 0, [], nodeSettings));
            systems.Add(system);
            await Cluster.Get(system).JoinAsync(seed, cancellationToken).ConfigureAwait(false);
            WatchHospital(id, system);
            FederationNode.StartHospital(system, spec, hospitalCrypto, federationData.ForHospital(index, id), DecorateTrainer(id), identities?.For(id), identities?.Trust);
            return system;
        }

        // The concluded federation's result as it stands at elapsed: its rounds and baselines; its times are added once the nodes have stopped.
        async Task<SimulationResult> ConcludedAsync(FederationCompleted done, TimeSpan elapsed)
        {
            var centralized = centralizedBaseline is null ? null : await centralizedBaseline.ConfigureAwait(false);
            return new SimulationResult(done.Succeeded, done.Status, [.. rounds.Values], centralized, null, elapsed)
            {
                FinalFederatedEvaluation = finalEvaluation,
                CentralizedBaselineEpochs = centralized is null ? null : centralizedEpochs,
                LastDecisions = [.. decisions],
            }.WithPlaintextFedAvgFromRounds();
        }
    }

    /// <summary>
    /// The coordinator's next event. While network faults are in force, the links are brought up to date every half
    /// second as well, so faults heal on time and survive re-established connections.
    /// </summary>
    /// <param name="hospitalsJoined">The hospitals' joins, which may still be going on while the first rounds run; a failed one is rethrown.</param>
    /// <exception cref="FederationSimulationException">
    /// A hospital's node was downed while it joined (the capacity error); or the aggregator's node stopped with no event
    /// left to read: the cluster downed it (it was unreachable too long), so no coordinator is left to end the federation,
    /// and waiting on would wait forever; or the process's shutdown stopped it and no cancellation followed within
    /// <see cref="SignalCancellationWait"/>.
    /// </exception>
    /// <exception cref="OperationCanceledException">Cancelled, including by a signal that stopped the nodes first.</exception>
    private static async Task<IFederationEvent> NextEventAsync(ChannelReader<IFederationEvent> reader, SimulatedNodes nodes, Task hospitalsJoined,
        CancellationToken cancellationToken)
    {
        // A hospital's join that failed (its node downed while the cluster formed) ends the run, whatever the rounds did meanwhile.
        if (hospitalsJoined.IsCompleted)
            await hospitalsJoined.ConfigureAwait(false);
        if (reader.TryRead(out var ready))
            return ready;

        var next = reader.ReadAsync(cancellationToken).AsTask();
        var aggregatorStopped = nodes.Aggregator.WhenTerminated;
        while (true)
        {
            List<Task> waits = [next, aggregatorStopped];
            if (!hospitalsJoined.IsCompleted)
                waits.Add(hospitalsJoined);
            if (nodes.NetworkFaults.Any)
            {
                await nodes.NetworkFaults.ApplyAsync(nodes, DateTime.UtcNow).ConfigureAwait(false);
                waits.Add(Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken));
            }

            var first = await Task.WhenAny(waits).ConfigureAwait(false);
            if (first == next || next.IsCompleted)
                return await next.ConfigureAwait(false);
            if (first == hospitalsJoined)
                await hospitalsJoined.ConfigureAwait(false);
            if (first != aggregatorStopped)
                continue;
            if (CoordinatedShutdown.Get(nodes.Aggregator).ShutdownReason is CoordinatedShutdown.ClrExitReason)
            {
                // A signal to the process: Akka's own hook stops the nodes first and fedhe's handler cancels the run after it
                // (seen: the aggregator stopped by Ctrl-C while the token was not yet cancelled). The run was cancelled, not cut short.
                await Task.WhenAny(Task.Delay(SignalCancellationWait, cancellationToken)).ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
                throw new FederationSimulationException("the aggregator's node stopped with the process (a signal) before the federation ended");
            }

            cancellationToken.ThrowIfCancellationRequested();
            throw new FederationSimulationException($"the aggregator's node stopped before the federation ended (the cluster downed it, "
                + $"having found it unreachable; on {Environment.ProcessorCount} cores, a node's heartbeats can come too late "
                + "under other load): no coordinator is left to finish the rounds");
        }
    }

    /// <summary>
    /// Injects the faults scheduled for this moment. Kills (and for the restart kinds, starts again) the targeted nodes:
    /// their actors stop at once, mid-round, as a crashed process's would; puts network faults in force on the links;
    /// and slows stragglers down.
    /// </summary>
    private static async Task InjectFaultsAsync(FederationSpec spec, int round, FaultMoment moment, SimulatedNodes nodes)
    {
        // Each fault strikes once: a resumed coordinator announces the interrupted round again.
        foreach (var fault in spec.Faults.Schedule.Where(f => f.Round == round && f.Moment == moment && nodes.Struck.Add(f)).ToList())
        {
            switch (fault.Kind)
            {
                case FaultKind.DropMessages or FaultKind.PartitionNode or FaultKind.DelayMessages:
                    nodes.NetworkFaults.Start(fault, DateTime.UtcNow);
                    await nodes.NetworkFaults.ApplyAsync(nodes, DateTime.UtcNow).ConfigureAwait(false);
                    break;
                case FaultKind.SlowHospital when nodes.Hospitals.TryGetValue(fault.Target, out var system):
                    system.ActorSelection(StragglingTrainer.TrainerPath).Tell(new StragglingTrainer.SlowDownTraining(fault.Delay));
                    break;
                case FaultKind.KillHospital when nodes.Hospitals.Remove(fault.Target, out var system):
                    // Its node then leaves the cluster, which the coordinator sees as the member's removal.
                    system.ActorSelection("/user/*").Tell(PoisonPill.Instance);
                    _ = system.Terminate();
                    break;
                case FaultKind.RestartHospital when nodes.Hospitals.Remove(fault.Target, out var system):
                    system.ActorSelection("/user/*").Tell(PoisonPill.Instance);
                    await system.Terminate().ConfigureAwait(false);
                    var seed = Cluster.Get(nodes.Aggregator).SelfAddress;
                    nodes.Hospitals[fault.Target] = await nodes.StartHospital(fault.Target, seed).ConfigureAwait(false);
                    break;
                case FaultKind.RestartAggregator:
                    await RestartAggregatorAsync(nodes).ConfigureAwait(false);
                    break;
            }
        }
    }

    /// <summary>
    /// Kills the aggregator without a graceful leave (its transport just stops, as under kill -9) and starts a
    /// new incarnation on the same port with the same journal. It joins through a hospital; the cluster downs the
    /// old incarnation when the new one with the same address asks to join, so the new node becomes the oldest
    /// aggregator, the singleton moves to it and the hospitals (which watch the coordinator) register again.
    /// </summary>
    private static async Task RestartAggregatorAsync(SimulatedNodes nodes)
    {
        var old = nodes.Aggregator;
        var port = Cluster.Get(old).SelfAddress.Port!.Value;
        var seed = Cluster.Get(nodes.Hospitals.Values.First()).SelfAddress;

        // No CoordinatedShutdown (which would leave the cluster and hand the singleton over cleanly): abrupt.
        old.ActorSelection("/user/*").Tell(PoisonPill.Instance);
        await ((ExtendedActorSystem)old).Guardian.GracefulStop(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        var oldMember = Cluster.Get(old).SelfUniqueAddress;
        await old.Terminate().ConfigureAwait(false);

        // The dead incarnation must be out of the cluster before the new one joins on its address: a hospital downs
        // it, as an operator (or SBR, after stable-after) would; otherwise the join and the old member's removal race.
        var hospital = Cluster.Get(nodes.Hospitals.Values.First());
        hospital.Down(oldMember.Address);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (hospital.State.Members.Any(m => m.UniqueAddress.Equals(oldMember)) && DateTime.UtcNow < deadline)
            await Task.Delay(200).ConfigureAwait(false);
        nodes.Aggregator = await nodes.StartAggregator(port, seed).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs long start-up work (loading libtorch, building the serializer, training the centralised baseline) on a thread of
    /// its own rather than on one of the thread pool's few (2 on 2 cores), which the actor systems starting meanwhile use.
    /// </summary>
    private static Task OnThreadOfItsOwn(Action work, CancellationToken cancellationToken) =>
        Task.Factory.StartNew(work, cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <inheritdoc cref="OnThreadOfItsOwn(Action, CancellationToken)"/>
    private static Task<T> OnThreadOfItsOwn<T>(Func<T> work, CancellationToken cancellationToken) =>
        Task.Factory.StartNew(work, cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>Fails with the reason when a node stopped while the federation was being set up (the cluster downed it).</summary>
    /// <exception cref="FederationSimulationException">A node is no longer running.</exception>
    private static void RequireRunning(List<ActorSystem> systems, int hospitals)
    {
        var stopped = systems.Count(s => s.WhenTerminated.IsCompleted);
        if (stopped > 0)
            throw new FederationSimulationException($"{stopped} of the {systems.Count} in-process nodes were stopped while starting "
                + $"(their heartbeats came too late on {Environment.ProcessorCount} cores, so the cluster downed them); "
                + $"run fewer than {hospitals} hospitals in one process, or the federation as processes with `fedhe cluster up`");
    }

    /// <summary>The hospitals whose nodes run and that the aggregator's node does not find unreachable.</summary>
    private static IEnumerable<string> ReachableHospitals(SimulatedNodes nodes)
    {
        var unreachable = Cluster.Get(nodes.Aggregator).State.Unreachable.Select(m => m.Address).ToHashSet();
        return nodes.Hospitals.Where(h => !h.Value.WhenTerminated.IsCompleted && !unreachable.Contains(Cluster.Get(h.Value).SelfAddress)).Select(h => h.Key);
    }

    /// <summary>
    /// Stops the nodes as an orderly federation ends: the hospitals first, each leaving the cluster while the aggregator
    /// (the leader) is still there to remove it, then the aggregator. Stopped all at once, every node lost its peers
    /// mid-shutdown, so Akka.Remote reported each closed connection as a failed association (a warning and an error with
    /// a stack trace) although nothing had failed.
    /// </summary>
    private static async Task StopInOrderAsync(List<ActorSystem> systems)
    {
        var running = systems.Where(s => !s.WhenTerminated.IsCompleted).ToList();
        var hospitals = running.Where(s => Cluster.Get(s).SelfRoles.Contains(FederationRoles.Hospital)).ToList();
        await Task.WhenAll(hospitals.Select(TerminateAsync)).ConfigureAwait(false);
        await Task.WhenAll(running.Except(hospitals).Select(TerminateAsync)).ConfigureAwait(false);
    }

    /// <summary>
    /// Terminates a node, waiting at most <see cref="ShutdownTimeout"/>: the run's outcome is known by then, so a node that a
    /// loaded machine keeps from stopping in time is left to end with the process rather than turned into a failure.
    /// </summary>
    private static Task TerminateAsync(ActorSystem system) => Task.WhenAny(system.Terminate(), Task.Delay(ShutdownTimeout));

    private static void DeleteTemporaryState(string? directory)
    {
        try
        {
            if (directory is not null)
                Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A SQLite handle may linger a moment after the nodes stop; the temporary directory is left to the system then.
        }
    }

    /// <summary>The nodes' own settings beneath the spec: log level, the chaos transport when needed, the caller's extras, cluster.conf.</summary>
    private static Config NodeSettings(SimulationOptions options, FederationSpec spec)
    {
        var logging = ConfigurationFactory.ParseString($"akka.loglevel = {options.LogLevel}");
        // Every node of the process has its own transport: one socket thread each way (Akka's default is two) carries
        // loopback traffic of this size, and keeps a hundred nodes from holding four hundred threads.
        var sockets = ConfigurationFactory.ParseString("""
            akka.remote.dot-netty.tcp.server-socket-worker-pool { pool-size-min = 1, pool-size-max = 1 }
            akka.remote.dot-netty.tcp.client-socket-worker-pool { pool-size-min = 1, pool-size-max = 1 }
            """);
        // Akka's chaos transport adapters sit in the stack only when a network fault is scheduled: they cost a hop per frame.
        var transport = spec.Faults.Schedule.Any(f => f.IsNetworkFault) ? ConfigurationFactory.ParseString(NetworkChaos.TransportAdapters) : Config.Empty;
        // On loopback a membership change or the singleton's location can be learnt in a fraction of Akka's default second:
        // the cluster forms and winds down in a fraction of the time (start-up and stopping are fixed costs of a run). At
        // 200 ms, the nodes of a one-round run with 4 hospitals took 0.6–0.9 s to stop; at 100 ms, 0.4. Gossip grows with the
        // nodes, though: at 100 ms, 20 hospitals beside a second such run on 2 cores never converged (nodes unreachable, no
        // round in 200 s), where at 200 ms both runs finished. So the faster pace is kept for small federations.
        var pace = spec.Federation.Hospitals <= FastPaceMostHospitals ? "100ms" : "200ms";
        var loopbackPace = ConfigurationFactory.ParseString($$"""
            akka.cluster {
              periodic-tasks-initial-delay = {{pace}}
              gossip-interval = {{pace}}
              leader-actions-interval = {{pace}}
              singleton.hand-over-retry-interval = {{pace}}
              singleton-proxy.singleton-identification-interval = {{pace}}
            }
            """);
        return logging
            .WithFallback(sockets)
            .WithFallback(loopbackPace)
            .WithFallback(transport)
            .WithFallback(options.ExtraConfig ?? Config.Empty)
            .WithFallback(ProjectFiles.LoadHocon(ProjectFiles.ClusterConfigPath));
    }

    /// <param name="noisySums">Distributed privacy mode: the decrypted sums carry DP noise and clipped, unweighted updates by design,
    /// so their distance from plaintext FedAvg measures the noise, not the CKKS error, and is not reported as an error.</param>
    /// <param name="plaintextBaseline">Also evaluate plaintext FedAvg of the round's updates on the test set (the plaintext FedAvg baseline).</param>
    private static SimulationRound Describe(RoundCompleted completed, FederationSpec spec, ShadowFedAvg shadow, ClassifierModel model, Dataset scaledTest,
        bool noisySums, bool plaintextBaseline)
    {
        var comparison = shadow.Compare(completed.RoundId, completed.Contributors);
        EvaluationMetrics? test = null, plaintext = null;
        if (comparison is not null)
        {
            model.SetParameters(comparison.GlobalParameters);
            test = ModelEvaluator.Evaluate(model, scaledTest);
            if (plaintextBaseline)
            {
                model.SetParameters(comparison.PlaintextParameters);
                plaintext = ModelEvaluator.Evaluate(model, scaledTest);
            }
        }

        return SimulationRound.FromCoordinator(completed, spec) with
        {
            Test = test,
            AggregateCkksError = noisySums ? null : comparison?.AggregateMaxAbsError,
            ModelErrorVersusPlaintextFedAvg = noisySums ? null : comparison?.ModelMaxAbsError,
            PlaintextFedAvgTest = plaintext,
        };
    }

    /// <summary>The live nodes of a simulation, how to start them again, and their links for network faults.</summary>
    private sealed class SimulatedNodes(
        ActorSystem aggregator,
        Dictionary<string, ActorSystem> hospitals,
        Func<int, Address?, Task<ActorSystem>> startAggregator,
        Func<string, Address, Task<ActorSystem>> startHospital) : INetworkLinks
    {
        public ActorSystem Aggregator { get; set; } = aggregator;

        public Dictionary<string, ActorSystem> Hospitals { get; } = hospitals;

        public HashSet<SimulatedFault> Struck { get; } = [];

        public ActiveNetworkFaults NetworkFaults { get; } = new();

        public IReadOnlyDictionary<string, string> LiveNodes() =>
            ByName().Where(n => !n.Value.WhenTerminated.IsCompleted)
                .ToDictionary(n => n.Key, n => Cluster.Get(n.Value).SelfUniqueAddress.ToString(), StringComparer.Ordinal);

        public Task DropAsync(string from, string to, double outbound, double inbound) =>
            OnLinkAsync(from, to, (node, peer) => NetworkChaos.DropAsync(node, peer, outbound, inbound));

        public Task ThrottleAsync(string from, string to, bool blackholed, int? bytesPerSecond) =>
            OnLinkAsync(from, to, (node, peer) => NetworkChaos.ThrottleAsync(node, peer, blackholed, bytesPerSecond));

        /// <summary>Every node by the name faults use: <c>aggregator</c>, <c>hospital-k</c>.</summary>
        private Dictionary<string, ActorSystem> ByName() =>
            new(Hospitals, StringComparer.Ordinal) { [SimulatedFault.Aggregator] = Aggregator };

        private async Task OnLinkAsync(string from, string to, Func<ActorSystem, Address, Task> command)
        {
            var nodes = ByName();
            if (!nodes.TryGetValue(from, out var node) || !nodes.TryGetValue(to, out var peer))
                return;
            try
            {
                await command(node, Cluster.Get(peer).SelfAddress).ConfigureAwait(false);
            }
            catch (Exception) when (node.WhenTerminated.IsCompleted || peer.WhenTerminated.IsCompleted)
            {
                // A node that went away between the listing and the command has no links left to set.
            }
        }

        public Func<int, Address?, Task<ActorSystem>> StartAggregator { get; } = startAggregator;

        public Func<string, Address, Task<ActorSystem>> StartHospital { get; } = startHospital;
    }

    /// <summary>Forwards the coordinator's events from its node's event stream to the harness.</summary>
    private sealed class EventForwarder : ReceiveActor
    {
        public EventForwarder(ChannelWriter<IFederationEvent> writer)
        {
            Receive<IFederationEvent>(e => writer.TryWrite(e));
        }

        protected override void PreStart() => Context.System.EventStream.Subscribe(Self, typeof(IFederationEvent));
    }
}
