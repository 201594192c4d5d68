using System.Collections.Immutable;
using KmemGen.Analyzers.Rcu;
using KmemGen.Analyzers.Tests.Harness;
using Microsoft.CodeAnalysis.Diagnostics;

namespace KmemGen.Analyzers.Tests.Rcu;

/// <summary>
/// "A reference is already held" (KMEM0101) and "the value is owned, not borrowed" (KMEM0105) are the balance engine's
/// answer, path by path: a reference taken on one branch only, or given back before the join, does not count after
/// it; one held on every path does.
/// </summary>
public class HeldReferenceTests
{
    [Fact]
    public Task Kmem0101_a_reference_released_before_the_join_is_not_held_after_it() => AnalyzerVerifier.VerifyAsync<UnconditionalGetAnalyzer>("""
        using KmemGen;
        class Charger
        {
            static void Touch(MemCgroup m) { }
            void ReleasedOnTheBranch(ObjCgroup objcg)
            {
                using var guard = Rcu.ReadLock();
                var memcg = objcg.MemCgroup;
                if (memcg.CssTryGet())
                {
                    Touch(memcg);
                    memcg.CssPut();
                }
                {|KMEM0101:memcg.CssGet()|};
            }
            void TakenOnOneBranchOnly(ObjCgroup objcg, bool peek)
            {
                using var guard = Rcu.ReadLock();
                var memcg = objcg.MemCgroup;
                if (peek)
                {
                    if (!memcg.CssTryGet()) return;
                }
                {|KMEM0101:memcg.CssGet()|};
            }
            void ReadAgainAfterTheReference(ObjCgroup objcg)
            {
                using var guard = Rcu.ReadLock();
                var memcg = objcg.MemCgroup;
                if (!memcg.CssTryGet()) return;
                memcg.CssPut();
                memcg = objcg.MemCgroup;
                {|KMEM0101:memcg.CssGet()|};
            }
        }
        """);

    [Fact]
    public Task Kmem0101_a_reference_held_on_every_path_is_silent() => AnalyzerVerifier.VerifyAsync<UnconditionalGetAnalyzer>("""
        using KmemGen;
        class Charger
        {
            void Guarded(ObjCgroup objcg)
            {
                using var guard = Rcu.ReadLock();
                var memcg = objcg.MemCgroup;
                if (!memcg.CssTryGet()) return;
                memcg.CssGet();
            }
            void Flag(ObjCgroup objcg)
            {
                using var guard = Rcu.ReadLock();
                var memcg = objcg.MemCgroup;
                var ok = memcg.CssTryGet();
                if (ok)
                {
                    memcg.CssGet();
                }
            }
            void Loop(ObjCgroup objcg)
            {
                using var guard = Rcu.ReadLock();
                var memcg = objcg.MemCgroup;
                while (!memcg.CssTryGet()) memcg = objcg.MemCgroup;
                memcg.CssGet();
            }
            void BothBranches(ObjCgroup objcg, bool online)
            {
                using var guard = Rcu.ReadLock();
                var memcg = objcg.MemCgroup;
                if (online)
                {
                    if (!memcg.CssTryGetOnline()) return;
                }
                else if (!memcg.CssTryGet())
                {
                    return;
                }
                memcg.CssGet();
            }
        }
        """);

    [Fact]
    public Task Kmem0105_a_reference_released_or_taken_on_one_branch_does_not_own_the_value() => AnalyzerVerifier.VerifyAsync<RcuAccessAnalyzer>("""
        using KmemGen;
        class Charger
        {
            private MemCgroup? _owned;
            static void Touch(MemCgroup m) { }
            MemCgroup A(ObjCgroup objcg)
            {
                MemCgroup memcg;
                using (Rcu.ReadLock())
                {
                    memcg = objcg.MemCgroup;
                    if (memcg.CssTryGet())
                    {
                        Touch(memcg);
                        memcg.CssPut();
                    }
                }
                return {|KMEM0105:memcg|};
            }
            void B(ObjCgroup objcg, bool peek)
            {
                MemCgroup memcg;
                using (Rcu.ReadLock())
                {
                    memcg = objcg.MemCgroup;
                    if (peek)
                    {
                        if (!memcg.CssTryGet()) return;
                    }
                }
                _owned = {|KMEM0105:memcg|};
            }
            long C(ObjCgroup objcg)
            {
                MemCgroup memcg;
                using (Rcu.ReadLock())
                {
                    memcg = objcg.MemCgroup;
                    if (!memcg.CssTryGet()) return 0;
                }
                memcg.CssPut();
                return {|KMEM0105:memcg|}.Usage;
            }
        }
        """);

    [Fact]
    public Task Kmem0105_a_reference_held_on_every_path_owns_the_value() => AnalyzerVerifier.VerifyAsync<RcuAccessAnalyzer>("""
        using KmemGen;
        class Charger
        {
            long A(ObjCgroup objcg)
            {
                MemCgroup memcg;
                using (Rcu.ReadLock())
                {
                    do { memcg = objcg.MemCgroup; } while (!memcg.CssTryGet());
                }
                try { return memcg.Usage; } finally { memcg.CssPut(); }
            }
            MemCgroup? B(ObjCgroup objcg, bool online)
            {
                MemCgroup memcg;
                using (Rcu.ReadLock())
                {
                    memcg = objcg.MemCgroup;
                    if (online)
                    {
                        if (!memcg.CssTryGetOnline()) return null;
                    }
                    else if (!memcg.CssTryGet())
                    {
                        return null;
                    }
                }
                return memcg;
            }
            MemCgroup? C(ObjCgroup objcg)
            {
                MemCgroup memcg;
                using (Rcu.ReadLock())
                {
                    memcg = objcg.MemCgroup;
                    var ok = memcg.CssTryGet();
                    if (!ok) return null;
                }
                return memcg;
            }
        }
        """);

    [Fact]
    public Task A_reference_taken_through_an_annotated_property_counts() => AnalyzerVerifier.VerifyAsync<RcuAccessAnalyzer>("""
        using KmemGen;
        class Entry
        {
            [Acquires("ref")] public bool TryRef => true;
            [Releases("ref")] public void Put() { }
        }
        class Map
        {
            [RcuProtected] private Entry? _slot;
            Entry? Owned()
            {
                using var guard = Rcu.ReadLock();
                var e = _slot!;
                if (!e.TryRef) return null;
                return e;
            }
            Entry? GivenBack()
            {
                using var guard = Rcu.ReadLock();
                var e = _slot!;
                if (e.TryRef) e.Put();
                return {|KMEM0105:e|};
            }
        }
        """);

    private static ImmutableArray<DiagnosticAnalyzer> Rcu => ImmutableArray.Create<DiagnosticAnalyzer>(new RcuAccessAnalyzer(), new UnconditionalGetAnalyzer());

    [Theory]
    [InlineData("class C { void M(ObjCgroup o) { using var g = Rcu.ReadLock(); var m = o.MemCgroup; if (m.CssTryGet( { } m.CssGet(); } }")]
    [InlineData("class C { MemCgroup M(ObjCgroup o) { MemCgroup m; using (Rcu.ReadLock()) { m = o.MemCgroup; if (!m.CssTryGet()) return } return m; } }")]
    [InlineData("class C { void M(ObjCgroup o) { System.Action a = () => { using var g = Rcu.ReadLock(); var m = o.MemCgroup; if (m.CssTryGet()) m.CssPut(); m.CssGet(); }; } }")]
    [InlineData("class C { void M(ObjCgroup o) { void L() { using var g = Rcu.ReadLock(); var m = o.MemCgroup; if (m.CssTryGet()) m.CssPut(); m.CssGet(; } } }")]
    [InlineData("using (Rcu.ReadLock()) { var m = ((ObjCgroup)null!).MemCgroup; if (m.CssTryGet()) m.CssPut(); m.CssGet(); }")]
    [InlineData("class C { MemCgroup P { get { using var g = Rcu.ReadLock(); var m = Missing.MemCgroup; if (!m.CssTryGet()) return null; return m; } } }")]
    public async Task Half_typed_code_asking_the_engine_does_not_crash(string code)
    {
        var diagnostics = await AnalyzerVerifier.GetDiagnosticsAsync("using KmemGen;\n" + code, Rcu, new VerifyOptions { AllowCompilerErrors = true });
        Assert.DoesNotContain(diagnostics, d => d.Id is "AD0001" or "AD0002");
    }

    [Fact]
    public async Task Lambdas_and_local_functions_ask_their_own_graph()
    {
        var diagnostics = await AnalyzerVerifier.GetDiagnosticsAsync("""
            using KmemGen;
            class C
            {
                void M(ObjCgroup o)
                {
                    System.Action a = () => { using var g = Rcu.ReadLock(); var m = o.MemCgroup; if (m.CssTryGet()) m.CssPut(); m.CssGet(); };
                    void L() { using var g = Rcu.ReadLock(); var m = o.MemCgroup; if (!m.CssTryGet()) return; m.CssGet(); }
                    a();
                    L();
                }
            }
            """, Rcu, VerifyOptions.Default);
        Assert.Equal(["KMEM0101"], diagnostics.Select(d => d.Id));
        Assert.Contains("a = () =>", diagnostics[0].Location.SourceTree!.GetText().Lines[diagnostics[0].Location.GetLineSpan().StartLinePosition.Line].ToString(), StringComparison.Ordinal);
    }
}
