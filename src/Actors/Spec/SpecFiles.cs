namespace FederatedHe.Actors.Spec;

/// <summary>Finds the files a spec names.</summary>
public static class SpecFiles
{
    /// <summary>
    /// An existing file: <paramref name="path"/> if absolute; else under <paramref name="anchor"/> or a parent of it, then under the
    /// working directory or a parent, then under the program's own directory (where the build copies data/ and hocon/). Null if none.
    /// </summary>
    public static string? Find(string path, string? anchor)
    {
        if (Path.IsPathRooted(path))
            return File.Exists(path) ? path : null;
        foreach (var start in new[] { anchor, Environment.CurrentDirectory }.OfType<string>())
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                var candidate = Path.Combine(directory.FullName, path);
                if (File.Exists(candidate))
                    return candidate;
            }
        }

        var installed = Path.Combine(AppContext.BaseDirectory, path);
        return File.Exists(installed) ? installed : null;
    }
}
