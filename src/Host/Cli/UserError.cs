using Akka.Configuration;
using FederatedHe.Actors.Configuration;
using FederatedHe.Crypto;
using FederatedHe.Host.Hosting;
using FederatedHe.Training.Data;

namespace FederatedHe.Host.Cli;

/// <summary>Turns the errors a user can cause (bad files, options, configuration) into one clear line.</summary>
internal static class UserError
{
    /// <summary>The message for a user-caused error, or null for a bug.</summary>
    public static string? Describe(Exception exception) => exception switch
    {
        DatasetFormatException e => e.Message,
        FederatedHe.Actors.Spec.FederationSpecException e => e.Message,
        ClusterLauncher.ClusterLaunchException e => e.Message,
        Reports.RunDirectoryException e => e.Message,
        FederatedHe.Actors.Harness.FederationSimulationException e => e.Message,
        HarnessMissingException e => e.Message,
        NodeStoppedDuringStartupException e => e.Message,
        ConfigurationFileException e => e.Message,
        KeyStoreException e => e.Message,
        FederationConfigurationException e => e.Message,
        ConfigurationException e => $"configuration: {e.Message}",
        CkksFormatException e => e.Message,
        CkksParameterException e => e.Message,
        FileNotFoundException e => e.Message,
        DirectoryNotFoundException e => e.Message,
        UnauthorizedAccessException e => e.Message,
        ArgumentException e => e.Message,
        _ => null,
    };
}
