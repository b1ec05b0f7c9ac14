using FederatedHe.Actors.Persistence;
using FederatedHe.Crypto.Multiparty;

namespace FederatedHe.Actors.Tests;

/// <summary>
/// A hospital's record of the seeded decryption shares it made: what it appended loads back in order, a record whose write
/// was cut off is dropped (its share never left), and anything else malformed refuses the file naming the line.
/// </summary>
public sealed class SeededDecryptionLedgerTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("fedhe-ledger-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static SeededDecryptionRecord Record(byte context, int chunk, byte sum, string committee) =>
        new(Sha256Digest.Of([context]), chunk, 8200, Sha256Digest.Of([sum]), committee);

    [Fact]
    public void Appended_records_load_back_in_order()
    {
        var ledger = new SeededDecryptionLedger(_directory, "hospital-1");
        ledger.Append([Record(1, 0, 10, "1,2"), Record(1, 1, 10, "1,2")]);
        ledger.Append([Record(2, 0, 20, "1,3,4")]);

        var loaded = new SeededDecryptionLedger(_directory, "hospital-1").Load();

        Assert.Equal([Record(1, 0, 10, "1,2"), Record(1, 1, 10, "1,2"), Record(2, 0, 20, "1,3,4")], loaded);
    }

    [Fact]
    public void Without_a_file_there_are_no_records()
    {
        Assert.Empty(new SeededDecryptionLedger(_directory, "hospital-1").Load());
    }

    [Fact]
    public void A_last_record_cut_off_mid_write_is_dropped()
    {
        var ledger = new SeededDecryptionLedger(_directory, "hospital-1");
        ledger.Append([Record(1, 0, 10, "1,2"), Record(1, 1, 10, "1,2")]);
        var text = File.ReadAllText(ledger.FilePath);
        File.WriteAllText(ledger.FilePath, text[..^20]);

        Assert.Equal([Record(1, 0, 10, "1,2")], ledger.Load());
    }

    [Theory]
    [InlineData("v2 {0} 0 8200 {1} 1,2")]
    [InlineData("v1 {0} 0 8200 {1}")]
    [InlineData("v1 abc 0 8200 {1} 1,2")]
    [InlineData("v1 {0} -1 8200 {1} 1,2")]
    [InlineData("v1 {0} 0 0 {1} 1,2")]
    [InlineData("v1 {0} 0 8200 {1} 2,1")]
    [InlineData("v1 {0} 0 8200 {1} 1,,2")]
    public void A_malformed_record_refuses_the_file_naming_its_line(string malformed)
    {
        var ledger = new SeededDecryptionLedger(_directory, "hospital-1");
        ledger.Append([Record(1, 0, 10, "1,2")]);
        File.AppendAllText(ledger.FilePath, string.Format(System.Globalization.CultureInfo.InvariantCulture, malformed,
            Sha256Digest.Of([3]), Sha256Digest.Of([4])) + "\n");

        var error = Assert.Throws<ThresholdKeyFileException>(() => ledger.Load());
        Assert.Contains("line 2 is not a decryption record", error.Message);
        Assert.Contains(ledger.FilePath, error.Message);
    }
}
