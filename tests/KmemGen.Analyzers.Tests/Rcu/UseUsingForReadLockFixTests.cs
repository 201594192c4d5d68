using KmemGen.Analyzers.Rcu;
using KmemGen.Analyzers.Tests.Harness;
using KmemGen.CodeFixes.Rcu;

namespace KmemGen.Analyzers.Tests.Rcu;

/// <summary>The KMEM0104 fix turns a guard in a plain local into a using, keeping the section's extent.</summary>
public class UseUsingForReadLockFixTests
{
    [Fact]
    public Task Guard_disposed_by_hand_becomes_a_using_statement_over_the_same_statements() => CodeFixVerifier.VerifyFixAsync<ReadSectionNotClosedAnalyzer, UseUsingForReadLockCodeFix>("""
        using KmemGen;
        class Reader
        {
            long Read(ObjCgroup objcg)
            {
                long usage;
                var guard = {|KMEM0104:Rcu.ReadLock()|};
                usage = objcg.MemCgroup.Usage;
                guard.Dispose();
                return usage;
            }
        }
        """, """
        using KmemGen;
        class Reader
        {
            long Read(ObjCgroup objcg)
            {
                long usage;
                using (var guard = Rcu.ReadLock())
                {
                    usage = objcg.MemCgroup.Usage;
                }
                return usage;
            }
        }
        """);

    [Fact]
    public async Task No_fix_when_a_local_of_the_section_is_used_after_the_dispose()
    {
        var document = CodeFixVerifier.CreateDocument("""
            using KmemGen;
            class Reader
            {
                long Read(ObjCgroup objcg)
                {
                    var guard = Rcu.ReadLock();
                    var usage = objcg.MemCgroup.Usage;
                    guard.Dispose();
                    return usage;
                }
            }
            """);
        var compilation = await document.Project.GetCompilationAsync();
        var diagnostics = await AnalyzerVerifier.RunAsync(compilation!, [new ReadSectionNotClosedAnalyzer()], VerifyOptions.Default);
        var diagnostic = Assert.Single(diagnostics);
        var actions = new List<Microsoft.CodeAnalysis.CodeActions.CodeAction>();
        await new UseUsingForReadLockCodeFix().RegisterCodeFixesAsync(new Microsoft.CodeAnalysis.CodeFixes.CodeFixContext(document, diagnostic, (a, _) => actions.Add(a), CancellationToken.None));
        Assert.Empty(actions);
    }

    [Fact]
    public Task Guard_never_disposed_becomes_a_using_declaration() => CodeFixVerifier.VerifyFixAsync<ReadSectionNotClosedAnalyzer, UseUsingForReadLockCodeFix>("""
        using KmemGen;
        class Reader
        {
            long Read(ObjCgroup objcg)
            {
                var guard = {|KMEM0104:Rcu.ReadLock()|};
                return objcg.MemCgroup.Usage;
            }
        }
        """, """
        using KmemGen;
        class Reader
        {
            long Read(ObjCgroup objcg)
            {
                using var guard = Rcu.ReadLock();
                return objcg.MemCgroup.Usage;
            }
        }
        """);

    [Fact]
    public Task Fix_all_converts_every_guard() => CodeFixVerifier.VerifyFixAllAsync<ReadSectionNotClosedAnalyzer, UseUsingForReadLockCodeFix>("""
        using KmemGen;
        class Reader
        {
            void Read(ObjCgroup objcg)
            {
                var first = {|KMEM0104:Rcu.ReadLock()|};
                System.Console.WriteLine(objcg.MemCgroup);
                first.Dispose();
                var second = {|KMEM0104:Rcu.ReadLock()|};
                System.Console.WriteLine(objcg.MemCgroup);
            }
        }
        """, """
        using KmemGen;
        class Reader
        {
            void Read(ObjCgroup objcg)
            {
                using (var first = Rcu.ReadLock())
                {
                    System.Console.WriteLine(objcg.MemCgroup);
                }
                using var second = Rcu.ReadLock();
                System.Console.WriteLine(objcg.MemCgroup);
            }
        }
        """);
}
