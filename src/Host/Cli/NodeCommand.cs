using System.CommandLine;
using Akka.Actor;
using Akka.Configuration;
using FederatedHe.Actors.Configuration;
using FederatedHe.Actors.CryptoPool;
using FederatedHe.Actors.Hospitals;
using FederatedHe.Actors.Nodes;
using FederatedHe.Actors.Persistence;
using FederatedHe.Crypto.Ckks;
using FederatedHe.Crypto.Multiparty;
using FederatedHe.Host.Hosting;
using FederatedHe.Host.Simulation;
using FederatedHe.Host.Security;
using FederatedHe.Training.Data;
using FederatedHe.Training.Federation;
using FederatedHe.Training.Local;
using Spectre.Console;
using static FederatedHe.Actors.Protocol.FederationEvents;
using static FederatedHe.Actors.Protocol.FederationProtocol;

namespace FederatedHe.Host.Cli;

/// <summary>`fedhe node`: one federation node as its own process.</summary>
internal static class NodeCommand
{
    public static Command Create()
    {
        var role = new Option<string>("--role") { Description = "aggregator or hospital", Required = true };
        role.AcceptOnlyFromAmong(FederationRoles.Aggregator, FederationRoles.Hospital);
        var config = new Option<string>("--config") { Description = "The node's HOCON file (hocon/cluster.conf beside it is loaded underneath)", Required = true };
        var hostname = new Option<string?>("--hostname") { Description = "Override akka.remote.dot-netty.tcp.hostname" };
        var port = new Option<int?>("--port") { Description = "Override the node's TCP port" };
        var seedNodes = new Option<string[]>("--seed-node") { Description = "Override the seed nodes (repeatable)", AllowMultipleArgumentsPerToken = false };
        var keys = new Option<string?>("--keys") { Description = "Key directory from `fedhe keygen` (hospitals: required; aggregator: parameters only)" };
        var hospitalId = new Option<string?>("--hospital-id") { Description = "This hospital's id (hospitals)" };
        var data = new Option<string?>("--data") { Description = "This hospital's CSV file (default: its share of data/wdbc.csv)" };
        var hospitalIndex = new Option<int?>("--hospital-index") { Description = "Which share of data/wdbc.csv, from 0 (hospitals without --data)" };
        var certificates = NodeTransport.CertificatesOption();
        var plaintext = NodeTransport.PlaintextOption();
        var faultControl = new Option<bool>("--fault-control")
        {
            Description = "Take fault-injection commands on standard input (drop, throttle, slow-training; `fedhe cluster up` sends them " +
                          "to run an experiment's fault schedule) and put Akka's failure-injector and throttler adapters into the transport",
        };

        var command = new Command("node", "Run one federation node (aggregator or hospital) in this process until the federation ends or Ctrl-C")
        {
            role, config, hostname, port, seedNodes, keys, hospitalId, data, hospitalIndex, certificates, plaintext, faultControl,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var configPath = result.GetValue(config)!;
            var nodeFile = ProjectFiles.LoadHocon(configPath);
            var clusterFile = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(configPath))!, "cluster.conf");
            var clusterPath = File.Exists(clusterFile) ? clusterFile : ProjectFiles.ClusterConfigPath;
            // TLS (hocon/tls.conf) sits between the shared cluster file and the node's own file.
            var transport = result.GetValue(plaintext) ? Config.Empty : NodeTransport.TlsConfig(clusterPath);
            var layered = nodeFile.WithFallback(transport).WithFallback(ProjectFiles.LoadHocon(clusterPath));
            var overrides = new List<string>();
            if (result.GetValue(hostname) is { } host)
                overrides.Add($"akka.remote.dot-netty.tcp.hostname = \"{host}\"");
            if (result.GetValue(port) is { } p)
                overrides.Add($"akka.remote.dot-netty.tcp.port = {p}");
            if (result.GetValue(seedNodes) is { Length: > 0 } seeds)
                overrides.Add($"akka.cluster.seed-nodes = [{string.Join(", ", seeds.Select(s => $"\"{s}\""))}]");
            var nodeRole = result.GetValue(role)!;
            overrides.Add($"akka.cluster.roles = [\"{nodeRole}\"]");
            if (result.GetValue(faultControl))
                overrides.Add(NetworkChaos.TransportAdapters);
            // With fedhe.persistence on, the SQL journal's plugin defaults and the SQLite file come in here, as for in-process nodes.
            var effective = PersistenceSettings.Resolve(
                ConfigurationFactory.ParseString(string.Join('\n', overrides)).WithFallback(layered).WithFallback(FederationConfig.Default));
            var settings = FederationSettings.Create(effective);

            var nodeId = nodeRole == FederationRoles.Aggregator ? FederationRoles.Aggregator : result.GetValue(hospitalId) ?? throw new ArgumentException("--hospital-id is required for a hospital");
            var tls = NodeTransport.LoadTls(effective, nodeId, result.GetValue(plaintext), result.GetValue(certificates));
            // Refused before Akka starts: threshold key generation is signed and verified with the nodes' certificates.
            if (settings.Mode == KeyMode.Threshold && tls is null)
                throw new ArgumentException($"{nodeId}: threshold mode needs the node's certificates (run `fedhe certs`, drop --plaintext): "
                    + "hospitals sign their public-key shares and verify one another's against the federation's CA");
            using var system = NodeTransport.Start(effective, tls);
            var finished = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            system.ActorOf(Props.Create(() => new NodeProgress(finished)), "node-progress");

            var threshold = settings.Mode == KeyMode.Threshold ? ThresholdPreset(settings.CryptoPreset) : null;
            if (nodeRole == FederationRoles.Aggregator)
            {
                var parameters = threshold?.Ckks
                    ?? (result.GetValue(keys) is { } keyDirectory ? KeyStore.ReadParameters(keyDirectory) : Preset(settings.CryptoPreset));
                // Over TLS, hospitals register only by proving with their certificate's key the id the CA issued them.
                FederationNode.StartAggregator(system, settings, CkksKeyMaterial.ParametersOnly(parameters), threshold, tls?.Trust);
                AnsiConsole.MarkupLine($"aggregator up at {Akka.Cluster.Cluster.Get(system).SelfAddress}; waiting for {settings.MinHospitals} hospitals");
            }
            else
            {
                var id = result.GetValue(hospitalId) ?? throw new ArgumentException("--hospital-id is required for a hospital");
                HospitalCrypto crypto;
                if (threshold is not null)
                {
                    crypto = HospitalCrypto.WithThreshold(threshold);
                }
                else
                {
                    var keyDirectory = result.GetValue(keys) ?? throw new ArgumentException("--keys is required for a hospital in shared-key mode (run `fedhe keygen`)");
                    var (parameters, publicKey, secretKey) = KeyStore.ReadHospitalKeys(keyDirectory);
                    crypto = HospitalCrypto.WithSharedKeys(new CkksKeyMaterial(parameters, publicKey, secretKey));
                }

                var hospitalData = LoadHospitalData(id, result.GetValue(data), result.GetValue(hospitalIndex), effective, settings);
                var plan = TrainingPlan(effective, settings);
                FederationNode.StartHospital(system, settings, crypto, hospitalData, plan, identity: tls?.Identity, trust: tls?.Trust);
                AnsiConsole.MarkupLine($"{Markup.Escape(id)} up at {Akka.Cluster.Cluster.Get(system).SelfAddress} with {hospitalData.Train.SampleCount} training samples");
            }

            using var stopFaultControl = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var faultCommands = result.GetValue(faultControl)
                ? NodeFaultControl.RunAsync(Console.In, system, Console.Out.WriteLine, stopFaultControl.Token)
                : Task.CompletedTask;
            using var registration = cancellationToken.Register(() => finished.TrySetResult(false));
            var succeeded = await finished.Task.ConfigureAwait(false);
            await stopFaultControl.CancelAsync().ConfigureAwait(false);
            await faultCommands.ConfigureAwait(false);
            await CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClrExitReason.Instance).ConfigureAwait(false);
            return succeeded ? 0 : 1;
        });
        return command;
    }

    private static CkksParameters Preset(string name) =>
        CkksPresets.All.TryGetValue(name, out var parameters)
            ? parameters
            : throw new FederationConfigurationException("fedhe.crypto.preset", $"unknown preset '{name}'; known: {string.Join(", ", CkksPresets.All.Keys)}");

    private static ThresholdParameters ThresholdPreset(string name) =>
        ThresholdPresets.All.TryGetValue(name, out var parameters)
            ? parameters
            : throw new FederationConfigurationException("fedhe.crypto.preset", $"threshold mode needs a threshold preset, not '{name}'; known: {string.Join(", ", ThresholdPresets.All.Keys)}");

    private static HospitalData LoadHospitalData(string id, string? dataPath, int? index, Config config, FederationSettings settings)
    {
        var configured = config.GetString("fedhe.hospital.data", string.Empty);
        var path = dataPath ?? (configured.Length > 0 ? configured : null);
        if (path is not null)
        {
            var own = CsvDatasetLoader.Load(path);
            var ownSplit = DatasetSplits.StratifiedHoldout(own, 0.2, settings.Seed);
            return new HospitalData(id, ownSplit.Train, ownSplit.Test);
        }

        var count = config.GetInt("fedhe.hospital.hospital-count", settings.MinHospitals);
        var share = index ?? config.GetInt("fedhe.hospital.hospital-index", 0);
        if (share < 0 || share >= count)
            throw new FederationConfigurationException("fedhe.hospital.hospital-index", $"{share} is outside 0..{count - 1}");
        var data = CsvDatasetLoader.Load(ProjectFiles.DefaultDataPath);
        var split = DatasetSplits.StratifiedHoldout(data, 0.2, settings.Seed);
        var train = HospitalShares.Training(split.Train, count, PartitionScheme.Iid, alpha: 0, settings.Seed)[share];
        var evaluation = HospitalShares.Evaluation(split.Test, count, settings.Seed)[share];
        return new HospitalData(id, train, evaluation);
    }

    private static HospitalTrainingPlan TrainingPlan(Config config, FederationSettings settings)
    {
        var training = config.GetConfig("fedhe.training") ?? throw new FederationConfigurationException("fedhe.training", "missing");
        var modelName = training.GetString("model", "logistic-regression");
        var hidden = training.GetIntList("hidden-layers") ?? [];
        var model = modelName switch
        {
            "logistic-regression" => FederatedHe.Training.Models.ModelSpec.LogisticRegression,
            "mlp" => FederatedHe.Training.Models.ModelSpec.Mlp(hidden.ToArray()),
            _ => throw new FederationConfigurationException("fedhe.training.model", $"'{modelName}' is neither logistic-regression nor mlp"),
        };
        var optimizer = training.GetString("optimizer", "sgd") switch
        {
            "sgd" => OptimizerKind.Sgd,
            "adam" => OptimizerKind.Adam,
            var other => throw new FederationConfigurationException("fedhe.training.optimizer", $"'{other}' is neither sgd nor adam"),
        };
        var options = new TrainingOptions
        {
            Epochs = training.GetInt("epochs", 2),
            BatchSize = training.GetInt("batch-size", 16),
            Optimizer = optimizer,
            LearningRate = training.GetDouble("learning-rate", 0.05),
            ProximalMu = training.GetDouble("proximal-mu", 0),
            Seed = settings.Seed,
        };
        try
        {
            options.Validate();
        }
        catch (ArgumentException exception)
        {
            throw new FederationConfigurationException("fedhe.training", exception.Message);
        }

        IFederatedStrategy strategy = options.ProximalMu > 0
            ? new FedProxStrategy(new FedAvgOptions { LocalTraining = options }, options.ProximalMu)
            : new FedAvgStrategy(new FedAvgOptions { LocalTraining = options });
        return new HospitalTrainingPlan(model, strategy, settings.Seed);
    }

    /// <summary>Prints the coordinator's rounds (on the aggregator) and notices the federation's end (on every node).</summary>
    private sealed class NodeProgress : ReceiveActor
    {
        public NodeProgress(TaskCompletionSource<bool> finished)
        {
            // `fedhe cluster up` reads these two lines to strike a fault schedule's faults at their moment.
            Receive<RoundStarted>(r => AnsiConsole.MarkupLine(
                $"round {r.RoundId} started with {r.Participants.Count} participants (attempt {r.Attempt})"));
            Receive<AggregateDistributed>(a => AnsiConsole.MarkupLine(
                $"round {a.RoundId} aggregate distributed to {a.Recipients.Count} hospitals"));
            Receive<RoundCompleted>(r => AnsiConsole.MarkupLine(
                $"round {r.RoundId}: {r.Contributors.Count} updates, {r.Dropouts.Count} dropouts, {r.Attempts} attempts" +
                (r.Evaluation is { } e ? $", hospitals report accuracy {e.Accuracy:P2}" : string.Empty)));
            Receive<FederationCompleted>(c => finished.TrySetResult(c.Succeeded));
            Receive<FederationFinished>(f => finished.TrySetResult(f.Succeeded));
        }

        protected override void PreStart()
        {
            Context.System.EventStream.Subscribe(Self, typeof(RoundStarted));
            Context.System.EventStream.Subscribe(Self, typeof(AggregateDistributed));
            Context.System.EventStream.Subscribe(Self, typeof(RoundCompleted));
            Context.System.EventStream.Subscribe(Self, typeof(FederationCompleted));
            Context.System.EventStream.Subscribe(Self, typeof(FederationFinished));
        }
    }
}
