namespace FederatedHe.IntegrationTests.Experiments;

/// <summary>Finds the repository's own files (experiments/, data/) from the test's output directory.</summary>
internal static class RepositoryFiles
{
    public static string Root { get; } = FindRoot();

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(directory.FullName, "FederatedHe.sln")))
                return directory.FullName;
        }

        throw new InvalidOperationException($"no FederatedHe.sln above {AppContext.BaseDirectory}");
    }
}

/// <summary>Tests that run whole federations share the 2-core machine one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class FederationRunsCollection
{
    public const string Name = "whole federation runs";
}
