using System.Collections.Immutable;
using System.Globalization;
using System.Text.RegularExpressions;
using KmemGen.Analyzers.Tests.Harness;
using KmemGen.Testing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace KmemGen.Analyzers.Tests.Docs;

/// <summary>
/// docs/getting-started.md pasted in order compiles: every C# snippet that starts with a "// File.cs" line goes,
/// whole, into that file of a console app (later snippets for the same file are appended, as the page says), which is
/// then built with the generator and every analyzer. Only the KMEM0001 the page shows may be reported, where the
/// page says it is.
/// </summary>
public sealed partial class GettingStartedTests
{
    private static readonly string s_page = Path.Combine(RepositoryPaths.Root, "docs", "getting-started.md");

    // What `dotnet new console` (ImplicitUsings) adds to every file.
    private const string ImplicitUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Net.Http;
        global using System.Threading;
        global using System.Threading.Tasks;
        """;

    [Fact]
    public void The_page_has_the_snippets_this_test_builds()
    {
        var files = Files();
        Assert.Equal(["Program.cs", "Session.cs"], files.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("Kmalloc.Alloc(64, Gfp.Kernel)", files["Program.cs"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_snippets_pasted_in_order_compile_and_report_only_the_KMEM0001_the_page_shows()
    {
        var files = Files();
        var trees = files.Select(f => CSharpSyntaxTree.ParseText(f.Value, TestCompilation.ParseOptions, path: f.Key))
            .Append(CSharpSyntaxTree.ParseText(ImplicitUsings, TestCompilation.ParseOptions, path: "GlobalUsings.g.cs"));
        var compilation = CSharpCompilation.Create("TenantDemo", trees, TestCompilation.References,
            TestCompilation.CompilationOptions.WithOutputKind(OutputKind.ConsoleApplication));
        compilation = TestCompilation.RunGenerators(compilation, VerifyOptions.Default);

        var problems = compilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(problems.Count == 0, "The pasted snippets do not compile cleanly:\n" + string.Join("\n", problems));

        var analyzers = typeof(KmemGen.Analyzers.Common.Descriptors).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t))
            .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
            .ToImmutableArray();
        var reported = (await AnalyzerVerifier.RunAsync(compilation, analyzers, VerifyOptions.Default))
            .Where(d => d.Severity >= DiagnosticSeverity.Warning)
            .ToList();

        var shown = ShownWarning().Match(File.ReadAllText(s_page));
        Assert.True(shown.Success, "The page no longer shows a KMEM0001 warning line.");
        var kmem0001 = Assert.Single(reported);
        Assert.Equal("KMEM0001", kmem0001.Id);
        var position = kmem0001.Location.GetLineSpan().StartLinePosition;
        Assert.Equal(
            (int.Parse(shown.Groups["line"].Value, CultureInfo.InvariantCulture), int.Parse(shown.Groups["column"].Value, CultureInfo.InvariantCulture)),
            (position.Line + 1, position.Character + 1));
    }

    /// <summary>The page's C# snippets by the file their first line names, in page order, appended.</summary>
    private static Dictionary<string, string> Files()
    {
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (Match snippet in CSharpSnippet().Matches(File.ReadAllText(s_page).Replace("\r\n", "\n")))
        {
            string file = snippet.Groups["file"].Value;
            files[file] = files.GetValueOrDefault(file, "") + snippet.Groups["code"].Value;
        }
        return files;
    }

    [GeneratedRegex(@"^```csharp\n(?<code>// (?<file>\w+\.cs)[^\n]*\n.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex CSharpSnippet();

    [GeneratedRegex(@"Program\.cs\((?<line>\d+),(?<column>\d+)\): warning KMEM0001")]
    private static partial Regex ShownWarning();
}
