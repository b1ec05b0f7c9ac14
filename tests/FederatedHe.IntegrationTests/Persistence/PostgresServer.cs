using System.Diagnostics;
using Npgsql;

namespace FederatedHe.IntegrationTests.Persistence;

/// <summary>
/// A throw-away PostgreSQL server on loopback for the tests that journal to PostgreSQL: initdb into a temporary
/// directory, started on a free port, with one empty database; stopped and deleted afterwards. Needs PostgreSQL's
/// server binaries (<c>./setup.sh</c> installs them); as root it runs the server as the <c>postgres</c> user.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("fedhe-postgres-").FullName;
    private string _binaries = string.Empty;
    private int _port;

    /// <summary>The connection string of the test database.</summary>
    public string ConnectionString => $"Host=127.0.0.1;Port={_port};Username=postgres;Database=fedhe;Pooling=false";

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        _binaries = Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin"))
            .Where(d => File.Exists(Path.Combine(d, "initdb"))).Order().LastOrDefault()
            ?? throw new InvalidOperationException("PostgreSQL's server binaries are not installed under /usr/lib/postgresql (./setup.sh installs them)");
        _port = FreePorts.One();
        if (Environment.UserName == "root")
            await RunAsync("chown", ["-R", "postgres", _directory]);
        var data = Path.Combine(_directory, "data");
        await RunAsPostgresAsync(Path.Combine(_binaries, "initdb"), ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync"]);
        await RunAsPostgresAsync(Path.Combine(_binaries, "pg_ctl"),
            ["-D", data, "-l", Path.Combine(_directory, "server.log"), "-w", "-o", $"-p {_port} -k {_directory} -c listen_addresses=127.0.0.1 -c fsync=off", "start"]);
        await using var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={_port};Username=postgres;Database=postgres;Pooling=false");
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand("CREATE DATABASE fedhe", connection);
        await create.ExecuteNonQueryAsync();
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        try
        {
            await RunAsPostgresAsync(Path.Combine(_binaries, "pg_ctl"), ["-D", Path.Combine(_directory, "data"), "-m", "immediate", "stop"]);
        }
        finally
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    /// <summary>Runs a scalar query on the test database.</summary>
    public async Task<long> CountAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    // initdb and the server refuse to run as root.
    private static Task RunAsPostgresAsync(string program, IReadOnlyList<string> arguments) =>
        Environment.UserName == "root" ? RunAsync("runuser", ["-u", "postgres", "--", program, .. arguments]) : RunAsync(program, arguments);

    private static async Task RunAsync(string program, IReadOnlyList<string> arguments)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
            info.ArgumentList.Add(argument);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}: {await error}{await output}");
    }
}
