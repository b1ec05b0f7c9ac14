namespace FederatedHe.Actors.Harness;

/// <summary>An in-process federation could not run on this machine (e.g. too many nodes for its cores); the message says why.</summary>
public sealed class FederationSimulationException(string message) : Exception(message);
