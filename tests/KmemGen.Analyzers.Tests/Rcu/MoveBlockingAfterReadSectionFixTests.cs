using KmemGen.Analyzers.Rcu;
using KmemGen.Analyzers.Tests.Harness;
using KmemGen.CodeFixes.Rcu;

namespace KmemGen.Analyzers.Tests.Rcu;

/// <summary>The KMEM0103 fix moves a blocking statement that ends a read section, and uses nothing it found, after it.</summary>
public class MoveBlockingAfterReadSectionFixTests
{
    [Fact]
    public Task Lock_ending_the_section_moves_after_it() => CodeFixVerifier.VerifyFixAsync<BlockingInReadSectionAnalyzer, MoveBlockingAfterReadSectionCodeFix>("""
        using KmemGen;
        class Stats
        {
            readonly object _gate = new();
            int _reports;

            long Report(ObjCgroup objcg)
            {
                long usage;
                using (Rcu.ReadLock())
                {
                    usage = objcg.MemCgroup.Usage;
                    // count the report
                    {|KMEM0103:lock (_gate)|}
                    {
                        _reports++;
                    } // under the stats lock
                }
                return usage;
            }
        }
        """, """
        using KmemGen;
        class Stats
        {
            readonly object _gate = new();
            int _reports;

            long Report(ObjCgroup objcg)
            {
                long usage;
                using (Rcu.ReadLock())
                {
                    usage = objcg.MemCgroup.Usage;
                }
                // count the report
                lock (_gate)
                {
                    _reports++;
                } // under the stats lock
                return usage;
            }
        }
        """);

    [Fact]
    public Task Section_holding_only_the_sleep_is_replaced_by_it() => CodeFixVerifier.VerifyFixAsync<BlockingInReadSectionAnalyzer, MoveBlockingAfterReadSectionCodeFix>("""
        using System.Threading;
        using KmemGen;
        class Backoff
        {
            void Wait()
            {
                using (var guard = Rcu.ReadLock())
                {
                    {|KMEM0103:Thread.Sleep(1)|}; // back off
                }
            }
        }
        """, """
        using System.Threading;
        using KmemGen;
        class Backoff
        {
            void Wait()
            {
                Thread.Sleep(1); // back off
            }
        }
        """);

    [Fact]
    public Task No_fix_where_the_statement_needs_the_section() => CodeFixVerifier.VerifyNoFixAsync<BlockingInReadSectionAnalyzer, MoveBlockingAfterReadSectionCodeFix>("""
        using System.Threading;
        using System.Threading.Tasks;
        using KmemGen;
        class Stats
        {
            readonly object _gate = new();

            // Uses the memcg found under RCU: it must be copied out (or referenced) first.
            void Declared(ObjCgroup objcg)
            {
                using (Rcu.ReadLock())
                {
                    var memcg = objcg.MemCgroup;
                    {|KMEM0103:lock (_gate)|} { Record(memcg.Usage); }
                }
            }

            void Written(ObjCgroup objcg)
            {
                MemCgroup memcg;
                using (Rcu.ReadLock())
                {
                    memcg = objcg.MemCgroup;
                    {|KMEM0103:lock (_gate)|} { Record(memcg.Usage); }
                }
            }

            // Reads the protected member itself.
            void Protected(ObjCgroup objcg)
            {
                using (Rcu.ReadLock())
                {
                    {|KMEM0103:lock (_gate)|} { Record(objcg.MemCgroup.Usage); }
                }
            }

            // Not the last statement; a declaration; a nested section.
            void Middle() { using (Rcu.ReadLock()) { {|KMEM0103:Thread.Sleep(1)|}; Record(0); } }
            int Declaration(Task<int> pending) { using (Rcu.ReadLock()) { var r = {|KMEM0103:pending.Result|}; } return 0; }
            void Nested() { using (Rcu.ReadLock()) { Record(1); using (Rcu.ReadLock()) { {|KMEM0103:Thread.Sleep(1)|}; } } }

            static void Record(long value) { }
        }
        """);

    [Fact]
    public Task Fix_all_moves_each_statement_once() => CodeFixVerifier.VerifyFixAllAsync<BlockingInReadSectionAnalyzer, MoveBlockingAfterReadSectionCodeFix>("""
        using System.Threading;
        using KmemGen;
        class Stats
        {
            readonly object _gate = new();

            long A(ObjCgroup objcg)
            {
                long usage;
                using (Rcu.ReadLock())
                {
                    usage = objcg.MemCgroup.Usage;
                    {|KMEM0103:lock (_gate)|}
                    {
                        {|KMEM0103:Thread.Sleep(1)|};
                    }
                }
                return usage;
            }

            void B(ManualResetEvent done)
            {
                using (Rcu.ReadLock())
                {
                    Record(1);
                    {|KMEM0103:done.WaitOne()|};
                }
            }

            static void Record(long value) { }
        }
        """, """
        using System.Threading;
        using KmemGen;
        class Stats
        {
            readonly object _gate = new();

            long A(ObjCgroup objcg)
            {
                long usage;
                using (Rcu.ReadLock())
                {
                    usage = objcg.MemCgroup.Usage;
                }
                lock (_gate)
                {
                    Thread.Sleep(1);
                }
                return usage;
            }

            void B(ManualResetEvent done)
            {
                using (Rcu.ReadLock())
                {
                    Record(1);
                }
                done.WaitOne();
            }

            static void Record(long value) { }
        }
        """);
}
