using KmemGen.Analyzers.Rcu;
using KmemGen.Analyzers.Tests.Harness;
using KmemGen.CodeFixes.Rcu;

namespace KmemGen.Analyzers.Tests.Rcu;

/// <summary>KMEM0101: CssGet on a cgroup found under RCU revives a dying cgroup (kernel 9f38f03ae8d5); CssTryGet must be used.</summary>
public class UnconditionalGetTests
{
    private static Task Verify(string markup) => AnalyzerVerifier.VerifyAsync<UnconditionalGetAnalyzer>(markup);

    [Fact]
    public Task Get_on_a_protected_read_is_reported() => Verify("""
        using KmemGen;
        class Charger
        {
            void A(ObjCgroup objcg) { using (Rcu.ReadLock()) { {|KMEM0101:objcg.MemCgroup.CssGet()|}; } }
            void B(ObjCgroup objcg) { using var g = Rcu.ReadLock(); {|KMEM0101:((MemCgroup)objcg.MemCgroup).CssGet()|}; }
        }
        """);

    [Fact]
    public Task Get_on_a_local_holding_a_protected_read_is_reported() => Verify("""
        using KmemGen;
        class Charger
        {
            MemCgroup A(ObjCgroup objcg)
            {
                using var guard = Rcu.ReadLock();
                var memcg = objcg.MemCgroup;
                {|KMEM0101:memcg.CssGet()|};
                return memcg;
            }
            MemCgroup B(ObjCgroup objcg)
            {
                MemCgroup memcg;
                using (Rcu.ReadLock()) { memcg = objcg.MemCgroup; {|KMEM0101:memcg.CssGet()|}; }
                return memcg;
            }
        }
        """);

    [Fact]
    public Task Get_inside_lambdas_and_nested_scopes_is_reported() => Verify("""
        using System;
        using KmemGen;
        class Charger
        {
            void A(ObjCgroup[] all)
            {
                using var guard = Rcu.ReadLock();
                foreach (var objcg in all) { if (objcg is not null) { {|KMEM0101:objcg.MemCgroup.CssGet()|}; } }
                Action later = () => { using (Rcu.ReadLock()) { var m = all[0].MemCgroup; {|KMEM0101:m.CssGet()|}; } };
            }
        }
        """);

    [Fact]
    public Task User_annotated_types_get_the_same_check() => Verify("""
        using KmemGen;
        class Entry
        {
            [Acquires("ref")] public void Get() { }
            [Acquires("ref")] public bool TryGet() => true;
            [Releases("ref")] public void Put() { }
        }
        class Map
        {
            [RcuProtected] private Entry? _slot;
            void Pin() { using (Rcu.ReadLock()) { {|KMEM0101:_slot!.Get()|}; } }
        }
        """);

    [Fact]
    public Task Conditional_get_is_not_reported() => Verify("""
        using KmemGen;
        class Charger
        {
            MemCgroup A(ObjCgroup objcg)
            {
                using var guard = Rcu.ReadLock();
                MemCgroup memcg;
                do { memcg = objcg.MemCgroup; } while (!memcg.CssTryGet());
                return memcg;
            }
            bool B(ObjCgroup objcg) { using (Rcu.ReadLock()) return objcg.MemCgroup.CssTryGetOnline(); }
        }
        """);

    [Fact]
    public Task Get_on_a_cgroup_not_reached_through_rcu_is_not_reported() => Verify("""
        using KmemGen;
        class Charger
        {
            void A(MemCgroup held) { held.CssGet(); MemCgroup.Root.CssGet(); }
            void B(MemCgroup parent) { var child = parent.CreateChild("x"); child.CssGet(); }
        }
        """);

    [Fact]
    public Task Second_reference_after_a_successful_try_get_is_not_reported() => Verify("""
        using KmemGen;
        class Charger
        {
            void A(ObjCgroup objcg)
            {
                using var guard = Rcu.ReadLock();
                var memcg = objcg.MemCgroup;
                if (memcg.CssTryGet())
                {
                    memcg.CssGet(); // a second reference on one we already hold
                }
            }
        }
        """);

    [Fact]
    public Task Types_without_a_conditional_variant_are_not_reported() => Verify("""
        using KmemGen;
        class Pinned
        {
            [Acquires("pin")] public void Pin() { }
            [Acquires("other")] public bool TryOther() => true;
        }
        class Holder
        {
            [RcuProtected] private Pinned? _p;
            void A() { using (Rcu.ReadLock()) { _p!.Pin(); } }
        }
        """);

    [Fact]
    public Task Fix_rewrites_a_direct_get_to_the_retry_loop() => CodeFixVerifier.VerifyFixAsync<UnconditionalGetAnalyzer, UseConditionalGetCodeFix>("""
        using KmemGen;
        class Charger
        {
            void A(ObjCgroup objcg)
            {
                using (Rcu.ReadLock())
                {
                    {|KMEM0101:objcg.MemCgroup.CssGet()|};
                }
            }
        }
        """, """
        using KmemGen;
        class Charger
        {
            void A(ObjCgroup objcg)
            {
                using (Rcu.ReadLock())
                {
                    MemCgroup memCgroup;
                    do
                    {
                        memCgroup = objcg.MemCgroup;
                    }
                    while (!memCgroup.CssTryGet());
                }
            }
        }
        """);

    [Fact]
    public Task Fix_rewrites_a_get_on_a_local_to_a_reread_loop() => CodeFixVerifier.VerifyFixAsync<UnconditionalGetAnalyzer, UseConditionalGetCodeFix>("""
        using KmemGen;
        class Charger
        {
            MemCgroup A(ObjCgroup objcg)
            {
                using var guard = Rcu.ReadLock();
                var memcg = objcg.MemCgroup;
                {|KMEM0101:memcg.CssGet()|};
                return memcg;
            }
        }
        """, """
        using KmemGen;
        class Charger
        {
            MemCgroup A(ObjCgroup objcg)
            {
                using var guard = Rcu.ReadLock();
                var memcg = objcg.MemCgroup;
                while (!memcg.CssTryGet())
                {
                    memcg = objcg.MemCgroup;
                }
                return memcg;
            }
        }
        """);

    [Fact]
    public Task Fix_all_gives_each_loop_its_own_local() => CodeFixVerifier.VerifyFixAllAsync<UnconditionalGetAnalyzer, UseConditionalGetCodeFix>("""
        using KmemGen;
        class Charger
        {
            void A(ObjCgroup a, ObjCgroup b)
            {
                using var guard = Rcu.ReadLock();
                {|KMEM0101:a.MemCgroup.CssGet()|};
                {|KMEM0101:b.MemCgroup.CssGet()|};
            }
        }
        """, """
        using KmemGen;
        class Charger
        {
            void A(ObjCgroup a, ObjCgroup b)
            {
                using var guard = Rcu.ReadLock();
                MemCgroup memCgroup;
                do
                {
                    memCgroup = a.MemCgroup;
                }
                while (!memCgroup.CssTryGet());
                MemCgroup memCgroup2;
                do
                {
                    memCgroup2 = b.MemCgroup;
                }
                while (!memCgroup2.CssTryGet());
            }
        }
        """);
}
