using System.Text.Json;
using System.Text.Json.Serialization;
using FederatedHe.Actors.Harness;

namespace FederatedHe.Host.Reports;

/// <summary>
/// Every round an in-process run has concluded, with all the figures its report needs, one JSON line each, appended and
/// flushed as the round completes (<c>state/rounds.journal.jsonl</c> in the run directory): a resumed run's report keeps the
/// rounds that ran before the interruption. A line torn by a kill mid-write is the last one, and is skipped.
/// </summary>
internal sealed class RoundJournal(string stateDirectory)
{
    /// <summary>The journal's file name under the run's state directory.</summary>
    public const string FileName = "rounds.journal.jsonl";

    private static readonly JsonSerializerOptions Json = new() { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    private string FilePath => Path.Combine(stateDirectory, FileName);

    /// <summary>Appends a concluded round.</summary>
    /// <exception cref="IOException">The journal cannot be written.</exception>
    public void Append(SimulationRound round)
    {
        Directory.CreateDirectory(stateDirectory);
        using var file = new FileStream(FilePath, FileMode.Append, FileAccess.Write, FileShare.Read);
        file.Write(JsonSerializer.SerializeToUtf8Bytes(round, Json));
        file.WriteByte((byte)'\n');
        file.Flush(flushToDisk: true);
    }

    /// <summary>The rounds journalled so far, the last word on each round standing (a resumed run may conclude one again).</summary>
    /// <exception cref="RunDirectoryException">A line other than the last is not a round.</exception>
    public IReadOnlyList<SimulationRound> Read()
    {
        if (!File.Exists(FilePath))
            return [];
        var lines = File.ReadAllLines(FilePath);
        var rounds = new SortedDictionary<int, SimulationRound>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].Length == 0)
                continue;
            try
            {
                var round = JsonSerializer.Deserialize<SimulationRound>(lines[i], Json) ?? throw new JsonException("null");
                rounds[round.Round] = round;
            }
            catch (JsonException) when (i == lines.Length - 1)
            {
                // The process was killed while writing its last line: that round is run again.
            }
            catch (JsonException exception)
            {
                throw new RunDirectoryException($"{FilePath}, line {i + 1}: not a round ({exception.Message})");
            }
        }

        return [.. rounds.Values];
    }
}
