namespace FederatedHe.Training.Tests;

/// <summary>Locates the repository's shipped data and makes scratch files.</summary>
internal static class TestData
{
    private static readonly Lazy<string> WdbcPathLazy = new(() =>
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "data", "wdbc.csv");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new FileNotFoundException($"data/wdbc.csv not found above {AppContext.BaseDirectory}.");
    });

    public static string WdbcPath => WdbcPathLazy.Value;

    /// <summary>Writes CSV text to a fresh temporary file and returns its path.</summary>
    public static string WriteTemporaryCsv(string content)
    {
        var path = Path.Combine(Path.GetTempPath(), $"fedhe-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, content);
        return path;
    }
}
