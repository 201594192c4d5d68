using KmemGen.Analyzers.Balance;
using static KmemGen.Analyzers.Tests.Harness.AnalyzerVerifier;

namespace KmemGen.Analyzers.Tests.Balance;

/// <summary>
/// A reduction of a real storage engine's annotated code (written for this test): epoch protection, a sector
/// buffer pool and record locks. Every true leak is marked; every other shape is correct and must stay quiet.
/// </summary>
public class RealCodeReductionTests
{
    private const string Engine = """
        using KmemGen;

        sealed class Epoch
        {
            private int _depth;
            private readonly long[] _words = new long[64];
            [Acquires("epoch")] public void Resume() { _depth++; }
            [Releases("epoch")] public void Suspend() { _depth--; }
            public bool IsProtected() => _depth > 0;
            public ref long UserWord(int i) => ref _words[i];

            // Not annotated: gives back the caller's epoch exactly when it returns true.
            public bool TrySuspend()
            {
                if (!IsProtected()) return false;
                Suspend();
                return true;
            }
        }

        sealed class Memory
        {
            public byte[] Bytes = new byte[0];
            public System.Span<byte> Valid => Bytes;
            [Releases("buffer")] public void Return() { }
        }

        sealed class BufferPool
        {
            [Acquires("buffer")] public Memory Get(int size) => new Memory { Bytes = new byte[size] };
        }

        struct StackCtx { public bool HasLock; public long Address; }

        sealed class LockTable
        {
            [Acquires("record")] public bool TryLockShared(ref StackCtx ctx) { ctx.HasLock = true; return true; }
            [Releases("record")] public void UnlockShared(ref StackCtx ctx) { if (ctx.HasLock) ctx.HasLock = false; }
        }

        interface IDevice { void ReadAsync(long address, byte[] into); }

        interface IKeyComparer { bool Equal(long a, long b); }

        sealed class Log
        {
            private readonly Epoch epoch = new();
            private readonly Epoch? scanEpoch = null;
            private readonly BufferPool pool = new();
            private readonly LockTable locks = new();
            private readonly IDevice device = null!;
            private readonly IKeyComparer comparer = null!;
            private long tail;
            private long next;

            void BeginEnqueue() { System.Threading.Volatile.Write(ref epoch.UserWord(0), tail); }
            void EndEnqueue() { System.Threading.Volatile.Write(ref epoch.UserWord(0), 0); }

            // Correct: the in-flight marks only write memory; the epoch is given back in finally.
            public void Enqueue(long length)
            {
                epoch.Resume();
                BeginEnqueue();
                try { tail += length; }
                finally
                {
                    EndEnqueue();
                    epoch.Suspend();
                }
            }

            // True leak: the device read can throw while the epoch is held.
            public void Read(long address, byte[] into)
            {
                {|KMEM0202:epoch.Resume()|};
                device.ReadAsync(address, into);
                epoch.Suspend();
            }

            // Correct: protect only when not yet protected, and undo exactly that.
            public long Version()
            {
                var isProtected = epoch.IsProtected();
                if (!isProtected) epoch.Resume();
                try { return tail; }
                finally { if (!isProtected) epoch.Suspend(); }
            }

            // Correct: the inverted bracket gives back the caller's epoch while waiting, and takes it again.
            public void WaitForFlush(System.Threading.SemaphoreSlim flushed)
            {
                epoch.Suspend();
                try { flushed.Wait(); }
                finally { epoch.Resume(); }
            }

            // Correct: a scan without an epoch skips both halves of the bracket.
            public bool ScanNext(long stop)
            {
                scanEpoch?.Resume();
                if (tail >= stop)
                {
                    scanEpoch?.Suspend();
                    return false;
                }
                scanEpoch?.Suspend();
                return true;
            }

            // True leak: the callback runs with the epoch held and no finally.
            public void Checkpoint(System.Action<long> visit)
            {
                bool prot = false;
                if (!epoch.IsProtected())
                {
                    prot = true;
                    {|KMEM0202:epoch.Resume()|};
                }
                visit(tail);
                if (prot) epoch.Suspend();
            }

            // Correct: the copy goes into the buffer sized for it; the buffer is handed to the caller.
            public Memory Hoist(System.ReadOnlySpan<byte> key, System.ReadOnlySpan<byte> ns)
            {
                var mem = pool.Get(key.Length + ns.Length);
                ns.CopyTo(mem.Valid);
                key.CopyTo(mem.Valid[ns.Length..]);
                return mem;
            }

            // Correct: the unlock is handed the flag the lock set, and runs in finally.
            public bool ReadRecord(long address, IDevice disk, byte[] into)
            {
                StackCtx ctx = default;
                if (!locks.TryLockShared(ref ctx)) return false;
                try { disk.ReadAsync(address, into); return true; }
                finally { locks.UnlockShared(ref ctx); }
            }

            // Correct: the flush gives back the caller's epoch if it had one (an unannotated Try), and takes it back
            // exactly then, while its own pulses pair up inside.
            public void FlushPage(bool pulse, byte[] page)
            {
                var protectWhenDone = epoch.TrySuspend();
                try
                {
                    if (page.Length == 0) throw new System.InvalidOperationException("empty page");
                    try
                    {
                        if (pulse) epoch.Resume();
                        tail += page.Length;
                    }
                    finally
                    {
                        if (pulse) epoch.Suspend();
                    }
                    device.ReadAsync(tail, page);
                }
                finally
                {
                    if (protectWhenDone) epoch.Resume();
                }
            }

            // Correct: the record lock is taken only when the caller does not hold it, and released only then.
            public bool CopyRecord(ref StackCtx ctx, IDevice disk, byte[] into)
            {
                var callerHasLock = ctx.HasLock;
                if (callerHasLock || locks.TryLockShared(ref ctx))
                {
                    try { disk.ReadAsync(ctx.Address, into); }
                    finally
                    {
                        if (!callerHasLock) locks.UnlockShared(ref ctx);
                    }
                    return true;
                }
                return false;
            }

            // True leak: the callback's exception is swallowed by the catch with the epoch still held.
            public void CheckpointAll(System.Action<long> visit, int chunks)
            {
                try
                {
                    for (int i = 0; i < chunks; i++)
                    {
                        bool prot = false;
                        if (!epoch.IsProtected())
                        {
                            prot = true;
                            {|KMEM0202:epoch.Resume()|};
                        }
                        visit(i);
                        if (prot) epoch.Suspend();
                    }
                }
                catch (System.Exception e)
                {
                    System.Console.Error.WriteLine(e.Message);
                }
            }

            // True leak: the epoch is handed to the caller on success (EndPrev gives it back), but the comparer runs
            // before that hand-over, with the epoch held and outside the caller's try/finally.
            public bool BeginPrev(long key)
            {
                while (true)
                {
                    if (next <= 0) return false;
                    scanEpoch?{|KMEM0202:.Resume()|};
                    long address = next--;
                    if (!comparer.Equal(address, key))
                    {
                        scanEpoch?.Suspend();
                        continue;
                    }
                    return true;
                }
            }

            // Correct: the same hand-over, with the comparer's exception giving the epoch back before it leaves.
            public bool BeginPrevGuarded(long key)
            {
                while (true)
                {
                    if (next <= 0) return false;
                    scanEpoch?.Resume();
                    long address = next--;
                    bool equal;
                    try { equal = comparer.Equal(address, key); }
                    catch
                    {
                        scanEpoch?.Suspend();
                        throw;
                    }
                    if (!equal)
                    {
                        scanEpoch?.Suspend();
                        continue;
                    }
                    return true;
                }
            }

            public void EndPrev() => scanEpoch?.Suspend();

            // True leak: a pooled buffer leaks when the early return skips Return.
            public int Checksum(int size)
            {
                var mem = {|KMEM0201:pool.Get(size)|};
                if (size == 0) return 0;
                int sum = mem.Bytes.Length;
                mem.Return();
                return sum;
            }
        }
        """;

    [Fact]
    public async Task Every_true_leak_is_reported_and_nothing_else()
        => await VerifyAsync<BalanceAnalyzer>(Engine);
}
