using FederatedHe.IntegrationTests.Experiments;
using FederatedHe.IntegrationTests.Models;

namespace FederatedHe.IntegrationTests.Cli;

/// <summary>Every mistake on the command line is refused up front, in the user's words: one line, non-zero exit, no .NET.</summary>
public sealed class CommandLineErrorTests
{
    public static TheoryData<string[], string> Mistakes() => new()
    {
        { ["simulate", "--hospitals", "0"], "--hospitals" },
        { ["simulate", "--rounds", "abc"], "--rounds: 'abc' is not a whole number" },
        { ["simulate", "--preset", "Nonexistent"], "'Nonexistent' is not a CKKS preset; known: Params128BitLogN13FedAvg" },
        { ["simulate", "--threshold", "10", "--hospitals", "3"], "fedhe.crypto.threshold" },
        { ["simulate", "--out", "/proc/foo", "--rounds", "1"], "--out /proc/foo: cannot write there" },
        { ["node", "--role", "hospital", "--spec", RepositoryFiles.Path("experiments", "wdbc-4-hospitals.conf"), "--hospital-id", "hospital-1", "--no-tls"],
            "--keys is required for a hospital" },
        { ["cluster", "up", "--spec", RepositoryFiles.Path("experiments", "wdbc-unreliable-network.conf"), "--hospitals", "2", "--quorum", "2"],
            "'hospital-4' is not one of hospital-1 … hospital-2" },
        // Every command of the README, given something wrong.
        { ["demo", "--bogus"], "Unrecognized command or argument '--bogus'" },
        { ["simulate", "--data", RepositoryFiles.Path("experiments", "wdbc-mlp.conf"), "--rounds", "1"], "no label column" },
        { ["simulate", "--threshold", "2", "--hospitals", "3"], "is only meaningful with fedhe.crypto.mode = threshold" },
        { ["node", "--role", "nobody", "--spec", RepositoryFiles.Path("experiments", "wdbc-4-hospitals.conf")], "'nobody' not recognized. Must be one of: 'aggregator', 'hospital'" },
        { ["keygen", "--out", "/proc/fedhe-keys"], "--out /proc/fedhe-keys: cannot write there" },
        { ["keygen", "--preset", "Nonexistent", "--out", "/proc/fedhe-keys"], "--preset: unknown preset 'Nonexistent'" },
        { ["certs", "--out", "/proc/fedhe-certs", "--nodes", "aggregator,hospital-1"], "--out /proc/fedhe-certs: cannot write there" },
        { ["experiment", "run", "missing.conf"], "missing.conf: the file does not exist" },
        { ["experiment", "run", RepositoryFiles.Path("data", "wdbc.csv")], "wdbc.csv:1:" },
        { ["cluster", "up", "--spec", RepositoryFiles.Path("experiments", "wdbc-dirichlet-8-hospitals.conf"), "--hospitals", "2"], "fedhe.federation.quorum" },
        { ["spec", "show", "--hospitals", "-3"], "fedhe.federation.hospitals: must be between 1 and 1000, got -3" },
        { ["baseline", "--data", "missing.csv"], "'missing.csv' was found neither" },
        { ["train", "--data", "missing.csv", "--out", "/proc/fedhe-model"], "missing.csv: the file does not exist" },
        { ["predict", "--model", "missing.fedhe-model.json", "--data", RepositoryFiles.Path("data", "wdbc.csv")], "missing.fedhe-model.json: the file does not exist" },
        { ["evaluate", "--model", "missing.fedhe-model.json", "--data", RepositoryFiles.Path("data", "wdbc.csv")], "missing.fedhe-model.json: the file does not exist" },
        // The dashboard off loopback without TLS and a token: refused before the monitor joins or binds anything.
        { ["monitor", "--bind", "0.0.0.0", "--seed-node", "akka.tcp://federation@127.0.0.1:1"],
            "--bind 0.0.0.0: the dashboard binds to loopback only, unless it is given TLS and a token (missing: --https-certificate and --token-file)" },
    };

    [Theory]
    [MemberData(nameof(Mistakes))]
    public async Task A_mistake_is_one_line_naming_the_option_with_exit_code_2_before_anything_runs(string[] arguments, string expected)
    {
        var run = await FedheProcess.RunAsync(arguments);

        var output = run.StandardOutput + run.StandardError;
        Assert.Equal(2, run.ExitCode);
        var error = Assert.Single(output.Split('\n'), line => line.StartsWith("error: ", StringComparison.Ordinal));
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", output, StringComparison.Ordinal);
        Assert.DoesNotContain("(Parameter", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Usage:", output, StringComparison.Ordinal);
        Assert.DoesNotContain("[INFO]", output, StringComparison.Ordinal); // Akka never started
        Assert.DoesNotContain("round ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Experiment_check_names_every_bad_file_not_only_the_first()
    {
        var run = await FedheProcess.RunAsync("experiment", "check", "missing-a.conf", RepositoryFiles.Path("experiments", "wdbc-mlp.conf"), "missing-c.conf");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("error: missing-a.conf", run.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("ok ", run.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("error: missing-c.conf", run.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_lists_the_presets()
    {
        var run = await FedheProcess.RunAsync("simulate", "--help");

        Assert.Contains("Params128BitLogN13LogQ101", run.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("Params128BitLogN13LogQ160Threshold", run.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("Params128BitLogN13LogQ108SeededThreshold", run.StandardOutput, StringComparison.Ordinal);
    }
}
