using KmemGen.Analyzers.Rcu;
using KmemGen.Analyzers.Tests.Harness;
using KmemGen.CodeFixes.Rcu;

namespace KmemGen.Analyzers.Tests.Rcu;

/// <summary>The KMEM0102 fix moves a wait that ends a read section to just after it.</summary>
public class MoveSynchronizeAfterReadSectionFixTests
{
    [Fact]
    public Task Wait_ending_the_section_moves_after_it_with_its_comments() => CodeFixVerifier.VerifyFixAsync<BlockingInReadSectionAnalyzer, MoveSynchronizeAfterReadSectionCodeFix>("""
        using KmemGen;
        class Updater
        {
            void Retire(object node)
            {
                using (Rcu.ReadLock())
                {
                    Unpublish(node);
                    // readers may still hold it
                    {|KMEM0102:Rcu.Synchronize()|}; // one grace period
                }
                Free(node);
            }

            static void Unpublish(object node) { }
            static void Free(object node) { }
        }
        """, """
        using KmemGen;
        class Updater
        {
            void Retire(object node)
            {
                using (Rcu.ReadLock())
                {
                    Unpublish(node);
                }
                // readers may still hold it
                Rcu.Synchronize(); // one grace period
                Free(node);
            }

            static void Unpublish(object node) { }
            static void Free(object node) { }
        }
        """);

    [Fact]
    public Task Section_holding_only_the_wait_is_replaced_by_it() => CodeFixVerifier.VerifyFixAsync<BlockingInReadSectionAnalyzer, MoveSynchronizeAfterReadSectionCodeFix>("""
        using KmemGen;
        class Updater
        {
            void Drain()
            {
                // flush the callbacks
                using (var guard = Rcu.ReadLock())
                {
                    {|KMEM0102:Rcu.Barrier()|};
                }
            }
        }
        """, """
        using KmemGen;
        class Updater
        {
            void Drain()
            {
                // flush the callbacks
                Rcu.Barrier();
            }
        }
        """);

    [Fact]
    public Task No_fix_where_moving_would_change_the_code_or_still_deadlock() => CodeFixVerifier.VerifyNoFixAsync<BlockingInReadSectionAnalyzer, MoveSynchronizeAfterReadSectionCodeFix>("""
        using KmemGen;
        class Updater
        {
            // In the middle: what follows still reads under the section.
            void Middle() { using (Rcu.ReadLock()) { {|KMEM0102:Rcu.Synchronize()|}; Touch(); } }

            // Nested: after the inner section the outer one still holds.
            void Nested() { using (Rcu.ReadLock()) { Touch(); using (Rcu.ReadLock()) { {|KMEM0102:Rcu.Synchronize()|}; } } }

            void AfterUsingDeclaration() { using var g = Rcu.ReadLock(); using (Rcu.ReadLock()) { {|KMEM0102:Rcu.Synchronize()|}; } }

            [RequiresRcuReadLock] void Contract() { using (Rcu.ReadLock()) { {|KMEM0102:Rcu.Synchronize()|}; } }

            [RequiresRcuReadLock] int Property { get { using (Rcu.ReadLock()) { {|KMEM0102:Rcu.Synchronize()|}; } return 0; } }

            // The section itself is a using declaration (its scope is the whole block), or an embedded statement.
            void Declaration() { using var g = Rcu.ReadLock(); {|KMEM0102:Rcu.Synchronize()|}; }
            void Embedded(bool b) { if (b) using (Rcu.ReadLock()) { {|KMEM0102:Rcu.Synchronize()|}; } }

            static void Touch() { }
        }
        """);

    [Fact]
    public Task Fix_all_moves_each_wait() => CodeFixVerifier.VerifyFixAllAsync<BlockingInReadSectionAnalyzer, MoveSynchronizeAfterReadSectionCodeFix>("""
        using KmemGen;
        class Updater
        {
            void A()
            {
                using (Rcu.ReadLock())
                {
                    Touch();
                    {|KMEM0102:Rcu.Synchronize()|};
                }
            }

            void B()
            {
                using (Rcu.ReadLock())
                {
                    Touch();
                    {|KMEM0102:Rcu.Barrier()|};
                }
                Touch();
            }

            void C()
            {
                using (Rcu.ReadLock())
                {
                    Touch();
                    {|KMEM0102:Rcu.Synchronize()|};
                    {|KMEM0102:Rcu.Barrier()|};
                }
            }

            static void Touch() { }
        }
        """, """
        using KmemGen;
        class Updater
        {
            void A()
            {
                using (Rcu.ReadLock())
                {
                    Touch();
                }
                Rcu.Synchronize();
            }

            void B()
            {
                using (Rcu.ReadLock())
                {
                    Touch();
                }
                Rcu.Barrier();
                Touch();
            }

            void C()
            {
                using (Rcu.ReadLock())
                {
                    Touch();
                }
                Rcu.Synchronize();
                Rcu.Barrier();
            }

            static void Touch() { }
        }
        """);
}
