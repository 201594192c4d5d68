using KmemGen.Analyzers.Balance;
using static KmemGen.Analyzers.Tests.Harness.AnalyzerVerifier;

namespace KmemGen.Analyzers.Tests.Balance;

/// <summary>KMEM0202: released on every normal path, but a call in between may throw and nothing gives it back.</summary>
public class ExceptionLeakTests
{
    private const string Helpers = """
        static class Work
        {
            public static void Step() => System.IO.File.Delete("step");
            public static bool TryStep() => true;
        }
        """;

    [Fact]
    public async Task Call_between_get_and_put_may_throw()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                void M(MemCgroup parent)
                {
                    var cg = parent.CreateChild("t");
                    {|KMEM0202:cg.CssGet()|};
                    Work.Step();
                    cg.CssPut();
                }
            }
            """ + Helpers);

    [Fact]
    public async Task Charge_then_throwing_call_then_uncharge()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                void M(ObjCgroup objcg, long size)
                {
                    if (!{|KMEM0202:objcg.TryCharge(size)|}) return;
                    Work.Step();
                    objcg.Uncharge(size);
                }
            }
            """ + Helpers);

    [Fact]
    public async Task FromCurrent_reference_leaks_if_the_work_throws()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                void M()
                {
                    var objcg = {|KMEM0202:ObjCgroup.FromCurrent()|};
                    if (objcg == null) return;
                    Work.Step();
                    objcg.Put();
                }
            }
            """ + Helpers);

    [Fact]
    public async Task Finally_that_does_not_release_does_not_help()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                int count;
                void M(MemCgroup parent)
                {
                    var cg = parent.CreateChild("t");
                    {|KMEM0202:cg.CssGet()|};
                    try { Work.Step(); }
                    finally { count++; }
                    cg.CssPut();
                }
            }
            """ + Helpers);

    [Fact]
    public async Task Unrelated_using_scope_does_not_help()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                void M(MemCgroup parent, MemCgroup target)
                {
                    using (target.Enter())
                    {
                        var cg = parent.CreateChild("t");
                        {|KMEM0202:cg.CssGet()|};
                        Work.Step();
                        cg.CssPut();
                    }
                }
            }
            """ + Helpers);

    [Fact]
    public async Task Throwing_call_in_a_switch_case_inside_a_loop()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                void M(MemCgroup[] groups, int mode)
                {
                    for (int i = 0; i < groups.Length; i++)
                    {
                        var cg = groups[i];
                        if (!{|KMEM0202:cg.CssTryGet()|}) continue;
                        switch (mode)
                        {
                            case 0: Work.Step(); break;
                            default: break;
                        }
                        cg.CssPut();
                    }
                }
            }
            """ + Helpers);

    // ---- negative cases ----

    [Fact]
    public async Task Try_finally_release_is_silent()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                void M(MemCgroup parent)
                {
                    var cg = parent.CreateChild("t");
                    cg.CssGet();
                    try { Work.Step(); }
                    finally { cg.CssPut(); }
                }
            }
            """ + Helpers);

    [Fact]
    public async Task Catch_that_releases_and_rethrows_is_silent()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                void M(ObjCgroup objcg, long size)
                {
                    if (!objcg.TryCharge(size)) return;
                    try { Work.Step(); }
                    catch { objcg.Uncharge(size); throw; }
                    objcg.Uncharge(size);
                }
            }
            """ + Helpers);

    [Fact]
    public async Task Try_pattern_calls_report_failure_by_result_and_are_silent()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                bool M(ObjCgroup objcg, long size)
                {
                    if (!objcg.TryCharge(size)) return false;
                    if (!Work.TryStep()) { objcg.Uncharge(size); return false; }
                    objcg.Uncharge(size);
                    return true;
                }
            }
            """ + Helpers);

    [Fact]
    public async Task Calls_after_the_release_are_silent()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                void M(MemCgroup parent)
                {
                    var cg = parent.CreateChild("t");
                    cg.CssGet();
                    long usage = cg.Usage;
                    cg.CssPut();
                    Work.Step();
                    System.Console.WriteLine(usage);
                }
            }
            """ + Helpers);

    [Fact]
    public async Task Property_reads_and_arithmetic_in_between_are_silent()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                long M(MemCgroup parent, long[] sizes)
                {
                    var cg = parent.CreateChild("t");
                    if (!cg.CssTryGet()) return 0;
                    long total = cg.Usage + cg.Max;
                    for (int i = 0; i < sizes.Length; i++) total += sizes[i];
                    cg.CssPut();
                    return total;
                }
            }
            """ + Helpers);

    [Fact]
    public async Task Normal_path_leak_is_reported_once_as_KMEM0201_not_also_KMEM0202()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                void M(MemCgroup parent, bool early)
                {
                    var cg = parent.CreateChild("t");
                    {|KMEM0201:cg.CssGet()|};
                    Work.Step();
                    if (early) return;
                    cg.CssPut();
                }
            }
            """ + Helpers);
}
