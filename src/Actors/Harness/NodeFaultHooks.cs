using Akka.Actor;
using Akka.Configuration;
using FederatedHe.Actors.Spec;

namespace FederatedHe.Actors.Harness;

/// <summary>
/// What <c>fedhe node --fault-control</c> adds to a node, as the harness (<see cref="IFederationHarness.NodeFaults"/>)
/// provides it. The node command loads the harness for it only when the flag is given: the node path holds no fault code
/// and names no harness type, and without the flag the harness is not even loaded (tests/…/Architecture/LayeringTests).
/// </summary>
/// <param name="TransportSettings">HOCON that puts Akka's chaos transport adapters into the node's transport.</param>
/// <param name="DecorateTrainer">Given the spec and the hospital's id, the decoration around its training worker (the spec's training delay, its scheduled kill).</param>
/// <param name="RunAsync">Reads fault commands from the input and carries them out on the node until the input ends or the token is cancelled.</param>
public sealed record NodeFaultHooks(
    Config TransportSettings,
    Func<FederationSpec, string, Func<Props, Props>> DecorateTrainer,
    Func<TextReader, ActorSystem, Action<string>, CancellationToken, Task> RunAsync)
{
    /// <summary>What every line the fault control writes starts with (its acknowledgements and refusals), so a launcher can pick them out of a node's output.</summary>
    public const string OutputPrefix = "fault-control:";
}
