using System.Text.RegularExpressions;

namespace KmemGen.Package.Tests.Infrastructure;

/// <summary>One compiler diagnostic as the MSBuild console logger prints it.</summary>
public sealed record BuildDiagnostic(string File, int Line, int Column, string Severity, string Id, string Message, string? HelpLink)
{
    // Program.cs(4,11): warning KMEM0001: Message text (https://help/link or file:///rule/page.md) [/path/Consumer.csproj]
    private static readonly Regex s_pattern = new(
        @"^\s*(?<file>[^\s(][^(]*?)\((?<line>\d+),(?<col>\d+)(?:,\d+,\d+)?\): (?<sev>warning|error) (?<id>[A-Z]+[0-9]+): (?<msg>.*?)(?: \((?<link>(?:https?|file):///?[^\s)]+)\))?(?: \[[^\]]*\])?\s*$",
        RegexOptions.Multiline | RegexOptions.CultureInvariant);

    /// <summary>Every distinct diagnostic in a build log (the logger repeats them in its summary).</summary>
    public static IReadOnlyList<BuildDiagnostic> Parse(string buildOutput) =>
        s_pattern.Matches(buildOutput)
            .Select(m => new BuildDiagnostic(
                System.IO.Path.GetFileName(m.Groups["file"].Value.Trim()),
                int.Parse(m.Groups["line"].Value),
                int.Parse(m.Groups["col"].Value),
                m.Groups["sev"].Value,
                m.Groups["id"].Value,
                m.Groups["msg"].Value,
                m.Groups["link"].Success ? m.Groups["link"].Value : null))
            .Distinct()
            .ToList();
}
