using System.Text.Json;

namespace FederatedHe.Actors.Persistence;

/// <summary>
/// A hospital's latest decrypted global model on its own disk (<c>{directory}/{hospital-id}.model.json</c>), so a
/// restarted hospital resumes from the round it last saw instead of asking for it again. Written atomically
/// (temporary file, then rename): a kill mid-write leaves the previous model, never a torn one. Mode 0600.
/// In threshold mode it also keeps the decrypted global feature statistics (<c>{hospital-id}.statistics.json</c>): no
/// hospital can decrypt round 0's aggregate again on its own, and a restarted one cannot train without them.
/// </summary>
internal sealed class HospitalModelFile
{
    private readonly string _path;

    private readonly string _statisticsPath;

    public HospitalModelFile(string directory, string hospitalId)
    {
        _path = Path.GetFullPath(Path.Combine(directory, $"{hospitalId}.model.json"));
        _statisticsPath = Path.GetFullPath(Path.Combine(directory, $"{hospitalId}.statistics.json"));
    }

    /// <summary>The file's path.</summary>
    public string FilePath => _path;

    /// <summary>Saves the model of <paramref name="round"/>, replacing the previous one.</summary>
    /// <exception cref="IOException">The directory or file cannot be written.</exception>
    public void Save(int round, string parameterSetId, float[] parameters)
    {
        WriteAtomically(_path, JsonSerializer.SerializeToUtf8Bytes(new SavedModel(round, parameterSetId, parameters)));
    }

    /// <summary>Saves the decrypted global feature statistics (round 0's aggregate).</summary>
    /// <exception cref="IOException">The directory or file cannot be written.</exception>
    public void SaveStatistics(string parameterSetId, double[] statistics) =>
        WriteAtomically(_statisticsPath, JsonSerializer.SerializeToUtf8Bytes(new SavedStatistics(parameterSetId, statistics)));

    /// <summary>The saved global feature statistics, or null if there are none.</summary>
    /// <exception cref="InvalidDataException">The file exists but is unreadable or belongs to another federation.</exception>
    public double[]? LoadStatistics(string parameterSetId, int length)
    {
        if (!File.Exists(_statisticsPath))
            return null;
        var saved = ReadJson<SavedStatistics>(_statisticsPath, "saved global statistics");

        if (saved?.Values is null || saved.ParameterSetId != parameterSetId || saved.Values.Length != length || !saved.Values.All(double.IsFinite))
            throw new InvalidDataException($"{_statisticsPath}: not {length} finite global statistics for parameter set {parameterSetId}");
        return saved.Values;
    }

    /// <exception cref="InvalidDataException">The file is not JSON of the expected shape.</exception>
    private static T? ReadJson<T>(string path, string what)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not {what}: {e.Message}", e);
        }
    }

    private static void WriteAtomically(string path, byte[] bytes)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + ".tmp";
        File.WriteAllBytes(temporary, bytes);

        // The decrypted global model and statistics never leave the hospital: readable by its own user only.
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>
    /// The saved model, or null if there is none. A file for another parameter set or model shape is refused
    /// (it belongs to another federation).
    /// </summary>
    /// <exception cref="InvalidDataException">The file exists but is unreadable or belongs to another federation.</exception>
    public SavedModel? Load(string parameterSetId, int parameterCount)
    {
        if (!File.Exists(_path))
            return null;
        var model = ReadJson<SavedModel>(_path, "a saved global model");

        if (model is null || model.Parameters is null || model.Round < 1)
            throw new InvalidDataException($"{_path}: not a saved global model");
        if (model.ParameterSetId != parameterSetId || model.Parameters.Length != parameterCount)
            throw new InvalidDataException($"{_path}: saved for parameter set {model.ParameterSetId} with {model.Parameters.Length} parameters, "
                + $"not this federation's {parameterSetId} with {parameterCount}");
        return model;
    }

    /// <summary>A saved global model.</summary>
    public sealed record SavedModel(int Round, string ParameterSetId, float[] Parameters);

    /// <summary>Saved global feature statistics, as <c>FeatureStatistics.ToVector</c> lays them out.</summary>
    public sealed record SavedStatistics(string ParameterSetId, double[] Values);
}
