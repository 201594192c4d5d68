using KmemGen.Analyzers.Balance;
using static KmemGen.Analyzers.Tests.Harness.AnalyzerVerifier;

namespace KmemGen.Analyzers.Tests.Balance;

/// <summary>
/// Conditions correlated with the acquire they guard (a bool local or parameter, a local set next to the acquire,
/// a flag the acquire set through its ref argument, the holder's null state under ?.), and the inverted bracket.
/// Each correct shape beside the broken look-alike the rule must still report.
/// </summary>
public class CorrelationTests
{
    private const string Epoch = """
        sealed class Epoch
        {
            [Acquires("epoch")] public void Resume() { }
            [Releases("epoch")] public void Suspend() { }
            public bool IsProtected() => false;
            public static void Wait() => System.IO.File.Delete("wait");
        }
        struct Ctx { public bool HasLock; }
        sealed class Table
        {
            [Acquires("lock")] public void Lock(ref Ctx ctx) { ctx.HasLock = true; }
            [Releases("lock")] public void Unlock(ref Ctx ctx) { ctx.HasLock = false; }
        }
        """;

    [Fact]
    public async Task Bool_local_guarding_acquire_and_release()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                readonly Epoch _e = new();
                void M()
                {
                    bool taken = !_e.IsProtected();
                    if (taken) _e.Resume();
                    try { Epoch.Wait(); }
                    finally { if (taken) _e.Suspend(); }
                }
            }
            """ + Epoch);

    [Fact]
    public async Task Negated_bool_parameter_guarding_acquire_and_release()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                readonly Epoch _e = new();
                void M(bool isProtected)
                {
                    try
                    {
                        if (!isProtected) _e.Resume();
                        Epoch.Wait();
                    }
                    finally
                    {
                        if (!isProtected) _e.Suspend();
                    }
                }
            }
            """ + Epoch);

    [Fact]
    public async Task Local_set_beside_the_acquire_guards_the_release()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                readonly Epoch _e = new();
                void M(int n)
                {
                    for (int i = 0; i < n; i++)
                    {
                        bool prot = false;
                        if (!_e.IsProtected())
                        {
                            prot = true;
                            _e.Resume();
                        }
                        System.Threading.Thread.Yield();
                        if (prot) _e.Suspend();
                    }
                }
            }
            """ + Epoch);

    [Fact]
    public async Task Guard_that_differs_from_the_release_condition_still_leaks()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                readonly Epoch _e = new();
                void M(bool a, bool b)
                {
                    if (a) {|KMEM0201:_e.Resume()|};
                    if (b) _e.Suspend();
                }
            }
            """ + Epoch);

    [Fact]
    public async Task Flag_the_acquire_set_through_its_ref_argument()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                void M(Table t, bool mutable)
                {
                    Ctx ctx = default;
                    try
                    {
                        if (mutable) t.Lock(ref ctx);
                        Epoch.Wait();
                    }
                    finally
                    {
                        if (ctx.HasLock) t.Unlock(ref ctx);
                    }
                }
            }
            """ + Epoch);

    [Fact]
    public async Task Null_conditional_acquire_and_release_on_one_holder()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                readonly Epoch? _e = null;
                bool M(int x)
                {
                    _e?.Resume();
                    if (x > 0)
                    {
                        _e?.Suspend();
                        return false;
                    }
                    _e?.Suspend();
                    return true;
                }
            }
            """ + Epoch);

    [Fact]
    public async Task Inverted_bracket_gives_back_the_callers_hold_and_takes_it_again()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                readonly Epoch _e = new();
                void M()
                {
                    _e.Suspend();
                    try { Epoch.Wait(); }
                    finally { _e.Resume(); }
                }
            }
            """ + Epoch);

    [Fact]
    public async Task Inverted_bracket_without_finally_still_leaks_on_exception()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                readonly Epoch _e = new();
                void M()
                {
                    _e.Resume();
                    _e.Suspend();
                    {|KMEM0202:_e.Resume()|};
                    Epoch.Wait();
                    _e.Suspend();
                }
            }
            """ + Epoch);
}
