using System.CommandLine;
using System.Security.Cryptography.X509Certificates;
using FederatedHe.Actors.Security;
using FederatedHe.Host.Security;
using Spectre.Console;

namespace FederatedHe.Host.Cli;

/// <summary>`fedhe certs`: a local CA and one TLS certificate per node, with the roster that admits them.</summary>
internal static class CertsCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "Directory to write ca.crt, ca.key, <id>.p12, <id>.crt and roster.conf to", DefaultValueFactory = _ => "certs" };
        var nodes = new Option<string>("--nodes") { Description = "Comma-separated node ids, e.g. aggregator,hospital-1,hospital-2 (ids starting with 'aggregator' get that role)", Required = true };
        var hosts = new Option<string>("--hosts") { Description = "Comma-separated host names and IP addresses every certificate also names", DefaultValueFactory = _ => "127.0.0.1,localhost" };
        var days = new Option<int>("--days") { Description = "Validity of the CA and the certificates, in days", DefaultValueFactory = _ => 365 };
        var force = new Option<bool>("--force") { Description = "Replace a CA already in --out, removing its node certificates (.p12, .crt) and roster" };
        var command = new Command("certs", $"Generate a local CA and a TLS certificate per node for mutual TLS between nodes (PKCS#12 password: ${ClusterTlsSettings.PasswordVariable}, else none)")
        {
            output, nodes, hosts, days, force,
        };
        command.SetAction(result =>
        {
            var ids = Split(result.GetValue(nodes)!);
            if (ids.Length == 0)
                throw new ArgumentException("--nodes: give at least one node id");
            if (ids.FirstOrDefault(id => !MembershipRoster.IsValidNodeId(id)) is { } bad)
                throw new ArgumentException($"--nodes: '{bad}' is not a node id (1-63 lowercase letters, digits and inner hyphens)");
            if (ids.GroupBy(id => id).FirstOrDefault(g => g.Count() > 1) is { } repeated)
                throw new ArgumentException($"--nodes: '{repeated.Key}' is given twice");
            var validityDays = result.GetValue(days);
            if (validityDays <= 0)
                throw new ArgumentException("--days: must be positive");
            var validity = TimeSpan.FromDays(validityDays);
            var hostNames = Split(result.GetValue(hosts)!);
            var directory = result.GetValue(output)!;
            SimulateCommand.RequireWritableDirectory(directory, "--out");
            var password = Environment.GetEnvironmentVariable(ClusterTlsSettings.PasswordVariable);
            // A CA replaced under running nodes cuts them off; its old node certificates must not linger beside the new CA.
            if (File.Exists(Path.Combine(directory, CertificateFiles.AuthorityCertificateFile)) || File.Exists(Path.Combine(directory, CertificateFiles.AuthorityKeyFile)))
            {
                if (!result.GetValue(force))
                    throw new ArgumentException($"--out {directory}: already holds a CA ({CertificateFiles.AuthorityCertificateFile}); give --force to replace it and its certificates, or another --out");
                foreach (var stale in Directory.EnumerateFiles(directory).Where(IsCertificateFile).ToList())
                    File.Delete(stale);
            }

            using var authority = ClusterCertificateAuthority.Create(validity);
            var issued = new Dictionary<string, X509Certificate2>(StringComparer.Ordinal);
            try
            {
                foreach (var id in ids)
                    issued[id] = authority.Issue(id, hostNames, validity);
                var roster = CertificateFiles.Write(directory, authority, issued, string.IsNullOrEmpty(password) ? null : password);

                var full = Path.GetFullPath(directory);
                AnsiConsole.MarkupLine($"wrote the CA and {ids.Length} node certificates to {Markup.Escape(full)} (private keys 0600)");
                AnsiConsole.MarkupLine($"CA {Markup.Escape(authority.Certificate.Subject)}, sha256 {MembershipRoster.Fingerprint(authority.Certificate)}");
                AnsiConsole.MarkupLine($"roster ({Markup.Escape(Path.Combine(full, CertificateFiles.RosterFile))}):");
                AnsiConsole.WriteLine(roster.ToHocon());
                AnsiConsole.MarkupLine($"[yellow]give each node ca.crt, roster.conf and only its own <id>.p12; keep {CertificateFiles.AuthorityKeyFile} offline[/]");
            }
            finally
            {
                foreach (var certificate in issued.Values)
                    certificate.Dispose();
            }

            return 0;
        });
        return command;
    }

    private static bool IsCertificateFile(string path) =>
        Path.GetExtension(path) is ".p12" or ".crt" or ".key"
        || Path.GetFileName(path) == CertificateFiles.RosterFile;

    private static string[] Split(string list) =>
        list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
