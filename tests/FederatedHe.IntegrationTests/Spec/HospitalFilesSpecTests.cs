using FederatedHe.Actors.Spec;
using FederatedHe.IntegrationTests.Experiments;

namespace FederatedHe.IntegrationTests.Spec;

/// <summary>fedhe.data.hospitals and fedhe.data.test: one file per hospital (or a directory of them) and a common test file.</summary>
public sealed class HospitalFilesSpecTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("fedhe-hospital-files-").FullName;

    [Fact]
    public void A_directory_gives_its_csv_files_in_sorted_order_one_per_hospital()
    {
        var directory = Files("b.csv", "d.csv", "a.csv", "c.csv");

        var spec = Load($"fedhe.federation.hospitals = 4\nfedhe.data.hospitals = {FederationSpecWriter.Quote(directory)}");

        Assert.Equal(["a.csv", "b.csv", "c.csv", "d.csv"], spec.Data.HospitalFiles.Select(Path.GetFileName));
    }

    [Fact]
    public void Fewer_files_than_hospitals_is_refused_naming_the_key()
    {
        var directory = Files("a.csv", "b.csv", "c.csv");

        var error = Assert.Throws<FederationSpecException>(() => Load($"fedhe.federation.hospitals = 4\nfedhe.data.hospitals = {FederationSpecWriter.Quote(directory)}"));

        Assert.Contains(FederationSpecKeys.HospitalFiles, error.Message, StringComparison.Ordinal);
        Assert.Contains("3 files", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_hospital_node_reads_only_its_own_file_and_evaluates_on_all_of_the_test_file()
    {
        var directory = Files("a.csv", "b.csv", "c.csv", "test.csv");
        var files = new[] { "a.csv", "b.csv", "c.csv" }.Select(f => Path.Combine(directory, f)).ToArray();
        var spec = Load($"fedhe.federation.hospitals = 3\nfedhe.data.hospitals = [{string.Join(", ", files.Select(FederationSpecWriter.Quote))}]\n" +
                        $"fedhe.data.test = {FederationSpecWriter.Quote(Path.Combine(directory, "test.csv"))}");
        File.Delete(files[0]);
        File.Delete(files[2]);

        var data = FederationData.ForHospital(spec, "hospital-2");

        Assert.EndsWith("b.csv", data.Train.Source, StringComparison.Ordinal);
        Assert.Equal(WdbcRows, data.Train.SampleCount);
        Assert.Equal(WdbcRows, data.Evaluation.SampleCount);
    }

    [Fact]
    public void Without_a_test_file_each_hospital_holds_out_the_test_fraction_of_its_own_file()
    {
        var directory = Files("a.csv", "b.csv");
        var spec = Load($"fedhe.federation.hospitals = 2\nfedhe.data.hospitals = {FederationSpecWriter.Quote(directory)}\nfedhe.data.test-fraction = 0.25");

        var data = FederationData.Load(spec);

        Assert.All(data.Evaluation, evaluation => Assert.InRange(evaluation.SampleCount, WdbcRows / 4 - 1, WdbcRows / 4 + 1));
        Assert.Equal(WdbcRows * 2, data.Train.Sum(t => t.SampleCount) + data.Evaluation.Sum(e => e.SampleCount));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static int WdbcRows => File.ReadAllLines(RepositoryFiles.Path("data", "wdbc.csv")).Count(l => l.Length > 0) - 1;

    private string Files(params string[] names)
    {
        var directory = Directory.CreateDirectory(Path.Combine(_root, $"files-{Guid.NewGuid():N}")).FullName;
        foreach (var name in names)
            File.Copy(RepositoryFiles.Path("data", "wdbc.csv"), Path.Combine(directory, name));
        return directory;
    }

    private FederationSpec Load(string text)
    {
        var path = Path.Combine(_root, $"spec-{Guid.NewGuid():N}.conf");
        File.WriteAllText(path, $"fedhe.data.file = {FederationSpecWriter.Quote(RepositoryFiles.Path("data", "wdbc.csv"))}\n{text}\n");
        return FederationSpecBinder.Load(path).Spec;
    }
}
