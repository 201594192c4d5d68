using KmemGen.Analyzers.Balance;
using static KmemGen.Analyzers.Tests.Harness.AnalyzerVerifier;

namespace KmemGen.Analyzers.Tests.Balance;

/// <summary>The checks key on the annotations, not on our names: a user's own annotated API gets them too.</summary>
public class UserApiTests
{
    private const string Api = """
        namespace Tenants
        {
            using KmemGen;
            public sealed class Quota
            {
                [Acquires("quota")] public bool TryTake(long bytes) => true;
                [Releases("quota")] public void Give(long bytes) { }
            }
            public sealed class Session
            {
                [Acquires("session")] public static Session? Open() => null;
                [Releases("session")] public void Close() { }
            }
            public static class Locks
            {
                [Acquires("bucket")] public static void Lock(Quota q) { }
                [Releases("bucket")] public static void Unlock(Quota q) { }
                [Acquires("global")] public static void Enter() { }
                [Releases("global")] public static void Exit() { }
                public static void Keep([TransfersOwnership] Session s) { }
            }
            public struct Guard : System.IDisposable
            {
                [Acquires("guard")] public static Guard Take() => default;
                [Releases("guard")] public void Dispose() { }
            }
        }
        """;

    [Fact]
    public async Task Own_try_acquire_leaked_on_an_error_return()
        => await VerifyAsync<BalanceAnalyzer>("""
            using Tenants;
            class C
            {
                bool M(Quota q, long n, bool valid)
                {
                    if (!{|KMEM0201:q.TryTake(n)|}) return false;
                    if (!valid) return false;
                    return true;
                }
            }
            """ + Api);

    [Fact]
    public async Task Own_reference_returning_acquire_not_closed()
        => await VerifyAsync<BalanceAnalyzer>("""
            using Tenants;
            class C
            {
                void M(bool keep)
                {
                    var s = {|KMEM0201:Session.Open()|};
                    if (s == null) return;
                    if (keep) return;
                    s.Close();
                }
            }
            """ + Api);

    [Fact]
    public async Task Static_kernel_style_lock_keyed_on_its_argument()
        => await VerifyAsync<BalanceAnalyzer>("""
            using Tenants;
            class C
            {
                void M(Quota a, Quota b)
                {
                    Locks.Lock(a);
                    Locks.Unlock(a);
                    {|KMEM0203:Locks.Unlock(a)|};
                    Locks.Unlock(b);
                }
            }
            """ + Api);

    [Fact]
    public async Task Global_resource_released_twice()
        => await VerifyAsync<BalanceAnalyzer>("""
            using Tenants;
            class C
            {
                void M()
                {
                    Locks.Enter();
                    Locks.Exit();
                    {|KMEM0203:Locks.Exit()|};
                }
            }
            """ + Api);

    [Fact]
    public async Task Own_amounts_compared()
        => await VerifyAsync<BalanceAnalyzer>("""
            using Tenants;
            class C
            {
                void M(Quota q)
                {
                    if (!q.TryTake(100)) return;
                    {|KMEM0205:q.Give(10)|};
                }
            }
            """ + Api);

    [Fact]
    public async Task Own_api_balanced_and_handed_over_is_silent()
        => await VerifyAsync<BalanceAnalyzer>("""
            using Tenants;
            class C
            {
                void M(Quota q, long n)
                {
                    if (!q.TryTake(n)) return;
                    try { Locks.Enter(); Locks.Exit(); }
                    finally { q.Give(n); }
                    var s = Session.Open();
                    if (s is null) return;
                    Locks.Keep(s);
                }
            }
            """ + Api);

    [Fact]
    public async Task Own_guard_struct_released_by_using_is_silent()
        => await VerifyAsync<BalanceAnalyzer>("""
            using Tenants;
            class C
            {
                bool M(bool fail)
                {
                    using var g = Guard.Take();
                    if (fail) return false;
                    return true;
                }
            }
            """ + Api);

    [Fact]
    public async Task Own_guard_struct_not_disposed_on_an_early_return()
        => await VerifyAsync<BalanceAnalyzer>("""
            using Tenants;
            class C
            {
                void M(bool fail)
                {
                    var g = {|KMEM0201:Guard.Take()|};
                    if (fail) return;
                    g.Dispose();
                }
            }
            """ + Api);
}
