using KmemGen.Analyzers.Rcu;
using KmemGen.Analyzers.Tests.Harness;

namespace KmemGen.Analyzers.Tests.Rcu;

/// <summary>KMEM0104: only a using disposes the guard on every path (rcu_read_unlock on every exit).</summary>
public class ReadSectionNotClosedTests
{
    private static Task Verify(string markup) => AnalyzerVerifier.VerifyAsync<ReadSectionNotClosedAnalyzer>(markup);

    [Fact]
    public Task Guard_in_a_plain_local_is_reported() => Verify("""
        using KmemGen;
        class Reader
        {
            long A(ObjCgroup objcg)
            {
                var guard = {|KMEM0104:Rcu.ReadLock()|};
                var usage = objcg.MemCgroup.Usage;
                guard.Dispose();
                return usage;
            }
        }
        """);

    [Fact]
    public Task Discarded_guard_is_reported() => Verify("""
        using KmemGen;
        class Reader
        {
            void A() { {|KMEM0104:Rcu.ReadLock()|}; }
            void B() { _ = {|KMEM0104:Rcu.ReadLock()|}; }
        }
        """);

    [Fact]
    public Task Guard_closed_by_hand_in_finally_is_still_reported() => Verify("""
        using KmemGen;
        class Reader
        {
            void A()
            {
                RcuReadGuard guard = default;
                guard = {|KMEM0104:Rcu.ReadLock()|};
                try { } finally { guard.Dispose(); }
            }
        }
        """);

    [Fact]
    public Task Guard_from_a_wrapper_or_passed_along_is_reported() => Verify("""
        using KmemGen;
        class Reader
        {
            static RcuReadGuard Lock() => Rcu.ReadLock();
            static void Take(RcuReadGuard g) => g.Dispose();
            void A() { var g = {|KMEM0104:Lock()|}; g.Dispose(); }
            void B() { Take({|KMEM0104:Rcu.ReadLock()|}); }
        }
        """);

    [Fact]
    public Task Using_statement_and_declaration_are_not_reported() => Verify("""
        using KmemGen;
        class Reader
        {
            void A() { using (Rcu.ReadLock()) { } }
            void B() { using var guard = Rcu.ReadLock(); }
            void C() { using (var guard = Rcu.ReadLock()) { } }
        }
        """);

    [Fact]
    public Task Nested_sections_are_not_reported() => Verify("""
        using KmemGen;
        class Reader
        {
            void A()
            {
                using (Rcu.ReadLock())
                {
                    if (true) { using var inner = Rcu.ReadLock(); }
                }
            }
        }
        """);

    [Fact]
    public Task Wrapper_returning_the_guard_hands_it_to_its_caller() => Verify("""
        using KmemGen;
        class Reader
        {
            static RcuReadGuard Lock() => Rcu.ReadLock();
            static RcuReadGuard LockBody() { return Rcu.ReadLock(); }
            void A() { using (Lock()) { } using var g = LockBody(); }
        }
        """);

    [Fact]
    public Task Guards_in_lambdas_and_local_functions_are_checked_the_same_way() => Verify("""
        using System;
        using KmemGen;
        class Reader
        {
            void A()
            {
                Action ok = () => { using var g = Rcu.ReadLock(); };
                Action bad = () => { {|KMEM0104:Rcu.ReadLock()|}; };
                void Local() { using (Rcu.ReadLock()) { } }
            }
        }
        """);
}
