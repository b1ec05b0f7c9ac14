using System.CommandLine;
using System.Globalization;
using System.Text;
using FederatedHe.Host.Reports;

namespace FederatedHe.Host.Cli;

/// <summary>`fedhe runs list|show|compare`: the run reports under a runs directory, found again and set side by side.</summary>
internal static class RunsCommand
{
    public static Command Create()
    {
        var list = new Command("list", "List the runs under the runs directory: id, status, rounds and final test accuracy");
        var show = new Command("show", "Show one run: its spec, how it ended, its final figures and where its hospitals' model files are");
        var compare = new Command("compare", "Put two runs' figures side by side");
        var resume = new Command("resume", "Continue an interrupted run (Ctrl-C, a killed process, a reboot) of `experiment run` or `simulate --out` "
                                           + "from its last checkpointed round, with the same spec, seed and keys, in its own run directory");
        var runs = new Option<string>("--runs") { Description = "The runs directory (experiment run/simulate --out)", DefaultValueFactory = _ => "runs", Recursive = true };
        var id = new Argument<string>("id") { Description = "A run id (its directory name, or a prefix only it has)" };
        var first = new Argument<string>("a") { Description = "The first run's id" };
        var second = new Argument<string>("b") { Description = "The second run's id" };
        show.Add(id);
        var resumeId = new Argument<string>("id") { Description = "The interrupted run's id (its directory name, or a prefix only it has)" };
        resume.Add(resumeId);
        compare.Add(first);
        compare.Add(second);

        list.SetAction(result =>
        {
            var root = result.GetValue(runs)!;
            var directories = RunDirectory.Under(root);
            if (directories.Count == 0)
            {
                Console.Out.WriteLine($"no runs under {Path.GetFullPath(root)}");
                return 0;
            }

            // Every directory is listed; an unreadable one gets its one-line reason and makes the exit code non-zero.
            var unreadable = 0;
            var interrupted = 0;
            Console.Out.WriteLine($"{"id",-40} {"status",-11} {"rounds",7} {"accuracy",9}  name");
            foreach (var directory in directories)
            {
                try
                {
                    var run = RunDirectory.Read(directory);
                    interrupted += run.Outcome == RunStatus.Interrupted ? 1 : 0;
                    Console.Out.WriteLine(F($"{run.Id,-40} {run.OutcomeWord,-11} {LastRound(run),7} {Percent(run.Final?.Accuracy),9}  {run.Spec.Experiment.Name}"));
                }
                catch (RunDirectoryException exception)
                {
                    unreadable++;
                    Program.WriteError(exception.Message);
                }
            }

            if (interrupted > 0)
                Console.Out.WriteLine($"an interrupted run continues from its last checkpointed round with `fedhe runs resume <id>{RunsOption(root)}`");
            return unreadable == 0 ? 0 : 1;
        });

        show.SetAction(result =>
        {
            var run = RunDirectory.Find(result.GetValue(runs)!, result.GetValue(id)!);
            var spec = run.Spec;
            var text = new StringBuilder();
            text.AppendLine(F($"run {run.Id} ({spec.Experiment.Name})"));
            text.AppendLine(F($"  directory   {run.Directory}"));
            text.AppendLine(F($"  status      {run.Status}"));
            if (run.Outcome == RunStatus.Interrupted)
                text.AppendLine(F($"  resume      fedhe runs resume {run.Id}{RunsOption(result.GetValue(runs)!)}   (continues from its last checkpointed round)"));
            if (run.State is { Sessions.Count: > 1 } state)
                text.AppendLine(F($"  sessions    {state.Sessions.Count}: started {string.Join(", resumed ", state.Sessions.Select(s => s.StartedUtc.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)))} UTC"));
            text.AppendLine(F($"  spec        {spec.Federation.Hospitals} hospitals, {spec.Federation.Rounds} rounds, quorum {spec.EffectiveQuorum}, seed {spec.Federation.Seed}; {spec.Training.Model}; CKKS {spec.EffectivePreset}, {spec.Crypto.Mode}"));
            text.AppendLine(F($"  data        {DataText(spec)}"));
            text.AppendLine(F($"  rounds      {LastRound(run)} of {spec.Federation.Rounds}; mean round {MeanRoundMs(run)} ms; {run.Rounds.Sum(r => r.Dropouts)} dropouts, {run.Rounds.Sum(r => r.Retries)} retries"));
            text.AppendLine(F($"  final       accuracy {Percent(run.Final?.Accuracy)}, AUC {Fixed(run.Final?.Auc)}, log-loss {Fixed(run.Final?.LogLoss)} (round {run.Final?.Round.ToString(CultureInfo.InvariantCulture) ?? "none"})"));
            text.AppendLine("  model files");
            foreach (var (hospital, path, exists) in run.ModelFiles)
                text.AppendLine(F($"    {hospital,-12} {path}{(exists ? string.Empty : "  (not there)")}"));
            text.AppendLine(F($"  report      {Path.Combine(run.Directory, RunReport.SummaryFile)}"));
            Console.Out.Write(text.ToString());
            return 0;
        });

        compare.SetAction(result =>
        {
            var root = result.GetValue(runs)!;
            var a = RunDirectory.Find(root, result.GetValue(first)!);
            var b = RunDirectory.Find(root, result.GetValue(second)!);
            var rows = new List<(string Figure, string A, string B)>
            {
                ("name", a.Spec.Experiment.Name, b.Spec.Experiment.Name),
                ("status", a.OutcomeWord, b.OutcomeWord),
                ("hospitals", $"{a.Spec.Federation.Hospitals}", $"{b.Spec.Federation.Hospitals}"),
                ("rounds", $"{LastRound(a)} of {a.Spec.Federation.Rounds}", $"{LastRound(b)} of {b.Spec.Federation.Rounds}"),
                ("partition", $"{a.Spec.Data.Partition}", $"{b.Spec.Data.Partition}"),
                ("model", $"{a.Spec.Training.Model}", $"{b.Spec.Training.Model}"),
                ("CKKS", $"{a.Spec.EffectivePreset} {a.Spec.Crypto.Mode}", $"{b.Spec.EffectivePreset} {b.Spec.Crypto.Mode}"),
                ("seed", $"{a.Spec.Federation.Seed}", $"{b.Spec.Federation.Seed}"),
                ("final accuracy", Percent(a.Final?.Accuracy), Percent(b.Final?.Accuracy)),
                ("final AUC", Fixed(a.Final?.Auc), Fixed(b.Final?.Auc)),
                ("final log-loss", Fixed(a.Final?.LogLoss), Fixed(b.Final?.LogLoss)),
                ("mean round ms", MeanRoundMs(a), MeanRoundMs(b)),
                ("dropouts", $"{a.Rounds.Sum(r => r.Dropouts)}", $"{b.Rounds.Sum(r => r.Dropouts)}"),
                ("retries", $"{a.Rounds.Sum(r => r.Retries)}", $"{b.Rounds.Sum(r => r.Retries)}"),
            };
            // Per-round test accuracy for the rounds either run recorded (the last 20 of a longer run).
            var trained = a.Rounds.Concat(b.Rounds).Where(r => r.Round > 0).Select(r => r.Round).Distinct().Order().ToList();
            foreach (var round in trained.Skip(Math.Max(0, trained.Count - 20)))
                rows.Add(($"round {round} accuracy", Percent(a.Rounds.FirstOrDefault(r => r.Round == round)?.Accuracy),
                    Percent(b.Rounds.FirstOrDefault(r => r.Round == round)?.Accuracy)));

            var width = Math.Max(a.Id.Length, rows.Max(r => r.A.Length));
            var figureWidth = rows.Max(r => r.Figure.Length);
            Console.Out.WriteLine($"{"".PadRight(figureWidth)}  {a.Id.PadRight(width)}  {b.Id}");
            foreach (var (figure, valueA, valueB) in rows)
                Console.Out.WriteLine($"{figure.PadRight(figureWidth)}  {valueA.PadRight(width)}  {valueB}");
            return 0;
        });

        resume.SetAction((result, cancellationToken) => InProcessRun.ResumeAsync(result.GetValue(runs)!, result.GetValue(resumeId)!, cancellationToken));

        return new Command("runs", "Find past runs again (their reports under the runs directory), compare them, and resume an interrupted one")
        {
            runs, list, show, compare, resume,
        };
    }

    private static string RunsOption(string root) => root == "runs" ? string.Empty : $" --runs {root}";

    private static string DataText(Actors.Spec.FederationSpec spec) => spec.Data.HasHospitalFiles
        ? $"own files {string.Join(", ", spec.Data.HospitalFiles)}" + (spec.Data.TestFile.Length > 0 ? $"; test file {spec.Data.TestFile}" : string.Empty)
        : $"{spec.Data.File}, {spec.Data.Partition} partition" + (spec.Data.TestFile.Length > 0 ? $"; test file {spec.Data.TestFile}" : string.Empty);

    private static string LastRound(RunDirectory run) => (run.Rounds.Count == 0 ? 0 : run.Rounds.Max(r => r.Round)).ToString(CultureInfo.InvariantCulture);

    private static string MeanRoundMs(RunDirectory run) =>
        run.Rounds.Where(r => r.RoundMs is not null).Select(r => r.RoundMs!.Value).DefaultIfEmpty(double.NaN).Average() is var mean && double.IsFinite(mean)
            ? mean.ToString("F0", CultureInfo.InvariantCulture)
            : "n/a";

    private static string Percent(double? value) => value is { } v ? (v * 100).ToString("F2", CultureInfo.InvariantCulture) + "%" : "n/a";

    private static string Fixed(double? value) => value is { } v && double.IsFinite(v) ? v.ToString("F4", CultureInfo.InvariantCulture) : "n/a";

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
