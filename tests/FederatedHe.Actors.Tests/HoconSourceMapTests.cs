using FederatedHe.Actors.Spec;

namespace FederatedHe.Actors.Tests;

/// <summary>The line of each key of a HOCON text, and the unclosed brackets and strings Akka's parser would not report.</summary>
public sealed class HoconSourceMapTests
{
    private const string Text = """
        # a comment { with a brace
        fedhe {
          federation.rounds = 3   // and another "quoted" one
          data {
            file = "a { b }.csv"
            partition { scheme = iid, alpha = 0.5 }
          }
          faults.schedule = [
            { at-round = 1, kind = kill-hospital, target = hospital-1 }
            { at-round = 2, kind = kill-hospital, target = hospital-2 }
          ]
        }
        fedhe.federation.rounds = 4
        """;

    [Theory]
    [InlineData("fedhe", 2)]
    [InlineData("fedhe.data.file", 5)]
    [InlineData("fedhe.data.partition.alpha", 6)]
    [InlineData("fedhe.faults.schedule", 8)]
    [InlineData("fedhe.faults.schedule[1]", 10)]
    [InlineData("fedhe.faults.schedule[1].target", 10)]
    [InlineData("fedhe.federation.rounds", 13)]
    [InlineData("fedhe.training.epochs", 2)]
    public void Each_key_is_found_on_the_line_that_last_sets_it_or_else_its_nearest_enclosing_key(string path, int line)
    {
        Assert.Equal(line, HoconSourceMap.Scan(Text).LineOf(path));
    }

    [Fact]
    public void A_key_outside_the_text_has_no_line()
    {
        Assert.Null(HoconSourceMap.Scan(Text).LineOf("akka.loglevel"));
    }

    [Theory]
    [InlineData("a {\n  b = 1\n", 1, "'a {' is never closed")]
    [InlineData("a {\n  b {\n    c = 1\n}\n", 2, "'b {' is never closed (the '}' on line 4 lines up with an outer block)")]
    [InlineData("a = [1, 2\n", 1, "'a = [' is never closed")]
    [InlineData("a = 1\n]\n", 2, "']' closes nothing that is open")]
    [InlineData("a = \"open\nb = 2\n", 1, "a quoted string is not closed")]
    [InlineData("a = ${b\n", 1, "'${' is never closed")]
    public void Unclosed_or_stray_brackets_and_strings_are_named_by_line(string text, int line, string problem)
    {
        var error = Assert.Throws<HoconStructureException>(() => HoconSourceMap.Scan(text));

        Assert.Equal((line, problem), (error.Line, error.Problem));
    }

    [Fact]
    public void Blocks_closed_on_their_own_line_at_any_consistent_indentation_are_fine()
    {
        var map = HoconSourceMap.Scan("a {\n    b {\n      c = 1\n    }\n}\nd { e = 1 }\n");

        Assert.Equal(3, map.LineOf("a.b.c"));
        Assert.Equal(6, map.LineOf("d.e"));
    }
}
