using Akka.Actor;
using Akka.Configuration;
using FederatedHe.Actors.Spec;

namespace FederatedHe.Actors.Harness;

/// <summary>
/// One in-process run of a federation spec: an aggregator and N hospitals as separate actor systems over loopback TCP, plus
/// what only the harness has (baselines, log level, hooks). Everything about the federation itself is in <see cref="Spec"/>.
/// </summary>
public sealed record SimulationOptions
{
    /// <summary>The federation; by default reference.conf's, the README's demo.</summary>
    public FederationSpec Spec { get; init; } = FederationSpec.Default;

    /// <summary>Also compute the centralised and plaintext-FedAvg baselines for comparison.</summary>
    public bool ComputeBaselines { get; init; } = true;

    /// <summary>
    /// Extra HOCON for the nodes' actor systems (tests use it for serialize-messages, loggers, a journal's connection string).
    /// Spec keys (fedhe.federation, fedhe.training, …) are refused here: they belong in <see cref="Spec"/>.
    /// </summary>
    public Config? ExtraConfig { get; init; }

    /// <summary>
    /// Called with the aggregator's address once the aggregator is up, and awaited before the hospitals start: lets the
    /// caller add nodes of its own to the cluster for the whole federation, such as a monitor or, in tests, an intruder.
    /// </summary>
    public Func<Address, Task>? OnAggregatorStarted { get; init; }

    /// <summary>
    /// Shared-key mode: gives the run's CKKS key pair for its parameters (a run that can be resumed keeps it in its run
    /// directory, since its checkpoint holds aggregates under it); null: a fresh pair each run. The run disposes the secret key.
    /// </summary>
    public Func<Crypto.Ckks.CkksParameters, (Crypto.Rlwe.SecretKey SecretKey, Crypto.Rlwe.PublicKey PublicKey)>? SharedKeys { get; init; }

    /// <summary>
    /// Called once the federation has concluded, with its rounds and baselines, and run while its nodes stop (a wait of
    /// cluster gossip, nearly idle) or, if they end with the process, while the hospitals finish; the run returns when both
    /// are done, and fails with the callback's exception. The result it is given has every round and baseline of the final
    /// one, but not its times: the federation time and its breakdown are known only at the end. A run directory writes its
    /// rounds' files and plots here. Not called when the run is cancelled or fails before its end.
    /// </summary>
    public Func<SimulationResult, Task>? WhileNodesStop { get; init; }

    /// <summary>
    /// The caller ends the process as soon as the run returns (fedhe's in-process commands do, see NativeTeardown): once the
    /// federation has concluded and every hospital still in it has finished (written its final model), its nodes are left to
    /// end with the process rather than leave the cluster one by one and stop, which takes 0.3–0.5 s of cluster gossip that
    /// no one outside the process would see. The nodes are stopped as usual if the run is cancelled or ends in an error, or
    /// if a hospital does not finish within a few seconds.
    /// </summary>
    public bool NodesEndWithProcess { get; init; }

    /// <summary>Akka's log level for the simulated nodes.</summary>
    public string LogLevel { get; init; } = "WARNING";

    /// <summary>
    /// Extra actor-system setup for each node, given its id and role (e.g. where its log goes), or null. The nodes' own
    /// configuration is applied over it.
    /// </summary>
    public Func<string, string, Akka.Actor.Setup.ActorSystemSetup>? NodeSetup { get; init; }

    /// <summary>Checks the options.</summary>
    /// <exception cref="FederationSpecException">The spec is invalid.</exception>
    /// <exception cref="ArgumentException"><see cref="ExtraConfig"/> sets spec keys.</exception>
    public SimulationOptions Validate()
    {
        Spec.Validate();
        if (ExtraConfig?.GetConfig("fedhe") is { IsEmpty: false } fedhe
            && fedhe.Root.GetObject().Items.Keys.FirstOrDefault(k => k is not ("tls" or "roster" or "training-dispatcher" or "crypto-dispatcher")) is { } key)
            throw new ArgumentException($"ExtraConfig sets fedhe.{key}; spec keys belong in SimulationOptions.Spec", nameof(ExtraConfig));
        return this;
    }
}
