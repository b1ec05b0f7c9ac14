using Akka.Configuration;

namespace FederatedHe.Actors.Configuration;

/// <summary>Finds the files the program ships with (data/, hocon/) from the working directory or the install directory.</summary>
public static class ProjectFiles
{
    /// <summary>The default data set.</summary>
    public static string DefaultDataPath => Locate(Path.Combine("data", "wdbc.csv"));

    /// <summary>The shared cluster configuration, hocon/cluster.conf.</summary>
    public static string ClusterConfigPath => Locate(Path.Combine("hocon", "cluster.conf"));

    /// <summary>
    /// A relative path as found under the working directory (or a parent of it), else under the
    /// program's own directory, where the build copies data/ and hocon/.
    /// </summary>
    /// <exception cref="FileNotFoundException">Neither place has it.</exception>
    public static string Locate(string relativePath)
    {
        if (Path.IsPathRooted(relativePath) || File.Exists(relativePath))
            return File.Exists(relativePath) ? Path.GetFullPath(relativePath) : throw new FileNotFoundException($"{relativePath} does not exist", relativePath);

        for (var directory = new DirectoryInfo(Environment.CurrentDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, relativePath);
            if (File.Exists(candidate))
                return candidate;
        }

        var installed = Path.Combine(AppContext.BaseDirectory, relativePath);
        return File.Exists(installed)
            ? installed
            : throw new FileNotFoundException($"{relativePath} was found neither under {Environment.CurrentDirectory} nor under {AppContext.BaseDirectory}", relativePath);
    }

    /// <summary>Parses a HOCON file, naming the file in any error.</summary>
    /// <exception cref="ConfigurationFileException">The file is missing or not valid HOCON.</exception>
    public static Config LoadHocon(string path)
    {
        if (!File.Exists(path))
            throw new ConfigurationFileException(path, "the file does not exist");
        try
        {
            return ConfigurationFactory.ParseString(File.ReadAllText(path));
        }
        catch (Exception exception) when (exception is not OutOfMemoryException and not ConfigurationFileException)
        {
            throw new ConfigurationFileException(path, exception.Message);
        }
    }
}

/// <summary>A configuration file is missing or malformed.</summary>
public sealed class ConfigurationFileException(string path, string problem) : Exception($"{path}: {problem}")
{
    /// <summary>The file.</summary>
    public string FilePath { get; } = path;
}
