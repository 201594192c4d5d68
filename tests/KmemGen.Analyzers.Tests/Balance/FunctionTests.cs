using KmemGen.Analyzers.Balance;
using static KmemGen.Analyzers.Tests.Harness.AnalyzerVerifier;

namespace KmemGen.Analyzers.Tests.Balance;

/// <summary>Lambdas and local functions are analysed on their own control-flow graphs.</summary>
public class FunctionTests
{
    [Fact]
    public async Task Leak_inside_a_lambda()
        => await VerifyAsync<BalanceAnalyzer>("""
            using System;
            using KmemGen;
            class C
            {
                Func<bool, int> M(MemCgroup parent) => early =>
                {
                    var cg = parent.CreateChild("t");
                    {|KMEM0201:cg.CssGet()|};
                    if (early) return 1;
                    cg.CssPut();
                    return 0;
                };
            }
            """);

    [Fact]
    public async Task Leak_inside_a_local_function()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                int M(MemCgroup parent)
                {
                    return Inner(true);
                    int Inner(bool early)
                    {
                        var cg = parent.CreateChild("t");
                        {|KMEM0201:cg.CssGet()|};
                        if (early) return 1;
                        cg.CssPut();
                        return 0;
                    }
                }
            }
            """);

    [Fact]
    public async Task Local_captured_by_a_lambda_is_not_tracked_in_the_outer_body()
        => await VerifyAsync<BalanceAnalyzer>("""
            using System;
            using KmemGen;
            class C
            {
                Action M(MemCgroup parent)
                {
                    var cg = parent.CreateChild("t");
                    cg.CssGet();
                    return () => cg.CssPut();
                }
            }
            """);

    [Fact]
    public async Task Balanced_lambda_and_local_function_are_silent()
        => await VerifyAsync<BalanceAnalyzer>("""
            using System;
            using KmemGen;
            class C
            {
                void M(MemCgroup parent)
                {
                    Action a = () => { var cg = parent.CreateChild("a"); if (!cg.CssTryGet()) return; cg.CssPut(); };
                    Local();
                    a();
                    void Local() { var o = ObjCgroup.FromCurrent(); o?.Put(); }
                }
            }
            """);
}
