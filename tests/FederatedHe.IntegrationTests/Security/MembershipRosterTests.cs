using Akka.Configuration;
using FederatedHe.Actors.Security;

namespace FederatedHe.IntegrationTests.Security;

/// <summary>The membership roster: which (node id, certificate) pairs the federation admits.</summary>
public sealed class MembershipRosterTests
{
    private const string Fingerprint1 = "9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b";
    private const string Fingerprint2 = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    private const string Fingerprint3 = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";

    private static MembershipRoster? Parse(string hocon) => MembershipRoster.FromConfig(ConfigurationFactory.ParseString(hocon));

    [Fact]
    public void A_roster_admits_exactly_the_listed_id_with_its_listed_certificate()
    {
        var roster = Parse($$"""
            fedhe.roster = [
              { id = aggregator, role = aggregator, certificate-sha256 = "{{Fingerprint3}}" }
              { id = hospital-1, certificate-sha256 = "{{Fingerprint1}}" }
              { id = hospital-2, certificate-sha256 = "{{Fingerprint2}}" }
            ]
            """)!;

        Assert.True(roster.IsAllowed("hospital-1", Fingerprint1));
        Assert.True(roster.IsAllowedHospital("hospital-2", Fingerprint2));
        Assert.False(roster.IsAllowed("hospital-1", Fingerprint2));
        Assert.False(roster.IsAllowed("hospital-3", Fingerprint1));
        Assert.False(roster.IsAllowedHospital("aggregator", Fingerprint3));
        Assert.True(roster.IsAllowed("aggregator", Fingerprint3));
        Assert.False(roster.IsAllowed("hospital-1", "not a fingerprint"));
        Assert.Equal(["hospital-1", "hospital-2"], roster.Hospitals.Select(h => h.Id));
    }

    [Fact]
    public void Fingerprints_are_matched_whatever_their_case_or_colons()
    {
        var roster = MembershipRoster.Create([new RosterEntry("hospital-1", Fingerprint1.ToUpperInvariant(), MembershipRoster.HospitalRole)]);
        var openssl = string.Join(':', Enumerable.Range(0, 32).Select(i => Fingerprint1.Substring(2 * i, 2).ToUpperInvariant()));

        Assert.True(roster.IsAllowed("hospital-1", openssl));
        Assert.Equal(Fingerprint1, roster.Entries[0].CertificateSha256);
    }

    [Fact]
    public void A_missing_or_empty_roster_means_none_is_configured()
    {
        Assert.Null(Parse("fedhe.federation.rounds = 3"));
        Assert.Null(Parse("fedhe.roster = []"));
    }

    [Fact]
    public void A_roster_round_trips_through_the_HOCON_it_writes()
    {
        var roster = MembershipRoster.Create([
            new RosterEntry("aggregator", Fingerprint3, MembershipRoster.AggregatorRole),
            new RosterEntry("hospital-1", Fingerprint1, MembershipRoster.HospitalRole),
        ]);

        var reread = Parse(roster.ToHocon())!;

        Assert.Equal(roster.Entries, reread.Entries);
    }

    [Theory]
    [InlineData("""{ certificate-sha256 = "F1" }""", 0, null, "id")]
    [InlineData("""{ id = "Hospital 1", certificate-sha256 = "F1" }""", 0, "Hospital 1", "id")]
    [InlineData("""{ id = hospital-1 }""", 0, "hospital-1", "certificate-sha256")]
    [InlineData("""{ id = hospital-1, certificate-sha256 = "abc" }""", 0, "hospital-1", "certificate-sha256")]
    [InlineData("""{ id = hospital-1, certificate-sha256 = "F1", role = coordinator }""", 0, "hospital-1", "role")]
    [InlineData("""{ id = hospital-1, certificate-sha256 = "F1", fingerprint = "F2" }""", 0, "hospital-1", "fingerprint")]
    [InlineData("""{ id = hospital-1, certificate-sha256 = "F1" }, { id = hospital-1, certificate-sha256 = "F2" }""", 1, "hospital-1", "id")]
    [InlineData("""{ id = hospital-1, certificate-sha256 = "F1" }, { id = hospital-2, certificate-sha256 = "F1" }""", 1, "hospital-2", "certificate-sha256")]
    [InlineData("""hospital-1""", 0, null, "entry")]
    public void An_invalid_entry_is_refused_with_an_error_naming_it(string entries, int index, string? id, string field)
    {
        var hocon = $"fedhe.roster = [ {entries.Replace("F1", Fingerprint1).Replace("F2", Fingerprint2)} ]";

        var error = Assert.Throws<RosterException>(() => Parse(hocon));

        Assert.Equal(index, error.Index);
        Assert.Equal(id, error.EntryId);
        Assert.Equal(field, error.Field);
        Assert.StartsWith($"fedhe.roster[{index}]", error.Message);
    }

    [Theory]
    [InlineData("fedhe.roster { id = hospital-1 }")]
    [InlineData("fedhe.roster = hospital-1")]
    public void A_roster_that_is_not_a_list_is_refused(string hocon)
    {
        var error = Assert.Throws<RosterException>(() => Parse(hocon));
        Assert.Equal(-1, error.Index);
    }
}
