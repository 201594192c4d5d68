using KmemGen.Analyzers.Balance;
using static KmemGen.Analyzers.Tests.Harness.AnalyzerVerifier;

namespace KmemGen.Analyzers.Tests.Balance;

/// <summary>KMEM0204: the result of a Try-acquire thrown away (kernel becaba65f62f).</summary>
public class IgnoredResultTests
{
    [Fact]
    public async Task TryCharge_as_a_statement()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                void M(ObjCgroup objcg) { {|KMEM0204:objcg.TryCharge(4096)|}; }
            }
            """);

    [Fact]
    public async Task TryCharge_assigned_to_discard()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                void M(ObjCgroup objcg) { _ = {|KMEM0204:objcg.TryCharge(4096)|}; objcg.Uncharge(4096); }
            }
            """);

    [Fact]
    public async Task CssTryGet_as_a_statement()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                void M(MemCgroup cg) { {|KMEM0204:cg.CssTryGet()|}; cg.CssPut(); }
            }
            """);

    [Fact]
    public async Task CssTryGetOnline_as_a_statement_in_a_loop()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                void M(MemCgroup[] all) { foreach (var cg in all) {|KMEM0204:cg.CssTryGetOnline()|}; }
            }
            """);

    [Fact]
    public async Task FromCurrent_reference_dropped()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                void M() { {|KMEM0204:ObjCgroup.FromCurrent()|}; }
            }
            """);

    [Fact]
    public async Task Users_own_try_acquire_as_a_statement_in_a_lambda()
        => await VerifyAsync<BalanceAnalyzer>("""
            using System;
            using KmemGen;
            sealed class Pool
            {
                [Acquires("slot")] public bool TryRent() => true;
                [Releases("slot")] public void Return() { }
            }
            class C
            {
                Action M(Pool pool) => () => {|KMEM0204:pool.TryRent()|};
            }
            """);

    // ---- negative cases ----

    [Fact]
    public async Task Checked_in_a_guard()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                void M(ObjCgroup objcg) { if (!objcg.TryCharge(1)) return; objcg.Uncharge(1); }
            }
            """);

    [Fact]
    public async Task Stored_and_checked_later()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                void M(ObjCgroup objcg) { bool ok = objcg.TryCharge(1); if (ok) objcg.Uncharge(1); }
            }
            """);

    [Fact]
    public async Task Returned_to_the_caller()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                bool M(ObjCgroup objcg) => objcg.TryCharge(1);
            }
            """);

    [Fact]
    public async Task Void_acquire_has_no_result_to_ignore()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                void M(MemCgroup cg) { cg.CssGet(); cg.CssPut(); }
            }
            """);

    [Fact]
    public async Task Passed_on_as_an_argument()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                void M(MemCgroup cg) { System.Diagnostics.Debug.Assert(cg.CssTryGet()); cg.CssPut(); }
            }
            """);

    [Fact]
    public async Task Unannotated_bool_method_may_be_ignored()
        => await VerifyAsync<BalanceAnalyzer>("""
            using System.Collections.Generic;
            class C
            {
                void M(List<int> list) { list.Remove(3); }
            }
            """);
}
