using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis.Text;

namespace KmemGen.Generators.Tests.Infrastructure;

/// <summary>
/// Test sources mark where a diagnostic is expected with <c>{|KMEM0901:text|}</c> (roslyn-sdk's
/// markup, the named-span form only). <see cref="Parse"/> strips the markers and returns the spans.
/// </summary>
internal static partial class Markup
{
    public static (string Source, IReadOnlyList<ExpectedDiagnostic> Expected) Parse(string markup)
    {
        var source = new StringBuilder();
        var expected = new List<ExpectedDiagnostic>();
        int last = 0;
        foreach (Match match in Span().Matches(markup))
        {
            source.Append(markup, last, match.Index - last);
            int start = source.Length;
            source.Append(match.Groups["text"].Value);
            expected.Add(new ExpectedDiagnostic(match.Groups["id"].Value, TextSpan.FromBounds(start, source.Length)));
            last = match.Index + match.Length;
        }

        source.Append(markup, last, markup.Length - last);
        return (source.ToString(), expected);
    }

    [GeneratedRegex(@"\{\|(?<id>[A-Z]+[0-9]+):(?<text>.*?)\|\}", RegexOptions.Singleline)]
    private static partial Regex Span();
}

internal sealed record ExpectedDiagnostic(string Id, TextSpan Span);
