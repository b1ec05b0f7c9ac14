using Akka.Configuration;
using FederatedHe.Actors.Persistence;
using FederatedHe.Actors.Spec;
using FederatedHe.Actors.Harness;
using FederatedHe.Testing;

namespace FederatedHe.IntegrationTests.Persistence;

/// <summary>
/// The journal a multi-machine deployment uses: the coordinator's checkpoints in PostgreSQL (a real server on
/// loopback, started for these tests) instead of SQLite, configured as hocon/aggregator.conf's commented block says.
/// </summary>
public sealed class PostgresCheckpointTests : IClassFixture<PostgresServer>, IDisposable
{
    private const int Rounds = 4;
    private readonly PostgresServer _server;
    private readonly string _root = Directory.CreateTempSubdirectory("fedhe-postgres-run-").FullName;

    public PostgresCheckpointTests(PostgresServer server) => _server = server;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact(Timeout = 240_000)]
    public async Task The_aggregator_restarted_mid_federation_resumes_from_checkpoints_journalled_in_PostgreSQL()
    {
        var sqlite = Path.Combine(_root, "aggregator.db");
        var options = new SimulationOptions
        {
            Spec = FederationSpec.Default.WithHospitals(3).WithRounds(Rounds).WithQuorum(3).WithTimeouts(collect: TimeSpan.FromSeconds(20))
                .WithFaults([new SimulatedFault(2, FaultMoment.RoundStarted, FaultKind.RestartAggregator, SimulatedFault.Aggregator)])
                .WithPersistence(new PersistenceSettings(true, sqlite, Path.Combine(_root, "hospitals"))),
            ComputeBaselines = false,
            LogLevel = "ERROR",
            ExtraConfig = ConfigurationFactory.ParseString($$"""
                akka.persistence.journal.sql {
                  provider-name = "PostgreSQL.15"
                  connection-string = "{{_server.ConnectionString}}"
                }
                """),
        };

        var result = await FederationSimulation.RunAsync(options);

        Assert.True(result.Succeeded, result.Status);
        Assert.Equal(Enumerable.Range(1, Rounds), result.Rounds.Select(r => r.Round));
        Assert.All(result.Rounds, round => Assert.InRange(round.ModelErrorVersusPlaintextFedAvg!.Value, 0, 1e-5));

        // Rounds 0 … 4 each journalled once in PostgreSQL (round 2, in progress at the restart, was lost and run again; the
        // store keeps only the latest checkpoint, so the sequence number counts them); the SQLite file a connection string
        // overrides was never created.
        Assert.Equal(Rounds + 1, await _server.CountAsync(
            "SELECT max(sequence_number) FROM journal WHERE persistence_id = 'federation-coordinator'"));
        Assert.False(File.Exists(sqlite), "the SQLite journal was written although PostgreSQL was configured");
    }
}
