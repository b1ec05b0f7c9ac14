using System.Globalization;
using FederatedHe.Actors.Configuration;
using FederatedHe.Actors.Harness;
using FederatedHe.Actors.Persistence;
using FederatedHe.Host.Hosting;
using FederatedHe.Host.Reports;
using Spectre.Console;

namespace FederatedHe.Host.Cli;

/// <summary>
/// An in-process run with a run directory (`experiment run`, `simulate --out`), there from its first moment: the effective
/// spec, run.json (running, then completed, failed or interrupted), every round as it concludes, and under state/ the run's
/// shared CKKS key and, unless the spec checkpoints elsewhere, the coordinator's checkpoint journal and each hospital's
/// saved global model. Killed at any
/// moment, it is continued by `fedhe runs resume` from its last checkpointed round with the same spec and seed.
/// </summary>
internal static class InProcessRun
{
    /// <summary>The run directory's state: keys (owner-only secret key), and the journal and hospitals' saved models unless the spec puts them elsewhere.</summary>
    public const string StateDirectory = "state";

    /// <summary>Starts a new run in a new directory under <paramref name="outputRoot"/>; returns the exit code.</summary>
    public static async Task<int> StartAsync(string outputRoot, string name, string command, SimulationOptions options, CancellationToken cancellationToken)
    {
        // Bad input is one error line, before a run directory exists.
        HarnessPlugin.Load(SimulationProgress.HarnessUse).CheckSimulation(options);
        var started = DateTime.UtcNow;
        var directory = RunReport.CreateRunDirectory(outputRoot, name, started);
        var spec = options.Spec with { Experiment = options.Spec.Experiment with { Name = name } };
        RunReport.WriteSpec(directory, spec);
        File.WriteAllText(Path.Combine(directory, RunReport.RoundsJsonl), string.Empty);
        var modelDirectory = Path.GetFullPath(spec.Hospital.EffectiveModelDirectory(spec.Persistence.HospitalDirectory));
        // A spec that checkpoints names where; otherwise the run checkpoints into its own directory, so that resume finds it.
        var state = Path.Combine(directory, StateDirectory);
        var checkpoint = spec.Persistence.Enabled
            ? new RunCheckpoint(Path.GetFullPath(spec.Persistence.SqlitePath), Path.GetFullPath(spec.Persistence.HospitalDirectory))
            : new RunCheckpoint(Path.Combine(state, "aggregator.db"), Path.Combine(state, "hospitals"));
        if (!spec.Persistence.Enabled)
            UseWriteAheadLog(checkpoint.SqlitePath);
        var runState = new RunState(RunStatus.Running, command, options.ComputeBaselines, modelDirectory, checkpoint, []).Begin(started);
        runState.Write(directory);
        Say($"run {Path.GetFileName(directory)} in {directory}");
        return await RunAsync(outputRoot, directory, options with { Spec = spec }, runState, [], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Continues the interrupted run <paramref name="id"/> under <paramref name="root"/>; returns the exit code.</summary>
    /// <exception cref="RunDirectoryException">There is no such run, or it cannot be resumed (it completed, failed, still runs, or predates resuming).</exception>
    public static async Task<int> ResumeAsync(string root, string id, CancellationToken cancellationToken)
    {
        var run = RunDirectory.Find(root, id);
        var state = run.State ?? throw new RunDirectoryException(
            $"run {run.Id} has no {RunState.FileName}: it was written by `cluster up`, `node --report` or a fedhe that could not resume runs, so it cannot be resumed");
        switch (state.Effective)
        {
            case RunStatus.Completed:
                throw new RunDirectoryException($"run {run.Id} completed; there is nothing to resume");
            case RunStatus.Failed:
                throw new RunDirectoryException($"run {run.Id} failed ({run.Status}); only an interrupted run can be resumed");
            case RunStatus.Running:
                throw new RunDirectoryException($"run {run.Id} is still running (process {state.Sessions[^1].ProcessId})");
        }

        if (run.Spec.Crypto.Mode == KeyMode.Threshold)
        {
            throw new RunDirectoryException($"run {run.Id} is in threshold mode, which an in-process run cannot resume: its hospitals' certificates "
                + "were throw-away ones, gone with the process that made them; start it again (a `fedhe node` deployment resumes threshold mode)");
        }

        var options = new SimulationOptions { Spec = run.Spec, ComputeBaselines = state.Baselines };
        HarnessPlugin.Load(SimulationProgress.HarnessUse).CheckSimulation(options);
        // A hospital saves its model as soon as it decrypts a round's aggregate, the coordinator journals the round once it
        // has concluded: a kill in between leaves the hospitals a round ahead of the checkpoint, and a hospital a round ahead
        // cannot train again the round the coordinator repeats (it no longer holds the model that round started from). So the
        // hospitals start from the checkpoint instead: the coordinator re-sends its aggregates (round 0's statistics and the
        // last round's model, under the run's key) and each hospital decrypts them, to the values the uninterrupted run had.
        foreach (var saved in run.Spec.HospitalIds.Select(h => Path.Combine(state.Checkpoint.HospitalDirectory, $"{h}.model.json")))
            File.Delete(saved);
        var previous = new RoundJournal(Path.Combine(run.Directory, StateDirectory)).Read();
        state = state.Begin(DateTime.UtcNow);
        state.Write(run.Directory);
        Say(F($"resuming run {run.Id} (session {state.Sessions.Count}): {previous.Count} of {run.Spec.Federation.Rounds} rounds were concluded before the interruption; the federation continues from its last checkpointed round"));
        return await RunAsync(root, run.Directory, options, state, previous, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<int> RunAsync(string root, string directory, SimulationOptions options, RunState state, IReadOnlyList<SimulationRound> previous,
        CancellationToken cancellationToken)
    {
        var stateDirectory = Path.Combine(directory, StateDirectory);
        var session = state.Sessions.Count;
        var keys = Path.Combine(stateDirectory, "keys");
        var spec = options.Spec;
        // Always checkpointed, where the run said at its start (as were its model files), so that resume finds them.
        var runSpec = spec.WithPersistence(new PersistenceSettings(true, state.Checkpoint.SqlitePath, state.Checkpoint.HospitalDirectory))
            with { Hospital = spec.Hospital with { ModelDirectory = state.ModelDirectory } };
        var journal = new RoundJournal(stateDirectory);
        var roundsJsonl = Path.Combine(directory, RunReport.RoundsJsonl);
        var begun = state;
        var roundsWritten = false;
        var runOptions = options with
        {
            Spec = runSpec,
            SharedKeys = parameters => SharedKeys(keys, parameters),
            // Once the federation has concluded its nodes stop, which is mostly waiting on the cluster: the report's rounds
            // and plots, which need nothing of the federation's time, are written meanwhile.
            WhileNodesStop = concluded =>
            {
                RunReport.WriteRounds(directory, spec.Experiment.Name, spec, Merge(previous, concluded, session, begun));
                roundsWritten = true;
                return Task.CompletedTask;
            },
        };
        SimulationResult result;
        try
        {
            result = await SimulationProgress.RunAsync(runOptions, cancellationToken, round =>
            {
                var recorded = round with { Session = session };
                journal.Append(recorded);
                File.AppendAllText(roundsJsonl, RunReport.Jsonl([recorded]));
            }).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The nodes could not be started or kept (cancelled while joining, downed under load, …): what was checkpointed
            // stays, and the run can be resumed once the cause is gone.
            state.End(RunStatus.Interrupted, null).Write(directory);
            throw;
        }

        var status = cancellationToken.IsCancellationRequested ? RunStatus.Interrupted : result.Succeeded ? RunStatus.Completed : RunStatus.Failed;
        state = state.End(status, result.FederationTime);
        var merged = Merge(previous, result, session, state);
        state.Write(directory);
        if (roundsWritten)
            RunReport.WriteSummary(directory, spec.Experiment.Name, options, merged, ResumeNote(state, merged));
        else
            RunReport.Write(directory, spec.Experiment.Name, options, merged, writeSpec: false, ResumeNote(state, merged));
        Say($"report written to {directory}");
        if (status == RunStatus.Interrupted)
            Say($"interrupted: `fedhe runs resume {Path.GetFileName(directory)} --runs {root}` continues it");
        return result.Succeeded ? 0 : 1;
    }

    /// <summary>The rounds before the interruption and this session's (a round concluded again stands as concluded last).</summary>
    private static SimulationResult Merge(IReadOnlyList<SimulationRound> previous, SimulationResult result, int session, RunState state)
    {
        if (session == 1)
            return result;
        var now = result.Rounds.Select(r => r with { Session = session }).ToList();
        var rounds = previous.Where(p => now.All(r => r.Round != p.Round)).Concat(now).OrderBy(r => r.Round).ToList();
        var earlier = state.Sessions.SkipLast(1).Sum(s => s.FederationSeconds ?? 0);
        return (result with { Rounds = rounds, FederationTime = result.FederationTime + TimeSpan.FromSeconds(earlier) }).WithPlaintextFedAvgFromRounds();
    }

    /// <summary>What the summary says about a resumed run's sessions; null for a run that ran in one.</summary>
    private static string? ResumeNote(RunState state, SimulationResult merged)
    {
        if (state.Sessions.Count == 1)
            return null;
        var parts = state.Sessions.Select((s, i) =>
        {
            var rounds = merged.Rounds.Where(r => r.Session == i + 1).Select(r => r.Round).ToList();
            var span = rounds.Count == 0 ? "no round" : rounds.Count == 1 ? F($"round {rounds[0]}") : F($"rounds {rounds.Min()}–{rounds.Max()}");
            var time = s.FederationSeconds is { } seconds ? F($"{seconds:F1} s") : "it ended without its time: killed, or its nodes failed";
            return F($"session {i + 1} started {s.StartedUtc:yyyy-MM-dd HH:mm:ss} UTC: {span} ({time})");
        });
        return $"Resumed with `fedhe runs resume` {state.Sessions.Count - 1} time(s): {string.Join("; ", parts)}. The rounds of each session are "
               + "marked in the `session` column; the federation time adds the sessions' known times, and the time breakdown is the last session's.";
    }

    /// <summary>
    /// Puts the run's SQLite checkpoint journal in write-ahead-log mode (a property of the file, kept from then on): the
    /// coordinator writes a checkpoint between every two rounds, and a commit then appends to the log with one sync
    /// instead of rewriting pages through a rollback journal, while a kill still loses no committed checkpoint.
    /// </summary>
    private static void UseWriteAheadLog(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=WAL;";
        command.ExecuteNonQuery();
    }

    /// <summary>The run's shared CKKS key pair, made on first use and kept (secret key owner-only) beside its checkpoint.</summary>
    private static (Crypto.Rlwe.SecretKey SecretKey, Crypto.Rlwe.PublicKey PublicKey) SharedKeys(string directory, Crypto.Ckks.CkksParameters parameters)
    {
        if (!File.Exists(Path.Combine(directory, KeyStore.SecretKeyFile)))
            KeyStore.Generate(parameters, directory);
        var (stored, publicKey, secretKey) = KeyStore.ReadHospitalKeys(directory);
        if (!stored.ToBytes().AsSpan().SequenceEqual(parameters.ToBytes()))
        {
            secretKey.Dispose();
            throw new KeyStoreException(directory, "the run's keys are for other CKKS parameters than its spec's");
        }

        return (secretKey, publicKey);
    }

    private static void Say(string line)
    {
        if (Console.IsOutputRedirected)
            Console.Out.WriteLine(line);
        else
            AnsiConsole.MarkupLine(Markup.Escape(line));
    }

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
