using System.Globalization;
using System.Text;
using System.Text.Json;
using FederatedHe.Actors.Harness;
using FederatedHe.Actors.Spec;
using FederatedHe.Training.Data;
using FederatedHe.Training.Evaluation;

namespace FederatedHe.Host.Reports;

/// <summary>
/// Writes a run's report directory, <c>&lt;root&gt;/&lt;UTC timestamp&gt;-&lt;name&gt;/</c>: rounds.csv and rounds.jsonl
/// (one row per round), accuracy.png and loss.png, the spec as spec.conf, and summary.md beside the baselines.
/// </summary>
public static class RunReport
{
    /// <summary>File names inside a run directory.</summary>
    public const string RoundsCsv = "rounds.csv", RoundsJsonl = "rounds.jsonl", AccuracyPng = "accuracy.png",
        LossPng = "loss.png", SpecFile = "spec.conf", SummaryFile = "summary.md", SitesCsv = "sites.csv";

    /// <summary>Creates a fresh run directory under <paramref name="root"/>, named for the start time (UTC) and the run.</summary>
    /// <exception cref="IOException">The directory cannot be created.</exception>
    public static string CreateRunDirectory(string root, string name, DateTime startedUtc)
    {
        var stem = $"{startedUtc.ToUniversalTime():yyyyMMdd'T'HHmmss'Z'}-{name}";
        var directory = Path.GetFullPath(Path.Combine(root, stem));
        // Two runs started within the same second must not share a directory.
        for (var suffix = 2; Directory.Exists(directory); suffix++)
            directory = Path.GetFullPath(Path.Combine(root, $"{stem}-{suffix}"));
        Directory.CreateDirectory(directory);
        return directory;
    }

    /// <summary>Writes every report file for a finished (or failed) run into <paramref name="directory"/>.</summary>
    /// <param name="directory">The run directory (see <see cref="CreateRunDirectory"/>).</param>
    /// <param name="name">The run's name, for titles.</param>
    /// <param name="options">The options the run used; their spec is written as spec.conf (`fedhe experiment run` repeats it).</param>
    /// <param name="result">What the run achieved.</param>
    /// <exception cref="IOException">A file cannot be written.</exception>
    /// <param name="writeSpec">Whether to write spec.conf (`cluster up` keeps the one its nodes ran on there).</param>
    /// <param name="note">A paragraph the summary gives after its status line (how a resumed run ran), or null.</param>
    public static void Write(string directory, string name, SimulationOptions options, SimulationResult result, bool writeSpec = true, string? note = null)
    {
        Directory.CreateDirectory(directory);
        if (writeSpec)
            WriteSpec(directory, options.Spec with { Experiment = options.Spec.Experiment with { Name = name } });

        WriteRounds(directory, name, options.Spec, result);
        WriteSummary(directory, name, options, result, note);
    }

    /// <summary>
    /// The report's files of rounds (rounds.csv, rounds.jsonl, sites.csv) and its plots: all of it but spec.conf and
    /// summary.md, and nothing that needs the federation's time, so an in-process run writes them while its nodes stop.
    /// </summary>
    /// <exception cref="IOException">A file cannot be written.</exception>
    public static void WriteRounds(string directory, string name, FederationSpec spec, SimulationResult result)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, RoundsCsv), Csv(result.Rounds));
        File.WriteAllText(Path.Combine(directory, RoundsJsonl), Jsonl(result.Rounds));
        File.WriteAllText(Path.Combine(directory, SitesCsv), SitesCsvText(result.Rounds));
        RunPlots.Accuracy(Path.Combine(directory, AccuracyPng), name, spec, result);
        RunPlots.Loss(Path.Combine(directory, LossPng), name, spec, result);
    }

    /// <summary>Writes summary.md (see <see cref="Summary"/>).</summary>
    /// <exception cref="IOException">It cannot be written.</exception>
    public static void WriteSummary(string directory, string name, SimulationOptions options, SimulationResult result, string? note = null) =>
        File.WriteAllText(Path.Combine(directory, SummaryFile), Summary(name, options, result, note));

    /// <summary>Writes the effective spec as spec.conf (`fedhe experiment run` on it repeats the run).</summary>
    /// <exception cref="IOException">It cannot be written.</exception>
    public static void WriteSpec(string directory, FederationSpec spec) =>
        File.WriteAllText(Path.Combine(directory, SpecFile),
            FederationSpecWriter.Write(spec, $"The effective spec of run '{spec.Experiment.Name}'; `fedhe experiment run` on this file repeats it."));

    internal static string Csv(IReadOnlyList<SimulationRound> rounds)
    {
        var text = new StringBuilder();
        text.AppendJoin(',', RoundColumns.All.Select(c => c.Name)).Append('\n');
        foreach (var round in rounds)
            text.AppendJoin(',', RoundColumns.All.Select(c => CsvCell(c.Value(round)))).Append('\n');
        return text.ToString();
    }

    /// <summary>sites.csv: every hospital's own evaluation of every round's model (<see cref="RoundColumns.SiteColumns"/>).</summary>
    internal static string SitesCsvText(IReadOnlyList<SimulationRound> rounds)
    {
        var text = new StringBuilder();
        text.AppendJoin(',', RoundColumns.SiteColumns).Append('\n');
        foreach (var round in rounds)
        {
            foreach (var site in round.Sites)
            {
                text.AppendJoin(',', new object?[] { round.Round, site.HospitalId, site.SampleCount, site.Accuracy, site.LogLoss, site.RocAuc }
                    .Select(CsvCell)).Append('\n');
            }
        }

        return text.ToString();
    }

    internal static string Jsonl(IReadOnlyList<SimulationRound> rounds)
    {
        var text = new StringBuilder();
        foreach (var round in rounds)
        {
            using var buffer = new MemoryStream();
            using (var json = new Utf8JsonWriter(buffer))
            {
                json.WriteStartObject();
                foreach (var column in RoundColumns.All)
                {
                    json.WritePropertyName(column.Name);
                    switch (column.Value(round))
                    {
                        case null:
                            json.WriteNullValue();
                            break;
                        case double d when !double.IsFinite(d):
                            json.WriteNullValue();
                            break;
                        case double d:
                            json.WriteNumberValue(d);
                            break;
                        case int i:
                            json.WriteNumberValue(i);
                            break;
                        case long l:
                            json.WriteNumberValue(l);
                            break;
                        case IEnumerable<string> list:
                            json.WriteStartArray();
                            foreach (var item in list)
                                json.WriteStringValue(item);
                            json.WriteEndArray();
                            break;
                        case var other:
                            json.WriteStringValue(Convert.ToString(other, CultureInfo.InvariantCulture));
                            break;
                    }
                }

                json.WriteEndObject();
            }

            text.Append(Encoding.UTF8.GetString(buffer.ToArray())).Append('\n');
        }

        return text.ToString();
    }

    private static string CsvCell(object? value) => value switch
    {
        null => string.Empty,
        double d when !double.IsFinite(d) => string.Empty,
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        // Hospital ids have no commas or quotes; a semicolon keeps a list in one cell.
        IEnumerable<string> list => string.Join(';', list),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        var other => other.ToString() ?? string.Empty,
    };

    internal static string Summary(string name, SimulationOptions options, SimulationResult result, string? note = null)
    {
        var rounds = result.Rounds;
        var final = result.FinalTest;
        var spec = options.Spec;
        var worstError = rounds.Select(r => r.ModelErrorVersusPlaintextFedAvg).Where(e => e is not null).Max();
        var meanBytes = rounds.Count == 0 ? 0 : rounds.Average(r => (double)RoundColumns.BytesOnWire(r));
        var text = new StringBuilder();
        var line = (string s) => text.Append(s).Append('\n');

        line($"# Run report: {name}");
        line(string.Empty);
        line(StatusSentence(result));
        line(string.Empty);
        if (note is not null)
        {
            line(note);
            line(string.Empty);
        }
        line($"- hospitals: {spec.Federation.Hospitals}, {PartitionName(spec.Data.Partition)} partition" +
             (spec.Data.Partition == PartitionScheme.Iid ? string.Empty : F($" (α = {spec.Data.Alpha})")) +
             $", quorum {spec.EffectiveQuorum}, seed {spec.Federation.Seed}");
        line($"- model: {spec.Training.Model}; local training: {spec.Training.Epochs} epochs, batch {spec.Training.BatchSize}, " +
             F($"{spec.Training.Optimizer.ToString().ToUpperInvariant()} at learning rate {spec.Training.LearningRate}") +
             (spec.Training.ProximalMu > 0 ? F($", FedProx μ = {spec.Training.ProximalMu}") : string.Empty));
        line(spec.Crypto.Mode == FederatedHe.Actors.Configuration.KeyMode.InsecurePlaintext
            ? $"- encryption: NONE: INSECURE plaintext comparison mode (updates travel unencrypted, chunked as {spec.EffectivePreset} would carry them)"
            : $"- encryption: CKKS {spec.EffectivePreset}, {(spec.Crypto.Mode == FederatedHe.Actors.Configuration.KeyMode.Threshold ? "threshold" : "shared-key")} mode" +
             (spec.Crypto.Mode == FederatedHe.Actors.Configuration.KeyMode.Threshold ? $" ({spec.EffectiveThreshold}-of-{spec.Federation.Hospitals})" : string.Empty));
        if (spec.Faults.Schedule.Count > 0)
            line($"- fault schedule: {string.Join("; ", spec.Faults.Schedule.Select(FaultNames.Describe))}");
        if (PrivacyLine(spec, rounds) is { } privacy)
            line(privacy);
        line(string.Empty);

        var lastSites = rounds.LastOrDefault(r => r.Sites.Count > 0);
        line("| run | accuracy | precision | recall | F1 | AUC | log-loss |");
        line("|---|---:|---:|---:|---:|---:|---:|");
        line(Row("encrypted federation (final round, whole test set)", final));
        if (result.FinalFederatedEvaluation is { } pooled)
            line(F($"| hospitals' own held-out data (final round, pooled over {pooled.Reports}) | {pooled.Accuracy * 100:F2}% | n/a | n/a | n/a | {Figure(pooled.RocAuc)} | {Figure(pooled.LogLoss)} |"));
        if (lastSites is not null && SiteFigures.Worst(lastSites.Sites, s => s.Accuracy, lowest: true) is { } worst)
        {
            var site = lastSites.Sites.First(s => s.HospitalId == worst.HospitalId);
            line(F($"| worst hospital (final round): {site.HospitalId}, its own held-out data | {site.Accuracy * 100:F2}% | n/a | n/a | n/a | {Figure(site.RocAuc)} | {Figure(site.LogLoss)} |"));
        }

        line(Row("plaintext FedAvg of the same updates (final round, whole test set)", result.PlaintextFedAvgBaseline));
        line(Row(result.CentralizedBaselineEpochs is { } epochs ? $"centralised ({epochs} epochs on the pooled training data)" : "centralised", result.CentralizedBaseline));
        line(string.Empty);

        var expected = rounds.Sum(r => spec.ExpectedParticipants(r.Round).Count);
        line("| figure | value |");
        line("|---|---:|");
        line($"| rounds completed | {rounds.Count} of {spec.Federation.Rounds} |");
        line(F($"| federation time | {result.FederationTime.TotalSeconds:F1} s |"));
        line(F($"| mean round time | {(rounds.Count == 0 ? 0 : rounds.Average(r => r.RoundMs)):F0} ms |"));
        line(F($"| mean ciphertext bytes on the wire per round | {meanBytes:N0} ({meanBytes / (1024 * 1024):F2} MiB) |"));
        line(F($"| worst model error vs plaintext FedAvg | {(worstError switch { null => "n/a", 0 => "0 (identical)", var e => e.Value.ToString("E2", CultureInfo.InvariantCulture) })} |"));
        line($"| dropouts (hospital-rounds) | {rounds.Sum(r => r.Absent.Count)} |");
        line($"| hospital-rounds expected | {expected} |");
        line($"| selected hospitals that did not contribute (hospital-rounds) | {rounds.Sum(r => r.Dropouts.Count)} |");
        line($"| retries | {rounds.Sum(RoundColumns.Retries)} |");
        line($"| ignored messages | {rounds.Sum(r => r.IgnoredMessages)} |");
        // A run that ended before any hospital evaluated (it failed early) has no worst site.
        var worstEver = rounds.Select(r => (r.Round, Worst: SiteFigures.Worst(r.Sites, s => s.Accuracy, lowest: true)))
            .Where(r => r.Worst is not null).OrderBy(r => r.Worst!.Value.Value).FirstOrDefault();
        if (worstEver.Worst is { } lowest)
            line(F($"| lowest accuracy of any hospital in any round | {lowest.Value * 100:F2}% ({lowest.HospitalId}, round {worstEver.Round}) |"));
        line(string.Empty);

        if (result.TimeBreakdown is { } breakdown)
        {
            line("## Where the federation time went");
            line(string.Empty);
            line("| part | time | share |");
            line("|---|---:|---:|");
            var total = breakdown.Total.TotalSeconds;
            foreach (var (part, time) in breakdown.Parts)
                line(F($"| {part} | {time.TotalSeconds:F2} s | {(total > 0 ? time.TotalSeconds / total * 100 : 0):F0}% |"));
            line(F($"| federation time | {total:F2} s | 100% |"));
            line(string.Empty);
        }

        if (lastSites is not null)
        {
            line($"## Each hospital, round {lastSites.Round}");
            line(string.Empty);
            line("| hospital | held-out samples | accuracy | AUC | log-loss |");
            line("|---|---:|---:|---:|---:|");
            foreach (var site in lastSites.Sites.OrderBy(s => s.Accuracy).ThenBy(s => s.HospitalId, StringComparer.Ordinal))
                line(F($"| {site.HospitalId} | {site.SampleCount} | {site.Accuracy * 100:F2}% | {Figure(site.RocAuc)} | {Figure(site.LogLoss)} |"));
            line(string.Empty);
        }

        line("Plaintext FedAvg averages each round's very updates without encryption (the contributors' trained models, weighted " +
             "by their sample counts), so it differs from the encrypted federation only by the CKKS error; the centralised model " +
             "trains on all hospitals' training data pooled, for the epochs stated (epochs x rounds, at most " +
             "fedhe.experiment.centralised-baseline-max-epochs). " +
             "Accuracy, precision, recall, F1, AUC and log-loss of the encrypted federation are on the whole held-out test set " +
             "(n/a where the run has no view of the model, as in `cluster up`); each hospital's figures are on its own held-out " +
             "data (or the common test file), and the worst hospital is the one with the lowest accuracy. The model error is the " +
             "largest absolute difference between a decrypted global model and plaintext FedAvg of the very same updates. " +
             "Dropouts count, round by round, the hospitals the round would have selected had all been there that did not " +
             "contribute: a hospital killed at round 5 of 20 counts in each of rounds 5 to 20. " +
             $"Per-round figures: [{RoundsCsv}]({RoundsCsv}), [{RoundsJsonl}]({RoundsJsonl}); per hospital: [{SitesCsv}]({SitesCsv}); plots: " +
             $"[{AccuracyPng}]({AccuracyPng}), [{LossPng}]({LossPng}).");
        return text.ToString();

        static string Row(string label, EvaluationMetrics? m) => m is null
            ? $"| {label} | n/a | n/a | n/a | n/a | n/a | n/a |"
            : F($"| {label} | {m.Accuracy * 100:F2}% | {m.Precision * 100:F2}% | {m.Recall * 100:F2}% | {m.F1:F4} | {Figure(m.RocAuc)} | {Figure(m.LogLoss)} |");

        static string Figure(double value) => double.IsFinite(value) ? value.ToString("F4", CultureInfo.InvariantCulture) : "n/a";
    }

    /// <summary>
    /// One sentence on how the run ended, always opening with "Completed" or "**Failed**:" (fedhe runs reads it):
    /// "Completed 10 rounds.", "Completed: privacy budget spent: …." or "**Failed**: …".
    /// </summary>
    internal static string StatusSentence(SimulationResult result)
    {
        var status = result.Status.Trim().TrimEnd('.');
        if (!result.Succeeded)
            return $"**Failed**: {status}.";
        if (status.Length == 0)
            return "Completed.";
        return status.StartsWith("completed", StringComparison.OrdinalIgnoreCase)
            ? $"Completed{status["completed".Length..]}."
            : $"Completed: {status}.";
    }

    /// <summary>The summary's line on differential privacy: mode, protected unit, ε spent of the budget; null without DP.</summary>
    internal static string? PrivacyLine(FederationSpec spec, IReadOnlyList<SimulationRound> rounds)
    {
        if (spec.PrivacyPlan() is not { } plan)
            return null;
        var spent = rounds.LastOrDefault(r => r.Privacy is not null)?.Privacy?.Epsilon ?? 0;
        return F($"- differential privacy: {FederationSpecWriter.PrivacyModeName(spec.Privacy.Mode)} mode ({plan.Mechanism}); protects {plan.ProtectedUnit}; ")
               + F($"ε = {spent:0.###} spent of target {plan.TargetEpsilon:0.###} at δ = {plan.Delta:0.##E+0} (the budget allows {plan.RoundsWithinBudget} of {plan.PlannedRounds} rounds)");
    }

    private static string PartitionName(PartitionScheme scheme) => scheme switch
    {
        PartitionScheme.Dirichlet => "Dirichlet (label-skewed)",
        PartitionScheme.QuantitySkewed => "quantity-skewed",
        _ => "IID",
    };

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
