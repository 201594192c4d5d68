using KmemGen.Analyzers.Balance;
using static KmemGen.Analyzers.Tests.Harness.AnalyzerVerifier;

namespace KmemGen.Analyzers.Tests.Balance;

/// <summary>KMEM0201: an acquire not released or handed over on some path to the exit.</summary>
public class LeakTests
{
    [Fact]
    public async Task Early_return_after_css_get_leaks_the_reference()
        => await VerifyAsync<BalanceAnalyzer>("""
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
            """);

    [Fact]
    public async Task Else_branch_without_release_leaks()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                void M(MemCgroup parent, bool a)
                {
                    var cg = parent.CreateChild("t");
                    {|KMEM0201:cg.CssGet()|};
                    if (a) { cg.CssPut(); }
                    else { System.Console.WriteLine("forgot"); }
                }
            }
            """);

    [Fact]
    public async Task Switch_case_that_returns_early_leaks()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                int M(MemCgroup parent, int mode)
                {
                    var cg = parent.CreateChild("t");
                    if ({|KMEM0201:cg.CssTryGet()|})
                    {
                        switch (mode)
                        {
                            case 0: cg.CssPut(); return 0;
                            case 1: return 1;
                        }
                        cg.CssPut();
                    }
                    return 2;
                }
            }
            """);

    [Fact]
    public async Task Break_out_of_loop_skips_the_release()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                void M(ObjCgroup objcg, long[] sizes)
                {
                    foreach (var size in sizes)
                    {
                        var local = objcg;
                        if (!{|KMEM0201:local.TryCharge(size)|}) continue;
                        if (size > 4096) break;
                        local.Uncharge(size);
                    }
                }
            }
            """);

    [Fact]
    public async Task Explicit_throw_after_acquire_leaks()
        => await VerifyAsync<BalanceAnalyzer>("""
            using System;
            using KmemGen;
            class C
            {
                void M(MemCgroup parent, int n)
                {
                    var cg = parent.CreateChild("t");
                    {|KMEM0201:cg.CssGet()|};
                    if (n < 0) throw new ArgumentOutOfRangeException(nameof(n));
                    cg.CssPut();
                }
            }
            """);

    [Fact]
    public async Task Reference_from_FromCurrent_not_put_on_one_path_leaks()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                long M(bool quick)
                {
                    var objcg = {|KMEM0201:ObjCgroup.FromCurrent()|};
                    if (objcg is null) return 0;
                    if (quick) return 1;
                    objcg.Put();
                    return 2;
                }
            }
            """);

    [Fact]
    public async Task Goto_past_the_release_leaks()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                void M(MemCgroup parent, bool skip)
                {
                    var cg = parent.CreateChild("t");
                    {|KMEM0201:cg.CssGet()|};
                    if (skip) goto done;
                    cg.CssPut();
                done:
                    return;
                }
            }
            """);

    [Fact]
    public async Task Error_return_with_parameter_held_charge_leaks()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                bool M(ObjCgroup objcg, long size, bool ok)
                {
                    if (!{|KMEM0201:objcg.TryCharge(size)|}) return false;
                    if (!ok) return false;
                    return true;
                }
            }
            """);

    [Fact]
    public async Task Acquiring_method_must_unwind_the_first_charge_when_the_second_fails()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                // page_counter_try_charge: on failure, undo what was charged at the levels below.
                [Acquires("charge")]
                static bool TryChargeBoth(ObjCgroup child, ObjCgroup parent, long n)
                {
                    if (!{|KMEM0201:child.TryCharge(n)|}) return false;
                    if (!parent.TryCharge(n)) return false;
                    return true;
                }
            }
            """);

    // ---- negative cases ----

    [Fact]
    public async Task Released_on_every_branch_is_silent()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                int M(MemCgroup parent, int mode)
                {
                    var cg = parent.CreateChild("t");
                    cg.CssGet();
                    switch (mode)
                    {
                        case 0: cg.CssPut(); return 0;
                        default: break;
                    }
                    if (mode > 5) { cg.CssPut(); return 5; }
                    cg.CssPut();
                    return 1;
                }
            }
            """);

    [Fact]
    public async Task Try_acquire_false_branch_holds_nothing()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                void M(MemCgroup parent)
                {
                    var cg = parent.CreateChild("t");
                    if (!cg.CssTryGet()) return;
                    cg.CssPut();
                }
            }
            """);

    [Fact]
    public async Task Bool_result_checked_later_is_understood()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                void M(MemCgroup parent)
                {
                    var cg = parent.CreateChild("t");
                    bool ok = cg.CssTryGet();
                    if (!ok) return;
                    cg.CssPut();
                }
            }
            """);

    [Fact]
    public async Task Release_in_finally_covers_every_exit()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                int M(MemCgroup parent, int n)
                {
                    var cg = parent.CreateChild("t");
                    cg.CssGet();
                    try
                    {
                        if (n < 0) throw new System.InvalidOperationException();
                        if (n == 0) return 0;
                        for (int i = 0; i < n; i++) { if (i == 3) break; System.Console.WriteLine(i); }
                        return n;
                    }
                    finally
                    {
                        cg.CssPut();
                    }
                }
            }
            """);

    [Fact]
    public async Task Handed_over_to_field_collection_or_transfer_parameter_is_silent()
        => await VerifyAsync<BalanceAnalyzer>("""
            using System.Collections.Generic;
            using KmemGen;
            class C
            {
                private ObjCgroup? _owner;
                private readonly List<MemCgroup> _held = new();
                static void Adopt([TransfersOwnership] MemCgroup cg) { }
                void A() { var o = ObjCgroup.FromCurrent(); _owner = o; }
                void B(MemCgroup parent) { var cg = parent.CreateChild("x"); cg.CssGet(); _held.Add(cg); }
                void D(MemCgroup parent) { var cg = parent.CreateChild("x"); cg.CssGet(); Adopt(cg); }
                ObjCgroup? E() { var o = ObjCgroup.FromCurrent(); return o; }
            }
            """);

    [Fact]
    public async Task Using_scope_with_early_return_inside_is_silent()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                int M(MemCgroup target, ObjCgroup objcg, long size, bool fail)
                {
                    using (target.Enter())
                    {
                        if (!objcg.TryCharge(size)) return -12;
                        if (fail) { objcg.Uncharge(size); return -1; }
                        return 0;
                    }
                }
            }
            """);

    [Fact]
    public async Task Loop_that_acquires_and_releases_each_iteration_is_silent()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                long M(MemCgroup[] groups)
                {
                    long sum = 0;
                    foreach (var g in groups)
                    {
                        var cg = g;
                        if (!cg.CssTryGet()) continue;
                        sum += cg.Usage;
                        cg.CssPut();
                    }
                    return sum;
                }
            }
            """);

    [Fact]
    public async Task Free_path_releasing_a_field_is_ordinary_code()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class Map
            {
                private readonly ObjCgroup _objcg = null!;
                private long _charged;
                public void Free() { _objcg.Uncharge(_charged); _objcg.Put(); _charged = 0; }
            }
            """);

    [Fact]
    public async Task Method_that_is_itself_an_acquire_keeps_what_it_takes()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                [Acquires("css")]
                static MemCgroup Pin(MemCgroup parent)
                {
                    var cg = parent.CreateChild("x");
                    cg.CssGet();
                    return cg;
                }
            }
            """);
}
