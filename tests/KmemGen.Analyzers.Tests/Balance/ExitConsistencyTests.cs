using System.Collections.Immutable;
using System.Globalization;
using KmemGen.Analyzers.Balance;
using KmemGen.Analyzers.Tests.Harness;
using Microsoft.CodeAnalysis.Diagnostics;
using static KmemGen.Analyzers.Tests.Harness.AnalyzerVerifier;

namespace KmemGen.Analyzers.Tests.Balance;

/// <summary>
/// A parameter or field may keep what the method took, but every success exit must agree (KMEM0201 names the
/// keeping exits); a release reached with the caller's hold on some paths and ours on others, or twice, is
/// KMEM0203. The kernel's bug shapes, each beside its correct look-alike.
/// </summary>
public class ExitConsistencyTests
{
    private const string Api = """
        sealed class Counter
        {
            [Acquires("charge")] public bool TryCharge(long n) => n > 0;
            [Releases("charge")] public void Uncharge(long n) { }
            [Acquires("css")] public bool CssTryGet() => true;
            [Releases("css")] public void CssPut() { }
            [Acquires("lock")] public void Lock() { }
            [Releases("lock")] public void Unlock() { }
        }
        """;

    [Fact]
    public async Task Early_return_value_keeps_the_reference_another_return_puts()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                int M(Counter css, int x)
                {
                    if (!{|KMEM0201:css.CssTryGet()|}) return -1;
                    if (x > 3) return x;
                    css.CssPut();
                    return 0;
                }
            }
            """ + Api);

    [Fact]
    public async Task Keeping_on_every_success_exit_and_giving_back_on_errors_is_fine()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                int M(Counter css, int x)
                {
                    if (!css.CssTryGet()) return -1;
                    if (x < 0) { css.CssPut(); return -2; }
                    if (x > 3) return x;
                    return 0;
                }
            }
            """ + Api);

    [Fact]
    public async Task Switch_case_returns_without_the_uncharge_the_others_do()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                int M(Counter c, int kind)
                {
                    if (!{|KMEM0201:c.TryCharge(8)|}) return -12;
                    switch (kind)
                    {
                        case 0: c.Uncharge(8); return 0;
                        case 1: return 1;
                        default: c.Uncharge(8); return 2;
                    }
                }
            }
            """ + Api);

    [Fact]
    public async Task Continue_skips_the_iterations_uncharge()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                void M(Counter c, int[] items)
                {
                    foreach (var item in items)
                    {
                        if (!{|KMEM0201:c.TryCharge(item)|}) continue;
                        if (item == 3) continue;
                        c.Uncharge(item);
                    }
                }
            }
            """ + Api);

    [Fact]
    public async Task Loop_that_uncharges_every_iteration_is_fine()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                void M(Counter c, int[] items)
                {
                    foreach (var item in items)
                    {
                        if (!c.TryCharge(item)) continue;
                        if (item == 3) { c.Uncharge(item); continue; }
                        c.Uncharge(item);
                    }
                }
            }
            """ + Api);

    [Fact]
    public async Task User_api_kept_on_one_success_return_released_on_another()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                bool M(Counter c, bool fast)
                {
                    {|KMEM0201:c.Lock()|};
                    if (fast) return true;
                    c.Unlock();
                    return true;
                }
            }
            """ + Api);

    [Fact]
    public async Task Method_annotated_as_acquiring_keeps_on_purpose()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                [Acquires("lock")]
                bool M(Counter c, bool fast)
                {
                    c.Lock();
                    if (fast) return true;
                    return true;
                }
            }
            """ + Api);

    [Fact]
    public async Task Two_uncharges_on_one_path_after_one_charge()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                void M(Counter c)
                {
                    if (!c.TryCharge(8)) return;
                    c.Uncharge(8);
                    {|KMEM0203:c.Uncharge(8)|};
                }
            }
            """ + Api);

    [Fact]
    public async Task Uncharge_after_a_short_circuit_that_skipped_the_charge()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                void M(Counter c, bool enabled)
                {
                    if (enabled && !c.TryCharge(8)) return;
                    {|KMEM0203:c.Uncharge(8)|};
                }
            }
            """ + Api);

    [Fact]
    public async Task Uncharge_under_the_same_condition_as_the_charge_is_fine()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                void M(Counter c, bool enabled)
                {
                    if (enabled)
                    {
                        if (!c.TryCharge(8)) return;
                        c.Uncharge(8);
                    }
                }
            }
            """ + Api);

    private static async Task<string> SingleMessageAsync(string source)
    {
        var diagnostics = await GetDiagnosticsAsync(source, ImmutableArray.Create<DiagnosticAnalyzer>(new BalanceAnalyzer()), VerifyOptions.Default);
        return Assert.Single(diagnostics).GetMessage(CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Messages_name_the_keeping_exit_and_both_lines_of_a_double_release()
    {
        var leak = await SingleMessageAsync("""
            using KmemGen;
            class C
            {
                int M(Counter css, int x)
                {
                    if (!css.CssTryGet()) return -1;
                    if (x > 3) return x;
                    css.CssPut();
                    return 0;
                }
            }
            """ + Api);
        Assert.Contains("it leaks at line 7;", leak, StringComparison.Ordinal);

        var twice = await SingleMessageAsync("""
            using KmemGen;
            class C
            {
                void M(Counter c)
                {
                    if (!c.TryCharge(8)) return;
                    c.Uncharge(8);
                    c.Uncharge(8);
                }
            }
            """ + Api);
        Assert.Contains("was already released (line 7)", twice, StringComparison.Ordinal);
    }
}
