using KmemGen.Analyzers.Balance;
using static KmemGen.Analyzers.Tests.Harness.AnalyzerVerifier;

namespace KmemGen.Analyzers.Tests.Balance;

/// <summary>KMEM0203: a release where nothing is held (page_counter underflow, refcount underflow).</summary>
public class ReleaseTests
{
    [Fact]
    public async Task Uncharge_after_a_failed_TryCharge()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                void M(ObjCgroup objcg, long size)
                {
                    if (!objcg.TryCharge(size))
                    {
                        {|KMEM0203:objcg.Uncharge(size)|};
                        return;
                    }
                    objcg.Uncharge(size);
                }
            }
            """);

    [Fact]
    public async Task Second_put_on_the_same_path()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                void M(MemCgroup parent)
                {
                    var cg = parent.CreateChild("t");
                    cg.CssGet();
                    cg.CssPut();
                    {|KMEM0203:cg.CssPut()|};
                }
            }
            """);

    [Fact]
    public async Task Released_in_both_branches_then_again_after_the_if()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                void M(MemCgroup parent, bool a)
                {
                    var cg = parent.CreateChild("t");
                    cg.CssGet();
                    if (a) { cg.CssPut(); } else { cg.CssPut(); }
                    {|KMEM0203:cg.CssPut()|};
                }
            }
            """);

    [Fact]
    public async Task Put_before_the_get_in_a_method_that_gets()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                void M(MemCgroup parent)
                {
                    var cg = parent.CreateChild("t");
                    {|KMEM0203:cg.CssPut()|};
                    cg.CssGet();
                    cg.CssPut();
                }
            }
            """);

    [Fact]
    public async Task Put_in_try_and_again_in_finally()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                void M(MemCgroup parent)
                {
                    var cg = parent.CreateChild("t");
                    cg.CssGet();
                    try { cg.CssPut(); }
                    finally { {|KMEM0203:cg.CssPut()|}; }
                }
            }
            """);

    [Fact]
    public async Task Put_when_the_stored_try_result_was_false()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                void M(MemCgroup parent)
                {
                    var cg = parent.CreateChild("t");
                    bool ok = cg.CssTryGet();
                    if (!ok) { {|KMEM0203:cg.CssPut()|}; return; }
                    cg.CssPut();
                }
            }
            """);

    [Fact]
    public async Task Put_on_the_null_path_of_FromCurrent()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                void M()
                {
                    var objcg = ObjCgroup.FromCurrent();
                    if (objcg is null) { {|KMEM0203:objcg!.Put()|}; return; }
                    objcg.Put();
                }
            }
            """);

    [Fact]
    public async Task Catch_puts_again_what_the_try_already_put()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                static void Step() => System.IO.File.Delete("step");
                void M(MemCgroup parent)
                {
                    var cg = parent.CreateChild("t");
                    cg.CssGet();
                    try
                    {
                        cg.CssPut();
                        Step();
                    }
                    catch (System.InvalidOperationException)
                    {
                        {|KMEM0203:cg.CssPut()|};
                    }
                }
            }
            """);

    // ---- negative cases ----

    [Fact]
    public async Task Dispose_releasing_what_a_field_holds_is_a_free_path()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            sealed class Holder : System.IDisposable
            {
                private readonly MemCgroup _cg = null!;
                public void Dispose() { _cg.CssPut(); }
            }
            """);

    [Fact]
    public async Task Helper_that_only_puts_its_parameter_is_a_free_path()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            static class Css
            {
                public static void Drop(MemCgroup cg) => cg.CssPut();
            }
            """);

    [Fact]
    public async Task Release_guarded_by_the_stored_result_in_finally()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                void M(MemCgroup parent)
                {
                    var cg = parent.CreateChild("t");
                    bool ok = cg.CssTryGet();
                    try { System.Console.WriteLine(ok); }
                    finally { if (ok) cg.CssPut(); }
                }
            }
            """);

    [Fact]
    public async Task Conditional_put_of_FromCurrent()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                long M()
                {
                    var objcg = ObjCgroup.FromCurrent();
                    long n = objcg is null ? 0 : 1;
                    objcg?.Put();
                    return n;
                }
            }
            """);

    [Fact]
    public async Task Replacing_the_reference_a_field_holds()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                private MemCgroup _cg = null!;
                void Switch(MemCgroup next)
                {
                    _cg.CssPut();
                    _cg = next;
                    _cg.CssGet();
                }
            }
            """);

    [Fact]
    public async Task Releasing_another_holder_than_the_one_acquired_is_not_tracked()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                void M(MemCgroup parent, MemCgroup old)
                {
                    var cg = parent.CreateChild("t");
                    cg.CssGet();
                    old.CssPut();
                    cg.CssPut();
                }
            }
            """);

    [Fact]
    public async Task Catch_that_puts_what_the_try_got_before_the_throwing_call()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                static void Step() => System.IO.File.Delete("step");
                void M(MemCgroup parent)
                {
                    var cg = parent.CreateChild("t");
                    try
                    {
                        cg.CssGet();
                        Step();
                        cg.CssPut();
                    }
                    catch
                    {
                        cg.CssPut();
                        throw;
                    }
                }
            }
            """);
}
