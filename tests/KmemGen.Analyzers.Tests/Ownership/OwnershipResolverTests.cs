using KmemGen.Analyzers.Balance;
using KmemGen.Analyzers.Common;
using KmemGen.Analyzers.Rcu;
using KmemGen.Analyzers.Tests.Harness;
using Microsoft.CodeAnalysis;

namespace KmemGen.Analyzers.Tests.Ownership;

/// <summary>
/// One reading of [Acquires]/[Releases] for every rule: all the attributes on a method (AllowMultiple), and those of
/// the members it overrides (Inherited). Each rule that reads them is checked with a method carrying two [Acquires]
/// and with an override that carries none of its own.
/// </summary>
public class OwnershipResolverTests
{
    private const string Entry = """
        namespace Pins
        {
            using KmemGen;
            public class Entry
            {
                [Acquires("ref")] [Acquires("pin")] public virtual void Get() { }
                [Acquires("pin")] [Acquires("ref")] public virtual bool TryGet() => true;
                [Releases("ref")] [Releases("pin")] public virtual void Put() { }
            }
            public sealed class Derived : Entry
            {
                public override void Get() { }
                public override bool TryGet() => true;
                public override void Put() { }
            }
        }
        """;

    [Fact]
    public void The_resolver_reads_every_attribute_and_those_of_overridden_members()
    {
        var compilation = TestCompilation.Create([Entry], new VerifyOptions { RunGenerators = false });
        var resolver = OwnershipResolver.TryCreate(compilation)!;
        var known = KnownSymbols.TryCreate(compilation)!;
        var entry = compilation.GetTypeByMetadataName("Pins.Entry")!;
        var derived = compilation.GetTypeByMetadataName("Pins.Derived")!;
        IMethodSymbol Method(INamedTypeSymbol type, string name) => type.GetMembers(name).OfType<IMethodSymbol>().Single();

        Assert.Equal(["ref", "pin"], resolver.Get(Method(entry, "Get")).Acquires.ToArray());
        Assert.Equal(["ref", "pin"], resolver.Get(Method(derived, "Get")).Acquires.ToArray());
        Assert.Equal(AcquireKind.Try, resolver.Get(Method(derived, "TryGet")).Kind);
        Assert.Equal(["ref", "pin"], resolver.Get(Method(derived, "Put")).Releases.ToArray());
        // The accounting and RCU rules read the same answer (KMEM0001: a charge API is not an allocator).
        Assert.Equal(["pin", "ref"], known.AcquiredBy(Method(derived, "TryGet")).ToArray());
        var balance = OwnershipSymbols.TryCreate(compilation)!;
        Assert.Equal(["ref", "pin"], balance.Get(Method(derived, "Get")).Acquires.ToArray());
    }

    [Fact]
    public Task Unconditional_get_with_two_acquires_is_matched_to_the_try_that_takes_both() => AnalyzerVerifier.VerifyAsync<UnconditionalGetAnalyzer>("""
        using KmemGen;
        using Pins;
        class Map
        {
            [RcuProtected] private Entry? _slot;
            void A() { using (Rcu.ReadLock()) { {|KMEM0101:_slot!.Get()|}; } }
        }
        """ + Entry);

    [Fact]
    public Task Unconditional_get_inherited_by_an_override_is_reported() => AnalyzerVerifier.VerifyAsync<UnconditionalGetAnalyzer>("""
        using KmemGen;
        using Pins;
        class Map
        {
            [RcuProtected] private Derived? _slot;
            void A() { using (Rcu.ReadLock()) { {|KMEM0101:_slot!.Get()|}; } }
        }
        """ + Entry);

    [Fact]
    public Task A_try_that_takes_only_one_of_the_two_is_not_a_conditional_variant() => AnalyzerVerifier.VerifyAsync<UnconditionalGetAnalyzer>("""
        using KmemGen;
        class Half
        {
            [Acquires("ref")] [Acquires("pin")] public void Get() { }
            [Acquires("pin")] public bool TryPin() => true;
        }
        class Map
        {
            [RcuProtected] private Half? _slot;
            void A() { using (Rcu.ReadLock()) { _slot!.Get(); } }
        }
        """);

    [Fact]
    public Task A_reference_taken_through_an_inherited_try_is_held_for_kmem0101() => AnalyzerVerifier.VerifyAsync<UnconditionalGetAnalyzer>("""
        using KmemGen;
        using Pins;
        class Map
        {
            [RcuProtected] private Derived? _slot;
            void A()
            {
                using var guard = Rcu.ReadLock();
                var e = _slot!;
                if (e.TryGet()) { e.Get(); }
            }
        }
        """ + Entry);

    [Fact]
    public Task A_reference_taken_through_an_inherited_try_or_a_two_acquire_try_may_escape() => AnalyzerVerifier.VerifyAsync<RcuAccessAnalyzer>("""
        using KmemGen;
        using Pins;
        class Map
        {
            [RcuProtected] private Derived? _slot;
            [RcuProtected] private Entry? _other;
            private Entry? _kept;
            Entry? A()
            {
                using var guard = Rcu.ReadLock();
                var e = _slot!;
                if (!e.TryGet()) return null;
                return e;
            }
            void B()
            {
                using var guard = Rcu.ReadLock();
                var e = _other!;
                if (!e.TryGet()) return;
                _kept = e;
            }
            Entry? C()
            {
                using var guard = Rcu.ReadLock();
                var e = _other!;
                return {|KMEM0105:e|};
            }
        }
        """ + Entry);

    [Fact]
    public Task Balance_tracks_both_resources_of_a_two_acquire_method_and_inherited_attributes() => AnalyzerVerifier.VerifyAsync<BalanceAnalyzer>("""
        using KmemGen;
        using Pins;
        class User
        {
            [Releases("ref")] static void PutRef(Entry e) { }
            void Leaks()
            {
                var e = new Derived();
                {|KMEM0201:e.Get()|};
                PutRef(e);
            }
            void Balanced()
            {
                var e = new Derived();
                e.Get();
                e.Put();
            }
            void InheritedTry()
            {
                var e = new Derived();
                if (!{|KMEM0201:e.TryGet()|}) return;
                PutRef(e);
            }
        }
        """ + Entry);
}
