using KmemGen.Analyzers.Common;
using KmemGen.Testing;
using Microsoft.CodeAnalysis.Diagnostics;

namespace KmemGen.Analyzers.Tests;

/// <summary>
/// Every rule links to its page. Built from this checkout without KmemGenHelpLinkBase, the base is the
/// checkout's docs/rules/ as a file: URI, so each link must open an existing page.
/// </summary>
public class HelpLinkTests
{
    public static TheoryData<string> AnalyzerTypes { get; } = [.. typeof(Descriptors).Assembly.GetTypes()
        .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t))
        .Select(t => t.FullName!)];

    [Fact]
    public void The_base_is_the_checkout_rule_pages_by_default()
        => Assert.Equal(new Uri(Path.Combine(RepositoryPaths.Root, "docs", "rules") + Path.DirectorySeparatorChar).AbsoluteUri, Descriptors.HelpLinkBase);

    [Theory]
    [MemberData(nameof(AnalyzerTypes))]
    public void Every_rule_links_to_an_existing_page_of_its_own(string analyzerType)
    {
        var analyzer = (DiagnosticAnalyzer)Activator.CreateInstance(typeof(Descriptors).Assembly.GetType(analyzerType)!)!;
        Assert.NotEmpty(analyzer.SupportedDiagnostics);
        foreach (var descriptor in analyzer.SupportedDiagnostics)
        {
            Assert.Equal(Descriptors.HelpLinkBase + descriptor.Id + ".md", descriptor.HelpLinkUri);
            var page = new Uri(descriptor.HelpLinkUri).LocalPath;
            Assert.True(File.Exists(page), $"{descriptor.Id} links to {descriptor.HelpLinkUri}, which does not exist");
            Assert.StartsWith("# " + descriptor.Id + ":", File.ReadAllText(page), StringComparison.Ordinal);
        }
    }
}
