using Microsoft.CodeAnalysis.Text;

namespace KmemGen.Analyzers.Tests.Harness;

/// <summary>A diagnostic a test expects: its ID and the span the markup put around it.</summary>
public sealed record ExpectedDiagnostic(string Id, TextSpan Span);

/// <summary>
/// Parses the markup of roslyn-sdk's TestFileMarkupParser that our tests use: <c>{|ID:code|}</c>
/// marks the span where diagnostic ID is expected, and <c>[|code|]</c> the same for the test's
/// default ID. Spans may nest. The markers are removed from the returned source.
/// </summary>
public static class Markup
{
    public static (string Source, IReadOnlyList<ExpectedDiagnostic> Expected) Parse(string markup, string? defaultId = null)
    {
        var output = new System.Text.StringBuilder(markup.Length);
        var expected = new List<ExpectedDiagnostic>();
        var open = new Stack<(string Id, int Start)>();
        for (int i = 0; i < markup.Length; i++)
        {
            if (Starts(markup, i, "{|"))
            {
                int colon = markup.IndexOf(':', i + 2);
                if (colon < 0) throw new FormatException($"'{{|' at {i} has no ':' after its diagnostic ID");
                open.Push((markup.Substring(i + 2, colon - i - 2), output.Length));
                i = colon;
            }
            else if (Starts(markup, i, "[|"))
            {
                open.Push((defaultId ?? throw new FormatException("[| |] markup needs a default diagnostic ID"), output.Length));
                i++;
            }
            else if (Starts(markup, i, "|}") || Starts(markup, i, "|]"))
            {
                if (open.Count == 0) throw new FormatException($"'{markup.Substring(i, 2)}' at {i} closes nothing");
                var (id, start) = open.Pop();
                expected.Add(new ExpectedDiagnostic(id, TextSpan.FromBounds(start, output.Length)));
                i++;
            }
            else
            {
                output.Append(markup[i]);
            }
        }
        if (open.Count != 0) throw new FormatException($"markup span for {open.Peek().Id} is never closed");
        expected.Sort((a, b) => a.Span.Start != b.Span.Start ? a.Span.Start.CompareTo(b.Span.Start) : string.CompareOrdinal(a.Id, b.Id));
        return (output.ToString(), expected);
    }

    private static bool Starts(string s, int i, string token) => string.CompareOrdinal(s, i, token, 0, token.Length) == 0;
}
