using KmemGen.Analyzers.Balance;
using KmemGen.Analyzers.Tests.Harness;
using KmemGen.CodeFixes.Balance;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;

namespace KmemGen.Analyzers.Tests.Balance;

/// <summary>KMEM0201/0202 fix: move the rest of the block into try { … } finally { release; }.</summary>
public class CodeFixTests
{
    [Fact]
    public async Task Early_return_leak_becomes_try_finally()
        => await CodeFixVerifier.VerifyFixAsync<BalanceAnalyzer, ReleaseInFinallyCodeFix>("""
            using KmemGen;
            class C
            {
                int M(MemCgroup parent, bool full)
                {
                    var cg = parent.CreateChild("t");
                    {|KMEM0201:cg.CssGet()|};
                    if (full) return -1;
                    cg.CssPut();
                    return 0;
                }
            }
            """, """
            using KmemGen;
            class C
            {
                int M(MemCgroup parent, bool full)
                {
                    var cg = parent.CreateChild("t");
                    cg.CssGet();
                    try
                    {
                        if (full) return -1;
                        return 0;
                    }
                    finally
                    {
                        cg.CssPut();
                    }
                }
            }
            """);

    [Fact]
    public async Task Exception_path_leak_after_a_try_charge_guard()
        => await CodeFixVerifier.VerifyFixAsync<BalanceAnalyzer, ReleaseInFinallyCodeFix>("""
            using KmemGen;
            class C
            {
                static void Step() => System.IO.File.Delete("step");
                void M(ObjCgroup objcg, long size)
                {
                    if (!{|KMEM0202:objcg.TryCharge(size)|}) return;
                    Step();
                    objcg.Uncharge(size);
                }
            }
            """, """
            using KmemGen;
            class C
            {
                static void Step() => System.IO.File.Delete("step");
                void M(ObjCgroup objcg, long size)
                {
                    if (!objcg.TryCharge(size)) return;
                    try
                    {
                        Step();
                    }
                    finally
                    {
                        objcg.Uncharge(size);
                    }
                }
            }
            """);

    // The fixed code still draws KMEM0203 on `objcg?.Put()`: the balance engine does not yet correlate the
    // `is null` return with the null-conditional release (a false positive). Remove the marker when it does.
    [Fact]
    public async Task FromCurrent_reference_is_put_conditionally_in_finally()
        => await CodeFixVerifier.VerifyFixAsync<BalanceAnalyzer, ReleaseInFinallyCodeFix>("""
            using KmemGen;
            class C
            {
                static void Step() => System.IO.File.Delete("step");
                void M()
                {
                    var objcg = {|KMEM0202:ObjCgroup.FromCurrent()|};
                    if (objcg is null) return;
                    Step();
                    objcg.Put();
                }
            }
            """, """
            using KmemGen;
            class C
            {
                static void Step() => System.IO.File.Delete("step");
                void M()
                {
                    var objcg = ObjCgroup.FromCurrent();
                    try
                    {
                        if (objcg is null) return;
                        Step();
                    }
                    finally
                    {
                        objcg?{|KMEM0203:.Put()|};
                    }
                }
            }
            """);

    [Fact]
    public async Task Releases_inside_the_moved_code_are_dropped_in_favour_of_the_finally()
        => await CodeFixVerifier.VerifyFixAsync<BalanceAnalyzer, ReleaseInFinallyCodeFix>("""
            using KmemGen;
            class C
            {
                void M(MemCgroup parent, bool a, bool b)
                {
                    var cg = parent.CreateChild("t");
                    {|KMEM0201:cg.CssGet()|};
                    if (a) { cg.CssPut(); return; }
                    if (b) return;
                    else cg.CssPut();
                }
            }
            """, """
            using KmemGen;
            class C
            {
                void M(MemCgroup parent, bool a, bool b)
                {
                    var cg = parent.CreateChild("t");
                    cg.CssGet();
                    try
                    {
                        if (a) { return; }
                        if (b) return;
                        else
                        {
                        }
                    }
                    finally
                    {
                        cg.CssPut();
                    }
                }
            }
            """);

    [Fact]
    public async Task Fix_all_in_document_fixes_every_method()
        => await CodeFixVerifier.VerifyFixAllAsync<BalanceAnalyzer, ReleaseInFinallyCodeFix>("""
            using KmemGen;
            class C
            {
                static void Step() => System.IO.File.Delete("step");
                void A(MemCgroup cg)
                {
                    {|KMEM0202:cg.CssGet()|};
                    Step();
                    cg.CssPut();
                }
                void B(ObjCgroup objcg)
                {
                    if (!{|KMEM0202:objcg.TryCharge(64)|}) return;
                    Step();
                    objcg.Uncharge(64);
                }
            }
            """, """
            using KmemGen;
            class C
            {
                static void Step() => System.IO.File.Delete("step");
                void A(MemCgroup cg)
                {
                    cg.CssGet();
                    try
                    {
                        Step();
                    }
                    finally
                    {
                        cg.CssPut();
                    }
                }
                void B(ObjCgroup objcg)
                {
                    if (!objcg.TryCharge(64)) return;
                    try
                    {
                        Step();
                    }
                    finally
                    {
                        objcg.Uncharge(64);
                    }
                }
            }
            """);

    [Fact]
    public async Task No_fix_where_the_success_path_keeps_the_charge()
    {
        // A parameter's charge kept on success (returned memory carries it): wrapping in finally would be wrong.
        var actions = await ActionsForAsync("""
            using KmemGen;
            static unsafe class Maps
            {
                public static void* Alloc(ObjCgroup objcg, long size)
                {
                    if (!objcg.TryCharge(size)) return null;
                    void* p = Kmalloc.TryAlloc((nuint)size, Gfp.Kernel);
                    if (p == null) return null;
                    return p;
                }
            }
            """);
        Assert.Equal(["KMEM0201"], actions.Select(a => a.Id));
        Assert.All(actions, a => Assert.Equal(0, a.Count));
    }

    [Fact]
    public async Task No_fix_when_the_reference_is_also_handed_over()
    {
        var actions = await ActionsForAsync("""
            using System.Collections.Generic;
            using KmemGen;
            class C
            {
                readonly List<MemCgroup> _kept = new();
                void M(MemCgroup parent, bool keep)
                {
                    var cg = parent.CreateChild("t");
                    cg.CssGet();
                    if (keep) { _kept.Add(cg); return; }
                    if (cg.Usage > 0) return;
                    cg.CssPut();
                }
            }
            """);
        Assert.Equal(["KMEM0201"], actions.Select(a => a.Id));
        Assert.All(actions, a => Assert.Equal(0, a.Count));
    }

    /// <summary>Each balance diagnostic with the number of code actions the fixer offers for it.</summary>
    private static async Task<List<(string Id, int Count)>> ActionsForAsync(string source)
    {
        var document = CodeFixVerifier.CreateDocument(source);
        var compilation = (await document.Project.GetCompilationAsync())!;
        var diagnostics = await AnalyzerVerifier.RunAsync(compilation, [new BalanceAnalyzer()], VerifyOptions.Default);
        var fixer = new ReleaseInFinallyCodeFix();
        var result = new List<(string, int)>();
        foreach (var diagnostic in diagnostics.Where(d => fixer.FixableDiagnosticIds.Contains(d.Id)))
        {
            var actions = new List<CodeAction>();
            await fixer.RegisterCodeFixesAsync(new CodeFixContext(document, diagnostic, (a, _) => actions.Add(a), CancellationToken.None));
            result.Add((diagnostic.Id, actions.Count));
        }
        return result;
    }
}
