using KmemGen.Analyzers.Balance;
using KmemGen.Testing;
using Microsoft.CodeAnalysis;

namespace KmemGen.Analyzers.Tests.Balance;

/// <summary>Every balance rule: Reliability, Warning, its help link, its docs page and its release-tracking row.</summary>
public class DescriptorTests
{
    public static TheoryData<string> Ids => new() { "KMEM0201", "KMEM0202", "KMEM0203", "KMEM0204", "KMEM0205" };

    [Theory]
    [MemberData(nameof(Ids))]
    public void Rule_is_described_documented_and_tracked(string id)
    {
        var descriptor = new BalanceAnalyzer().SupportedDiagnostics.Single(d => d.Id == id);
        Assert.Equal("Reliability", descriptor.Category);
        Assert.Equal(DiagnosticSeverity.Warning, descriptor.DefaultSeverity);
        Assert.True(descriptor.IsEnabledByDefault);
        Assert.False(string.IsNullOrWhiteSpace(descriptor.Title.ToString()));

        var root = RepositoryPaths.Root;
        Assert.Equal(new Uri(Path.Combine(root, "docs", "rules", id + ".md")).AbsoluteUri, descriptor.HelpLinkUri);
        var page = File.ReadAllText(Path.Combine(root, "docs", "rules", id + ".md"));
        Assert.StartsWith("# " + id + ":", page, StringComparison.Ordinal);
        foreach (var section in new[] { "## Rule", "## Bad", "## Good", "## Kernel history" }) Assert.Contains(section, page, StringComparison.Ordinal);

        var releases = File.ReadAllLines(Path.Combine(root, "analyzers", "KmemGen.Analyzers", "AnalyzerReleases.Unshipped.md"));
        Assert.Contains(releases, line => line.StartsWith(id + " | Reliability | Warning |", StringComparison.Ordinal));
    }
}
