using System.Collections.Concurrent;
using KmemGen.Internal;

namespace KmemGen.Tests.Memcg.Stress;

/// <summary>
/// Randomised concurrent workload over a small cgroup tree, with named invariants checked at
/// checkpoints where every worker is paused (a System.Threading.Barrier's post-phase action):
/// top (limit) -> mid0, mid1 (limits) -> 8 leaf slots (random limits). Workers allocate and free
/// accounted slab and kmalloc objects inside a leaf's scope (remote charging: the leaf is entered,
/// not inherited), hand objects to the other worker to free (remote frees), charge and uncharge
/// non-slab bytes through ObjCgroup handles, change leaf limits, and replace leaves (remove the old
/// cgroup while its objects live, create a new one in the slot).
/// </summary>
internal sealed unsafe class MemcgStressHarness : IDisposable
{
    private const int Leaves = 8;
    private const int MaxLivePerWorker = 3000;

    private readonly int _threads;
    private readonly long _opsPerThread;
    private readonly int _checkpoints;
    private readonly MemCgroup _top;
    private readonly MemCgroup[] _mids;
    private readonly MemCgroup[] _leaves = new MemCgroup[Leaves];
    private readonly object[] _slotLocks = [.. Enumerable.Range(0, Leaves).Select(_ => new object())];
    private readonly ConcurrentBag<MemCgroup> _allLeaves = [];
    private readonly ConcurrentBag<ObjCgroup> _allObjcgs = [];
    private readonly ConcurrentDictionary<MemCgroup, bool> _loweredBelowUsage = new();
    private readonly ConcurrentQueue<Live>[] _handOff;
    private readonly SlabCache _small;
    private readonly SlabCache _large;
    // Bytes live objects hold, by kind (shared counters: this harness checks, it does not benchmark).
    private long _liveExact;        // cache objects and ObjCgroup byte charges: charged exactly
    private long _liveReclaimable;  // the reclaimable cache's objects: memory.stat slab_reclaimable
    private long _liveKmalloc;      // requested kmalloc sizes: charged rounded up to the size class
    private readonly List<string> _violations = [];
    private long _underflowsAtStart;
    private int _nameCounter;

    public long Operations;
    public long FailedCharges;
    public long Replacements;
    public long LimitWrites;
    public int CheckpointsRun;

    public override string ToString() =>
        $"{Operations} ops, {CheckpointsRun} checkpoints, {FailedCharges} failed charges, {Replacements} cgroups replaced, {LimitWrites} limit writes, {_allObjcgs.Count} ObjCgroups";

    public MemcgStressHarness(int threads, long totalOps, int checkpoints)
    {
        _threads = threads;
        _opsPerThread = totalOps / threads;
        _checkpoints = checkpoints;
        _top = TestCgroups.Fresh("stress");
        _top.WriteFile("memory.max", "1536K");
        _mids = [_top.CreateChild("mid0"), _top.CreateChild("mid1")];
        foreach (MemCgroup mid in _mids) mid.WriteFile("memory.max", "1M");
        for (int i = 0; i < Leaves; i++) _leaves[i] = NewLeaf(i);
        _handOff = [.. Enumerable.Range(0, threads).Select(_ => new ConcurrentQueue<Live>())];
        string id = Guid.NewGuid().ToString("N");
        _small = SlabCache.Create("stress-small-" + id, 64, SlabFlags.Account);
        _large = SlabCache.Create("stress-large-" + id, 700, SlabFlags.Account | SlabFlags.Reclaimable);
    }

    public IReadOnlyList<string> Violations => _violations;
    public IEnumerable<ObjCgroup> AllObjcgs => _allObjcgs;

    /// <summary>Removes the whole tree, leaves first.</summary>
    public void RemoveAll() => TestCgroups.RemoveTree(_top);
    public IEnumerable<MemCgroup> AllCgroups => _allLeaves.Concat(_mids).Append(_top);

    private enum Kind : byte { Small, Large, Kmalloc, Bytes }

    private readonly record struct Live(IntPtr Ptr, Kind Kind, long Bytes, ObjCgroup? Objcg);

    public void Run()
    {
        _underflowsAtStart = PageCounter.Underflows;
        using var barrier = new Barrier(_threads, _ => Checkpoint());
        var workers = Enumerable.Range(0, _threads).Select(t => new Thread(() => Worker(t, barrier)) { IsBackground = true }).ToList();
        foreach (Thread w in workers) w.Start();
        foreach (Thread w in workers) w.Join();
        if (!_workerFailures.IsEmpty) throw new AggregateException(_workerFailures);
    }

    private readonly ConcurrentQueue<Exception> _workerFailures = new();

    private void Worker(int self, Barrier barrier)
    {
        var rng = new Random(1234 + self);
        var live = new List<Live>();
        long checkpointEvery = Math.Max(1, _opsPerThread / _checkpoints);
        try
        {
            long done = 0;
            while (done < _opsPerThread)
            {
                int slot = rng.Next(Leaves);
                MemCgroup leaf;
                lock (_slotLocks[slot]) leaf = _leaves[slot];
                int burst = 1 + rng.Next(16);
                MemCgroupScope scope;
                try
                {
                    scope = leaf.Enter();
                }
                catch (InvalidOperationException) when (!leaf.IsOnline)
                {
                    continue;  // the slot was replaced between the pick and Enter: pick again
                }
                using (scope)
                {
                    for (int i = 0; i < burst; i++) Step(self, rng, live);
                }
                long before = done;
                done += burst;
                Interlocked.Add(ref Operations, burst);
                if (before / checkpointEvery != done / checkpointEvery) Pause(self, barrier);
            }
            Pause(self, barrier);
            FreeEverything(self, live);
            barrier.SignalAndWait();  // every worker has freed and drained: the final checkpoint
        }
        catch (Exception e)
        {
            _workerFailures.Enqueue(e);
            barrier.RemoveParticipant();
        }
    }

    private void Pause(int self, Barrier barrier)
    {
        FreeHandedOff(self);
        barrier.SignalAndWait();
    }

    private void Step(int self, Random rng, List<Live> live)
    {
        int dice = rng.Next(1000);
        if (dice < 470 && live.Count < MaxLivePerWorker) Allocate(rng, live);
        else if (dice < 900 && live.Count > 0) FreeOne(rng, live);
        else if (dice < 960 && live.Count > 0) HandOff(self, rng, live);
        else if (dice < 985) FreeHandedOff(self);
        else if (dice < 999) ChangeLimit(rng);
        else ReplaceLeaf(rng.Next(Leaves));
    }

    private void Allocate(Random rng, List<Live> live)
    {
        int which = rng.Next(10);
        Live item;
        if (which < 5)
        {
            void* p = _small.TryAlloc();
            if (p == null) { Interlocked.Increment(ref FailedCharges); return; }
            item = new Live((IntPtr)p, Kind.Small, _small.ObjectSize, null);
        }
        else if (which < 8)
        {
            void* p = _large.TryAlloc();
            if (p == null) { Interlocked.Increment(ref FailedCharges); return; }
            item = new Live((IntPtr)p, Kind.Large, _large.ObjectSize, null);
        }
        else if (which < 9)
        {
            nuint size = (nuint)(8 + rng.Next(3000));
            void* p = Kmalloc.TryAlloc(size, Gfp.KernelAccount);
            if (p == null) { Interlocked.Increment(ref FailedCharges); return; }
            item = new Live((IntPtr)p, Kind.Kmalloc, (long)size, null);
        }
        else
        {
            // A "map" owner taken from the current scope, charged for non-slab bytes (the BPF case).
            ObjCgroup? objcg = ObjCgroup.FromCurrent();
            if (objcg is null) return;
            long bytes = 1 + rng.Next(20_000);
            if (!objcg.TryCharge(bytes)) { objcg.Put(); Interlocked.Increment(ref FailedCharges); return; }
            item = new Live(IntPtr.Zero, Kind.Bytes, bytes, objcg);
        }
        live.Add(item);
        Count(item, +1);
    }

    private void FreeOne(Random rng, List<Live> live)
    {
        int i = rng.Next(live.Count);
        Live item = live[i];
        live[i] = live[^1];
        live.RemoveAt(live.Count - 1);
        Release(item);
    }

    private void Count(Live item, int sign)
    {
        long bytes = sign * item.Bytes;
        if (item.Kind == Kind.Kmalloc) Interlocked.Add(ref _liveKmalloc, bytes);
        else Interlocked.Add(ref _liveExact, bytes);
        if (item.Kind == Kind.Large) Interlocked.Add(ref _liveReclaimable, bytes);
    }

    // Give an object to another worker, which frees it in whatever cgroup it is in: the owner is refunded.
    private void HandOff(int self, Random rng, List<Live> live)
    {
        int i = rng.Next(live.Count);
        Live item = live[i];
        live[i] = live[^1];
        live.RemoveAt(live.Count - 1);
        _handOff[(self + 1) % _threads].Enqueue(item);
    }

    private void FreeHandedOff(int self)
    {
        while (_handOff[self].TryDequeue(out Live item)) Release(item);
    }

    private void Release(Live item)
    {
        Count(item, -1);
        switch (item.Kind)
        {
            case Kind.Small: _small.Free((void*)item.Ptr); break;
            case Kind.Large: _large.Free((void*)item.Ptr); break;
            case Kind.Kmalloc: Kmalloc.Free((void*)item.Ptr); break;
            default:
                item.Objcg!.Uncharge(item.Bytes);
                item.Objcg.Put();
                break;
        }
    }

    private void FreeEverything(int self, List<Live> live)
    {
        while (live.Count > 0) FreeOne(new Random(0), live);
        FreeHandedOff(self);
        ObjStock.DrainCurrentThread();
    }

    private void ChangeLimit(Random rng)
    {
        int slot = rng.Next(Leaves);
        MemCgroup leaf;
        lock (_slotLocks[slot]) leaf = _leaves[slot];
        string value = rng.Next(4) == 0 ? "max" : $"{64 + rng.Next(1024)}K";
        try
        {
            leaf.WriteFile("memory.max", value);
        }
        catch (InvalidOperationException) when (!leaf.IsOnline)
        {
            return;
        }
        Interlocked.Increment(ref LimitWrites);
        // memory.max may be set below usage (no reclaim here); the leaf may then stay above it until frees.
        if (leaf.Usage > leaf.Max) _loweredBelowUsage[leaf] = true;
    }

    private void ReplaceLeaf(int slot)
    {
        MemCgroup old;
        lock (_slotLocks[slot])
        {
            old = _leaves[slot];
            _leaves[slot] = NewLeaf(slot);
        }
        old.Remove();
        Interlocked.Increment(ref Replacements);
    }

    private MemCgroup NewLeaf(int slot)
    {
        int n = Interlocked.Increment(ref _nameCounter);
        MemCgroup leaf = _mids[slot % 2].CreateChild($"leaf{slot}-{n}");
        leaf.Max = (64 + n * 37 % 1024) * 1024L;
        _allLeaves.Add(leaf);
        if (leaf.ObjcgRcu is { } objcg) _allObjcgs.Add(objcg);
        return leaf;
    }

    // ---- invariants, checked with every worker paused ----

    private void Checkpoint()
    {
        CheckpointsRun++;
        long exact = Volatile.Read(ref _liveExact);
        long kmalloc = Volatile.Read(ref _liveKmalloc);
        long reclaimable = Volatile.Read(ref _liveReclaimable);
        Check(PageCounter.Underflows == _underflowsAtStart, "no counter went negative (page_counter underflow)");
        Check(_top.Usage == _mids[0].Usage + _mids[1].Usage, $"top usage {_top.Usage} equals the sum of its children {_mids[0].Usage}+{_mids[1].Usage}");
        foreach (MemCgroup mid in _mids)
        {
            long leaves = _allLeaves.Where(l => l.IsOnline && l.Parent == mid).Sum(l => l.Usage);
            Check(mid.Usage >= leaves, $"{mid.Path} usage {mid.Usage} covers its online leaves {leaves}");
        }
        foreach (MemCgroup cg in AllCgroups.Where(c => c.IsOnline))
        {
            Check(cg.Usage >= 0, $"{cg.Path} usage {cg.Usage} is not negative");
            bool lowered = _loweredBelowUsage.ContainsKey(cg);
            Check(cg.Usage <= cg.Max || lowered, $"{cg.Path} usage {cg.Usage} is within max {cg.Max}");
            if (lowered && cg.Usage <= cg.Max) _loweredBelowUsage.TryRemove(cg, out _);
        }
        // memory.current leads live bytes by at most a batch per thread plus a page of leftover per handle;
        // a kmalloc object is charged at most twice its request (its power-of-two class), or whole pages.
        long slack = (long)_threads * ObjStock.BatchBytes + (_allObjcgs.Count + 1) * ObjStock.PageSize;
        Check(_top.Usage >= exact + kmalloc, $"top usage {_top.Usage} covers the live bytes {exact}+{kmalloc}");
        Check(_top.Usage <= exact + 2 * kmalloc + slack,
            $"top usage {_top.Usage} leads the live bytes {exact}+{kmalloc} by at most the stock bound {slack}");
        // Workers are paused; each may hold under a page of unflushed stat delta per item.
        long stat = _top.Stat.SlabReclaimable;
        Check(Math.Abs(stat - reclaimable) <= _threads * ObjStock.PageSize,
            $"slab_reclaimable {stat} matches the live reclaimable bytes {reclaimable} within the pending deltas");
    }

    private void Check(bool ok, string invariant)
    {
        if (!ok) lock (_violations) _violations.Add($"checkpoint {CheckpointsRun}: {invariant}");
    }

    public void Dispose()
    {
        _small.Dispose();
        _large.Dispose();
    }
}
