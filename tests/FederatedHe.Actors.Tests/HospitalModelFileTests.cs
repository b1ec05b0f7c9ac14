using FederatedHe.Actors.Persistence;

namespace FederatedHe.Actors.Tests;

/// <summary>A hospital's decrypted global model and statistics at rest: they load back exactly, owner-only, and a doubtful file is refused naming it.</summary>
public sealed class HospitalModelFileTests : IDisposable
{
    private const string ParameterSet = "parameter-set-a";
    private readonly string _directory = Directory.CreateTempSubdirectory("fedhe-model-file-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void A_saved_model_and_statistics_load_back_exactly()
    {
        var file = new HospitalModelFile(_directory, "hospital-1");

        file.Save(7, ParameterSet, [0.25f, -1.5f, 3f]);
        file.SaveStatistics(ParameterSet, [10, 2.5, 7.25]);

        var model = file.Load(ParameterSet, 3)!;
        Assert.Equal(7, model.Round);
        Assert.Equal([0.25f, -1.5f, 3f], model.Parameters);
        Assert.Equal([10, 2.5, 7.25], file.LoadStatistics(ParameterSet, 3)!);
    }

    [Fact]
    public void Both_files_are_readable_by_the_hospitals_own_user_only()
    {
        if (OperatingSystem.IsWindows())
            return; // Unix file modes only
        var file = new HospitalModelFile(_directory, "hospital-1");

        file.Save(1, ParameterSet, [1f]);
        file.SaveStatistics(ParameterSet, [1]);

        var ownerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        Assert.Equal(ownerOnly, File.GetUnixFileMode(file.FilePath));
        Assert.Equal(ownerOnly, File.GetUnixFileMode(Path.Combine(_directory, "hospital-1.statistics.json")));
    }

    [Fact]
    public void A_corrupt_file_or_one_of_another_federation_is_refused_naming_the_file()
    {
        var file = new HospitalModelFile(_directory, "hospital-1");
        file.Save(3, ParameterSet, [1f, 2f]);

        var foreign = Assert.Throws<InvalidDataException>(() => file.Load("parameter-set-b", 2));
        Assert.StartsWith(file.FilePath, foreign.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidDataException>(() => file.Load(ParameterSet, 3));

        File.WriteAllText(file.FilePath, "{ not json");
        var corrupt = Assert.Throws<InvalidDataException>(() => file.Load(ParameterSet, 2));
        Assert.StartsWith(file.FilePath, corrupt.Message, StringComparison.Ordinal);
    }
}
