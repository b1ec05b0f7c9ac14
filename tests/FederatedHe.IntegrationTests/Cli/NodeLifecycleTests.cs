using System.Globalization;
using FederatedHe.IntegrationTests.Experiments;

namespace FederatedHe.IntegrationTests.Cli;

/// <summary>`fedhe node` as an operator runs it: it stops on a signal, promptly, with the shell's exit code.</summary>
[Collection(FederationRunsCollection.Name)]
public sealed class NodeLifecycleTests : IDisposable
{
    private static readonly TimeSpan Startup = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(15);

    private readonly string _directory = Directory.CreateTempSubdirectory("fedhe-node-lifecycle-").FullName;

    [Theory]
    [InlineData(15, 143)]
    [InlineData(2, 130)]
    public async Task An_aggregator_exits_within_seconds_of_a_signal_with_the_signals_exit_code(int signal, int expectedExitCode)
    {
        using var node = FedheChild.Start(AggregatorArguments(FreePorts.One()));
        await node.WaitForLineAsync("aggregator up at", Startup);

        node.Signal(signal);

        Assert.Equal(expectedExitCode, await node.WaitForExitAsync(Prompt));
    }

    [Fact]
    public async Task A_hospital_exits_within_seconds_of_SIGTERM_with_exit_code_143()
    {
        var keys = Path.Combine(_directory, "keys");
        Assert.Equal(0, (await Models.FedheProcess.RunAsync("keygen", "--out", keys)).ExitCode);
        var ports = FreePorts.Block(2);
        using var node = FedheChild.Start("node", "--role", "hospital", "--hospital-id", "hospital-1", "--spec", SpecPath(),
            "--no-tls", "--keys", keys, "--port", Port(ports + 1), "--seed-node", $"akka.tcp://federation@127.0.0.1:{ports}");
        await node.WaitForLineAsync("hospital-1 up at", Startup);

        node.Signal(15);

        Assert.Equal(143, await node.WaitForExitAsync(Prompt));
    }

    [Fact]
    public async Task A_second_aggregator_on_a_taken_port_is_refused_with_one_line_naming_the_port()
    {
        var port = FreePorts.One();
        using var first = FedheChild.Start(AggregatorArguments(port));
        await first.WaitForLineAsync("aggregator up at", Startup);

        var second = await Models.FedheProcess.RunAsync(AggregatorArguments(port));

        Assert.NotEqual(0, second.ExitCode);
        Assert.Contains($"error: --port {port}: 127.0.0.1:{port} cannot be used", second.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", second.StandardOutput + second.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("aggregator up at", second.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_port_held_by_another_program_is_refused_with_one_line_and_no_crash()
    {
        using var held = new HeldPort();

        var node = await Models.FedheProcess.RunAsync(AggregatorArguments(held.Port));

        Assert.Equal(2, node.ExitCode);
        Assert.Contains($"--port {held.Port}", node.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", node.StandardOutput + node.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_port_taken_after_the_nodes_check_and_before_Akka_binds_it_is_recognised_as_taken_not_a_crash()
    {
        // The node checks its port before it starts; in the second before Akka binds it, another program (or an outgoing
        // connection's ephemeral port) can take it. Akka's host then fails its start with the bind error nested in aggregate
        // exceptions, which escaped as an unhandled exception (exit 134, seen in CI): the node must find it to say one line.
        using var held = new HeldPort();
        var config = FederatedHe.Actors.Nodes.FederationNode.NodeConfig(FederatedHe.Actors.Spec.FederationSpec.Default, "aggregator", "127.0.0.1", held.Port, null,
            FederatedHe.Actors.Configuration.ProjectFiles.LoadHocon(FederatedHe.Actors.Configuration.ProjectFiles.ClusterConfigPath));

        var failure = await Assert.ThrowsAnyAsync<Exception>(() => FederatedHe.Host.Hosting.FederationNodeHost.StartAsync(
            config, null, "aggregator", "aggregator", FederatedHe.Host.Hosting.LogFormat.Text, (_, _) => { }, CancellationToken.None));

        var taken = FederatedHe.Host.Cli.NodeCommand.BindFailure(failure);
        Assert.True(taken is not null, failure.ToString());
        Assert.Equal(System.Net.Sockets.SocketError.AddressAlreadyInUse, taken.SocketErrorCode);
    }

    [Fact]
    public void A_monitors_port_taken_after_its_check_and_before_Akka_binds_it_is_recognised_as_taken_not_a_crash()
    {
        // `fedhe monitor` checks its port as a node does and then creates its actor system, which binds it: the same window.
        using var held = new HeldPort();
        var config = FederatedHe.Host.Monitor.MonitorNode.NodeConfig("127.0.0.1", held.Port, null,
            FederatedHe.Actors.Configuration.ProjectFiles.LoadHocon(FederatedHe.Actors.Configuration.ProjectFiles.ClusterConfigPath));

        var failure = Assert.ThrowsAny<Exception>(() => FederatedHe.Actors.Nodes.FederationNode.CreateSystem(config).Dispose());

        var taken = FederatedHe.Host.Cli.NodeCommand.BindFailure(failure);
        Assert.True(taken is not null, failure.ToString());
        Assert.Equal(System.Net.Sockets.SocketError.AddressAlreadyInUse, taken.SocketErrorCode);
    }

    [Fact]
    public async Task A_hospital_with_a_certificate_from_another_CA_exits_with_the_refusal_as_its_error()
    {
        string Certs(string name) => Path.Combine(_directory, name);
        Assert.Equal(0, (await Models.FedheProcess.RunAsync("certs", "--out", Certs("ours"), "--nodes", "aggregator,hospital-1")).ExitCode);
        Assert.Equal(0, (await Models.FedheProcess.RunAsync("certs", "--out", Certs("theirs"), "--nodes", "aggregator,hospital-1")).ExitCode);
        var keys = Path.Combine(_directory, "keys");
        Assert.Equal(0, (await Models.FedheProcess.RunAsync("keygen", "--out", keys)).ExitCode);
        var ports = FreePorts.Block(2);
        var seed = $"akka.tcp://federation@127.0.0.1:{ports}";
        using var aggregator = FedheChild.Start("node", "--role", "aggregator", "--spec", SpecPath(), "--certs", Certs("ours"), "--port", Port(ports), "--seed-node", seed);
        await aggregator.WaitForLineAsync("aggregator up at", Startup);

        using var hospital = FedheChild.Start("node", "--role", "hospital", "--hospital-id", "hospital-1", "--spec", SpecPath(), "--certs", Certs("theirs"),
            "--keys", keys, "--port", Port(ports + 1), "--seed-node", seed);

        var exitCode = await hospital.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.True(exitCode == 2, $"exit code {exitCode}:\n{hospital.Output}");
        var error = Assert.Single(hospital.Output.Split('\n'), line => line.StartsWith("error: ", StringComparison.Ordinal));
        // TLS 1.3 lets either side judge the other's certificate first: the hospital names the seed's refusal when it checked
        // first, and otherwise says that the seed closed the handshake (it refused the hospital's certificate).
        Assert.True(error.Contains($"the seed node ssl.tcp://federation@127.0.0.1:{ports} was refused (UntrustedChain)", StringComparison.Ordinal)
            || error.Contains($"the peer closed it before this node could check its certificate", StringComparison.Ordinal), error);
        Assert.DoesNotContain("Unhandled exception", hospital.Output, StringComparison.Ordinal);
    }

    internal static string[] AggregatorArguments(int port) =>
        ["node", "--role", "aggregator", "--spec", SpecPath(), "--no-tls", "--port", Port(port),
         "--seed-node", $"akka.tcp://federation@127.0.0.1:{Port(port)}"];

    internal static string SpecPath() => RepositoryFiles.Path("experiments", "wdbc-4-hospitals.conf");

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>A loopback port another program holds, until disposed.</summary>
    private sealed class HeldPort : IDisposable
    {
        private readonly System.Net.Sockets.TcpListener _listener = new(System.Net.IPAddress.Loopback, 0);

        public HeldPort() => _listener.Start();

        public int Port => ((System.Net.IPEndPoint)_listener.LocalEndpoint).Port;

        public void Dispose() => _listener.Stop();
    }
}
