using System.Globalization;

namespace FederatedHe.Host.ClusterLauncher;

/// <summary>
/// The processes of a local cluster: every process started (for teardown and outcomes), the live one for each node
/// name, how each node was started (so it can be started again), and which processes the fault schedule killed.
/// </summary>
/// <remarks>Thread-safe.</remarks>
internal sealed class ClusterProcesses(FedheCommandLine program, string logDirectory)
{
    private readonly Lock _gate = new();
    private readonly List<NodeProcess> _all = [];
    private readonly Dictionary<string, NodeProcess> _current = new(StringComparer.Ordinal);
    private readonly Dictionary<string, NodeLaunch> _launches = new(StringComparer.Ordinal);
    private readonly HashSet<NodeProcess> _killedByFault = [];
    private TaskCompletionSource _replaced = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// Starts node <paramref name="name"/>, logging to <c>{name}.log</c>. A restart uses <paramref name="restartArguments"/>
    /// if given (the aggregator joins through the hospitals then), else the same arguments.
    /// </summary>
    /// <exception cref="ClusterLaunchException">The process cannot be started.</exception>
    public NodeProcess Start(string name, IReadOnlyList<string> arguments, Action<NodeProcess, string>? onLine, bool keepInputOpen,
        IReadOnlyList<string>? restartArguments = null)
    {
        lock (_gate)
            _launches[name] = new NodeLaunch(restartArguments ?? arguments, onLine, keepInputOpen);
        return Launch(name, arguments, Path.Combine(logDirectory, $"{name}.log"));
    }

    /// <summary>Starts a node again, as it was first started, logging to <c>{name}.restart-K.log</c>.</summary>
    /// <exception cref="ClusterLaunchException">The process cannot be started.</exception>
    public NodeProcess Restart(string name)
    {
        NodeLaunch launch;
        int restarts;
        lock (_gate)
        {
            launch = _launches[name];
            restarts = _all.Count(p => p.Name == name);
        }

        return Launch(name, launch.RestartArguments, Path.Combine(logDirectory, $"{name}.restart-{restarts.ToString(CultureInfo.InvariantCulture)}.log"));
    }

    /// <summary>Tracks a short-lived child (e.g. `fedhe certs`) so that teardown kills it too.</summary>
    public void Track(NodeProcess child)
    {
        lock (_gate)
            _all.Add(child);
    }

    /// <summary>Stops tracking a child that has exited.</summary>
    public void Forget(NodeProcess child)
    {
        lock (_gate)
            _all.Remove(child);
    }

    /// <summary>The node's current process, live or not.</summary>
    public NodeProcess Current(string name)
    {
        lock (_gate)
            return _current[name];
    }

    /// <summary>The node's process if it is running and was not killed by a fault, else null.</summary>
    public NodeProcess? Live(string name)
    {
        lock (_gate)
            return _current.TryGetValue(name, out var process) && !process.HasExited && !_killedByFault.Contains(process) ? process : null;
    }

    /// <summary>Every node whose process runs, by name.</summary>
    public IReadOnlyDictionary<string, NodeProcess> LiveByName()
    {
        lock (_gate)
        {
            return _current.Where(n => !n.Value.HasExited && !_killedByFault.Contains(n.Value))
                .ToDictionary(n => n.Key, n => n.Value, StringComparer.Ordinal);
        }
    }

    /// <summary>Every process started so far, in order.</summary>
    public IReadOnlyList<NodeProcess> All()
    {
        lock (_gate)
            return [.. _all];
    }

    /// <summary>Whether the fault schedule killed this process.</summary>
    public bool KilledByFault(NodeProcess process)
    {
        lock (_gate)
            return _killedByFault.Contains(process);
    }

    /// <summary>Kills the node's process with SIGKILL (no shutdown hook runs, no message is sent) and waits until it is gone.</summary>
    public async Task KillAsync(string name)
    {
        NodeProcess? process;
        lock (_gate)
        {
            if (!_current.TryGetValue(name, out process) || process.HasExited)
                return;
            _killedByFault.Add(process);
        }

        process.KillTree();
        await process.Exited.WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
    }

    /// <summary>Completes when any node is next started again.</summary>
    public Task NextRestart()
    {
        lock (_gate)
            return _replaced.Task;
    }

    /// <summary>Kills every process still running.</summary>
    public void KillAll()
    {
        foreach (var process in All())
            process.KillTree();
    }

    private NodeProcess Launch(string name, IReadOnlyList<string> arguments, string logPath)
    {
        NodeLaunch launch;
        lock (_gate)
            launch = _launches[name];
        var process = NodeProcess.Start(name, program, arguments, logPath, launch.OnLine, launch.KeepInputOpen);
        TaskCompletionSource? restarted = null;
        lock (_gate)
        {
            if (_current.ContainsKey(name))
            {
                restarted = _replaced;
                _replaced = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            _all.Add(process);
            _current[name] = process;
        }

        restarted?.TrySetResult();
        return process;
    }

    private sealed record NodeLaunch(IReadOnlyList<string> RestartArguments, Action<NodeProcess, string>? OnLine, bool KeepInputOpen);
}
