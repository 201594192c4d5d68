using KmemGen.Analyzers.Rcu;
using KmemGen.Analyzers.Tests.Harness;

namespace KmemGen.Analyzers.Tests.Rcu;

/// <summary>KMEM0105: a value read under RCU must not outlive the section without a reference.</summary>
public class RcuEscapeTests
{
    private static Task Verify(string markup) => AnalyzerVerifier.VerifyAsync<RcuAccessAnalyzer>(markup);

    [Fact]
    public Task Returned_from_inside_the_section_is_reported() => Verify("""
        using KmemGen;
        class Charger
        {
            MemCgroup A(ObjCgroup objcg) { using (Rcu.ReadLock()) { return {|KMEM0105:objcg.MemCgroup|}; } }
            MemCgroup B(ObjCgroup objcg) { using var g = Rcu.ReadLock(); var m = objcg.MemCgroup; return {|KMEM0105:m|}; }
        }
        """);

    [Fact]
    public Task Stored_to_a_field_is_reported() => Verify("""
        using KmemGen;
        class Charger
        {
            private MemCgroup? _cached;
            private static object? s_any;
            void A(ObjCgroup objcg) { using (Rcu.ReadLock()) { _cached = {|KMEM0105:objcg.MemCgroup|}; } }
            void B(ObjCgroup objcg) { using (Rcu.ReadLock()) { var m = objcg.MemCgroup; s_any = {|KMEM0105:m|}; } }
        }
        """);

    [Fact]
    public Task Used_after_the_guard_scope_ends_is_reported() => Verify("""
        using KmemGen;
        class Charger
        {
            long A(ObjCgroup objcg)
            {
                MemCgroup memcg;
                using (Rcu.ReadLock())
                {
                    memcg = objcg.MemCgroup;
                    _ = memcg.Usage;
                }
                return {|KMEM0105:memcg|}.Usage;
            }
            long B(ObjCgroup objcg)
            {
                MemCgroup? memcg = null;
                {
                    using var guard = Rcu.ReadLock();
                    memcg = objcg.MemCgroup;
                }
                return {|KMEM0105:memcg|}.Peak;
            }
        }
        """);

    [Fact]
    public Task Captured_by_a_lambda_that_outlives_the_section_is_reported() => Verify("""
        using System;
        using System.Threading.Tasks;
        using KmemGen;
        class Charger
        {
            Action? _later;
            void A(ObjCgroup objcg)
            {
                using (Rcu.ReadLock())
                {
                    var memcg = objcg.MemCgroup;
                    Rcu.Call(() => Console.WriteLine({|KMEM0105:memcg|}));
                    Task.Run(() => Console.WriteLine({|KMEM0105:memcg|}));
                    _later = () => Console.WriteLine({|KMEM0105:memcg|});
                }
            }
            Func<long> B(ObjCgroup objcg)
            {
                using var g = Rcu.ReadLock();
                var memcg = objcg.MemCgroup;
                return () => {|KMEM0105:memcg|}.Usage;
            }
        }
        """);

    [Fact]
    public Task Returning_from_a_requires_read_lock_method_is_the_callers_section() => Verify("""
        using KmemGen;
        class Charger
        {
            [RequiresRcuReadLock] static MemCgroup MemcgOf(ObjCgroup objcg) => objcg.MemCgroup;
            [RequiresRcuReadLock] static MemCgroup Local(ObjCgroup objcg) { var m = objcg.MemCgroup; return m; }
        }
        """);

    [Fact]
    public Task A_value_with_a_reference_taken_may_escape() => Verify("""
        using KmemGen;
        class Charger
        {
            private MemCgroup? _owned;
            MemCgroup? A(ObjCgroup objcg)
            {
                MemCgroup memcg;
                using (Rcu.ReadLock())
                {
                    memcg = objcg.MemCgroup;
                    if (!memcg.CssTryGet()) return null;
                }
                _owned = memcg;
                return memcg;
            }
        }
        """);

    [Fact]
    public Task Publishing_to_another_protected_field_is_not_an_escape() => Verify("""
        using KmemGen;
        class Node { }
        class Holder
        {
            [RcuProtected] public Node? Current;
            [RcuProtected] public Node? Previous;
            void Rotate() { using (Rcu.ReadLock()) { Previous = Current; } }
        }
        """);

    [Fact]
    public Task A_local_given_a_new_value_after_the_section_is_not_reported() => Verify("""
        using KmemGen;
        class Charger
        {
            long A(ObjCgroup objcg)
            {
                MemCgroup memcg;
                using (Rcu.ReadLock()) { memcg = objcg.MemCgroup; }
                memcg = MemCgroup.Root;
                return memcg.Usage;
            }
        }
        """);

    [Fact]
    public Task Uses_that_stay_inside_the_section_are_not_reported() => Verify("""
        using System;
        using KmemGen;
        class Charger
        {
            long A(ObjCgroup objcg)
            {
                long usage;
                using (Rcu.ReadLock())
                {
                    var memcg = objcg.MemCgroup;
                    Func<long> now = () => memcg.Usage;
                    usage = now() + memcg.Peak;
                }
                return usage;
            }
            long B(ObjCgroup objcg)
            {
                using var g = Rcu.ReadLock();
                var memcg = objcg.MemCgroup;
                Console.WriteLine(memcg.Path);
                return memcg.Usage;
            }
        }
        """);
}
