using System.Collections.Immutable;
using System.Globalization;
using KmemGen.Analyzers.Balance;
using KmemGen.Analyzers.Tests.Harness;
using Microsoft.CodeAnalysis.Diagnostics;

namespace KmemGen.Analyzers.Tests.Balance;

/// <summary>The messages say what leaked, where, and what to do (smatch prints the lines too).</summary>
public class MessageTests
{
    private static async Task<string> SingleMessageAsync(string source)
    {
        var diagnostics = await AnalyzerVerifier.GetDiagnosticsAsync(source, ImmutableArray.Create<DiagnosticAnalyzer>(new BalanceAnalyzer()), VerifyOptions.Default);
        return Assert.Single(diagnostics).GetMessage(CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Leak_message_names_the_resource_the_call_and_every_leaking_line()
    {
        var message = await SingleMessageAsync("""
            using KmemGen;
            class C
            {
                int M(MemCgroup parent, int n)
                {
                    var cg = parent.CreateChild("t");
                    cg.CssGet();
                    if (n == 1) return -1;
                    if (n == 2) throw new System.ArgumentException();
                    cg.CssPut();
                    return 0;
                }
            }
            """);
        Assert.Equal("The 'css' acquired by 'CssGet' is not released or handed over on every path: it leaks at line 8, line 9; "
                     + "release it before that exit or move the rest into try/finally", message);
    }

    [Fact]
    public async Task Exception_leak_message_names_the_call_that_may_throw()
    {
        var message = await SingleMessageAsync("""
            using KmemGen;
            class C
            {
                static void Flush() => System.IO.File.Delete("flush");
                void M(ObjCgroup objcg)
                {
                    if (!objcg.TryCharge(64)) return;
                    Flush();
                    objcg.Uncharge(64);
                }
            }
            """);
        Assert.Equal("The 'charge' acquired by 'TryCharge' leaks if 'Flush' throws; release it in a finally block", message);
    }

    [Fact]
    public async Task Release_message_says_why_nothing_is_held()
    {
        var message = await SingleMessageAsync("""
            using KmemGen;
            class C
            {
                void M(ObjCgroup objcg)
                {
                    if (!objcg.TryCharge(64)) { objcg.Uncharge(64); return; }
                    objcg.Uncharge(64);
                }
            }
            """);
        Assert.Equal("'Uncharge' releases 'charge' that was never acquired on any path reaching it; release only on paths that acquired it, and only once", message);
    }

    [Fact]
    public async Task Amount_message_shows_both_amounts()
    {
        var message = await SingleMessageAsync("""
            using KmemGen;
            class C
            {
                void M(ObjCgroup objcg, long n)
                {
                    if (!objcg.TryCharge(n)) return;
                    n += 8;
                    objcg.Uncharge(n);
                }
            }
            """);
        Assert.Equal("'Uncharge' releases n (after it changed) but 'TryCharge' acquired n; release exactly the amount that was acquired", message);
    }
}
