using KmemGen.Analyzers.Rcu;
using KmemGen.Analyzers.Tests.Harness;

namespace KmemGen.Analyzers.Tests.Rcu;

/// <summary>KMEM0100: [RcuProtected] reads and [RequiresRcuReadLock] calls need an enclosing read section.</summary>
public class RcuAccessTests
{
    private static Task Verify(string markup) => AnalyzerVerifier.VerifyAsync<RcuAccessAnalyzer>(markup);

    [Fact]
    public Task Protected_read_with_no_section_is_reported() => Verify("""
        using KmemGen;
        class Charger
        {
            long Usage(ObjCgroup objcg) => {|KMEM0100:objcg.MemCgroup|}.Usage;
            void Print(ObjCgroup objcg) { var memcg = {|KMEM0100:objcg.MemCgroup|}; System.Console.WriteLine(memcg); }
        }
        """);

    [Fact]
    public Task User_annotated_field_read_outside_a_section_is_reported() => Verify("""
        using KmemGen;
        class Node { public int Value; }
        class List
        {
            [RcuProtected] private Node? _head;
            int First() => {|KMEM0100:_head|}?.Value ?? 0;
            int Second() { using (Rcu.ReadLock()) { } return {|KMEM0100:_head|}!.Value; }
            int Third() { var before = {|KMEM0100:_head|}; using var guard = Rcu.ReadLock(); return _head!.Value + (before?.Value ?? 0); }
        }
        """);

    [Fact]
    public Task Lambda_and_local_function_bodies_are_not_inside_the_callers_section() => Verify("""
        using System;
        using KmemGen;
        class Charger
        {
            void Handle(ObjCgroup objcg)
            {
                using (Rcu.ReadLock())
                {
                    Func<MemCgroup> later = () => {|KMEM0100:objcg.MemCgroup|};
                    MemCgroup Local() => {|KMEM0100:objcg.MemCgroup|};
                    _ = later() ?? Local();
                }
            }
        }
        """);

    [Fact]
    public Task Requires_read_lock_members_called_outside_a_section_are_reported() => Verify("""
        using KmemGen;
        class Table
        {
            [RequiresRcuReadLock] public int Lookup(int key) => key;
            [RequiresRcuReadLock] public Table() { }
            public int Count { [RequiresRcuReadLock] get => 0; }
            [RequiresRcuReadLock] public int Size => 0;
            int Use() => {|KMEM0100:Lookup(1)|} + {|KMEM0100:Count|} + {|KMEM0100:Size|};
            static Table Make() => {|KMEM0100:new Table()|};
        }
        """);

    [Fact]
    public Task Guard_not_used_as_a_resource_does_not_open_a_section() => Verify("""
        using KmemGen;
        class Charger
        {
            #pragma warning disable KMEM0104
            MemCgroup Get(ObjCgroup objcg) { var guard = Rcu.ReadLock(); var m = {|KMEM0100:objcg.MemCgroup|}; guard.Dispose(); return m; }
        }
        """);

    [Fact]
    public Task Reads_inside_using_statement_and_declaration_are_not_reported() => Verify("""
        using KmemGen;
        class Charger
        {
            long A(ObjCgroup objcg) { using (Rcu.ReadLock()) { return objcg.MemCgroup.Usage; } }
            long B(ObjCgroup objcg) { using var guard = Rcu.ReadLock(); return objcg.MemCgroup.Usage; }
            long C(ObjCgroup objcg) { using (var guard = Rcu.ReadLock()) return objcg.MemCgroup.Max; }
        }
        """);

    [Fact]
    public Task Reads_in_nested_scopes_of_a_section_are_not_reported() => Verify("""
        using KmemGen;
        class Charger
        {
            long Sum(ObjCgroup[] all, bool deep)
            {
                long sum = 0;
                using var guard = Rcu.ReadLock();
                foreach (var objcg in all)
                {
                    if (deep) { for (int i = 0; i < 1; i++) { sum += objcg.MemCgroup.Usage; } }
                    else sum += objcg.MemCgroup.Peak;
                }
                return sum;
            }
        }
        """);

    [Fact]
    public Task Contract_methods_wrappers_and_lambdas_with_their_own_section_are_not_reported() => Verify("""
        using System;
        using KmemGen;
        class Charger
        {
            [RequiresRcuReadLock] static MemCgroup MemcgOf(ObjCgroup objcg) => objcg.MemCgroup;
            static RcuReadGuard Lock() => Rcu.ReadLock();
            long Usage(ObjCgroup objcg) { using (Lock()) { return MemcgOf(objcg).Usage; } }
            Func<long> Later(ObjCgroup objcg) => () => { using var g = Rcu.ReadLock(); return objcg.MemCgroup.Usage; };
            void Local(ObjCgroup objcg)
            {
                using (Rcu.ReadLock()) { _ = Get(); }
                [RequiresRcuReadLock] MemCgroup Get() => objcg.MemCgroup;
            }
        }
        """);

    [Fact]
    public Task Publishing_and_nameof_are_not_reads() => Verify("""
        using KmemGen;
        class Node { }
        class List
        {
            [RcuProtected] private Node? _head;
            void Publish(Node node) { _head = node; }
            string Name() => nameof(_head) + nameof(ObjCgroup.MemCgroup);
        }
        """);
}
