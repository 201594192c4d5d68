using KmemGen.Analyzers.Rcu;
using KmemGen.Analyzers.Tests.Harness;

namespace KmemGen.Analyzers.Tests.Rcu;

/// <summary>KMEM0102/0103: nothing inside a read section may sleep; Rcu.Synchronize there waits for itself.</summary>
public class BlockingInReadSectionTests
{
    private static Task Verify(string markup, VerifyOptions? options = null) => AnalyzerVerifier.VerifyAsync<BlockingInReadSectionAnalyzer>(markup, options);

    [Fact]
    public Task Synchronize_inside_a_section_is_a_deadlock() => Verify("""
        using KmemGen;
        class Updater
        {
            void A() { using (Rcu.ReadLock()) { {|KMEM0102:Rcu.Synchronize()|}; } }
            void B() { using var g = Rcu.ReadLock(); if (true) { {|KMEM0102:Rcu.Synchronize()|}; } }
            [RequiresRcuReadLock] void C() => {|KMEM0102:Rcu.Synchronize()|};
            void D() { using (Rcu.ReadLock()) { {|KMEM0102:Rcu.Barrier()|}; } }
        }
        """);

    [Fact]
    public Task Synchronize_outside_any_section_is_not_reported() => Verify("""
        using System;
        using KmemGen;
        class Updater
        {
            void AfterStatement() { using (Rcu.ReadLock()) { } Rcu.Synchronize(); }
            void AfterNestedBlock() { { using var g = Rcu.ReadLock(); } Rcu.Synchronize(); Rcu.Barrier(); }
            void BeforeDeclaration() { Rcu.Synchronize(); using var g = Rcu.ReadLock(); }
            Action Deferred() { using var g = Rcu.ReadLock(); return () => Rcu.Synchronize(); }
            void LocalFunction() { using (Rcu.ReadLock()) { } Wait(); void Wait() => Rcu.Synchronize(); }
        }
        """);

    [Fact]
    public Task Sleeping_and_waiting_calls_are_reported() => Verify("""
        using System.Threading;
        using System.Threading.Tasks;
        using KmemGen;
        class Reader
        {
            readonly object _gate = new();
            readonly SemaphoreSlim _sem = new(1);
            int Read(Task<int> pending, Task done, Thread worker, ManualResetEvent ev)
            {
                using var guard = Rcu.ReadLock();
                {|KMEM0103:Thread.Sleep(1)|};
                {|KMEM0103:worker.Join()|};
                {|KMEM0103:Monitor.Enter(_gate)|};
                {|KMEM0103:Monitor.Wait(_gate)|};
                {|KMEM0103:done.Wait()|};
                {|KMEM0103:Task.WaitAll(done)|};
                {|KMEM0103:_sem.Wait()|};
                {|KMEM0103:ev.WaitOne()|};
                {|KMEM0103:done.GetAwaiter().GetResult()|};
                return {|KMEM0103:pending.Result|} + {|KMEM0103:pending.GetAwaiter().GetResult()|};
            }
        }
        """);

    [Fact]
    public Task Lock_statement_and_might_sleep_members_are_reported() => Verify("""
        using KmemGen;
        class Reader
        {
            readonly object _gate = new();
            [MightSleep] static void Reclaim() { }
            static int Slow { [MightSleep] get => 0; }
            int Read()
            {
                using (Rcu.ReadLock())
                {
                    {|KMEM0103:lock (_gate)|} { }
                    {|KMEM0103:Reclaim()|};
                    return {|KMEM0103:Slow|};
                }
            }
        }
        """);

    [Fact]
    public Task Await_inside_a_section_is_reported() => Verify("""
        using System.Threading.Tasks;
        using KmemGen;
        class Reader
        {
            async Task Read(Task other)
            {
                using (Rcu.ReadLock())
                {
                    {|KMEM0103:await other|};
                }
            }
        }
        """, new VerifyOptions { AllowCompilerErrors = true });

    [Fact]
    public Task Await_using_and_await_foreach_are_reported_on_their_head() => Verify("""
        using System;
        using System.Collections.Generic;
        using System.Threading.Tasks;
        using KmemGen;
        class Reader
        {
            async Task Read(IAsyncDisposable resource, IAsyncEnumerable<int> items)
            {
                using (Rcu.ReadLock())
                {
                    {|KMEM0103:await using (resource)|} { }
                    {|KMEM0103:await foreach (var item in items)|} { }
                }
            }
        }
        """, new VerifyOptions { AllowCompilerErrors = true });

    [Fact]
    public Task Blocking_outside_or_after_the_section_is_not_reported() => Verify("""
        using System.Threading;
        using KmemGen;
        class Updater
        {
            readonly object _gate = new();
            void A()
            {
                using (Rcu.ReadLock()) { }
                Rcu.Synchronize();
                Thread.Sleep(1);
                lock (_gate) { }
            }
        }
        """);

    [Fact]
    public Task Lambdas_started_from_a_section_run_outside_it() => Verify("""
        using System.Threading;
        using System.Threading.Tasks;
        using KmemGen;
        class Reader
        {
            Task Read()
            {
                using var guard = Rcu.ReadLock();
                Rcu.Call(() => Rcu.Synchronize());
                return Task.Run(() => Thread.Sleep(1));
            }
        }
        """);

    [Fact]
    public Task Non_blocking_thread_apis_are_not_reported() => Verify("""
        using System.Threading;
        using System.Threading.Tasks;
        using KmemGen;
        class Reader
        {
            readonly object _gate = new();
            int _count;
            bool Read(Task done)
            {
                using (Rcu.ReadLock())
                {
                    Interlocked.Increment(ref _count);
                    Monitor.Exit(_gate);
                    Volatile.Read(ref _count);
                    return done.IsCompleted && Monitor.IsEntered(_gate);
                }
            }
        }
        """);

    [RequiresCSharpFact(13, "a ref struct guard in a using in an async method")]
    public Task Async_code_outside_a_section_is_not_reported() => Verify("""
        using System.Threading.Tasks;
        using KmemGen;
        class Reader
        {
            async Task<long> Read(ObjCgroup objcg, Task other)
            {
                await other;
                long usage;
                using (Rcu.ReadLock()) { usage = objcg.MemCgroup.Usage; }
                await other;
                return usage;
            }
        }
        """);
}
