using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace FederatedHe.Host.Reports;

/// <summary>Where an in-process run stands, as run.json records it.</summary>
public enum RunStatus
{
    /// <summary>Its process is running it (or was killed without a word: see <see cref="RunState.Effective"/>).</summary>
    Running,

    /// <summary>It ran every round (or stopped at its privacy budget).</summary>
    Completed,

    /// <summary>The federation failed (below quorum, a refused preflight, …).</summary>
    Failed,

    /// <summary>Stopped before its end by a signal, or its process died; `fedhe runs resume` continues it.</summary>
    Interrupted,
}

/// <summary>Where a run's checkpoint lives: the coordinator's SQLite journal and the hospitals' state directory (absolute paths).</summary>
/// <param name="SqlitePath">The journal.</param>
/// <param name="HospitalDirectory">Each hospital's saved global model (and, in threshold mode, its key share).</param>
public sealed record RunCheckpoint(string SqlitePath, string HospitalDirectory);

/// <summary>One stretch of a run in one process: the first, then one per `fedhe runs resume`.</summary>
/// <param name="StartedUtc">When the process started on it.</param>
/// <param name="ProcessId">The process.</param>
/// <param name="ProcessStartedUtc">When that process started (a process id alone may be reused).</param>
/// <param name="FederationSeconds">The federation time it ran, once it ended; null while it runs or if it died.</param>
public sealed record RunSession(DateTime StartedUtc, int ProcessId, DateTime ProcessStartedUtc, double? FederationSeconds);

/// <summary>
/// run.json in a run directory of `experiment run` or `simulate --out`: written when the run starts and rewritten when it
/// ends, so that a run killed at any moment (kill -9, a reboot) is found again as interrupted and can be resumed.
/// </summary>
/// <param name="Status">As last written; see <see cref="Effective"/>.</param>
/// <param name="Command">The command that started it (`experiment run`, `simulate`).</param>
/// <param name="Baselines">Whether it computes the baselines.</param>
/// <param name="ModelDirectory">Where its hospitals write their model files (absolute).</param>
/// <param name="Checkpoint">Where its coordinator journals its checkpoints and its hospitals keep their state (absolute paths).</param>
/// <param name="Sessions">Each stretch it ran, oldest first.</param>
public sealed record RunState(RunStatus Status, string Command, bool Baselines, string ModelDirectory, RunCheckpoint Checkpoint, IReadOnlyList<RunSession> Sessions)
{
    /// <summary>The file's name in a run directory.</summary>
    public const string FileName = "run.json";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) } };

    /// <summary>
    /// The status as it truly is: a run whose file says running while its process is gone was interrupted (killed without
    /// a chance to say so).
    /// </summary>
    public RunStatus Effective => Status == RunStatus.Running && !(Sessions.LastOrDefault() is { } last && IsAlive(last)) ? RunStatus.Interrupted : Status;

    /// <summary>A new session in this process, marked running.</summary>
    public RunState Begin(DateTime startedUtc)
    {
        using var self = Process.GetCurrentProcess();
        return this with { Status = RunStatus.Running, Sessions = [.. Sessions, new RunSession(startedUtc, self.Id, self.StartTime.ToUniversalTime(), null)] };
    }

    /// <summary>The current session ended with <paramref name="status"/> after <paramref name="federationTime"/> (null: unknown).</summary>
    public RunState End(RunStatus status, TimeSpan? federationTime) =>
        this with { Status = status, Sessions = [.. Sessions.SkipLast(1), Sessions[^1] with { FederationSeconds = federationTime?.TotalSeconds }] };

    /// <summary>Writes run.json into <paramref name="directory"/> (a temporary file, then a rename: never torn).</summary>
    /// <exception cref="IOException">It cannot be written.</exception>
    public void Write(string directory)
    {
        var path = Path.Combine(directory, FileName);
        File.WriteAllBytes(path + ".tmp", JsonSerializer.SerializeToUtf8Bytes(this, Json));
        File.Move(path + ".tmp", path, overwrite: true);
    }

    /// <summary>The run.json of <paramref name="directory"/>, or null where there is none (a run of a fedhe before it, or a cluster's).</summary>
    /// <exception cref="RunDirectoryException">It is there but unreadable.</exception>
    public static RunState? Read(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
            return null;
        try
        {
            return JsonSerializer.Deserialize<RunState>(File.ReadAllBytes(path), Json) is
                { Sessions: not null, Command: not null, ModelDirectory: not null, Checkpoint: { SqlitePath: not null, HospitalDirectory: not null } } state
                ? state
                : throw new JsonException("not a run state");
        }
        catch (JsonException exception)
        {
            throw new RunDirectoryException($"run {Path.GetFileName(Path.GetFullPath(directory))}: its {FileName} is unreadable ({exception.Message})");
        }
    }

    private static bool IsAlive(RunSession session)
    {
        try
        {
            using var process = Process.GetProcessById(session.ProcessId);
            return !process.HasExited && Math.Abs((process.StartTime.ToUniversalTime() - session.ProcessStartedUtc).TotalSeconds) < 1;
        }
        catch (Exception exception) when (exception is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
