using KmemGen.Analyzers.Balance;
using KmemGen.Analyzers.Rcu;
using static KmemGen.Analyzers.Tests.Harness.AnalyzerVerifier;

namespace KmemGen.Analyzers.Tests.Balance;

/// <summary>
/// A Try result combined before it is tested (`var ok = a ? m.CssTryGetOnline() : m.CssTryGet();`,
/// `bool ok = c &amp;&amp; m.CssTryGet();`) is tied to the bool as a direct `var ok = m.CssTryGet();` is: held exactly
/// where the bool is true, for the balance rules and for the RCU rules that ask the engine (KMEM0101, KMEM0105).
/// </summary>
public class CombinedTryResultTests
{
    [Fact]
    public async Task Balance_a_combined_try_released_where_it_succeeded_is_silent()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                static void Touch(MemCgroup m) { }
                void Conditional(MemCgroup parent, bool online)
                {
                    var m = parent.CreateChild("t");
                    var ok = online ? m.CssTryGetOnline() : m.CssTryGet();
                    if (ok)
                    {
                        Touch(m);
                        m.CssPut();
                    }
                }
                void Conjunction(MemCgroup parent, bool wanted)
                {
                    var m = parent.CreateChild("t");
                    bool ok = wanted && m.CssTryGet();
                    if (!ok) return;
                    Touch(m);
                    m.CssPut();
                }
                void OneArmFalse(MemCgroup parent, bool wanted)
                {
                    var m = parent.CreateChild("t");
                    var ok = wanted ? m.CssTryGet() : false;
                    if (ok) m.CssPut();
                }
            }
            """);

    [Fact]
    public async Task Balance_a_combined_try_not_released_where_it_succeeded_leaks()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                static void Touch(MemCgroup m) { }
                void Conditional(MemCgroup parent, bool online)
                {
                    var m = parent.CreateChild("t");
                    var ok = online ? {|KMEM0201:m.CssTryGetOnline()|} : {|KMEM0201:m.CssTryGet()|};
                    if (ok)
                    {
                        Touch(m);
                    }
                }
                void Conjunction(MemCgroup parent, bool wanted)
                {
                    var m = parent.CreateChild("t");
                    bool ok = wanted && {|KMEM0201:m.CssTryGet()|};
                    if (!ok) return;
                    Touch(m);
                }
            }
            """);

    [Fact]
    public async Task Balance_a_release_where_the_combined_try_failed_is_unbalanced()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                void Conjunction(MemCgroup parent, bool wanted)
                {
                    var m = parent.CreateChild("t");
                    bool ok = wanted && m.CssTryGet();
                    if (!ok)
                    {
                        {|KMEM0203:m.CssPut()|};
                        return;
                    }
                    m.CssPut();
                }
                void Conditional(MemCgroup parent, bool online)
                {
                    var m = parent.CreateChild("t");
                    var ok = online ? m.CssTryGetOnline() : m.CssTryGet();
                    if (ok) m.CssPut();
                    else {|KMEM0203:m.CssPut()|};
                }
            }
            """);

    [Fact]
    public Task Kmem0101_a_get_under_a_combined_try_is_silent() => VerifyAsync<UnconditionalGetAnalyzer>("""
        using KmemGen;
        class Charger
        {
            void Conditional(ObjCgroup objcg, bool online)
            {
                using var guard = Rcu.ReadLock();
                var memcg = objcg.MemCgroup;
                var ok = online ? memcg.CssTryGetOnline() : memcg.CssTryGet();
                if (ok)
                {
                    memcg.CssGet();
                    memcg.CssPut();
                    memcg.CssPut();
                }
            }
            void Conjunction(ObjCgroup objcg, bool wanted)
            {
                using var guard = Rcu.ReadLock();
                var memcg = objcg.MemCgroup;
                bool ok = wanted && memcg.CssTryGet();
                if (!ok) return;
                memcg.CssGet();
            }
        }
        """);

    [Fact]
    public Task Kmem0101_a_get_where_the_combined_try_failed_or_was_given_back_is_reported() => VerifyAsync<UnconditionalGetAnalyzer>("""
        using KmemGen;
        class Charger
        {
            void GivenBack(ObjCgroup objcg, bool online)
            {
                using var guard = Rcu.ReadLock();
                var memcg = objcg.MemCgroup;
                var ok = online ? memcg.CssTryGetOnline() : memcg.CssTryGet();
                if (ok) memcg.CssPut();
                {|KMEM0101:memcg.CssGet()|};
            }
            void Failed(ObjCgroup objcg, bool wanted)
            {
                using var guard = Rcu.ReadLock();
                var memcg = objcg.MemCgroup;
                bool ok = wanted && memcg.CssTryGet();
                if (ok) return;
                {|KMEM0101:memcg.CssGet()|};
            }
        }
        """);

    [Fact]
    public Task Kmem0105_a_combined_try_owns_the_value_where_it_succeeded() => VerifyAsync<RcuAccessAnalyzer>("""
        using KmemGen;
        class Charger
        {
            static void Touch(MemCgroup m) { }
            MemCgroup? Conditional(ObjCgroup objcg, bool online)
            {
                MemCgroup memcg;
                using (Rcu.ReadLock())
                {
                    memcg = objcg.MemCgroup;
                    var ok = online ? memcg.CssTryGetOnline() : memcg.CssTryGet();
                    if (!ok) return null;
                }
                return memcg;
            }
            long Conjunction(ObjCgroup objcg, bool wanted)
            {
                MemCgroup memcg;
                bool ok;
                using (Rcu.ReadLock())
                {
                    memcg = objcg.MemCgroup;
                    ok = wanted && memcg.CssTryGet();
                }
                if (ok)
                {
                    Touch(memcg);
                    memcg.CssPut();
                }
                return 0;
            }
        }
        """);

    [Fact]
    public Task Kmem0105_a_combined_try_given_back_or_failed_does_not_own_the_value() => VerifyAsync<RcuAccessAnalyzer>("""
        using KmemGen;
        class Charger
        {
            static void Touch(MemCgroup m) { }
            MemCgroup Conditional(ObjCgroup objcg, bool online)
            {
                MemCgroup memcg;
                using (Rcu.ReadLock())
                {
                    memcg = objcg.MemCgroup;
                    var ok = online ? memcg.CssTryGetOnline() : memcg.CssTryGet();
                    if (ok)
                    {
                        Touch(memcg);
                        memcg.CssPut();
                    }
                }
                return {|KMEM0105:memcg|};
            }
            void Conjunction(ObjCgroup objcg, bool wanted)
            {
                MemCgroup memcg;
                bool ok;
                using (Rcu.ReadLock())
                {
                    memcg = objcg.MemCgroup;
                    ok = wanted && memcg.CssTryGet();
                }
                if (!ok)
                {
                    Touch({|KMEM0105:memcg|});
                }
            }
        }
        """);

    [Fact]
    public async Task Balance_arms_on_different_holders_or_a_true_arm_are_not_tied()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                void Holders(MemCgroup parent, bool first)
                {
                    var m = parent.CreateChild("a");
                    var n = parent.CreateChild("b");
                    // Not tied: each may or may not be held under `ok`, as for any Try result not tested directly.
                    var ok = first ? {|KMEM0201:m.CssTryGet()|} : {|KMEM0201:n.CssTryGet()|};
                    if (ok)
                    {
                        m.CssPut();
                        n.CssPut();
                    }
                }
                void TrueArm(MemCgroup parent, bool skip)
                {
                    var m = parent.CreateChild("a");
                    var ok = skip ? true : {|KMEM0201:m.CssTryGet()|};
                    if (ok) m.CssPut();
                }
            }
            """);

    [Fact]
    public Task Kmem0101_arms_on_different_holders_are_not_tied() => VerifyAsync<UnconditionalGetAnalyzer>("""
        using KmemGen;
        class Charger
        {
            void Holders(ObjCgroup a, ObjCgroup b, bool first)
            {
                using var guard = Rcu.ReadLock();
                var m = a.MemCgroup;
                var n = b.MemCgroup;
                var ok = first ? m.CssTryGet() : n.CssTryGet();
                if (ok)
                {
                    {|KMEM0101:m.CssGet()|};
                }
            }
        }
        """);

    [Fact]
    public async Task Balance_nested_and_chained_combinations_and_one_tested_in_the_if_are_silent()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                void TestedInTheIf(MemCgroup parent, bool online)
                {
                    var m = parent.CreateChild("t");
                    if (online ? m.CssTryGetOnline() : m.CssTryGet()) m.CssPut();
                }
                void Chained(MemCgroup parent, bool wanted, bool other)
                {
                    var m = parent.CreateChild("t");
                    bool ok = wanted && other && m.CssTryGet();
                    if (ok) m.CssPut();
                }
                void Nested(MemCgroup parent, bool wanted, bool other)
                {
                    var n = parent.CreateChild("u");
                    var taken = wanted ? (other ? n.CssTryGet() : false) : n.CssTryGetOnline();
                    if (taken) n.CssPut();
                }
            }
            """);

    [Fact]
    public async Task Balance_a_nested_combination_released_on_the_wrong_branch_leaks_and_is_unbalanced()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                void Nested(MemCgroup parent, bool wanted, bool other)
                {
                    var n = parent.CreateChild("u");
                    var taken = wanted ? (other ? {|KMEM0201:n.CssTryGet()|} : false) : {|KMEM0201:n.CssTryGetOnline()|};
                    if (!taken) {|KMEM0203:n.CssPut()|};
                }
            }
            """);
}
