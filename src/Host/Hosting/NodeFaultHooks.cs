using Akka.Actor;
using Akka.Configuration;
using FederatedHe.Actors.Spec;

namespace FederatedHe.Host.Hosting;

/// <summary>
/// What <c>fedhe node --fault-control</c> adds to a node. The program's composition root (<see cref="Program"/>) builds it
/// from the harness (FederatedHe.Testing) and hands it to the node command, which uses it only when the flag is given:
/// the node path itself holds no fault code and names no harness type (tests/…/Architecture/LayeringTests checks this).
/// </summary>
/// <param name="TransportSettings">HOCON that puts Akka's chaos transport adapters into the node's transport.</param>
/// <param name="DecorateTrainer">Given the spec and the hospital's id, the decoration around its training worker (the spec's training delay, its scheduled kill).</param>
/// <param name="RunAsync">Reads fault commands from the input and carries them out on the node until the input ends or the token is cancelled.</param>
public sealed record NodeFaultHooks(
    Config TransportSettings,
    Func<FederationSpec, string, Func<Props, Props>> DecorateTrainer,
    Func<TextReader, ActorSystem, Action<string>, CancellationToken, Task> RunAsync);
