using KmemGen.Analyzers.Balance;
using static KmemGen.Analyzers.Tests.Harness.AnalyzerVerifier;

namespace KmemGen.Analyzers.Tests.Balance;

/// <summary>KMEM0205: Uncharge(n) must give back what TryCharge(n) took (constants, or the same unchanged local).</summary>
public class AmountTests
{
    [Fact]
    public async Task Different_constants()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                void M(ObjCgroup objcg)
                {
                    if (!objcg.TryCharge(4096)) return;
                    {|KMEM0205:objcg.Uncharge(2048)|};
                }
            }
            """);

    [Fact]
    public async Task Same_local_changed_in_between()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                void M(ObjCgroup objcg, long n)
                {
                    if (!objcg.TryCharge(n)) return;
                    n *= 2;
                    {|KMEM0205:objcg.Uncharge(n)|};
                }
            }
            """);

    [Fact]
    public async Task Same_local_incremented_in_a_branch()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                void M(ObjCgroup objcg, long n, bool pad)
                {
                    if (!objcg.TryCharge(n)) return;
                    if (pad) n++;
                    {|KMEM0205:objcg.Uncharge(n)|};
                }
            }
            """);

    [Fact]
    public async Task Different_constant_in_finally()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                void M(ObjCgroup objcg)
                {
                    if (!objcg.TryCharge(64)) return;
                    try { System.Console.WriteLine(); }
                    finally { {|KMEM0205:objcg.Uncharge(32)|}; }
                }
            }
            """);

    [Fact]
    public async Task Constant_fields_that_differ()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                const long Page = 4096;
                void M(ObjCgroup objcg)
                {
                    bool ok = objcg.TryCharge(Page);
                    if (!ok) return;
                    {|KMEM0205:objcg.Uncharge(Page * 2)|};
                }
            }
            """);

    [Fact]
    public async Task Users_own_int_amount_api()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            sealed class Slots
            {
                [Acquires("slots")] public bool TryReserve(int count) => true;
                [Releases("slots")] public void Unreserve(int count) { }
            }
            class C
            {
                void M(Slots slots)
                {
                    if (!slots.TryReserve(8)) return;
                    {|KMEM0205:slots.Unreserve(4)|};
                }
            }
            """);

    // ---- negative cases ----

    [Fact]
    public async Task Same_constant()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                void M(ObjCgroup objcg) { if (!objcg.TryCharge(4096)) return; objcg.Uncharge(4096); }
            }
            """);

    [Fact]
    public async Task Same_unchanged_local()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                void M(ObjCgroup objcg, long n) { if (!objcg.TryCharge(n)) return; long m = n * 2; objcg.Uncharge(n); System.Console.WriteLine(m); }
            }
            """);

    [Fact]
    public async Task Different_locals_cannot_be_compared()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                void M(ObjCgroup objcg, long n) { if (!objcg.TryCharge(n)) return; long copy = n; objcg.Uncharge(copy); }
            }
            """);

    [Fact]
    public async Task Local_changed_before_the_charge()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                void M(ObjCgroup objcg, long n) { n = (n + 7) & ~7L; if (!objcg.TryCharge(n)) return; objcg.Uncharge(n); }
            }
            """);

    [Fact]
    public async Task Constant_against_local_cannot_be_compared()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                void M(ObjCgroup objcg, long n) { if (!objcg.TryCharge(n)) return; objcg.Uncharge(64); }
            }
            """);

    [Fact]
    public async Task Two_charges_in_sequence_each_matched()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                void M(ObjCgroup objcg)
                {
                    if (!objcg.TryCharge(64)) return;
                    objcg.Uncharge(64);
                    if (!objcg.TryCharge(128)) return;
                    objcg.Uncharge(128);
                }
            }
            """);
}
