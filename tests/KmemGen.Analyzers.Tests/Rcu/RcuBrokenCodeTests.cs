using System.Collections.Immutable;
using KmemGen.Analyzers.Rcu;
using KmemGen.Analyzers.Tests.Harness;
using Microsoft.CodeAnalysis.Diagnostics;

namespace KmemGen.Analyzers.Tests.Rcu;

/// <summary>Half-typed RCU code must not crash any RCU analyzer (AD0001), and a project without KmemGen gets nothing.</summary>
public class RcuBrokenCodeTests
{
    private static ImmutableArray<DiagnosticAnalyzer> All => ImmutableArray.Create<DiagnosticAnalyzer>(
        new RcuAccessAnalyzer(), new UnconditionalGetAnalyzer(), new BlockingInReadSectionAnalyzer(), new ReadSectionNotClosedAnalyzer());

    [Theory]
    [InlineData("class C { void M() { Rcu. } }")]
    [InlineData("class C { void M() { Rcu.ReadLock( } }")]
    [InlineData("class C { void M(ObjCgroup o) { using (Rcu.ReadLock() { var m = o.MemCgroup; } }")]
    [InlineData("class C { void M(ObjCgroup o) { using (Rcu.ReadLock()) { o.MemCgroup. } } }")]
    [InlineData("class C { void M(ObjCgroup o) { using (Rcu.ReadLock()) { o.MemCgroup.CssGet( } } }")]
    [InlineData("class C { void M(ObjCgroup o) { using var g = Rcu.ReadLock(); var m = o.MemCgroup; m.CssGet(); return m; } }")]
    [InlineData("class C { void M(ObjCgroup o) { using (Missing.Lock()) { Rcu.Synchronize(); lock () { } } } }")]
    [InlineData("class C { void M(ObjCgroup o) { using (Rcu.ReadLock()) { await; Thread.Sleep(; } } }")]
    [InlineData("class C { [RcuProtected] Unknown _x; void M() { var y = _x; _x.Get(); } }")]
    [InlineData("class C { void M(ObjCgroup o) { using (Rcu.ReadLock()) { Undefined = o.MemCgroup; return o.MemCgroup; } } }")]
    [InlineData("class C { void M(ObjCgroup o) { var g = Rcu.ReadLock(; Take(Rcu.ReadLock(), ); } }")]
    [InlineData("class C { void M(ObjCgroup o) { using (Rcu.ReadLock()) { System.Action a = () => o.MemCgroup.CssGet(; } } }")]
    [InlineData("class C { [RequiresRcuReadLock] void M(ObjCgroup o) { M(; new C(1); } }")]
    [InlineData("using (Rcu.ReadLock()) { var m = ((ObjCgroup)null!).MemCgroup; m.CssGet(); }")]
    public async Task Incomplete_code_does_not_crash_the_rcu_analyzers(string code)
    {
        var source = "using KmemGen; using System.Threading;\n" + code;
        var diagnostics = await AnalyzerVerifier.GetDiagnosticsAsync(source, All, new VerifyOptions { AllowCompilerErrors = true });
        Assert.DoesNotContain(diagnostics, d => d.Id is "AD0001" or "AD0002");
    }

    [Fact]
    public async Task Look_alike_types_in_another_namespace_are_not_analyzed()
    {
        // Same shapes as KmemGen's API, but the compilation resolves them to the user's own types.
        const string Source = """
            namespace Other
            {
                class RcuProtectedAttribute : System.Attribute { }
                static class Rcu { public static void Synchronize() { } public static System.IDisposable ReadLock() => null!; }
                class Node { [RcuProtected] public Node? Next; public void CssGet() { } public bool CssTryGet() => true; }
                class C
                {
                    Node? M(Node n) { using (Rcu.ReadLock()) { Rcu.Synchronize(); n.Next!.CssGet(); return n.Next; } }
                }
            }
            """;
        var diagnostics = await AnalyzerVerifier.GetDiagnosticsAsync(Source, All, VerifyOptions.Default);
        Assert.Empty(diagnostics);
    }
}
