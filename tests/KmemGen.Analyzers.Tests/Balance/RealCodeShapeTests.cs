using System.Collections.Immutable;
using System.Globalization;
using KmemGen.Analyzers.Balance;
using KmemGen.Analyzers.Tests.Harness;
using Microsoft.CodeAnalysis.Diagnostics;
using static KmemGen.Analyzers.Tests.Harness.AnalyzerVerifier;

namespace KmemGen.Analyzers.Tests.Balance;

/// <summary>
/// Shapes a real storage engine writes (reduced and written for these tests): a conditional give-back through an
/// unannotated Try method, a lock taken in a short-circuit disjunction with the caller's, and a callback whose
/// exception a catch swallows while the epoch is held. Each correct shape beside the broken look-alike that must
/// still be reported.
/// </summary>
public class RealCodeShapeTests
{
    private const string Epoch = """
        sealed class Epoch
        {
            private int _depth;
            [Acquires("epoch")] public void Resume() { _depth++; }
            [Releases("epoch")] public void Suspend() { _depth--; }
            public bool IsProtected() => _depth > 0;

            // Not annotated: gives back the caller's epoch exactly when it returns true.
            public bool TrySuspend()
            {
                if (IsProtected())
                {
                    Suspend();
                    return true;
                }
                return false;
            }

            // Not annotated and no summary: it may give back without saying so.
            public bool SuspendOrNot(bool really)
            {
                if (really) Suspend();
                return true;
            }

            public static void Wait() => System.IO.File.Delete("wait");
        }
        """;

    private static async Task<string> SingleMessageAsync(string source)
    {
        var diagnostics = await AnalyzerVerifier.GetDiagnosticsAsync(source, ImmutableArray.Create<DiagnosticAnalyzer>(new BalanceAnalyzer()), VerifyOptions.Default);
        return Assert.Single(diagnostics).GetMessage(CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Conditional_give_back_through_an_unannotated_try_method_taken_back_under_its_flag()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class Flusher
            {
                readonly Epoch epoch = new();
                void Flush(bool pulse, int records)
                {
                    var protectWhenDone = epoch.TrySuspend();
                    try
                    {
                        if (records == 0) throw new System.InvalidOperationException("empty");
                        for (int i = 0; i < records; i++)
                        {
                            try
                            {
                                if (pulse) epoch.Resume();
                                if (i == records - 1) continue;
                            }
                            finally
                            {
                                if (pulse) epoch.Suspend();
                            }
                            Epoch.Wait();
                        }
                    }
                    finally
                    {
                        if (protectWhenDone) epoch.Resume();
                    }
                }
            }
            """ + Epoch);

    [Fact]
    public async Task Conditional_give_back_taken_back_unconditionally_still_leaks()
    {
        // Where the caller was not protected, TrySuspend gave nothing back and the Resume is a hold the caller never had.
        var message = await SingleMessageAsync("""
            using KmemGen;
            class Flusher
            {
                readonly Epoch epoch = new();
                void Flush()
                {
                    var suspended = epoch.TrySuspend();
                    Epoch.Wait();
                    epoch.Resume();
                }
            }
            """ + Epoch);
        Assert.Equal("The 'epoch' acquired by 'Resume' is not released or handed over on every path: it leaks at the end of the method or a return; "
                     + "release it before that exit or move the rest into try/finally", message);
    }

    [Fact]
    public async Task A_bool_method_without_a_provable_summary_is_an_ordinary_call()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class Flusher
            {
                readonly Epoch epoch = new();
                void Flush(bool really, bool stop)
                {
                    var suspended = epoch.SuspendOrNot(really);
                    if (stop)
                    {
                        epoch.Suspend();
                        return;
                    }
                    if (suspended) {|KMEM0201:epoch.Resume()|};
                }
            }
            """ + Epoch);

    [Fact]
    public async Task An_overridable_or_twice_releasing_try_method_gets_no_summary()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class Pulse
            {
                [Acquires("epoch")] public void Resume() { }
                [Releases("epoch")] public void Suspend() { }
                public virtual bool TrySuspend()
                {
                    Suspend();
                    return true;
                }
                public bool TrySuspendTwice()
                {
                    Suspend();
                    Suspend();
                    return true;
                }
            }
            class Flusher
            {
                readonly Pulse epoch = new();
                void Overridable(bool stop)
                {
                    var suspended = epoch.TrySuspend();
                    if (stop)
                    {
                        epoch.Suspend();
                        return;
                    }
                    if (suspended) {|KMEM0201:epoch.Resume()|};
                }
                void Twice(bool stop)
                {
                    var suspended = epoch.TrySuspendTwice();
                    if (stop)
                    {
                        epoch.Suspend();
                        return;
                    }
                    if (suspended) {|KMEM0201:epoch.Resume()|};
                }
            }
            """);

    private const string Locks = """
        struct StackCtx { public bool HasSharedLock; }
        sealed class Store
        {
            [Acquires("record.s")] public bool TrySharedLock(ref StackCtx ctx) { ctx.HasSharedLock = true; return true; }
            [Releases("record.s")] public void SharedUnlock(ref StackCtx ctx) { ctx.HasSharedLock = false; }
            public static int Copy() => System.IO.File.ReadAllBytes("r").Length;
        }
        """;

    [Fact]
    public async Task Lock_taken_in_a_disjunction_with_the_callers_and_released_only_when_ours()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            sealed class Copier
            {
                readonly Store store = new();
                int CopyToTail(ref StackCtx ctx, int retries)
                {
                    var callerHasLock = ctx.HasSharedLock;
                    while (true)
                    {
                        int status = 0;
                        if (callerHasLock || store.TrySharedLock(ref ctx))
                        {
                            try { status = Store.Copy(); }
                            finally
                            {
                                if (!callerHasLock) store.SharedUnlock(ref ctx);
                            }
                        }
                        if (status > 0) return status;
                        if (--retries == 0) return -1;
                    }
                }
            }
            """ + Locks);

    [Fact]
    public async Task Lock_taken_in_a_disjunction_but_released_only_when_the_caller_had_it_still_leaks()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            sealed class Copier
            {
                readonly Store store = new();
                int CopyToTail(ref StackCtx ctx)
                {
                    var callerHasLock = ctx.HasSharedLock;
                    int status = 0;
                    if (callerHasLock || {|KMEM0201:store.TrySharedLock(ref ctx)|})
                    {
                        status = 1;
                        if (callerHasLock) store.SharedUnlock(ref ctx);
                    }
                    if (status > 0) return status;
                    return 0;
                }
            }
            """ + Locks);

    [Fact]
    public async Task Lock_taken_in_a_disjunction_with_an_unrelated_bool_is_not_correlated()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            sealed class Copier
            {
                readonly Store store = new();
                int CopyToTail(ref StackCtx ctx, bool fast, bool skipUnlock)
                {
                    int status = 0;
                    if (fast || {|KMEM0201:store.TrySharedLock(ref ctx)|})
                    {
                        status = 1;
                        if (!skipUnlock) store.SharedUnlock(ref ctx);
                    }
                    return status;
                }
            }
            """ + Locks);

    [Fact]
    public async Task Release_after_a_disjunction_not_under_its_bool_gives_back_the_callers_too()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            sealed class Quota
            {
                [Acquires("charge")] public bool TryCharge(int n) => n > 0;
                [Releases("charge")] public void Uncharge(int n) { }
            }
            sealed class Cache
            {
                int Fill(Quota q, bool precharged)
                {
                    if (precharged || q.TryCharge(8))
                    {
                        {|KMEM0203:q.Uncharge(8)|};
                        return 1;
                    }
                    return 0;
                }
            }
            """);

    private const string Checkpointer = """
        using KmemGen;
        sealed class Checkpointer
        {
            readonly Epoch epoch = new();
            static void Log(System.Exception e) => System.Console.Error.WriteLine(e.Message);
            static void Write(int chunk) => System.IO.File.WriteAllText("c", chunk.ToString());

            public void Flush(System.Action<int> visit, int chunks)
            {
                void Runner()
                {
                    try
                    {
                        for (int i = 0; i < chunks; i++)
                        {
                            PROTECTED
                            try { Write(i); }
                            catch
                            {
                                Log(new System.Exception());
                                throw;
                            }
                        }
                    }
                    catch (System.Exception e)
                    {
                        Log(e);
                    }
                }
                Runner();
            }
        }
        """;

    private const string Unprotected = """
        bool prot = false;
        if (!epoch.IsProtected())
        {
            prot = true;
            epoch.Resume();
        }
        visit(i);
        if (prot) epoch.Suspend();
        """;

    private const string Protected = """
        bool prot = false;
        if (!epoch.IsProtected())
        {
            prot = true;
            epoch.Resume();
        }
        try { visit(i); }
        finally { if (prot) epoch.Suspend(); }
        """;

    [Fact]
    public async Task Callback_exception_swallowed_by_a_catch_with_the_epoch_held_is_an_exception_leak()
    {
        var message = await SingleMessageAsync(Checkpointer.Replace("PROTECTED", Unprotected) + Epoch);
        Assert.Equal("The 'epoch' acquired by 'Resume' leaks if 'Invoke' throws; release it in a finally block", message);
    }

    [Fact]
    public async Task Callback_exception_logged_and_rethrown_with_the_epoch_held_names_the_callback()
    {
        var message = await SingleMessageAsync("""
            using KmemGen;
            sealed class Visitor
            {
                readonly Epoch epoch = new();
                public void VisitAll(System.Action<int> visit, int n)
                {
                    try
                    {
                        epoch.Resume();
                        visit(n);
                        epoch.Suspend();
                    }
                    catch (System.Exception e)
                    {
                        System.Console.Error.WriteLine(e.Message);
                        throw;
                    }
                }
            }
            """ + Epoch);
        Assert.Equal("The 'epoch' acquired by 'Resume' leaks if 'Invoke' throws; release it in a finally block", message);
    }

    [Fact]
    public async Task An_explicit_throw_caught_in_the_same_method_stays_a_normal_path()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            sealed class Visitor
            {
                readonly Epoch epoch = new();
                public bool Visit(int n)
                {
                    try
                    {
                        {|KMEM0201:epoch.Resume()|};
                        if (n < 0) throw new System.ArgumentOutOfRangeException(nameof(n));
                        epoch.Suspend();
                        return true;
                    }
                    catch (System.ArgumentOutOfRangeException)
                    {
                        return true;
                    }
                }
            }
            """ + Epoch);

    [Fact]
    public async Task Callback_under_try_finally_inside_the_swallowing_catch_is_correct()
        => await VerifyAsync<BalanceAnalyzer>(Checkpointer.Replace("PROTECTED", Protected) + Epoch);
}
